"""Exam sessions and who is registered for them (SPEC 6.4).

A session is a certificate, a level and a date (or month range), with a site and a
capacity: `capacity_per_day × days` candidates (one day when `days` is not given). A
registration enters a student for a session: by `select` (a selection test), `retest`
(the second test) or by hand (`xcert register`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert.clean import cells as clean
from xcert.clean import dates
from xcert.clean.dates import DateSpan
from xcert.errors import XcertError
from xcert.office import catalogue as cat
from xcert.office import record_writes, search
from xcert.store import writes

VIA_LABELS = {"select": "选拔", "retest": "二次选拔", "hand": "手工"}


@dataclass
class Session:
    id: int
    certificate: str
    kind: str
    level: str | None
    date_start: str | None
    date_end: str | None
    site: str | None
    capacity: int | None  # None: not limited
    registered: int
    results: int
    school: str | None = None  # in a province's database (SPEC 6.8): whose session it is

    @property
    def places_left(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)

    def is_past(self, today: str) -> bool:
        """Over before `today` (ISO): its last day, for a month range the month's end."""
        last = self.date_end or self.date_start
        return last is not None and last < today

    @property
    def date(self) -> str | None:
        """As every list shows a date (dates.shown): 2026.12.12, a month 2026.12."""
        return dates.shown(self.date_start, self.date_end) or None

    @property
    def label(self) -> str:
        level = f"（{self.level}）" if self.level else ""
        return f"第{self.id}场 {self.certificate}{level} {self.date or '日期不详'}"


# Still to come on the day `?`: it ends that day or later, or has no date yet.
TO_COME = "coalesce(se.date_end, se.date_start, '9999') >= ?"

_SELECT = """
    SELECT se.id, c.name, c.kind, se.level, se.date_start, se.date_end,
           se.site, se.capacity_per_day * coalesce(se.days, 1),
           (SELECT count(*) FROM registrations r WHERE r.session_id = se.id),
           (SELECT count(*) FROM results r WHERE r.session_id = se.id),
           (SELECT name FROM schools s WHERE s.id = se.school_id)
    FROM sessions se JOIN certificates c ON c.id = se.certificate_id
"""


def get(conn: sqlite3.Connection, session_id: int) -> Session:
    row = conn.execute(_SELECT + " WHERE se.id = ?", (session_id,)).fetchone()
    if row is None:
        raise XcertError(f"没有第{session_id}场考试；用 xcert session list 查看编号")
    return Session(*row)


def listing(conn: sqlite3.Connection, *, upcoming_from: str | None = None) -> list[Session]:
    """Sessions by date; from a date on (`upcoming_from`, ISO) when given."""
    where = f" WHERE {TO_COME}" if upcoming_from else ""
    rows = conn.execute(
        _SELECT + where + " ORDER BY se.date_start IS NULL, se.date_start, c.name, se.level",
        (upcoming_from,) if upcoming_from else (),
    ).fetchall()
    return [Session(*row) for row in rows]


@dataclass(frozen=True)
class SessionAdded:
    """What `session add` did: 'added', 'updated' or 'unchanged', and the session now."""

    session: Session
    state: str


def add(
    conn: sqlite3.Connection,
    certificate: str,
    level: str | None,
    span: DateSpan,
    site: str | None,
    capacity_per_day: int | None,
    days: int | None,
) -> SessionAdded:
    """Make the session, or complete the one of that certificate, level and date (an
    import may have made it)."""
    cert = cat.Catalogue(conn).find(certificate)
    if cert is None:
        raise XcertError(
            f"证书目录里没有「{certificate}」；用 xcert certs 查看名称，或先导入证书目录"
        )
    if level is not None and cert.levels and level not in cert.levels:
        raise XcertError(f"{cert.name} 没有「{level}」等级（有：{'、'.join(cert.levels)}）")
    with writes.write(conn, "session", f"{cert.name} {span.text}") as done:
        write_id = done.id
        before = conn.execute("SELECT max(id) FROM sessions").fetchone()[0] or 0
        session_id = record_writes.session_id(conn, cert.id, level, span, write_id)
        state = "added" if session_id > before else "unchanged"
        stored = conn.execute(
            "SELECT site, capacity_per_day, days FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        wanted = {"site": site, "capacity_per_day": capacity_per_day, "days": days}
        changed = {
            k: v
            for (k, v), old in zip(wanted.items(), stored, strict=True)
            if v is not None and v != old
        }
        if changed:
            per_day = changed.get("capacity_per_day", stored[1])
            capacity = None if per_day is None else per_day * (changed.get("days", stored[2]) or 1)
            taken = conn.execute(
                "SELECT count(*) FROM registrations WHERE session_id = ?", (session_id,)
            ).fetchone()[0]
            if capacity is not None and capacity < taken:
                raise XcertError(
                    f"这场考试已报名{taken}人，容量不能改成{capacity}人；先用 xcert register --remove 取消一些报名"
                )
            # A copy: update_row takes dict[str, object], and a dict is invariant in its values.
            writes.update_row(conn, "sessions", session_id, {**changed}, write_id)
            state = "updated" if state == "unchanged" else state
        done.added, done.updated = state == "added", state == "updated"
        done.unchanged = state == "unchanged"
    return SessionAdded(get(conn, session_id), state)


def registered(conn: sqlite3.Connection, session_id: int) -> list[dict]:
    """The students registered for a session, with what an export or a list needs."""
    cursor = conn.execute(
        "SELECT s.id, s.student_no, s.name, s.gender, s.id_number, s.class_code, s.major,"
        " s.department, s.cohort, s.enrollment_year, s.phone, r.via FROM registrations r"
        " JOIN students s ON s.id = r.student_id WHERE r.session_id = ?"
        " ORDER BY s.class_code, s.student_no, s.name",
        (session_id,),
    )
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def register(
    conn: sqlite3.Connection,
    session_id: int,
    student_ids: list[int],
    *,
    remove: bool = False,
    via: str = "hand",
    write_id: int | None = None,
) -> tuple[int, int]:
    """Enter (or take out) students; returns (changed, already so). Never above capacity."""
    session = get(conn, session_id)
    current = {
        sid
        for (sid,) in conn.execute(
            "SELECT student_id FROM registrations WHERE session_id = ?", (session_id,)
        )
    }
    if remove:
        todo = [s for s in dict.fromkeys(student_ids) if s in current]
        for sid in todo:
            conn.execute(
                "DELETE FROM registrations WHERE session_id = ? AND student_id = ?",
                (session_id, sid),
            )
        return len(todo), len(set(student_ids)) - len(todo)
    todo = [s for s in dict.fromkeys(student_ids) if s not in current]
    left = session.places_left
    if left is not None and len(todo) > left:
        raise XcertError(
            f"{session.label} 容量{session.capacity}人，已报{session.registered}人，"
            f"只剩{left}个名额，不能再报{len(todo)}人"
        )
    conn.executemany(
        "INSERT INTO registrations (session_id, student_id, via, created_import, updated_import)"
        " VALUES (?, ?, ?, ?, ?)",
        [(session_id, sid, via, write_id, write_id) for sid in todo],
    )
    return len(todo), len(set(student_ids)) - len(todo)


def enter(
    conn: sqlite3.Connection,
    session_id: int,
    students: list[str],
    class_code: str | None,
    *,
    remove: bool = False,
) -> tuple[int, int]:
    """`xcert register`: students by 学号, ID or name, or a class's enrolled students, in
    (or out) as one logged write; returns (changed, already so)."""
    ids = []
    for text in students:
        found = search.find_one(conn, text)
        if found.status != "enrolled" and not remove:
            raise XcertError(f"{found.label} 不是在读学生，不能报名")
        ids.append(found.id)
    if class_code is not None:
        class_code = clean.text(class_code)
        members = [
            sid
            for (sid,) in conn.execute(
                "SELECT id FROM students WHERE class_code = ? AND status = 'enrolled'"
                " ORDER BY student_no",
                (class_code,),
            )
        ]
        if not members:
            raise XcertError(f"班级「{class_code}」没有在读学生")
        ids += members
    label = get(conn, session_id).label
    verb = "取消报名" if remove else "报名"
    with writes.write(conn, "register", f"{verb}：{label}") as done:
        changed, same = register(conn, session_id, ids, remove=remove, write_id=done.id)
        # a removal is counted as an update: the log has no column for it
        done.added, done.updated = (0, changed) if remove else (changed, 0)
        done.unchanged = same
    return changed, same
