"""A consistent copy of the database while others read and write (SQLite's backup API)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from xcert import clock
from xcert.errors import XcertError
from xcert.outfiles import database_files


def backup(conn: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy through SQLite's backup API, safe while others write; checked
    before it replaces `dest`, so a failed copy never takes the place of a good one."""
    tmp = dest.with_name(dest.name + ".part")
    check = None
    try:
        tmp.unlink(missing_ok=True)
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
        if check == "ok":
            shutil.move(tmp, dest)
    except (OSError, sqlite3.Error) as exc:  # a full disk, a read-only stick
        tmp.unlink(missing_ok=True)
        why = getattr(exc, "strerror", None) or str(exc)
        raise XcertError(f"无法写入备份 {dest}（{why}）；原有的备份没有改动") from None
    if check != "ok":
        tmp.unlink(missing_ok=True)
        raise XcertError(f"备份副本校验失败（{check}），没有写入 {dest}")


def target_path(source: Path, dest: str | None) -> Path:
    """Where `xcert backup [DEST]` writes: beside the database, into a folder (a name
    ending in / or an existing folder) or to a file; a dated name unless one is given.
    Never the database itself or its -wal/-shm files, never into a folder that is not
    there (an unmounted stick)."""
    name = f"{source.stem}-{clock.now().strftime('%Y%m%d-%H%M%S')}.db"
    if dest is None:
        target = source.with_name(name)
    elif dest.endswith(("/", "\\")) or Path(dest).is_dir():
        if not Path(dest).is_dir():  # an unmounted stick: never a file named like the folder
            raise XcertError(f"备份文件夹 {dest} 不存在")
        target = Path(dest) / name
    else:
        target = Path(dest)
    if target.resolve() in database_files(source):
        raise XcertError("备份文件不能是数据库本身（或它的 -wal、-shm 文件）")
    if not target.parent.is_dir():
        raise XcertError(f"备份文件夹 {target.parent} 不存在")
    return target
