"""The readings of the last workbooks imported (read/memo.py): a cache of what a file's
rows read as, so that a corrected copy is read without parsing what did not change.
Not data: never journalled, cleared whenever data is taken back (`undo`, `purge`), as
it holds the files' rows, ID numbers too."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

KEPT = 4  # readings kept: the last files of a few kinds (roster, results, teachers…)


Reading = tuple[bytes, bytes, bytes | None]  # digests, rows, changes (read/memo_pack.py)
Rest = Callable[[], tuple[bytes, bytes | None]]


def lookup(conn: sqlite3.Connection) -> Callable[[str], tuple[bytes, Rest] | None]:
    """The reading kept under a key, if any: its digests, and a call that reads the rest
    (read while the file's digests are taken)."""

    def find(key: str) -> tuple[bytes, Rest] | None:
        row = conn.execute(
            "SELECT id, digests FROM readings WHERE key = ? ORDER BY id DESC LIMIT 1", (key,)
        ).fetchone()
        if row is None:
            return None
        found, digests = row

        def rest() -> tuple[bytes, bytes | None]:
            rows, changes = conn.execute(
                "SELECT rows, changes FROM readings WHERE id = ?", (found,)
            ).fetchone()
            return bytes(rows), bytes(changes) if changes is not None else None

        return bytes(digests), rest

    return find


def keep(conn: sqlite3.Connection, key: str, reading: Reading) -> None:
    """A file's reading, in place of any earlier one under its key; the last KEPT only."""
    conn.execute("DELETE FROM readings WHERE key = ?", (key,))
    conn.execute(
        "INSERT INTO readings (key, digests, rows, changes) VALUES (?, ?, ?, ?)", (key, *reading)
    )
    conn.execute(
        "DELETE FROM readings WHERE id NOT IN (SELECT id FROM readings ORDER BY id DESC LIMIT ?)",
        (KEPT,),
    )


def forget(conn: sqlite3.Connection) -> None:
    """No reading kept: the data they were read into is being taken back."""
    conn.execute("DELETE FROM readings")
