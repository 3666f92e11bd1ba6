"""The demo: a fresh database in a folder, built from the bundled examples."""

from __future__ import annotations

from pathlib import Path

from xcert.errors import XcertError
from xcert.resources import bundled

EXAMPLE_ROSTERS = ("roster.xlsx", "roster-gbk.csv")


def prepare(folder: Path) -> tuple[Path, list[Path]]:
    """Make `folder`, drop an earlier demo database there, return (db path, example files)."""
    if folder.exists() and not folder.is_dir():
        raise XcertError(f"{folder} 已存在且不是文件夹")
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "xcert.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    examples = bundled("examples")
    files = [examples / name for name in EXAMPLE_ROSTERS]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise XcertError(f"找不到自带的示例文件：{'、'.join(missing)}（安装不完整？）")
    return db_path, files
