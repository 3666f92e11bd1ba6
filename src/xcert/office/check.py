"""Reconciliation after the platform's lists come back (SPEC 6.4): what a clerk would
otherwise find by laying the registration list beside the result and certificate lists.

- registered without result: registered for a session whose date has passed, no result;
- result without registration: a result in a session that has registrations, for a
  student who is not among them (sessions without any registration, such as those of
  earlier years' imported results, are not second-guessed);
- passed without certificate: a pass, and no certificate of that certificate (and a
  compatible level) for the student yet;
- not signed for: a certificate issued and nobody signed for it;
- duplicated certificate numbers: one number on the certificates or results of more
  than one student (checked across all sessions).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from xcert import clock
from xcert.office.sessions import SHOWN_DATE

CATEGORIES = {
    "registered_without_result": "已报名但没有成绩",
    "result_without_registration": "有成绩但没有报名",
    "passed_without_certificate": "已合格但还没有证书",
    "not_signed_for": "证书未签领",
    "duplicate_certificate_numbers": "证书编号重复",
}
_STUDENT = "s.student_no, s.name, s.class_code"
_SESSION = f"c.name, se.level, {SHOWN_DATE}"


def check(
    conn: sqlite3.Connection, *, session_id: int | None = None, today: dt.date | None = None
) -> dict[str, list[dict]]:
    """Each category's rows, keys as in `columns()`."""
    today_text = (today or clock.today()).isoformat()
    only = "AND se.id = ?" if session_id is not None else ""
    params = [session_id] if session_id is not None else []
    out = {}
    out["registered_without_result"] = _rows(
        conn,
        f"""SELECT {_STUDENT}, {_SESSION}, se.id FROM registrations r
        JOIN students s ON s.id = r.student_id JOIN sessions se ON se.id = r.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE coalesce(se.date_end, se.date_start) < ? {only}
          AND NOT EXISTS (SELECT 1 FROM results x WHERE x.student_id = r.student_id
                          AND x.session_id = r.session_id)
        ORDER BY se.date_start, se.id, s.class_code, s.student_no""",
        [today_text, *params],
        ("student_no", "name", "class", "certificate", "level", "date", "session"),
    )
    out["result_without_registration"] = _rows(
        conn,
        f"""SELECT {_STUDENT}, {_SESSION}, se.id, x.outcome FROM results x
        JOIN students s ON s.id = x.student_id JOIN sessions se ON se.id = x.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE EXISTS (SELECT 1 FROM registrations r WHERE r.session_id = x.session_id) {only}
          AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.session_id = x.session_id
                          AND r.student_id = x.student_id)
        ORDER BY se.date_start, se.id, s.class_code, s.student_no""",
        params,
        ("student_no", "name", "class", "certificate", "level", "date", "session", "outcome"),
    )
    out["passed_without_certificate"] = _rows(
        conn,
        f"""SELECT {_STUDENT}, {_SESSION}, se.id FROM results x
        JOIN students s ON s.id = x.student_id JOIN sessions se ON se.id = x.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE x.outcome = 'pass' {only}
          AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.student_id = x.student_id
                          AND a.certificate_id = se.certificate_id
                          AND (a.level IS NULL OR se.level IS NULL OR a.level = se.level))
        ORDER BY se.date_start, se.id, s.class_code, s.student_no""",
        params,
        ("student_no", "name", "class", "certificate", "level", "date", "session"),
    )
    signed_scope = (
        "AND EXISTS (SELECT 1 FROM results x WHERE x.session_id = ? AND x.student_id = a.student_id"
        " AND (SELECT certificate_id FROM sessions WHERE id = ?) = a.certificate_id)"
        if session_id is not None
        else ""
    )
    out["not_signed_for"] = _rows(
        conn,
        f"""SELECT {_STUDENT}, c.name, a.level, a.issued_on, a.certificate_no FROM awards a
        JOIN students s ON s.id = a.student_id JOIN certificates c ON c.id = a.certificate_id
        WHERE a.signed_by IS NULL {signed_scope}
        ORDER BY s.class_code, s.student_no, c.name""",
        [session_id, session_id] if session_id is not None else [],
        ("student_no", "name", "class", "certificate", "level", "issued_on", "certificate_no"),
    )
    out["duplicate_certificate_numbers"] = _rows(
        conn,
        f"""WITH numbers(number, student_id, certificate) AS (
            SELECT upper(a.certificate_no), a.student_id, c.name FROM awards a
            JOIN certificates c ON c.id = a.certificate_id WHERE a.certificate_no IS NOT NULL
            UNION
            SELECT upper(x.certificate_no), x.student_id, c.name FROM results x
            JOIN sessions se ON se.id = x.session_id JOIN certificates c ON c.id = se.certificate_id
            WHERE x.certificate_no IS NOT NULL
        ), repeated AS (
            SELECT number FROM numbers GROUP BY number HAVING count(DISTINCT student_id) > 1
        )
        SELECT DISTINCT n.number, {_STUDENT}, n.certificate FROM numbers n
        JOIN repeated USING (number) JOIN students s ON s.id = n.student_id
        ORDER BY n.number, s.class_code, s.student_no""",
        [],
        ("certificate_no", "student_no", "name", "class", "certificate"),
    )
    return out


def _rows(conn: sqlite3.Connection, sql: str, params: list, keys: tuple[str, ...]) -> list[dict]:
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(sql, params)]


def counts(found: dict[str, list[dict]]) -> dict[str, int]:
    return {key: len(rows) for key, rows in found.items()}


LABELS = {
    "student_no": "学号",
    "name": "姓名",
    "class": "班级",
    "certificate": "证书",
    "level": "等级",
    "date": "考试日期",
    "session": "场次",
    "outcome": "结果",
    "issued_on": "发证日期",
    "certificate_no": "证书编号",
}
