"""xcert: the 1+X certificate pilot office's records in one SQLite file."""

__version__ = "0.1.0"
