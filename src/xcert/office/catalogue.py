"""The certificate catalogue: which certificate a row names, and whether it is 1+X.

SPEC 2: the catalogue decides the kind. Only a certificate missing from it gets a
guessed kind, marked as guessed: `other` when its numbers are 人社 职业技能等级认定
numbers (Y or S + 21 digits), else `1+X` when its name ends in 职业技能等级证书, else
`other`. Rows may use a short name or an alias.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.model import LEVEL_WORDS

RENSHE_NUMBER = re.compile(r"^[YS]\d{21}$")
SUFFIX = "职业技能等级证书"
KINDS = ("1+X", "other")
LEVELS = ("初级", "中级", "高级")


def key(name: str) -> str:
    """How names are compared: folded, no spaces, lower case (`（AutoCAD）` = `(autocad)`)."""
    return clean.text(name).replace(" ", "").lower()


@dataclass
class Certificate:
    id: int
    name: str
    kind: str
    kind_guessed: bool = False
    organisation: str | None = None
    levels: list[str] = field(default_factory=list)
    number_pattern: str | None = None
    aliases: list[str] = field(default_factory=list)


def guess_kind(name: str, numbers: list[str]) -> str:
    if any(RENSHE_NUMBER.match(n) for n in numbers):
        return "other"
    return "1+X" if clean.text(name).replace(" ", "").endswith(SUFFIX) else "other"


class Catalogue:
    """The certificates of the database, found by name, short name or alias."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.by_key: dict[str, Certificate] = {}
        self.by_id: dict[int, Certificate] = {}
        rows = conn.execute(
            "SELECT id, name, kind, kind_guessed, organisation, levels, number_pattern"
            " FROM certificates ORDER BY id"
        ).fetchall()
        for cid, name, kind, guessed, organisation, levels, pattern in rows:
            cert = Certificate(
                cid, name, kind, bool(guessed), organisation, _split(levels), pattern
            )
            self._add(cert)
        for alias, text, cid in conn.execute(
            "SELECT alias, text, certificate_id FROM certificate_aliases ORDER BY rowid"
        ):
            self.by_id[cid].aliases.append(text)
            self.by_key.setdefault(alias, self.by_id[cid])

    def _add(self, cert: Certificate) -> None:
        self.by_id[cert.id] = cert
        full = key(cert.name)
        self.by_key[full] = cert
        if full.endswith(SUFFIX) and len(full) > len(SUFFIX):
            self.by_key.setdefault(full[: -len(SUFFIX)], cert)  # 机械工程制图

    def find(self, name: str) -> Certificate | None:
        wanted = key(name)
        return self.by_key.get(wanted) or self.by_key.get(wanted + SUFFIX)

    def resolve(
        self, name: str, numbers: list[str], import_id: int | None, *, number: str | None = None
    ) -> tuple[Certificate, bool]:
        """The certificate `name` means; a new one with a guessed kind if there is none.
        `numbers` are all the numbers a file gives it (the guess looks at each), `number`
        this row's. Returns (certificate, whether it was added now)."""
        found = self.find(name)
        if found is None and number:
            found = self._by_pattern(name, number)
        if found is not None:
            if found.kind_guessed and numbers:
                self._reguess(found, numbers)
            return found, False
        kind = guess_kind(name, numbers)
        cursor = self.conn.execute(
            "INSERT INTO certificates (name, kind, kind_guessed, created_import) VALUES (?, ?, 1, ?)",
            (clean.text(name), kind, import_id),
        )
        cid = cast(int, cursor.lastrowid)  # set by the INSERT just run
        cert = Certificate(cid, clean.text(name), kind, True)
        self._add(cert)
        return cert, True

    def _by_pattern(self, name: str, number: str) -> Certificate | None:
        """A catalogue entry whose name begins with `name` and whose numbers look like
        this one: `车工职业技能等级证书` with a Y number is the 人社 entry of 车工."""
        wanted = key(name)
        matches = [
            c
            for c in self.by_id.values()
            if c.number_pattern
            and key(c.name).startswith(wanted)
            and re.search(c.number_pattern, number)
        ]
        return matches[0] if len(matches) == 1 else None

    def _reguess(self, cert: Certificate, numbers: list[str]) -> None:
        """A guessed kind is revisited when 人社 numbers turn up later."""
        kind = guess_kind(cert.name, numbers)
        if kind != cert.kind and kind == "other":
            self.conn.execute("UPDATE certificates SET kind = ? WHERE id = ?", (kind, cert.id))
            cert.kind = kind

    def all(self) -> list[Certificate]:
        return list(self.by_id.values())


def _split(levels: str | None) -> list[str]:
    return [level for level in (levels or "").split(",") if level]


def counts(conn: sqlite3.Connection) -> dict[int, tuple[int, int]]:
    """certificate id -> (results, awards), for `xcert certs`."""
    out: dict[int, tuple[int, int]] = {}
    for cid, results, awards in conn.execute(
        "SELECT c.id,"
        " (SELECT count(*) FROM results r JOIN sessions s ON s.id = r.session_id"
        "  WHERE s.certificate_id = c.id),"
        " (SELECT count(*) FROM awards a WHERE a.certificate_id = c.id)"
        " FROM certificates c"
    ):
        out[cid] = (results, awards)
    return out


# --- the catalogue TOML file (README: "The certificate catalogue file") -----------------


@dataclass
class CatalogueFile:
    certificates: list[dict]
    scoring: dict[str, float]


def load_toml(path: Path, text: str) -> dict:
    """A TOML file's tables; a syntax error is one line naming the file."""
    import tomllib  # only when a TOML file comes: a roster import does without

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise XcertError(f"{path.name}：TOML 格式错误（{exc}）") from None


def parse(path: Path, data: dict) -> CatalogueFile:
    """Validate a catalogue's tables; every problem in one error naming the entry and key."""
    problems: list[str] = []
    entries = data.get("certificate", [])
    if not isinstance(entries, list):
        problems.append("certificate 应写成 [[certificate]] 表数组")
        entries = []
    seen: dict[str, str] = {}
    certificates = []
    for number, entry in enumerate(entries, 1):
        where = f"第 {number} 个 [[certificate]]"
        name = clean.text(entry.get("name", ""))
        if not name:
            problems.append(f"{where}：缺少 name")
            continue
        where = f"{where}（{name}）"
        kind = entry.get("kind")
        if kind not in KINDS:
            problems.append(f'{where}：kind 应为 "1+X" 或 "other"，不是 {kind!r}')
        levels = []
        for level in entry.get("levels", []):
            canonical = LEVEL_WORDS.get(clean.text(level).lower())
            if canonical is None:
                problems.append(f"{where}：等级「{level}」不存在（可用：初级、中级、高级）")
            else:
                levels.append(canonical)
        pattern = entry.get("number_pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f"{where}：number_pattern 不是有效的正则表达式（{exc}）")
        aliases = [clean.text(a) for a in entry.get("aliases", [])]
        for label in [name, *aliases]:
            other = seen.get(key(label))
            if other is not None and other != name:
                problems.append(f"{where}：名称或别名「{label}」已用于「{other}」")
            seen[key(label)] = name
        extra = set(entry) - {"name", "kind", "organisation", "levels", "aliases", "number_pattern"}
        if extra:
            problems.append(f"{where}：不认识的键 {'、'.join(sorted(extra))}")
        certificates.append(
            {
                "name": name,
                "kind": kind,
                "organisation": clean.text(entry.get("organisation", "")) or None,
                "levels": ",".join(levels) or None,
                "number_pattern": pattern,
                "aliases": aliases,
            }
        )
    scoring = data.get("scoring", {})
    for name in set(scoring) - {"theory_weight", "practical_weight", "pass_mark"}:
        problems.append(f"[scoring]：不认识的键 {name}")
    for name, value in scoring.items():
        top = 100 if name == "pass_mark" else 1  # weights are fractions: 0.3 and 0.7
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= top:
            problems.append(
                f"[scoring]：{name} 应为 0–{top} 的数字" + ("（如 0.3）" if top == 1 else "")
            )
    weights = [scoring.get("theory_weight"), scoring.get("practical_weight")]
    if None not in weights and not problems and abs(sum(weights) - 1) > 1e-6:
        problems.append("[scoring]：theory_weight 与 practical_weight 之和应为 1")
    if problems:
        raise XcertError(f"{path.name}：" + "；".join(problems))
    return CatalogueFile(certificates, {k: float(v) for k, v in scoring.items()})


def apply_file(
    conn: sqlite3.Connection, parsed: CatalogueFile, import_id: int, path_label: str = ""
) -> tuple[int, int, int]:
    """Upsert the file's certificates (a stated kind is no longer guessed); returns
    (added, updated, unchanged)."""
    added = updated = unchanged = 0
    catalogue = Catalogue(conn)
    for entry in parsed.certificates:
        existing = catalogue.find(entry["name"])
        where = f"{path_label}「{entry['name']}」"
        for label in entry["aliases"]:
            other = catalogue.find(label)
            if other is not None and other is not existing:
                if existing is None:
                    existing = other  # renamed, or first met in a sheet by this short name
                elif other.kind_guessed:
                    _merge_into(conn, other, existing, where)
                else:
                    raise XcertError(
                        f"{where}：别名「{label}」已是证书「{other.name}」的名称或别名；"
                        "一个别名只能属于一种证书"
                    )
        values = (
            entry["name"],
            entry["kind"],
            entry["organisation"],
            entry["levels"],
            entry["number_pattern"],
        )
        if existing is None:
            cursor = conn.execute(
                "INSERT INTO certificates (name, kind, kind_guessed, organisation, levels,"
                " number_pattern, created_import) VALUES (?, ?, 0, ?, ?, ?, ?)",
                (*values, import_id),
            )
            cid = cast(int, cursor.lastrowid)  # set by the INSERT just run
            added += 1
        else:
            cid = existing.id
            old = (
                existing.name,
                existing.kind,
                existing.organisation,
                ",".join(existing.levels) or None,
                existing.number_pattern,
            )
            if old == values and not existing.kind_guessed and existing.aliases == entry["aliases"]:
                unchanged += 1
                continue
            conn.execute(
                "UPDATE certificates SET name = ?, kind = ?, kind_guessed = 0, organisation = ?,"
                " levels = ?, number_pattern = ? WHERE id = ?",
                (*values, cid),
            )
            updated += 1
        # Only what differs is written: an unchanged file leaves no trace in the journal.
        wanted = {key(alias): alias for alias in entry["aliases"]}
        stored_aliases = dict(
            conn.execute(
                "SELECT alias, text FROM certificate_aliases WHERE certificate_id = ?", (cid,)
            ).fetchall()
        )
        for alias in stored_aliases.keys() - wanted.keys():
            conn.execute("DELETE FROM certificate_aliases WHERE alias = ?", (alias,))
        for alias, text in wanted.items():
            if stored_aliases.get(alias) != text:
                conn.execute(
                    "INSERT INTO certificate_aliases (alias, text, certificate_id) VALUES (?, ?, ?)"
                    " ON CONFLICT (alias) DO UPDATE SET text = excluded.text,"
                    " certificate_id = excluded.certificate_id",
                    (alias, text, cid),
                )
    stored = scoring(conn)
    if parsed.scoring and parsed.scoring != stored:
        # The rule is replaced as a whole: a key the file leaves out is no longer set.
        conn.execute(
            "DELETE FROM settings WHERE key IN ('theory_weight', 'practical_weight', 'pass_mark')"
        )
        for name, value in parsed.scoring.items():
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (name, str(value)))
        updated += 1
    return added, updated, unchanged


def _merge_into(
    conn: sqlite3.Connection, guessed: Certificate, target: Certificate, where: str
) -> None:
    """A guessed certificate that turns out to be an alias of a catalogue entry: its
    sessions and awards move over, and it goes."""
    try:
        conn.execute(
            "UPDATE sessions SET certificate_id = ? WHERE certificate_id = ?",
            (target.id, guessed.id),
        )
    except sqlite3.IntegrityError:
        raise XcertError(
            f"{where}：「{guessed.name}」和「{target.name}」各有同一等级、同一日期的考核批次，"
            f"无法自动合并；请先把成绩表里的「{guessed.name}」改成「{target.name}」再导入"
        ) from None
    conn.execute(
        "UPDATE awards SET certificate_id = ? WHERE certificate_id = ?", (target.id, guessed.id)
    )
    conn.execute("DELETE FROM certificates WHERE id = ?", (guessed.id,))


def scoring(conn: sqlite3.Connection) -> dict[str, float]:
    """The school's scoring rule, if configured: theory/practical weights, pass mark."""
    return {
        k: float(v)
        for k, v in conn.execute(
            "SELECT key, value FROM settings WHERE key IN ('theory_weight', 'practical_weight', 'pass_mark')"
        )
    }
