"""Another xcert database read without touching it: a school's file that a province
merges (SPEC 6.8). A consistent snapshot of the file is taken into a temporary folder
and opened there; an older schema is brought up to date on the copy, so the source is
never written, whatever its version or its folder's permissions.

How the snapshot is taken (`snapshot`), and why. A school's file may be open in the
school's own xcert while the province merges it; copying its bytes unguarded can tear
the copy (a checkpoint rewriting the file between two of our reads, the log restarted
between copying the file and copying its log), and the torn copy then reads as
damaged. Two ways to a consistent snapshot, tried in this order until the busy timeout
(the wait the rest of xcert gives a busy database):

1. Copy the file and its write-ahead log (-wal), then read both again: the same bytes
   twice means nothing was written meanwhile, so the copy is the files as they stood,
   which SQLite reads as it reads a file after a power cut (a transaction not yet
   committed is ignored). A rollback journal (-journal) with content means a write is
   in flight there, and counts as a change. This is the usual case (a file sent by a
   school, nobody writing it): it needs no lock, creates nothing next to the source,
   works in a read-only folder (a CD, a write-protected stick), and gives the same
   hash as earlier versions of xcert, so an unchanged school stays "unchanged".
2. When the files changed under the copy, and SQLite can open the source read-only
   without creating a file next to it (in WAL mode only if its -wal and -shm are
   there already, kept by the program writing it; a rollback-journal file needs
   neither), the snapshot is SQLite's own: a read transaction on a read-only
   connection, copied by the backup API. Readers never wait for a WAL writer, so a
   school writing row after row is still merged at once. Opening it read-only where
   the -shm is missing would create -wal and -shm next to the source and leave them
   (a read-only connection cannot remove them): so then the copy is only tried again.

The hash stored for the school is of exactly the bytes merged (the copy), never of a
second read of the source that might see a later state.
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path

from xcert.errors import XcertError
from xcert.store.connect import BUSY_TIMEOUT_MS
from xcert.store.migrations import SCHEMA_VERSION
from xcert.store.schema import migrate, schema_version

SQLITE_HEADER = b"SQLite format 3\x00"
WAIT_SECONDS = BUSY_TIMEOUT_MS / 1000  # how long a file being written is waited for
RETRY_SECONDS = 0.05  # between two copies of a file that changed under the first
CHUNK = 1 << 20


@dataclass(frozen=True)
class Copy:
    """A source database as read: its connection (on the copy), what it was."""

    conn: sqlite3.Connection
    sha256: str  # of the snapshot merged: the copied file and its log
    version: int  # its schema version before the copy was brought up to date


@contextmanager
def read_copy(path: Path) -> Iterator[Copy]:
    """The database at `path`, copied and opened; the copy goes when the block ends.
    Refuses (XcertError naming the file, one line) what is not a readable xcert
    database, and a file still being written after the busy timeout."""
    _check_file(path)
    with tempfile.TemporaryDirectory(prefix="xcert-merge-") as folder:
        copy, digest = snapshot(path, Path(folder))
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            version = _checked_version(conn, path)
            migrate(conn)  # on the copy: the source keeps its version
            yield Copy(conn, digest, version)
        finally:
            conn.close()


def snapshot(path: Path, folder: Path) -> tuple[Path, str]:
    """A consistent copy of the database at `path` in `folder` (`source.db`, and its
    `-wal` if any), and the SHA-256 of the copy's bytes (module docstring)."""
    copy = folder / "source.db"
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        digest = _copied(path, copy)
        if digest is not None:
            return copy, digest
        if opens_without_new_files(path):
            return copy, _backed_up(path, copy, max(deadline - time.monotonic(), 0.1))
        if time.monotonic() >= deadline:
            raise XcertError(_busy(path))
        time.sleep(RETRY_SECONDS)


def digest_of(parts: list[Path]) -> str:
    """The hash of a database as files: of each part's own SHA-256, in order."""
    digest = hashlib.sha256()
    for part in parts:
        with part.open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    return digest.hexdigest()


def _copied(path: Path, copy: Path) -> str | None:
    """The file and its -wal copied and hashed; None (and no copy) if either changed
    while copied (a second reading differs) or a rollback journal is in flight."""
    parts = [path.with_name(path.name + suffix) for suffix in ("", "-wal")]
    targets = [copy.with_name(copy.name + suffix) for suffix in ("", "-wal")]
    for target in targets:
        target.unlink(missing_ok=True)
    first = [_copy_part(part, target) for part, target in zip(parts, targets, strict=True)]
    second = [_hash_part(part) for part in parts]
    if first != second or _journal_in_flight(path):
        for target in targets:
            target.unlink(missing_ok=True)
        return None
    digest = hashlib.sha256()
    for part_digest in first:
        if part_digest is not None:
            digest.update(part_digest)
    return digest.hexdigest()


def _copy_part(part: Path, target: Path) -> bytes | None:
    """`part` copied to `target`; the SHA-256 of the bytes copied, None if absent."""
    source = _opened(part)
    if source is None:
        return None
    digest = hashlib.sha256()
    with source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    return digest.digest()


def _hash_part(part: Path) -> bytes | None:
    source = _opened(part)
    if source is None:
        return None
    with source:
        return hashlib.file_digest(source, "sha256").digest()


def _opened(part: Path) -> BufferedReader | None:
    """A part of the database opened to read; None for a -wal there is not (the file
    itself must be there)."""
    try:
        return part.open("rb")
    except FileNotFoundError:
        if part.name.endswith("-wal"):
            return None
        raise


def _journal_in_flight(path: Path) -> bool:
    journal = path.with_name(path.name + "-journal")
    try:
        return journal.stat().st_size > 0
    except FileNotFoundError:
        return False


def opens_without_new_files(path: Path) -> bool:
    """SQLite can open `path` read-only without creating anything next to it: a file
    in rollback-journal mode, or in WAL mode with its -wal and -shm there already."""
    try:
        with path.open("rb") as fh:
            header = fh.read(20)
    except OSError:
        return False
    if len(header) < 20 or header[18] != 2:  # the header's read version: 2 is WAL
        return True
    return all(path.with_name(path.name + s).is_file() for s in ("-wal", "-shm"))


def _backed_up(path: Path, copy: Path, wait: float) -> str:
    """A snapshot through SQLite: a read transaction on a read-only connection to the
    source, copied page by page (backup API) into `copy`; the SHA-256 of the copy."""
    for suffix in ("", "-wal", "-journal"):
        copy.with_name(copy.name + suffix).unlink(missing_ok=True)
    try:
        source = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=wait, isolation_level=None
        )
    except sqlite3.Error as exc:
        raise XcertError(f"{path}：无法读取（{_one_line(str(exc))}）") from None
    try:
        source.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        source.execute("BEGIN")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # the snapshot
        target = sqlite3.connect(copy, isolation_level=None)
        try:
            source.backup(target)
        finally:
            target.close()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise XcertError(_busy(path)) from None
        raise XcertError(f"{path}：数据库无法读取，可能已损坏（{_one_line(str(exc))}）") from None
    except sqlite3.DatabaseError as exc:
        raise XcertError(f"{path}：数据库已损坏，无法读取（{_one_line(str(exc))}）") from None
    finally:
        source.close()
    return digest_of([copy])


def _busy(path: Path) -> str:
    return f"{path}：正在被其他程序写入，等了 {WAIT_SECONDS:g} 秒仍未写完；请稍后再合并"


def _one_line(text: str, limit: int = 160) -> str:
    """SQLite's report (quick_check gives one line per problem) as one short line."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    lines = [line for line in lines if line != "*** in database main ***"] or lines
    joined = "；".join(lines)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise XcertError(f"{path}：是一个文件夹，不是数据库文件")
    if not path.exists():
        raise XcertError(f"{path}：文件不存在")
    if not path.is_file():  # a pipe, a device: nothing a database is kept in
        raise XcertError(f"{path}：不是普通文件，不能作为数据库")
    with path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            raise XcertError(f"{path}：不是 xcert 数据库（不是 SQLite 文件）")


def _checked_version(conn: sqlite3.Connection, path: Path) -> int:
    """The copy's schema version, after a quick check that it is whole."""
    try:
        ok = conn.execute("PRAGMA quick_check").fetchone()[0]
        version = schema_version(conn)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as exc:
        raise XcertError(f"{path}：数据库已损坏，无法读取（{_one_line(str(exc))}）") from None
    if ok != "ok":
        raise XcertError(f"{path}：数据库已损坏（{_one_line(str(ok))}）")
    if version <= 0 or "students" not in tables:
        raise XcertError(f"{path}：不是 xcert 数据库")
    if version > SCHEMA_VERSION:
        raise XcertError(
            f"{path}：数据库版本 {version} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 xcert 后再合并"
        )
    return version
