"""Open the database file with the pragmas a shared office file needs.

WAL (readers never block a writer), a busy timeout (a cron summary waits for a clerk's
import instead of failing), enforced foreign keys; autocommit, so that a transaction is
always explicit (`transaction`), all or nothing. A database already at the current
version opens here without the migrations (`open_current`).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from xcert.errors import XcertError

if TYPE_CHECKING:
    import sqlite_utils


def is_province(conn: sqlite3.Connection) -> bool:
    """A province's database (SPEC 6.8): schools merged into it, none of its own rows."""
    return conn.execute("SELECT 1 FROM schools LIMIT 1").fetchone() is not None


BUSY_TIMEOUT_MS = 30_000  # a cron summary waits for a clerk's import instead of failing
# The version migrations.py brings a database to (a test keeps the two equal).
SCHEMA_VERSION = 14


class Connection(sqlite3.Connection):
    """A connection that knows which command opened it: the write log records it with
    every write (SPEC 6.7), passed down as an argument rather than kept in a global."""

    command: str | None = None


def is_xcert_file(path: Path) -> bool:
    """A file xcert made: SQLite's header and a schema version xcert set."""
    try:
        with path.open("rb") as fh:
            header = fh.read(100)
    except OSError:
        return False
    # SQLite's header, and a user_version (bytes 60-63) set: xcert's migrations set it
    return header[:16] == b"SQLite format 3\x00" and int.from_bytes(header[60:64], "big") > 0


def _can_write(path: Path) -> bool:
    """Read and write both: SQLite's WAL needs to write even to read."""
    return os.access(path, os.R_OK | os.W_OK)


def connect(path: Path, command: str | None = None) -> Connection:
    """A connection in autocommit mode; writes go through `writes.write()` or
    `transaction()`. `command` is the command line the write log records."""
    if path.is_dir():
        raise XcertError(f"{path} 是一个文件夹，不是数据库文件")
    if not path.parent.exists():
        raise XcertError(f"数据库所在文件夹「{path.parent}」不存在")
    if path.exists() and not path.is_file():  # /dev/null, a pipe: nothing to keep data in
        raise XcertError(f"{path} 不是普通文件，不能作为数据库")
    if path.exists() and not _can_write(path):
        raise XcertError(f"数据库文件「{path}」只读（或不可读），请检查权限")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise XcertError(f"{path} 不是 xcert 数据库（不是 SQLite 文件）")
    try:
        conn = sqlite3.connect(  # (a second thread: an import writing its file, ingest/memo.py)
            path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            factory=Connection,
            check_same_thread=False,
        )
        conn.command = command
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        _write_ahead(conn)
    except sqlite3.Error as exc:
        raise XcertError(
            f"无法打开数据库 {path}（{exc}）；请检查文件夹是否存在、是否有写权限"
        ) from None
    return conn


def _write_ahead(conn: sqlite3.Connection) -> None:
    """WAL, unless another connection is filling the file through the rollback journal
    (`rollback_journal`): SQLite refuses the switch at once, and this one reads as it is,
    waiting out the writer's commit (the busy timeout). NORMAL sync is safe with WAL only."""
    conn.execute("PRAGMA busy_timeout = 0")  # refused at once, not after the timeout
    try:
        wal = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    except sqlite3.OperationalError as exc:
        if not _locked(exc):
            raise
        wal = False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute(f"PRAGMA synchronous = {'NORMAL' if wal else 'FULL'}")


def _locked(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


@contextmanager
def rollback_journal(conn: sqlite3.Connection) -> Iterator[None]:
    """For a first large write, when no other connection has the file open: the
    rollback journal instead of the WAL, so that each page is written once (the WAL
    writes it twice, into the log and at the checkpoint into the file: 0.1 s of a
    100,000-row roster's import). With the rollback journal a reader waits for the
    writer's commit, so this is for a table nobody has anything to read in yet. Where
    another connection is open SQLite refuses the switch and the write goes through the
    WAL as always; the WAL again afterwards (`_write_ahead` at the next open if not)."""
    try:
        switched = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError as exc:
        if not _locked(exc):
            raise
        switched = False  # another connection has it open
    if switched:  # NORMAL may lose a committed write on power loss with this journal
        conn.execute("PRAGMA synchronous = FULL")
    try:
        yield
    finally:
        if switched and not conn.in_transaction:
            _write_ahead(conn)


def open_current(path: Path, command: str | None = None) -> Connection | None:
    """The database at `path` opened as `schema.open_db` opens it, when it is a file at
    the current version already: every run but the first after an upgrade, and it need
    not load the migrations (start-up). None for a file to create, upgrade or refuse:
    `schema.open_db` does that, with the same checks."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    conn = connect(path, command)
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return conn
    conn.close()
    return None


def data_version(conn: sqlite3.Connection) -> int:
    """A counter every write that changes data bumps (`writes.bump_data_version`): equal counters,
    equal data. Here, not in writes.py, for the readers (`snapshot`) a read-only
    command loads."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # also when COMMIT itself failed (a full disk)
            conn.execute("ROLLBACK")
        raise


def storable(text: str) -> str:
    """Text SQLite can store: a file or folder name in another encoding (a GBK-named
    folder on a USB stick) arrives with surrogate escapes; they become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def utils_db(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils' API over the same connection, for queries that read better with it."""
    import sqlite_utils

    return sqlite_utils.Database(conn)


def checkpoint(conn: sqlite3.Connection) -> bool:
    """Empty the write-ahead log into the file, so scrubbed values are not left in it;
    whether another program held it open (some pages kept)."""
    return bool(conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0])


def scrub_free_pages(conn: sqlite3.Connection) -> None:
    """Pages freed before (a row an undo deleted) still hold their old bytes: fill every
    free page with zeros by a blob that takes them all, then drop it (secure_delete)."""
    conn.execute("DELETE FROM import_memo")  # a roster file kept whole (ingest/memo.py)
    conn.execute("DELETE FROM import_memo_file")
    free = conn.execute("PRAGMA freelist_count").fetchone()[0]
    if not free:
        return
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.execute("CREATE TABLE xcert_scrub (b BLOB)")
    conn.execute("INSERT INTO xcert_scrub (b) VALUES (zeroblob(?))", (free * size,))
    conn.execute("DROP TABLE xcert_scrub")
