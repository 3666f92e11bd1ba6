"""Where a command may write a file (SPEC: nothing is lost): never over the database
it works on (or its -wal, -shm, -journal), never over a file it reads, never over a
file xcert did not write; its own earlier output is replaced with a word to the clerk.
One rule for render -o, export -o, --rejects, every list's -o, the demo's reports and
the summary's files (backup keeps its own rule: only an earlier backup, with --force)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from xcert.errors import XcertError

# How xcert signs what it writes: the creator and last saver of a workbook, a last line
# of a text report.
CREATOR = "xcert"
_TEXT_MAX = 256 * 1024 * 1024  # a report is a few MB; a bigger file is not one of ours
_CORE = "docProps/core.xml"
_CORE_MAX = 64 * 1024  # a core.xml is a few hundred bytes; never inflate a bomb to look

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
    if target.is_dir():
        raise XcertError(f"无法写入{option} {target}：同名的文件夹已存在")
    if target.exists() and not is_own_output(target):
        raise XcertError(
            f"{option} {target} 已存在，而且不是 xcert 写的文件（或写出后有人改过）；"
            "为免覆盖别人的文件和改动，请换一个文件名，或先把它移走"
        )
    return target.is_file()


def is_own_output(path: Path) -> bool:
    """A file xcert wrote and nobody changed since: a workbook xcert created and last
    saved (Excel, WPS and LibreOffice record who saved it last, and when), or a text
    report whose last line carries the digest of the text above it. Anything else (the
    clerk's own file, a sign-off list signed by hand, corrected rejects) is not."""
    import zipfile  # here, not at the top: a command that writes no file never needs it

    if not path.is_file():
        return False
    try:
        if zipfile.is_zipfile(path):
            return _own_workbook(path)
        if path.stat().st_size > _TEXT_MAX:
            return False
        text = path.read_bytes().decode("utf-8")
        body, _, last = text.rstrip("\n").rpartition("\n")
        return last == _mark(body + "\n")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return False


def _own_workbook(path: Path) -> bool:
    import zipfile

    with zipfile.ZipFile(path) as book:
        info = book.getinfo(_CORE)
        if info.file_size > _CORE_MAX:
            return False
        core = book.read(info).decode("utf-8", "replace")
    found = {
        key: match.group(1)
        for key in ("creator", "lastModifiedBy")
        if (match := re.search(rf"<(?:\w+:)?{key}[^>]*>([^<]*)</", core))
    }
    # Excel, WPS and LibreOffice write who saved the file last: xcert only if nobody since
    return found.get("creator") == CREATOR and found.get("lastModifiedBy") == CREATOR


def signed_text(text: str) -> str:
    """A text report as written to a file: its last line marks it as xcert's, with the
    digest of the text (an HTML comment, which neither a browser nor a Markdown viewer
    shows); a file edited since no longer matches its mark."""
    body = text if text.endswith("\n") else text + "\n"
    return f"{body}{_mark(body)}\n"


def _mark(body: str) -> str:
    import hashlib

    return f"<!-- xcert {hashlib.sha256(body.encode()).hexdigest()[:16]} -->"


def replaced_note(target: Path) -> str:
    return f"（已替换原有的文件 {target}）"
