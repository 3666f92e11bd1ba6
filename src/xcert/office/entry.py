"""By hand: `xcert record` (one result typed in) and `xcert sign` (certificates handed
out against a signature, the 考证签领名单 of seed 000). Each is one logged write."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert.clean.dates import DateSpan
from xcert.errors import XcertError
from xcert.office import catalogue as cat
from xcert.office import record_writes, records, search
from xcert.store import writes


@dataclass(frozen=True)
class Recorded:
    """What `record` did: 'added', 'updated' (a correction) or 'unchanged'."""

    state: str
    student: search.StudentRow
    certificate: cat.Certificate


def record(
    conn: sqlite3.Connection,
    student: str,
    certificate: str,
    level: str | None,
    date: DateSpan | None,
    outcome: str,
    theory: float | None,
    practical: float | None,
) -> Recorded:
    """One result typed by hand, for the student `student` names (学号, ID or name);
    the same student, certificate, level and date again is a correction."""
    with writes.write(conn, "record", "（手工录入）") as done:
        found = search.find_one(conn, student)
        cert = cat.Catalogue(conn).find(certificate)
        if cert is None:
            raise XcertError(
                f"证书目录里没有「{certificate}」；用 xcert certs 查看名称，或先导入证书目录"
            )
        problem = records.level_problem(cert, level)
        if problem:
            raise XcertError(problem[0])
        stated = {"result": outcome, "theory": theory, "practical": practical}
        values, why, _ = records.result_values(
            {k: v for k, v in stated.items() if v is not None}, cat.scoring(conn)
        )
        assert values is not None and why is None  # the outcome is always given here
        session = record_writes.session_id(conn, cert.id, level, date, done.id)
        values["exam_year"] = date.start.year if date else None
        record_ = record_writes.Record(None, 0, found.id, (session,), values, None)
        result = record_writes.Outcome()
        record_writes.write_records(conn, "results", [record_], done.id, result, replace=True)
        done.added, done.updated, done.unchanged = result.added, result.updated, result.unchanged
    state = "added" if result.added else "updated" if result.updated else "unchanged"
    return Recorded(state, found, cert)


@dataclass(frozen=True)
class PendingAward:
    """An issued certificate nobody has signed for yet."""

    award_id: int
    student_no: str | None
    name: str
    certificate: str
    level: str | None
    issued_on: str | None = None  # as stored: 2024-09-28, 2024-09


def sign(
    conn: sqlite3.Connection,
    by: str,
    on: str,
    *,
    class_code: str | None = None,
    students: list[str] | None = None,
    certificate: str | None = None,
) -> list[PendingAward]:
    """Mark the awards of a class, or of some students, not yet signed for, as signed
    by `by` on `on` (ISO); refuses when there is nothing to sign."""
    with writes.write(conn, "sign", f"签领：{by}") as done:
        cert = None
        if certificate is not None:
            cert = cat.Catalogue(conn).find(certificate)
            if cert is None:
                raise XcertError(f"证书目录里没有「{certificate}」；用 xcert certs 查看")
        ids = [search.find_one(conn, s).id for s in students] if students else None
        pending = unsigned_awards(conn, class_code=class_code, student_ids=ids, certificate=cert)
        if class_code is not None:
            search.require_class(conn, class_code)
        if not pending:
            who = f"班级「{class_code}」" if class_code else "这些学生"
            raise XcertError(f"{who}没有待签领的证书（可能已全部签领，或还没有导入发证记录）")
        for award in pending:  # the journal keeps the blank values (store/journal.py)
            writes.update_row(
                conn, "awards", award.award_id, {"signed_by": by, "signed_on": on}, done.id
            )
        done.updated = len(pending)
    return pending


def unsigned_awards(
    conn: sqlite3.Connection,
    *,
    class_code: str | None,
    student_ids: list[int] | None,
    certificate: cat.Certificate | None,
) -> list[PendingAward]:
    where = ["a.signed_by IS NULL"]
    params: list[object] = []
    if class_code is not None:
        where.append("s.class_code = ?")
        params.append(class_code)
    if student_ids is not None:
        where.append(f"s.id IN ({', '.join('?' * len(student_ids))})")
        params.extend(student_ids)
    if certificate is not None:
        where.append("a.certificate_id = ?")
        params.append(certificate.id)
    rows = conn.execute(
        "SELECT a.id, s.student_no, s.name, c.name, a.level, a.issued_on FROM awards a"
        " JOIN students s ON s.id = a.student_id JOIN certificates c ON c.id = a.certificate_id"
        f" WHERE {' AND '.join(where)} ORDER BY s.class_code, s.student_no, s.name, a.id",
        params,
    )
    return [PendingAward(*row) for row in rows]
