"""Where a command may write a file (SPEC: nothing is lost): never over the database
it works on (or its -wal, -shm, -journal), never over a file it reads; any other
existing file is replaced only with a word to the clerk. One rule for render -o,
export -o, --rejects, backup and the summary's files."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xcert.errors import XcertError

DATABASE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def database_files(database: Path) -> set[Path]:
    """The database file and the files SQLite keeps beside it, resolved."""
    return {Path(f"{database}{suffix}").resolve() for suffix in DATABASE_SUFFIXES}


def check_target(
    target: Path, *, option: str, database: Path | None, inputs: Sequence[Path] = ()
) -> bool:
    """Refuse a target that is the database or one of the inputs, before anything is
    read or written; True when an existing file will be replaced (say so)."""
    resolved = target.resolve()
    if database is not None and resolved in database_files(database):
        raise XcertError(
            f"{option} {target} 是数据库文件（或它的 -wal、-shm 文件），写入会毁掉数据；请换一个文件名"
        )
    if any(path.exists() and path.resolve() == resolved for path in inputs):
        raise XcertError(f"{option} {target.name} 就是要读的文件，会把它覆盖；请换一个文件名")
    return target.is_file()


def replaced_note(target: Path) -> str:
    return f"（已替换原有的文件 {target}）"
