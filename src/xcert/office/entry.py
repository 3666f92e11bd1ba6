"""By hand: `xcert record` (one result typed in) and `xcert sign` (certificates handed
out against a signature, the 考证签领名单 of seed 000). Each is one logged write."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert.clean import dates
from xcert.clean.dates import DateSpan
from xcert.errors import XcertError
from xcert.office import catalogue as cat
from xcert.office import history, record_writes, records, search
from xcert.store import writes


@dataclass(frozen=True)
class Recorded:
    """What `record` did: 'added', 'updated' (a correction) or 'unchanged', and a
    sentence when what was recorded is unusual (a pass below the pass mark)."""

    state: str
    student: search.StudentRow
    certificate: cat.Certificate
    warning: str | None = None


# The pass mark of each part when the school has set no scoring rule: 1+X evaluation
# organisations pass a candidate whose theory and practical parts each reach 60 of 100.
DEFAULT_PASS_MARK = 60.0


def record(
    conn: sqlite3.Connection,
    student: str,
    certificate: str,
    level: str | None,
    date: DateSpan,
    outcome: str,
    theory: float | None,
    practical: float | None,
) -> Recorded:
    """One result typed by hand, for the student `student` names (学号, ID or name);
    the same student, certificate, level and date again is a correction."""
    with writes.write(conn, "record", "（手工录入）") as done:
        clashes = history.clash_reasons(conn)
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
        scoring = cat.scoring(conn)
        values, why, _ = records.result_values(
            {k: v for k, v in stated.items() if v is not None}, scoring
        )
        assert values is not None and why is None  # the outcome is always given here
        session = record_writes.session_id(conn, cert.id, level, date, done.id)
        values["exam_year"] = date.start.year
        record_ = record_writes.Record(None, 0, found.id, (session,), values, None)
        result = record_writes.Outcome()
        record_writes.write_records(conn, "results", [record_], done.id, result, replace=True)
        history.refuse_new_clashes(conn, None, clashes)  # a year of the history: SPEC 3
        done.added, done.updated, done.unchanged = result.added, result.updated, result.unchanged
    state = "added" if result.added else "updated" if result.updated else "unchanged"
    warning = pass_below_mark(theory, practical, values.get("total"), scoring)
    return Recorded(state, found, cert, warning if outcome == "pass" else None)


def pass_below_mark(
    theory: float | None, practical: float | None, total: object, scoring: dict[str, float]
) -> str | None:
    """Why a pass with these scores is unusual, or None. Under the school's scoring rule
    with weights (the catalogue's `[scoring]`), the weighted total against its pass mark;
    otherwise each part given against the pass mark (`pass_mark`, else 60)."""
    mark = scoring.get("pass_mark", DEFAULT_PASS_MARK)
    check = "；请核对成绩和考核结果"
    if isinstance(total, float) and "theory_weight" in scoring and "practical_weight" in scoring:
        if total >= mark:
            return None
        weights = f"理论×{scoring['theory_weight']:g}＋实操×{scoring['practical_weight']:g}"
        return (
            f"录为合格，但总成绩{total:g}分（{weights}）低于及格线{mark:g}分"
            f"（证书目录 [scoring] 的评分规则）{check}"
        )
    parts = [(w, s) for w, s in (("理论", theory), ("实操", practical)) if s is not None]
    low = [f"{word}{score:g}分" for word, score in parts if score < mark]
    if not low:
        return None
    rule = (
        "证书目录 [scoring] 的及格线，理论、实操各需达到"
        if "pass_mark" in scoring
        else "没有设评分规则，按理论、实操各需达到60分"
    )
    return f"录为合格，但{'、'.join(low)}低于及格线{mark:g}分（{rule}）{check}"


@dataclass(frozen=True)
class PendingAward:
    """An issued certificate nobody has signed for yet."""

    award_id: int
    student_no: str | None
    name: str
    certificate: str
    level: str | None
    class_code: str | None = None
    issued_on: str | None = None  # 2024-09-28, or only the month known: 2024-09

    def issued_after(self, day: str) -> bool:
        """Issued after `day` (ISO) by what is known of its date: a certificate issued
        in 2024-09 is not after 2024-09-01, nor after any day of that month."""
        return dates.before(day, self.issued_on)


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
        _check_issued_before(pending, on)
        for award in pending:  # the journal keeps the blank values (store/journal.py)
            writes.update_row(
                conn, "awards", award.award_id, {"signed_by": by, "signed_on": on}, done.id
            )
        done.updated = len(pending)
    return pending


def _check_issued_before(pending: list[PendingAward], on: str) -> None:
    """A certificate cannot be signed for before it was issued: refuse, naming each."""
    early = [a for a in pending if a.issued_after(on)]
    if not early:
        return
    named = "；".join(
        f"{search.student_label(a.name, a.student_no, a.class_code)} {a.certificate}"
        f"{' ' + a.level if a.level else ''} 发证日期 {dates.shown(a.issued_on)}"
        for a in early[:5]
    )
    more = f"……（共{len(early)}张）" if len(early) > 5 else ""
    raise XcertError(
        f"签领日期 {dates.shown(on)} 早于{len(early)}张证书的发证日期，证书发出前不能签领，没有登记：{named}{more}"
        "；请核对 --date，或用 --student、--cert 只签已发出的证书"
    )


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
        "SELECT a.id, s.student_no, s.name, c.name, a.level, s.class_code, a.issued_on"
        " FROM awards a"
        " JOIN students s ON s.id = a.student_id JOIN certificates c ON c.id = a.certificate_id"
        f" WHERE {' AND '.join(where)} ORDER BY s.class_code, s.student_no, s.name, a.id",
        params,
    )
    return [PendingAward(*row) for row in rows]
