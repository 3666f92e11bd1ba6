"""Opening a database at the current schema version: created, or upgraded through the
ordered migrations (`migrations.py`) after a backup."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from xcert import clock
from xcert.errors import XcertError
from xcert.store.backup import backup
from xcert.store.connect import Connection, connect, is_xcert_file, transaction
from xcert.store.migrations import MIGRATIONS, SCHEMA_VERSION
from xcert.store.triggers import create_triggers

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "init", "migrate", "open_db", "schema_version"]


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> tuple[int, int, Path | None]:
    """Apply pending migrations in one transaction; back the file up first if it has data.

    Returns (version before, version after, backup path or None).
    """
    before = schema_version(conn)
    if before < 0:
        raise XcertError(f"数据库 {path or ''} 的版本号 {before} 不对：不是 xcert 写的，或已损坏")
    if before == 0:
        foreign = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        if foreign:
            where = f"{path}" if path else "这个文件"
            raise XcertError(
                f"{where} 是别的程序的 SQLite 数据库，不是 xcert 数据库；xcert 不会改动它"
            )
    if before > SCHEMA_VERSION:
        raise XcertError(f"数据库版本 {before} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 xcert")
    if before == SCHEMA_VERSION:
        return before, before, None
    backup_path = None
    if before > 0 and path is not None:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        backup_path = path.with_name(f"{path.name}.v{before}-{stamp}.bak")
        backup(conn, backup_path)
    with transaction(conn):
        for number in range(before, SCHEMA_VERSION):
            MIGRATIONS[number](conn)
        if before < SCHEMA_VERSION:  # the journal follows every column of every table
            create_triggers(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return before, SCHEMA_VERSION, backup_path


def open_db(path: Path, *, create: bool = True, command: str | None = None) -> Connection:
    """Open (and create or migrate) the database at `path`; `command` is what the write
    log records as the command line of this connection's writes."""
    if not create and not path.exists():
        raise XcertError(f"数据库「{path}」不存在；先运行 xcert init，或用 --db 指定")
    if not create and path.is_file() and path.stat().st_size == 0:
        raise XcertError(
            f"数据库「{path}」是空文件（0字节），不是 xcert 数据库（也许是没复制完的文件）；"
            "先运行 xcert init，或用 --db 指定"
        )
    if create and not path.exists():
        _refuse_a_second_database(path)
    conn = connect(path, command)
    migrate(conn, path)
    return conn


def _refuse_a_second_database(path: Path) -> None:
    """A mistyped --db (xcret.db) beside the real one would quietly take the import:
    a write command creates a database only in a folder that has none (else: init)."""
    others = sorted(p.name for p in path.parent.glob("*.db") if p != path and is_xcert_file(p))
    if others:
        raise XcertError(
            f"「{path}」不存在，而同一文件夹里已有 xcert 数据库 {'、'.join(others)}；"
            f"是不是 --db 写错了？确要新建，先运行 xcert --db {path} init"
        )


def holds_no_writes(path: Path) -> bool:
    """True for a database whose write log is empty: made by a run that then wrote
    nothing (a dry run, a refused import), so nothing is lost when it goes."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT NOT EXISTS (SELECT 1 FROM imports)").fetchone()[0] == 1
        finally:
            conn.close()
    except sqlite3.Error:
        return False


@dataclass(frozen=True)
class Migration:
    """What `xcert init` did to a file: created it, upgraded it (after a backup), or
    found it current."""

    path: Path
    existed: bool
    before: int
    after: int
    backup_path: Path | None


def init(path: Path) -> Migration:
    """Create or upgrade the database at `path`."""
    existed = path.exists() and path.stat().st_size > 0
    conn = connect(path)
    try:
        before, after, backup_path = migrate(conn, path)
    finally:
        conn.close()
    return Migration(path, existed, before, after, backup_path)
