"""Finding students by what a clerk types: part of a name, a 学号, an ID number."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from typing import Any

from xcert import privacy
from xcert.clean import cells as clean
from xcert.clean import dates, idcard
from xcert.errors import XcertError

MAX_SHOWN = 200  # students `find` lists on the screen; its xlsx has them all


@dataclass(frozen=True)
class StudentRow:
    """A stored student as the office finds them (SPEC 2's fields, by their codes)."""

    id: int
    student_no: str | None
    name: str
    gender: str | None
    id_number: str | None
    class_code: str | None
    major: str | None
    department: str | None
    enrollment_year: int | None
    cohort: int | None
    phone: str | None
    status: str

    @classmethod
    def of(cls, row: dict[str, Any]) -> StudentRow:
        """From a row of the students table."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})

    @property
    def label(self) -> str:
        return student_label(self.name, self.student_no, self.class_code)


def student_label(name: str, student_no: str | None, class_code: str | None) -> str:
    """陈锦曦（202001001）: a student as messages name them (an ID in either, masked)."""
    return privacy.mask_ids_in(f"{name}（{student_no or class_code or ''}）")


@dataclass(frozen=True)
class Found:
    """The students a search shows, and how many matched in all."""

    students: list[StudentRow]
    total: int

    @property
    def cut(self) -> bool:
        """Fewer shown than matched: the list stops at its limit."""
        return len(self.students) < self.total


def find_students(conn: sqlite3.Connection, text: str, *, limit: int | None = None) -> Found:
    """Exact ID first; otherwise 学号 or class equal to the text, names containing it,
    学号 starting with it; the first `limit` of them (all with None), and the count of all."""
    query = clean.name(text)
    if not query:
        return Found([], 0)
    id_form = _as_id(query)
    if id_form:
        found = [StudentRow.of(row) for row in _students(conn, "id_number = ?", [id_form])]
        if found:
            return Found(found, len(found))
    pattern = _like(query)
    where = (
        "student_no = :q OR class_code = :q OR name LIKE :part ESCAPE '\\'"
        " OR student_no LIKE :prefix ESCAPE '\\'"
    )
    params = {"q": query, "part": f"%{pattern}%", "prefix": f"{pattern}%"}
    rows = _students(conn, where, params, order_by="class_code, student_no, name", limit=limit)
    found = [StudentRow.of(row) for row in rows]
    cut = limit is not None and len(found) == limit
    if not cut:
        return Found(found, len(found))
    total = conn.execute(f"SELECT count(*) FROM students WHERE {where}", params).fetchone()[0]
    return Found(found, total)


def _students(
    conn: sqlite3.Connection,
    where: str,
    params: list[Any] | dict[str, Any],
    *,
    order_by: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """The students rows `where` selects, each as a dict by column name (plain sqlite3:
    `find` need not load sqlite-utils)."""
    sql = f"SELECT * FROM students WHERE {where}"
    if order_by is not None:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    cursor = conn.execute(sql, params)
    columns = [column[0] for column in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor]


def require_class(conn: sqlite3.Connection, class_code: str) -> None:
    """Refuse a class no student, in whatever status, is in: a typo, most likely."""
    found = conn.execute("SELECT 1 FROM students WHERE class_code = ? LIMIT 1", (class_code,))
    if found.fetchone() is None:
        raise XcertError(f"没有班级「{class_code}」（用 xcert find {class_code} 核对班级名称）")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_id(text: str) -> str | None:
    try:
        return idcard.normalize_id(text)
    except idcard.IdNumberError:
        return None


def find_one(conn: sqlite3.Connection, text: str) -> StudentRow:
    """Exactly one student by 学号, ID number or full name; otherwise a clear refusal."""
    query = clean.name(text)
    id_form = _as_id(query)
    shown = privacy.mask_ids_in(text)
    for where, value in (
        ("student_no = ?", query),
        ("id_number = ?", id_form),
        ("name = ?", query),
    ):
        if value is None:
            continue
        found = _students(conn, where, [value], limit=3)
        if len(found) == 1:
            return StudentRow.of(found[0])
        if len(found) > 1:
            raise XcertError(f"「{shown}」对应多名学生，请用学号或身份证号")
    raise XcertError(f"找不到学生「{shown}」（可用学号、身份证号或姓名）")


@dataclass(frozen=True)
class ResultLine:
    """One exam result of a student, as `xcert find` lists it."""

    certificate: str
    kind: str
    kind_guessed: bool
    level: str | None
    when: str | None
    theory: float | None
    practical: float | None
    total: float | None
    outcome: str


@dataclass(frozen=True)
class AwardLine:
    """One certificate issued to a student, as `xcert find` lists it."""

    certificate: str
    kind: str
    kind_guessed: bool
    level: str | None
    assessed: str | None
    issued_on: str | None
    certificate_no: str | None
    signed_by: str | None
    signed_on: str | None


@dataclass(frozen=True)
class StudentRecords:
    results: list[ResultLine]
    awards: list[AwardLine]


def student_records(conn: sqlite3.Connection, student_id: int) -> StudentRecords:
    """A student's results and certificates, for `xcert find`."""
    results = conn.execute(
        "SELECT c.name, c.kind, c.kind_guessed, se.level, se.date_start, se.date_end,"
        " r.theory, r.practical, r.total, r.outcome FROM results r"
        " JOIN sessions se ON se.id = r.session_id JOIN certificates c ON c.id = se.certificate_id"
        " WHERE r.student_id = ? ORDER BY se.date_start, c.name",
        (student_id,),
    )
    awards = conn.execute(
        "SELECT c.name, c.kind, c.kind_guessed, a.level, a.assessed_start, a.assessed_end,"
        " a.issued_on, a.certificate_no, a.signed_by, a.signed_on FROM awards a"
        " JOIN certificates c ON c.id = a.certificate_id WHERE a.student_id = ?"
        " ORDER BY a.issued_on, c.name",
        (student_id,),
    )
    # Dates as every list shows them (dates.shown): 2022.5-6, 2024.9, 2022.9.28.
    return StudentRecords(
        [
            ResultLine(name, kind, guessed, level, dates.shown(start, end) or None, *scores)
            for name, kind, guessed, level, start, end, *scores in results
        ],
        [
            AwardLine(
                name,
                kind,
                guessed,
                level,
                dates.shown(start, end) or None,
                dates.shown(issued) or None,
                number,
                signer,
                dates.shown(signed) or None,
            )
            for name, kind, guessed, level, start, end, issued, number, signer, signed in awards
        ],
    )
