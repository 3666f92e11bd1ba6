"""Every write is recorded before it changes anything (SPEC 6.7): a row in `imports`
(the write log, named for the first kind of write), whose id the journal's triggers
file each change under, and a data version that equal data share.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from xcert import clock
from xcert.errors import XcertError
from xcert.privacy import mask_ids_in
from xcert.store.connect import data_version, is_province, storable, transaction
from xcert.store.triggers import EARLIEST_CERTIFIED


@dataclass
class Written:
    """One write as the log holds it: its id (the journal files changes under it) and
    the counts the caller fills in before the write finishes."""

    id: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@contextmanager
def write(
    conn: sqlite3.Connection,
    kind: str,
    what: str,
    *,
    sha256: str = "",
    options: dict[str, object] | None = None,
) -> Iterator[Written]:
    """The one way to change data: a transaction, the write logged before anything
    changes, its counts recorded when it finishes; all of it or nothing."""
    with transaction(conn):
        done = Written(log_write(conn, kind, what, sha256=sha256, options=options))
        yield done
        finish_write(
            conn, done.id, added=done.added, updated=done.updated, unchanged=done.unchanged
        )


def log_write(
    conn: sqlite3.Connection,
    kind: str,
    what: str,
    *,
    sha256: str = "",
    options: dict[str, object] | str | None = None,
    file_format: str | None = None,
    encoding: str | None = None,
    unchanged: int = 0,
    note: str | None = None,
    bump: bool = True,
) -> int:
    """A write in the log, before it changes anything (the journal files changes under
    the latest write). A hand write bumps the data version at once; an import
    (`bump=False`) only when `finish_write` finds it changed something. A province's
    file (SPEC 6.8) takes only merges and undos: its rows are the schools' own."""
    if kind not in PROVINCE_WRITES and is_province(conn):
        raise XcertError(
            "这是合并各学校数据的省级数据库，只能用 xcert merge 写入（或 xcert undo 撤销）；"
            "请在学校自己的数据库里改，再重新合并"
        )
    stamp = now()
    cursor = conn.execute(
        "INSERT INTO imports (kind, file_name, sha256, file_format, encoding, options,"
        " started_at, finished_at, rows_unchanged, note, command)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind,
            storable(mask_ids_in(what)),  # a file named after a student: 陈锦曦4400….csv
            sha256,
            file_format,
            encoding,
            options if isinstance(options, str) else json.dumps(options or {}, ensure_ascii=False),
            stamp,
            stamp,
            unchanged,
            note,
            getattr(conn, "command", None),
        ),
    )
    write_id = int(cursor.lastrowid or 0)
    if bump:
        version = bump_data_version(conn)
        conn.execute("UPDATE imports SET data_version = ? WHERE id = ?", (version, write_id))
    return write_id


def finish_write(
    conn: sqlite3.Connection,
    write_id: int,
    *,
    added: int = 0,
    updated: int = 0,
    unchanged: int = 0,
    rejected: int = 0,
    problems: int = 0,
    warnings: int = 0,
    bump: bool = False,
) -> None:
    """A write's counts in the log, once it knows them; `bump`: an import that changed
    something takes a new data version now."""
    conn.execute(
        "UPDATE imports SET rows_added = ?, rows_updated = ?, rows_unchanged = ?,"
        " rows_rejected = ?, problems = ?, warnings = ?, finished_at = ? WHERE id = ?",
        (added, updated, unchanged, rejected, problems, warnings, now(), write_id),
    )
    if bump:
        if added or updated:
            bump_data_version(conn)
        conn.execute(
            "UPDATE imports SET data_version = ? WHERE id = ?", (data_version(conn), write_id)
        )


def now() -> str:
    """The time every write is recorded with: local time, to the second."""
    return clock.now().isoformat(timespec="seconds")


def bump_data_version(conn: sqlite3.Connection) -> int:
    """The next data version. What an import kept for a corrected copy of its file
    (ingest/memo.py) describes the data as it was: gone with it."""
    if conn.execute("DELETE FROM import_memo").rowcount:  # (an import's own file: not yet)
        conn.execute("DELETE FROM import_memo_file")
    version = data_version(conn) + 1
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('data_version', ?)", (str(version),)
    )
    return version


def update_row(
    conn: sqlite3.Connection, table: str, row_id: int, after: dict[str, object], import_id: int
) -> None:
    """Change one row as a write; the journal's trigger keeps what it was (journal.py).
    `table` and the field names are the code's, never input."""
    assignments = ", ".join(f"{field} = ?" for field in after)
    conn.execute(
        f"UPDATE {table} SET {assignments}, updated_import = ? WHERE id = ?",
        [*after.values(), import_id, row_id],
    )


PROVINCE_WRITES = ("merge", "undo")  # what a province's database takes

BULK_CACHE_KIB = 64 * 1024  # page cache while a bulk load rebuilds indexes


@contextmanager
def bulk_load(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Inside a write: set aside the table's indexes, and the journal's insert trigger
    (a row carrying this write's `created_import` is never journalled one by one), then
    make them again from their own SQL. For a load into an empty table, sorting once
    beats 100,000 index updates; a rollback restores everything."""
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " AND (type = 'index' OR name = ?)",
        (table, f"journal_{table}_insert"),
    ).fetchall()
    for kind, name, _ in saved:
        conn.execute(f"DROP {kind.upper()} {name}")
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]  # pages if > 0, KiB if < 0
    page_kib = conn.execute("PRAGMA page_size").fetchone()[0] / 1024
    if (-cache if cache < 0 else cache * page_kib) < BULK_CACHE_KIB:
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")  # to sort an index in memory
    try:
        yield
        for _, _, sql in saved:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


@contextmanager
def certified_after(conn: sqlite3.Connection, import_id: int) -> Iterator[None]:
    """Inside a write that adds many results: set aside the trigger that refreshes each
    new result's student's first_certified, then refresh every student the write's new
    results name once. The same value (the earliest over all their passes and awards),
    without a subquery and an update per row; a rollback restores the trigger."""
    (sql,) = conn.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'results_insert_certified'"
    ).fetchone()
    conn.execute("DROP TRIGGER results_insert_certified")
    yield
    conn.execute(sql)
    conn.execute(
        f"UPDATE students SET first_certified = {EARLIEST_CERTIFIED.format(sid='students.id')}"
        " WHERE id IN (SELECT student_id FROM results WHERE created_import = ?)",
        (import_id,),
    )


ROWS_PER_INSERT = 50  # rows an INSERT statement carries: a sixth less time than one by one


def insert_batched(
    conn: sqlite3.Connection,
    insert: str,
    row: str,
    rows: Iterable[Sequence[object]],
    per: int = ROWS_PER_INSERT,
) -> None:
    """Rows by `insert` (…VALUES ) and `row` (each row's `(?, ?, …)`), `per` rows to a
    statement, their values bound from one flat list; the last few one by one."""
    width = row.count("?")
    flat = list(itertools.chain.from_iterable(rows))  # every value, row after row
    step = per * width
    whole = len(flat) - len(flat) % step
    conn.executemany(
        insert + ", ".join([row] * per), (flat[at : at + step] for at in range(0, whole, step))
    )
    conn.executemany(insert + row, (flat[at : at + width] for at in range(whole, len(flat), width)))
