"""One module per report: each builds the context its templates (Jinja, Word) print."""
