"""A province's key for `students.person` and `teachers.person` (SPEC 6.8), kept in a
file of its own beside the province's database (`全省.db.key`), never in it.

`person` is a keyed hash (HMAC-SHA256) of a student's (or teacher's) ID number, so that
a student who moved between schools, or a teacher registered at two, is one person in
both without the ID number entering the file.
An ID number has little to guess (a region, a birth date, three digits and a check
digit): whoever held the key could try them all and find the numbers again in a
second. So the key travels apart from the database: the province file can be handed
on, the key stays with whoever merges. Without the key, schools merged later cannot be
matched with those merged before; a province file that already has people and has lost
its key takes no more merges.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from xcert.errors import XcertError

LEGACY_SETTING = "province_salt"  # where the first version kept the key, in the database
CHECK_SETTING = "province_key_check"  # a keyed hash of a fixed text: the right key file?
_KEY_BYTES = 32


@dataclass
class ProvinceKey:
    """The key, where it is kept, and what keeping it still needs: a new key's file
    written (`new`), a key found in the database moved out of it (`legacy`)."""

    path: Path
    key: bytes
    new: bool = False
    legacy: bool = False

    def person(self, number: object) -> str | None:
        """The same person in every school of this province: a keyed hash of the ID
        number, which cannot be turned back into it without the key."""
        if not number:
            return None
        text = str(number).strip().upper()
        return hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()[:32]

    def keep(self, conn: sqlite3.Connection) -> None:
        """Inside the merge's write, before it ends: the new key's file (never over an
        existing file), and no key left in the database."""
        if self.new:
            try:
                handle = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:
                raise XcertError(f"{self.path}：无法写入省级密钥文件（{exc.strerror}）") from None
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(self.key.hex() + "\n")
            self.new = False
        if self.legacy:  # out of the settings and out of the journal that followed them
            conn.execute("DELETE FROM settings WHERE key = ?", (LEGACY_SETTING,))
            conn.execute(
                "DELETE FROM journal WHERE table_name = 'settings' AND old LIKE ?",
                (f"%{LEGACY_SETTING}%",),
            )
        conn.execute(  # an update, not a replace: the journal follows updates
            "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
            " DO UPDATE SET value = excluded.value WHERE value <> excluded.value",
            (CHECK_SETTING, self.check()),
        )

    def check(self) -> str:
        return hmac.new(self.key, b"xcert province key", hashlib.sha256).hexdigest()


def scrub_backups(province: Path) -> list[Path]:
    """The backups xcert made of the province before upgrading it (`NAME.vN-….bak`)
    hold a key the first version kept in the database: taken out of them too, once it
    has moved to its file. Returns the backups changed."""
    scrubbed = []
    for backup in sorted(province.parent.glob(f"{province.name}.v*-*.bak")):
        conn = sqlite3.connect(backup, isolation_level=None)
        try:
            held = (
                conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'settings'").fetchone()
                and conn.execute(
                    "SELECT 1 FROM settings WHERE key = ?", (LEGACY_SETTING,)
                ).fetchone()
            )
            if not held:
                continue
            conn.execute("DELETE FROM settings WHERE key = ?", (LEGACY_SETTING,))
            conn.execute(
                "DELETE FROM journal WHERE table_name = 'settings' AND old LIKE ?",
                (f"%{LEGACY_SETTING}%",),
            )
            conn.execute("VACUUM")
            scrubbed.append(backup)
        except sqlite3.Error:
            continue  # not a database of ours after all: left as it is
        finally:
            conn.close()
    return scrubbed


def key_path(province: Path) -> Path:
    """Where a province's key is kept unless `--key` says otherwise: beside it."""
    return province.with_name(province.name + ".key")


def load(conn: sqlite3.Connection, path: Path) -> ProvinceKey:
    """The province's key from its file; a new one for a province without people yet;
    a province with people and no key file is refused (its people could not be matched)."""
    setting = "SELECT value FROM settings WHERE key = ?"
    legacy = conn.execute(setting, (LEGACY_SETTING,)).fetchone()
    if legacy is not None:
        found = ProvinceKey(path, bytes.fromhex(legacy[0]), new=not path.exists(), legacy=True)
    elif path.exists():
        found = ProvinceKey(path, _read(path))
    elif _holds_people(conn):
        raise XcertError(
            f"找不到省级密钥文件 {path}：没有它，新合并的学生无法与已合并的对上（同一学生会算作两人）；"
            "请把密钥文件放回（或用 --key 指明），或用新的省级文件重新合并全部学校"
        )
    else:
        return ProvinceKey(path, secrets.token_bytes(_KEY_BYTES), new=True)
    check = conn.execute(setting, (CHECK_SETTING,)).fetchone()
    mismatch = check is not None and check[0] != found.check()
    if mismatch or (found.legacy and path.exists() and _read(path) != found.key):
        raise XcertError(f"{path}：不是这个省级文件的密钥文件（与合并时用的密钥不符）")
    return found


def _holds_people(conn: sqlite3.Connection) -> bool:
    """Whether any student or teacher of the province is kept under a `person`."""
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE person IS NOT NULL LIMIT 1").fetchone()
        for table in ("students", "teachers")
    )


def _read(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
        key = bytes.fromhex(text)
    except (OSError, UnicodeDecodeError, ValueError):
        raise XcertError(f"{path}：不是 xcert 的省级密钥文件，无法读取") from None
    if len(key) != _KEY_BYTES:
        raise XcertError(f"{path}：不是 xcert 的省级密钥文件，无法读取")
    return key
