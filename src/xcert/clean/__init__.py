"""Pure cell cleaning: text, dates with their precision, levels, outcomes, ID numbers. No database, no files."""
