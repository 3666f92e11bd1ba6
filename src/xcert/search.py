"""Finding students by what a clerk types: part of a name, a 学号, an ID number."""

from __future__ import annotations

import sqlite3

from xcert import clean, idcard

MAX_SHOWN = 200


def find_students(conn: sqlite3.Connection, text: str) -> list[dict]:
    """Exact ID first; otherwise 学号 or class equal to the text, names containing it,
    学号 starting with it."""
    query = clean.name(text)
    if not query:
        return []
    conn.row_factory = sqlite3.Row
    try:
        id_form = _as_id(query)
        if id_form:
            rows = conn.execute("SELECT * FROM students WHERE id_number = ?", (id_form,)).fetchall()
            if rows:
                return [dict(r) for r in rows]
        rows = conn.execute(
            "SELECT * FROM students WHERE student_no = ? OR class_code = ? OR name LIKE ? ESCAPE '\\'"
            " OR student_no LIKE ? ESCAPE '\\'"
            " ORDER BY student_no = ? DESC, class_code, student_no, name LIMIT ?",
            (query, query, f"%{_like(query)}%", f"{_like(query)}%", query, MAX_SHOWN),
        ).fetchall()
    finally:
        conn.row_factory = None
    return [dict(r) for r in rows]


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _as_id(text: str) -> str | None:
    try:
        return idcard.normalize_id(text)
    except idcard.IdNumberError:
        return None
