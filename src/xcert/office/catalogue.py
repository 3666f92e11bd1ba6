"""The certificate catalogue: which certificate a row names, and whether it is 1+X.

SPEC 2: the catalogue decides the kind. Only a certificate missing from it gets a
guessed kind, marked as guessed: `other` when its numbers are 人社 职业技能等级认定
numbers (Y or S + 21 digits), else `1+X` when its name ends in 职业技能等级证书, else
`other`. Rows may use a short name or an alias.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from xcert.clean import cells as clean
from xcert.clean.patterns import Lazy, number_matches, pattern_problem
from xcert.errors import KeyProblems, XcertError
from xcert.model import LEVEL_WORDS

RENSHE_NUMBER = Lazy(r"^[YS]\d{21}$")
SUFFIX = "职业技能等级证书"
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
        found = self.known(name, number)
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

    def known(self, name: str, number: str | None = None) -> Certificate | None:
        """The catalogue certificate `name` (with this row's `number`) means, if any."""
        found = self.find(name)
        if found is None and number:
            found = self._by_pattern(name, number)
        return found

    def _by_pattern(self, name: str, number: str) -> Certificate | None:
        """A catalogue entry whose name begins with `name` and whose numbers look like
        this one: `车工职业技能等级证书` with a Y number is the 人社 entry of 车工."""
        wanted = key(name)
        matches = [
            c
            for c in self.by_id.values()
            if c.number_pattern
            and key(c.name).startswith(wanted)
            and number_matches(c.number_pattern, number)
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

ENTRY_KEYS = {"name", "kind", "organisation", "levels", "aliases", "number_pattern"}
SCORING_KEYS = {"theory_weight", "practical_weight", "pass_mark"}


@dataclass
class CatalogueEntry:
    """One `[[certificate]]` as validated: the columns it sets and the aliases it owns."""

    name: str
    kind: str
    organisation: str | None
    levels: str | None  # as stored: canonical words joined by commas
    number_pattern: str | None
    aliases: list[str]

    def columns(self) -> tuple[str, str, str | None, str | None, str | None]:
        """(name, kind, organisation, levels, number_pattern): what the certificates row holds."""
        return (self.name, self.kind, self.organisation, self.levels, self.number_pattern)


@dataclass
class CatalogueFile:
    certificates: list[CatalogueEntry]
    scoring: dict[str, float]


def load_toml(path: Path, text: str) -> dict:
    """A TOML file's tables; a syntax error is one line naming the file."""
    import tomllib  # only when a TOML file comes: a roster import does without

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise XcertError(f"{path.name}：TOML 格式错误（{exc}）") from None
    except RecursionError:  # the reader recurses once a level: [[[[…]]]] a thousand deep
        raise XcertError(
            f"{path.name}：TOML 嵌套过深（数组或表套了几百层），不像配置文件"
        ) from None


def parse(path: Path, data: dict) -> CatalogueFile:
    """Validate a catalogue's tables; every problem in one error naming the entry and key."""
    problems = KeyProblems(path.name)
    seen: dict[str, tuple[str, str]] = {}  # key of a name or alias -> (name, where) of its entry
    certificates = []
    for number, entry in enumerate(_certificate_tables(data, problems), 1):
        certificate = _entry(number, entry, seen, problems)
        if certificate is not None:
            certificates.append(certificate)
    scoring = _scoring_table(data, problems)
    problems.refuse()
    return CatalogueFile(certificates, {k: float(v) for k, v in scoring.items()})


def _certificate_tables(data: dict, problems: KeyProblems) -> list[dict]:
    """The `[[certificate]]` tables, or none and a problem when `certificate` is written
    as something else (a plain value, or an array of values that are not tables)."""
    entries = data.get("certificate", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.add("certificate", "应写成 [[certificate]] 表数组", entries)
        return []
    return entries


# A kind as the file may write it: the codes, and the words `xcert certs` shows.
_KIND_WORDS = {"1+x": "1+X", "other": "other", "其他": "other"}


def _entry(
    number: int, entry: dict, seen: dict[str, tuple[str, str]], problems: KeyProblems
) -> CatalogueEntry | None:
    """One `[[certificate]]` checked key by key, its problems added; None without a name
    (nothing else about it can be named)."""
    where = f"第{number}个 [[certificate]]"
    name = clean.text(entry.get("name", ""))
    if not name:
        problems.add(f"{where} name", "缺少这一项（证书名称）")
        return None
    where = f"{where}（{name}）"
    kind = entry.get("kind")
    found_kind = _KIND_WORDS.get(clean.text(kind).lower()) if isinstance(kind, str) else None
    if found_kind is None:
        problems.add(f"{where} kind", "应为「1+X」或「其他」（other）", kind)
    levels = _entry_levels(entry.get("levels", []), where, problems)
    pattern = _entry_pattern(entry.get("number_pattern"), where, problems)
    aliases = _entry_aliases(entry.get("aliases", []), where, problems)
    _claim_names(name, aliases, where, seen, problems)
    extra = set(entry) - ENTRY_KEYS
    if extra:
        problems.add(where, f"不认识的键 {'、'.join(sorted(extra))}")
    return CatalogueEntry(
        name=name,
        kind=found_kind or "",  # checked above: a wrong kind fails the whole file
        organisation=clean.text(entry.get("organisation", "")) or None,
        levels=",".join(levels) or None,
        number_pattern=pattern,
        aliases=aliases,
    )


def _entry_levels(raw: object, where: str, problems: KeyProblems) -> list[str]:
    """The entry's levels in their canonical words (初级, 中级, 高级); a level that is not
    one, or `levels` that is not a list, is a problem."""
    if not isinstance(raw, list):
        problems.add(f"{where} levels", '应写成等级的列表，如 ["初级"]', raw)
        return []
    levels = []
    for level in raw:
        canonical = LEVEL_WORDS.get(clean.text(level).lower())
        if canonical is None:
            problems.add(f"{where} levels", "不是等级（可用：初级、中级、高级）", level)
        else:
            levels.append(canonical)
    return levels


def _entry_pattern(raw: object, where: str, problems: KeyProblems) -> str | None:
    """The entry's number pattern, which must be text that compiles as a regular expression."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        reason = "应写成正则表达式的文字，如 '^[YS]\\d{21}$'"
        problems.add(f"{where} number_pattern", reason, raw)
        return None
    why = pattern_problem(raw)
    if why:
        problems.add(f"{where} number_pattern", why, raw)
    return raw


def _entry_aliases(raw: object, where: str, problems: KeyProblems) -> list[str]:
    """The entry's aliases as cleaned text. A string is a problem, not its characters
    (`aliases = "物流"` would otherwise become the aliases 物 and 流)."""
    if not isinstance(raw, list):
        problems.add(f"{where} aliases", '应写成名称的列表，如 ["机械制图"]', raw)
        return []
    return [clean.text(alias) for alias in raw]


def _claim_names(
    name: str,
    aliases: list[str],
    where: str,
    seen: dict[str, tuple[str, str]],
    problems: KeyProblems,
) -> None:
    """A name or alias names one entry only: one already used by an earlier entry (two
    entries of one name among them) is a problem; an entry may repeat its own name as an
    alias. `seen` remembers, across the file, which entry each one belongs to."""
    for label in [name, *aliases]:
        other = seen.get(key(label))
        if other is not None and other[1] != where:
            problems.add(where, f"名称或别名「{label}」已用于「{other[0]}」")
        seen[key(label)] = (name, where)


def _scoring_table(data: dict, problems: KeyProblems) -> dict:
    """The `[scoring]` table checked: known keys, numbers in range, and weights that sum
    to 1 (checked only when nothing else in the file is wrong). Its values are numbers
    only when no problem was added."""
    scoring = data.get("scoring", {})
    if not isinstance(scoring, dict):
        problems.add("scoring", "应写成 [scoring] 表", scoring)
        return {}
    for name in sorted(set(scoring) - SCORING_KEYS):
        problems.add("[scoring]", f"不认识的键 {name}")
    for name, value in scoring.items():
        top = 100 if name == "pass_mark" else 1  # weights are fractions: 0.3 and 0.7
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= top:
            reason = f"应为 0–{top} 的数字" + ("（如 0.3）" if top == 1 else "")
            problems.add(f"[scoring] {name}", reason, value)
    theory, practical = scoring.get("theory_weight"), scoring.get("practical_weight")
    if (
        theory is not None
        and practical is not None
        and not problems
        and abs(theory + practical - 1) > 1e-6
    ):
        problems.add("[scoring]", "theory_weight 与 practical_weight 之和应为 1")
    return scoring


@dataclass
class _Tally:
    """What a catalogue file did: certificates (and the scoring rule) added, updated, unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def apply_file(
    conn: sqlite3.Connection, parsed: CatalogueFile, import_id: int, path_label: str = ""
) -> tuple[int, int, int]:
    """Upsert the file's certificates (a stated kind is no longer guessed); returns
    (added, updated, unchanged)."""
    tally = _Tally()
    catalogue = Catalogue(conn)
    for entry in parsed.certificates:
        existing = _stored_for(conn, catalogue, entry, f"{path_label}「{entry.name}」")
        if existing is None:
            cid = _insert_certificate(conn, entry, import_id)
            tally.added += 1
        elif _unchanged(existing, entry):
            tally.unchanged += 1
            continue
        else:
            cid = existing.id
            _update_certificate(conn, entry, cid)
            tally.updated += 1
        _write_aliases(conn, cid, entry.aliases)
    if _write_scoring(conn, parsed.scoring):
        tally.updated += 1
    return tally.added, tally.updated, tally.unchanged


def _stored_for(
    conn: sqlite3.Connection, catalogue: Catalogue, entry: CatalogueEntry, where: str
) -> Certificate | None:
    """The stored certificate an entry is, by its name or else by an alias (renamed, or
    first met in a sheet by that short name). A guessed certificate another alias names
    is merged into it; an alias that already belongs to another entry is an error."""
    existing = catalogue.find(entry.name)
    for label in entry.aliases:
        other = catalogue.find(label)
        if other is None or other is existing:
            continue
        if existing is None:
            existing = other
        elif other.kind_guessed:
            _merge_into(conn, other, existing, where)
        else:
            raise XcertError(
                f"{where}：别名「{label}」已是证书「{other.name}」的名称或别名；"
                "一个别名只能属于一种证书"
            )
    return existing


def _unchanged(existing: Certificate, entry: CatalogueEntry) -> bool:
    """Whether the stored certificate already says what the entry says (a guessed kind
    counts as different: the file states it now)."""
    stored = (
        existing.name,
        existing.kind,
        existing.organisation,
        ",".join(existing.levels) or None,
        existing.number_pattern,
    )
    return (
        stored == entry.columns()
        and not existing.kind_guessed
        and existing.aliases == entry.aliases
    )


def _insert_certificate(conn: sqlite3.Connection, entry: CatalogueEntry, import_id: int) -> int:
    """A new catalogue certificate, its kind stated; returns its id."""
    cursor = conn.execute(
        "INSERT INTO certificates (name, kind, kind_guessed, organisation, levels,"
        " number_pattern, created_import) VALUES (?, ?, 0, ?, ?, ?, ?)",
        (*entry.columns(), import_id),
    )
    return cast(int, cursor.lastrowid)  # set by the INSERT just run


def _update_certificate(conn: sqlite3.Connection, entry: CatalogueEntry, cid: int) -> None:
    """A stored certificate takes the entry's columns; its kind is no longer guessed."""
    conn.execute(
        "UPDATE certificates SET name = ?, kind = ?, kind_guessed = 0, organisation = ?,"
        " levels = ?, number_pattern = ? WHERE id = ?",
        (*entry.columns(), cid),
    )


def _write_aliases(conn: sqlite3.Connection, cid: int, aliases: list[str]) -> None:
    """The certificate's aliases become the entry's. Only what differs is written: an
    unchanged file leaves no trace in the journal."""
    wanted = {key(alias): alias for alias in aliases}
    stored = dict(
        conn.execute(
            "SELECT alias, text FROM certificate_aliases WHERE certificate_id = ?", (cid,)
        ).fetchall()
    )
    for alias in stored.keys() - wanted.keys():
        conn.execute("DELETE FROM certificate_aliases WHERE alias = ?", (alias,))
    for alias, text in wanted.items():
        if stored.get(alias) != text:
            conn.execute(
                "INSERT INTO certificate_aliases (alias, text, certificate_id) VALUES (?, ?, ?)"
                " ON CONFLICT (alias) DO UPDATE SET text = excluded.text,"
                " certificate_id = excluded.certificate_id",
                (alias, text, cid),
            )


def _write_scoring(conn: sqlite3.Connection, rule: dict[str, float]) -> bool:
    """Store the file's scoring rule if it gives one that differs; whether it did. The
    rule is replaced as a whole: a key the file leaves out is no longer set."""
    if not rule or rule == scoring(conn):
        return False
    conn.execute(
        "DELETE FROM settings WHERE key IN ('theory_weight', 'practical_weight', 'pass_mark')"
    )
    for name, value in rule.items():
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (name, str(value)))
    return True


def _merge_into(
    conn: sqlite3.Connection, guessed: Certificate, target: Certificate, where: str
) -> None:
    """A guessed certificate that turns out to be an alias of a catalogue entry: its
    sessions, awards and teachers' roles move over, and it goes."""
    clashes = (
        ("sessions", "各有同一等级、同一日期的考核批次", "成绩表"),
        ("awards", "各有同一学生、同一等级的发证记录", "发证签领名单"),
        ("teacher_roles", "下有教师登记了同一角色、同一等级", "师资表"),
    )
    for table, clash, sheet in clashes:
        try:
            conn.execute(
                f"UPDATE {table} SET certificate_id = ? WHERE certificate_id = ?",
                (target.id, guessed.id),
            )
        except sqlite3.IntegrityError:
            raise XcertError(
                f"{where}：「{guessed.name}」和「{target.name}」{clash}，无法自动合并；"
                f"请先把{sheet}里的「{guessed.name}」改成「{target.name}」再导入"
            ) from None
    conn.execute("DELETE FROM certificates WHERE id = ?", (guessed.id,))


def scoring(conn: sqlite3.Connection) -> dict[str, float]:
    """The school's scoring rule, if configured: theory/practical weights, pass mark."""
    return {
        k: float(v)
        for k, v in conn.execute(
            "SELECT key, value FROM settings WHERE key IN ('theory_weight', 'practical_weight', 'pass_mark')"
        )
    }
