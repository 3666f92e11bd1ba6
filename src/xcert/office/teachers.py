"""The teachers behind the pilot (SPEC 3, "Teachers"): a teachers' import written. A
teacher is one row of `teachers` (人); each role, certificate and level a teacher has is
one row of `teacher_roles` (人次). Which teacher a row is: `teacher_identity`.

A role is the same role again when it is of the same teacher, role and certificate at a
compatible level (equal, or blank on one side), as an award is: importing a list again
changes nothing, and a corrected 取得日期 or 证书编号 updates it. Blank cells never erase.
Two rows giving one role with different values are both refused.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import cast

from xcert.clean.dates import DateSpan
from xcert.model import CERTIFICATE_ROLES, TEACHER_FIELDS, TEACHER_ROLE_LABELS
from xcert.office import catalogue as cat
from xcert.office.record_writes import Refusal, Written
from xcert.office.records import level_problem
from xcert.office.teacher_identity import LABELS, Index, Refuse, RowIn, Teacher, resolve
from xcert.store import writes

ROLE_FIELDS = ("level", "obtained_on", "certificate_no")


@dataclass
class Role:
    """One role a row gives a teacher, and the stored role it is (if any)."""

    row: RowIn
    teacher: Teacher
    role: str
    certificate: cat.Certificate | None
    given: dict[str, object]  # ROLE_FIELDS as the row gives them
    values: dict[str, object] = field(default_factory=dict)  # and as other rows complete them
    merged: list[RowIn] = field(default_factory=list)  # rows that give this role again
    stored: tuple[int, dict[str, object]] | None = None

    @property
    def key(self) -> tuple[int, str, int | None]:
        return id(self.teacher), self.role, self.certificate.id if self.certificate else None

    def what(self) -> str:
        """考评员 机械工程制图职业技能等级证书（中级）: which role a message means."""
        label = TEACHER_ROLE_LABELS[self.role]
        cert = f" {self.certificate.name}" if self.certificate else ""
        level = self.values.get("level")
        return f"{label}{cert}（{level}）" if level else label + cert


@dataclass
class Change:
    """A stored teacher or role a row changes: who, which role ("" for the teacher)."""

    ref: object
    row: int
    who: dict[str, object]
    what: str
    before: dict[str, object]
    after: dict[str, object]


@dataclass
class Outcome(Written):
    """A teachers' sheet written."""

    changes: list[Change] = field(default_factory=list)
    teachers_added: int = 0


def apply(conn: sqlite3.Connection, rows: list[RowIn], import_id: int) -> Outcome:
    """Write a teachers' import (all its teachers' sheets at once, so that one teacher's
    rows in two sheets are one teacher); everything refused is in the outcome."""
    outcome = Outcome()
    refused: set[int] = set()

    def refuse(row: RowIn, why: str, fld: str | None) -> None:
        if id(row) not in refused:
            refused.add(id(row))
            outcome.refused.append(Refusal(row.ref, row.row, why, fld))

    catalogue = cat.Catalogue(conn)
    certificates: dict[int, cat.Certificate | None] = {}
    for row in rows:
        found = _prepare(catalogue, row, import_id, outcome, refuse)
        if not isinstance(found, bool):
            certificates[id(row)] = found
    teachers = resolve(Index.load(conn), [r for r in rows if id(r) not in refused], refuse)
    order = {id(row): k for k, row in enumerate(rows)}  # the rows as the sheets give them
    roles = [
        role
        for teacher in teachers
        for row in teacher.rows
        if id(row) not in refused
        for role in _roles_of(row, teacher, certificates[id(row)])
    ]
    roles.sort(key=lambda role: order[id(role.row)])
    roles = _settle_roles(conn, roles, refuse, refused)
    written = _Written(outcome, import_id, order)
    for teacher in teachers:
        _write_teacher(conn, teacher, refused, written)
    for role in roles:
        _write_role(conn, role, written)
    written.count(teachers, roles, refused)
    return outcome


def _prepare(
    catalogue: cat.Catalogue, row: RowIn, import_id: int, outcome: Outcome, refuse: Refuse
) -> cat.Certificate | None | bool:
    """The certificate a row names (None: none), or False when the row is refused: it
    names no teacher one can find, a certificate without a role, a role that needs a
    certificate without one, or a level the certificate does not have."""
    stated = row.stated
    if not any(stated.get(f) for f in ("staff_no", "id_number", "department")):
        refuse(row, "无法确定是哪位教师：工号、身份证号、部门至少要有一项", "name")
        return False
    roles = cast("tuple[str, ...]", stated.get("role") or ())
    given = [f for f in ("certificate", *ROLE_FIELDS) if stated.get(f) is not None]
    if given and not roles:
        said = "、".join(LABELS.get(f, "证书") for f in given)
        refuse(row, f"写了{said}，但角色为空；请写明培训师、考评员、持证教师等", "role")
        return False
    needing = [TEACHER_ROLE_LABELS[r] for r in roles if r in CERTIFICATE_ROLES]
    if needing and not stated.get("certificate"):
        refuse(row, f"{'、'.join(needing)}要写明是哪种证书", "certificate")
        return False
    if not stated.get("certificate"):
        return None
    cert, added = catalogue.resolve(str(stated["certificate"]), [], import_id)
    if added:
        outcome.new_certificates.append(cert)
    problem = level_problem(cert, stated.get("level"))
    if problem:
        refuse(row, *problem)
        return False
    return cert


def _roles_of(row: RowIn, teacher: Teacher, cert: cat.Certificate | None) -> list[Role]:
    stated = row.stated
    span = cast("DateSpan | None", stated.get("obtained_on"))
    values = {
        "level": stated.get("level"),
        "obtained_on": span.iso if span else None,  # 2024-09: a month stays a month
        "certificate_no": stated.get("certificate_no"),
    }
    roles = cast("tuple[str, ...]", stated.get("role") or ())
    return [Role(row, teacher, role, cert, values) for role in roles]


def _settle_roles(
    conn: sqlite3.Connection, roles: list[Role], refuse: Refuse, refused: set[int]
) -> list[Role]:
    """The roles to write, each once, each with the stored role it is (if any). A role
    two rows give with different values refuses both rows (and every other role they
    give); so does one whose stored role cannot be told (a blank level, two levels
    stored)."""
    while True:
        kept, conflicts = _dedupe([r for r in roles if id(r.row) not in refused])
        if not conflicts:
            break
        for row, other, fields in conflicts:
            labels = "、".join(LABELS[f] for f in fields)
            refuse(row, f"与第{other.row}行是同一角色，但「{labels}」不同；请保留正确的一行", None)
    claimed: set[int] = set()
    for role in kept:
        why = _find_stored(conn, role, claimed)
        if why is not None:
            for row in (role.row, *role.merged):
                refuse(row, why, "level")
    return [r for r in kept if id(r.row) not in refused]


def _dedupe(roles: list[Role]) -> tuple[list[Role], list[tuple[RowIn, RowIn, list[str]]]]:
    """Roles given twice merged into the first (a blank agrees with anything); the rows
    of a role given twice with different values, each with the other row."""
    kept: list[Role] = []
    by_key: dict[tuple[int, str, int | None], list[Role]] = {}
    conflicts: list[tuple[RowIn, RowIn, list[str]]] = []
    for role in roles:
        role.values, role.merged, role.stored = dict(role.given), [], None
        same = [
            k
            for k in by_key.get(role.key, [])
            if _compatible(k.values["level"], role.values["level"])
        ]
        if not same:
            kept.append(role)
            by_key.setdefault(role.key, []).append(role)
            continue
        first = same[0]
        differing = [
            f
            for f in ROLE_FIELDS
            if None not in (first.values[f], role.values[f]) and first.values[f] != role.values[f]
        ]
        if differing:
            conflicts += [(role.row, first.row, differing), (first.row, role.row, differing)]
            continue
        first.values = {f: first.values[f] or role.values[f] for f in ROLE_FIELDS}
        first.merged.append(role.row)
    return kept, conflicts


def _find_stored(conn: sqlite3.Connection, role: Role, claimed: set[int]) -> str | None:
    """The stored role `role` is, if any (not one another role of this import took): the
    one with its certificate number, else its level, else the only compatible one. Or
    why it cannot be told."""
    if role.teacher.stored is None:
        return None
    rows = conn.execute(
        "SELECT id, level, obtained_on, certificate_no FROM teacher_roles"
        " WHERE teacher_id = ? AND role = ? AND certificate_id IS ? ORDER BY id",
        (role.teacher.stored["id"], role.role, role.key[2]),
    ).fetchall()
    level, number = role.values["level"], role.values["certificate_no"]
    candidates = [r for r in rows if r[0] not in claimed and _compatible(r[1], level)]
    pick = (
        [r for r in candidates if number is not None and r[3] == number]
        or [r for r in candidates if level is not None and r[1] == level]
        or candidates
    )
    if len(pick) > 1:
        levels = "、".join(str(r[1]) for r in pick)
        return f"数据库里已有这名教师的{role.what()}（{levels}），请写明等级"
    if pick:
        claimed.add(pick[0][0])
        role.stored = (pick[0][0], dict(zip(ROLE_FIELDS, pick[0][1:], strict=True)))
    return None


_RANK = {"unchanged": 0, "updated": 1, "added": 2}


@dataclass
class _Written:
    """What the writing did, row by row: a row counts as added when it added a teacher
    or a role, updated when it changed one, else unchanged."""

    outcome: Outcome
    import_id: int
    order: dict[int, int]
    effect: dict[int, str] = field(default_factory=dict)

    def mark(self, row: RowIn, what: str) -> None:
        if _RANK[what] > _RANK[self.effect.get(id(row), "unchanged")]:
            self.effect[id(row)] = what

    def count(self, teachers: list[Teacher], roles: list[Role], refused: set[int]) -> None:
        """The counts, and a note for each row that only repeats an earlier one: all its
        roles given before, or no role and its teacher in an earlier row."""
        again = {id(row): role.row for role in roles for row in role.merged}
        has_role = {id(role.row) for role in roles}
        outcome = self.outcome
        for teacher in teachers:
            rows = sorted(
                (r for r in teacher.rows if id(r) not in refused), key=lambda r: self.order[id(r)]
            )
            for k, row in enumerate(rows):
                first = again.get(id(row)) if id(row) not in has_role else None
                if first is None and k and id(row) not in has_role and id(row) not in again:
                    first = rows[0]
                if first is not None:
                    outcome.duplicates.append((row.ref, row.row, first.row))
                    continue
                what = self.effect.get(id(row), "unchanged")
                setattr(outcome, what, getattr(outcome, what) + 1)


def _write_teacher(
    conn: sqlite3.Connection, teacher: Teacher, refused: set[int], written: _Written
) -> None:
    """A new teacher inserted, a stored one updated with what its accepted rows state
    (blank cells never erase)."""
    rows = sorted(
        (r for r in teacher.rows if id(r) not in refused), key=lambda r: written.order[id(r)]
    )
    if not rows:
        return
    values: dict[str, object] = {}
    for row in rows:
        for f in TEACHER_FIELDS:
            if row.stated.get(f) is not None:
                values.setdefault(f, row.stated[f])
    first, import_id = rows[0], written.import_id
    if teacher.stored is None:
        columns = [*values, "created_import", "updated_import"]
        cursor = conn.execute(
            f"INSERT INTO teachers ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [*values.values(), import_id, import_id],
        )
        teacher.stored = {"id": cursor.lastrowid, **values}
        written.outcome.teachers_added += 1
        written.mark(first, "added")
        return
    stored = teacher.stored
    after = {f: v for f, v in values.items() if stored.get(f) != v}
    if not after:
        return
    before = {f: stored.get(f) for f in after}
    writes.update_row(conn, "teachers", cast(int, stored["id"]), after, import_id)
    written.mark(first, "updated")
    written.outcome.changes.append(
        Change(first.ref, first.row, {**stored, **after}, "", before, after)
    )


def _write_role(conn: sqlite3.Connection, role: Role, written: _Written) -> None:
    """A new role inserted, a stored one updated (blank cells never erase)."""
    teacher = cast("dict[str, object]", role.teacher.stored)  # written just before
    import_id = written.import_id
    if role.stored is None:
        conn.execute(
            "INSERT INTO teacher_roles (teacher_id, role, certificate_id, level, obtained_on,"
            " certificate_no, created_import, updated_import) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (teacher["id"], role.role, role.key[2], *role.values.values(), import_id, import_id),
        )
        written.mark(role.row, "added")
        return
    role_id, stored = role.stored
    after = {f: v for f, v in role.values.items() if v is not None and stored[f] != v}
    if not after:
        return
    writes.update_row(conn, "teacher_roles", role_id, after, import_id)
    written.mark(role.row, "updated")
    before = {f: stored[f] for f in after}
    written.outcome.changes.append(
        Change(role.row.ref, role.row.row, teacher, role.what(), before, after)
    )


def _compatible(one: object, other: object) -> bool:
    return one is None or other is None or one == other


@dataclass(frozen=True)
class Listed:
    """One line of `xcert teachers`: a teacher and one role (or none yet)."""

    staff_no: str | None
    name: str
    department: str | None
    role: str | None
    certificate: str | None
    level: str | None
    obtained_on: str | None  # as stored: 2021-06
    certificate_no: str | None
    teacher_id: int


_ORDER = " ".join(f"WHEN '{role}' THEN {k}" for k, role in enumerate(TEACHER_ROLE_LABELS))
_LEVEL_ORDER = "CASE tr.level WHEN '初级' THEN 1 WHEN '中级' THEN 2 WHEN '高级' THEN 3 END"


def listing(
    conn: sqlite3.Connection, *, roles: tuple[str, ...] = (), certificate_id: int | None = None
) -> list[Listed]:
    """Every teacher with each of their roles, one line a role (a teacher without one on a
    line of their own); only the roles asked for, of the certificate asked for. By 工号,
    then department and name; a teacher's roles in the order of TEACHER_ROLES."""
    where: list[str] = []
    params: list[object] = []
    if roles:
        where.append(f"tr.role IN ({', '.join('?' * len(roles))})")
        params += list(roles)
    if certificate_id is not None:
        where.append("tr.certificate_id = ?")
        params.append(certificate_id)
    rows = conn.execute(
        "SELECT t.staff_no, t.name, t.department, tr.role, c.name, tr.level, tr.obtained_on,"
        " tr.certificate_no, t.id FROM teachers t"
        " LEFT JOIN teacher_roles tr ON tr.teacher_id = t.id"
        " LEFT JOIN certificates c ON c.id = tr.certificate_id"
        f" {'WHERE ' + ' AND '.join(where) if where else ''}"
        f" ORDER BY t.staff_no IS NULL, t.staff_no, t.department, t.name, t.id,"
        f" CASE tr.role {_ORDER} END, c.name, {_LEVEL_ORDER}, tr.obtained_on",
        params,
    ).fetchall()
    return [Listed(*row) for row in rows]
