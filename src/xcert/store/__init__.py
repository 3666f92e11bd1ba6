"""The SQLite file: connecting, schema and ordered migrations, the write log and journal, undo, backup."""
