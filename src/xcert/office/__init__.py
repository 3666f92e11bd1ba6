"""The office's rules over stored data: students' identity, catalogue, sessions, selection, targets, site profile, search, reconciliation, purge."""
