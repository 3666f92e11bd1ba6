"""Finding students by what a clerk types: part of a name, a 学号, an ID number."""

from __future__ import annotations

import sqlite3

from xcert.clean import cells as clean
from xcert.clean import idcard
from xcert.store import db

MAX_SHOWN = 200


def find_students(conn: sqlite3.Connection, text: str) -> tuple[list[dict], bool]:
    """Exact ID first; otherwise 学号 or class equal to the text, names containing it,
    学号 starting with it. Returns (students, whether the list was cut at MAX_SHOWN)."""
    query = clean.name(text)
    if not query:
        return [], False
    students = db.utils_db(conn)["students"]
    id_form = _as_id(query)
    if id_form:
        found = list(students.rows_where("id_number = ?", [id_form]))
        if found:
            return found, False
    pattern = _like(query)
    found = list(
        students.rows_where(
            "student_no = :q OR class_code = :q OR name LIKE :part ESCAPE '\\'"
            " OR student_no LIKE :prefix ESCAPE '\\'",
            {"q": query, "part": f"%{pattern}%", "prefix": f"{pattern}%"},
            order_by="class_code, student_no, name",
            limit=MAX_SHOWN + 1,
        )
    )
    return found[:MAX_SHOWN], len(found) > MAX_SHOWN


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_id(text: str) -> str | None:
    try:
        return idcard.normalize_id(text)
    except idcard.IdNumberError:
        return None


def find_one(conn: sqlite3.Connection, text: str) -> dict:
    """Exactly one student by 学号, ID number or full name; otherwise a clear refusal."""
    from xcert.errors import XcertError

    query = clean.name(text)
    table = db.utils_db(conn)["students"]
    id_form = _as_id(query)
    shown = idcard.mask_ids_in(text)
    for where, value in (
        ("student_no = ?", query),
        ("id_number = ?", id_form),
        ("name = ?", query),
    ):
        if value is None:
            continue
        found = list(table.rows_where(where, [value], limit=3))
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise XcertError(f"「{shown}」对应多名学生，请用学号或身份证号")
    raise XcertError(f"找不到学生「{shown}」（可用学号、身份证号或姓名）")
