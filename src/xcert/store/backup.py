"""A consistent copy of the database while others read and write (SQLite's backup API)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from xcert import clock
from xcert.errors import XcertError
from xcert.outfiles import DATABASE_SUFFIXES, database_files
from xcert.store.connect import is_xcert_file


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


def check_replace(target: Path, *, force: bool) -> None:
    """An existing target is replaced only if it is an earlier xcert backup, with
    --force, and nobody holds it open: its -wal/-shm would be replayed onto the copy."""
    if not target.exists():
        return
    if not target.is_file() or not is_xcert_file(target):
        raise XcertError(f"{target} 已存在，且不是 xcert 的备份；不会覆盖它，请换一个文件名")
    if not force:
        raise XcertError(f"{target} 已有一份 xcert 备份；要替换它请加 --force，或换一个文件名")
    leftovers = [Path(f"{target}{s}") for s in DATABASE_SUFFIXES[1:]]
    if any(p.exists() for p in leftovers):
        try:  # the last one to close a database folds its -wal in and removes both
            held = sqlite3.connect(target)
            held.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            held.close()
        except sqlite3.Error:
            pass
        if any(p.exists() and p.stat().st_size > 0 for p in leftovers):
            raise XcertError(f"{target} 正被别的程序打开，不能替换；关掉它再试，或换一个文件名")
        for p in leftovers:
            p.unlink(missing_ok=True)


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
            raise XcertError(f"备份文件夹「{dest}」不存在")
        target = Path(dest) / name
    else:
        target = Path(dest)
    if target.resolve() in database_files(source):
        raise XcertError("备份文件不能是数据库本身（或它的 -wal、-shm 文件）")
    if not target.parent.is_dir():
        raise XcertError(f"备份文件夹「{target.parent}」不存在")
    return target
