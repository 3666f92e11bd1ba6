"""Another xcert database read without touching it: a school's file that a province
merges (SPEC 6.8). The file (and its write-ahead log, if any) is copied into a temporary
folder and opened there; an older schema is brought up to date on the copy, so the
source is never written, whatever its version or its folder's permissions."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from xcert.errors import XcertError
from xcert.store.migrations import SCHEMA_VERSION
from xcert.store.schema import migrate, schema_version

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass(frozen=True)
class Copy:
    """A source database as read: its connection (on the copy), what it was."""

    conn: sqlite3.Connection
    sha256: str  # of the file and its log, as they were
    version: int  # its schema version before the copy was brought up to date


@contextmanager
def read_copy(path: Path) -> Iterator[Copy]:
    """The database at `path`, copied and opened; the copy goes when the block ends.
    Refuses (XcertError naming the file) what is not a readable xcert database."""
    _check_file(path)
    with tempfile.TemporaryDirectory(prefix="xcert-merge-") as folder:
        copy = Path(folder) / "source.db"
        digest = hashlib.sha256()
        for suffix in ("", "-wal"):
            part = path.with_name(path.name + suffix)
            if part.is_file():
                shutil.copyfile(part, copy.with_name(copy.name + suffix))
                with part.open("rb") as fh:
                    digest.update(hashlib.file_digest(fh, "sha256").digest())
        conn = sqlite3.connect(copy, isolation_level=None)
        try:
            version = _checked_version(conn, path)
            migrate(conn)  # on the copy: the source keeps its version
            yield Copy(conn, digest.hexdigest(), version)
        finally:
            conn.close()


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise XcertError(f"{path}：文件不存在")
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
        raise XcertError(f"{path}：数据库已损坏，无法读取（{exc}）") from None
    if ok != "ok":
        raise XcertError(f"{path}：数据库已损坏（{ok}）")
    if version <= 0 or "students" not in tables:
        raise XcertError(f"{path}：不是 xcert 数据库")
    if version > SCHEMA_VERSION:
        raise XcertError(
            f"{path}：数据库版本 {version} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 xcert 后再合并"
        )
    return version
