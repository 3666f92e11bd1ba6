"""What the migrations run: statements one by one, and a column added once."""

from __future__ import annotations

import sqlite3


def script(conn: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration halfway."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def add_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    """ALTER TABLE … ADD COLUMN, unless a file whose version was set back has it already."""
    name = column.split()[0]
    if name not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
