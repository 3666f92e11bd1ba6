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
import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from xcert import clock
from xcert.clean import dates
from xcert.model import OUTCOME_LABELS
from xcert.privacy import mask_ids_in

CATEGORIES = {
    "registered_without_result": "已报名但没有成绩",
    "result_without_registration": "有成绩但没有报名",
    "passed_without_certificate": "已合格但还没有证书",
    "not_signed_for": "证书未签领",
    "duplicate_certificate_numbers": "证书编号重复",
}
_STUDENT = "s.student_no, s.name, s.class_code"
_SESSION = "c.name, se.level, se.date_start, se.date_end"


@dataclass(frozen=True)
class _Scope:
    """Which sessions a check looks at: every one, or the one `--session` names."""

    session_id: int | None = None

    @property
    def only(self) -> str:
        """The condition on the session `se` a query adds (empty for every session)."""
        return "AND se.id = ?" if self.session_id is not None else ""

    @property
    def params(self) -> list[int]:
        """The parameter `only` takes."""
        return [self.session_id] if self.session_id is not None else []


def check(
    conn: sqlite3.Connection, *, session_id: int | None = None, today: dt.date | None = None
) -> dict[str, list[dict]]:
    """Each category's rows, keys as in `columns()`."""
    queries = _queries(_Scope(session_id), (today or clock.today()).isoformat())
    return {key: _rows(conn, query) for key, query in queries.items()}


def counts(conn: sqlite3.Connection, *, today: dt.date | None = None) -> dict[str, int]:
    """How many rows each category of `check` lists, counted in SQL without listing them:
    the nightly summary prints only the numbers, and listing a large school's 600,000
    passes without a certificate to count them took seconds."""
    return tally({key: count(conn) for key, count in counters(today=today).items()})


def counters(*, today: dt.date | None = None) -> dict[str, Callable[[sqlite3.Connection], int]]:
    """The counts `counts` is made of, each a function of a connection (the summary runs
    them side by side): one per category, by its listing's query or its own way
    (`_COUNTED`), and the passes without a certificate as its two parts, the passes and
    those an award covers (`tally` subtracts them)."""
    queries = _queries(_Scope(), (today or clock.today()).isoformat())
    parts: dict[str, Callable[[sqlite3.Connection], int]] = {
        key: _COUNTED.get(key) or functools.partial(_count, query)
        for key, query in queries.items()
        if key != "passed_without_certificate"
    }
    return {"passes": _passes_count, "covered_passes": _covered_passes_count, **parts}


def tally(parts: dict[str, int]) -> dict[str, int]:
    """Each category's count, in the order of `CATEGORIES`, from what `counters` counted."""
    found = {**parts, "passed_without_certificate": parts["passes"] - parts["covered_passes"]}
    return {key: found[key] for key in CATEGORIES}


def _count(query: _Query, conn: sqlite3.Connection) -> int:
    return int(conn.execute(query.count(), query.params).fetchone()[0])


@dataclass(frozen=True)
class _Query:
    """One category's query: what it lists (`columns`, in the order of `keys`), from
    where (`body`: FROM, joins, WHERE), in what order; counted without the order."""

    columns: str
    body: str
    order: str
    params: list
    keys: tuple[str, ...]
    common: str = ""  # a WITH clause the body uses
    distinct: bool = False

    def listing(self) -> str:
        return f"{self.common} SELECT {'DISTINCT ' * self.distinct}{self.columns} {self.body} ORDER BY {self.order}"

    def count(self) -> str:
        if self.distinct:
            return (
                f"{self.common} SELECT count(*) FROM (SELECT DISTINCT {self.columns} {self.body})"
            )
        return f"{self.common} SELECT count(*) {self.body}"


def _queries(scope: _Scope, today: str) -> dict[str, _Query]:
    return {
        "registered_without_result": _registered_without_result(scope, today),
        "result_without_registration": _result_without_registration(scope),
        "passed_without_certificate": _passed_without_certificate(scope),
        "not_signed_for": _not_signed_for(scope),
        "duplicate_certificate_numbers": _duplicate_certificate_numbers(),
    }


_BY_SESSION = "se.date_start, se.id, s.class_code, s.student_no"


def _registered_without_result(scope: _Scope, today: str) -> _Query:
    """Registered for a session whose date has passed, and no result in it."""
    return _Query(
        f"{_STUDENT}, {_SESSION}, se.id",
        f"""FROM registrations r
        JOIN students s ON s.id = r.student_id JOIN sessions se ON se.id = r.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE coalesce(se.date_end, se.date_start) < ? {scope.only}
          AND NOT EXISTS (SELECT 1 FROM results x WHERE x.student_id = r.student_id
                          AND x.session_id = r.session_id)""",
        _BY_SESSION,
        [today, *scope.params],
        ("student_no", "name", "class", "certificate", "level", "date", "session"),
    )


def _result_without_registration(scope: _Scope) -> _Query:
    """A result in a session with registrations, of a student not among them (sessions
    without any registration, earlier years' imported results, are not second-guessed).
    The sessions with registrations first: a large school's earlier results are not
    looked at one by one."""
    return _Query(
        f"{_STUDENT}, {_SESSION}, se.id, x.outcome",
        f"""FROM results x
        JOIN students s ON s.id = x.student_id JOIN sessions se ON se.id = x.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE x.session_id IN (SELECT r.session_id FROM registrations r) {scope.only}
          AND NOT EXISTS (SELECT 1 FROM registrations r WHERE r.session_id = x.session_id
                          AND r.student_id = x.student_id)""",
        _BY_SESSION,
        scope.params,
        ("student_no", "name", "class", "certificate", "level", "date", "session", "outcome"),
    )


# An award of the session's certificate at a compatible level (equal, or blank on either
# side) for the student of result `x`.
_AWARDED = """(SELECT 1 FROM awards a WHERE a.student_id = x.student_id
    AND a.certificate_id = se.certificate_id
    AND (a.level IS NULL OR se.level IS NULL OR a.level = se.level))"""


def _passed_without_certificate(scope: _Scope) -> _Query:
    """A pass, and no award of that certificate at a compatible level for the student yet."""
    return _Query(
        f"{_STUDENT}, {_SESSION}, se.id",
        f"""FROM results x
        JOIN students s ON s.id = x.student_id JOIN sessions se ON se.id = x.session_id
        JOIN certificates c ON c.id = se.certificate_id
        WHERE x.outcome = 'pass' {scope.only} AND NOT EXISTS {_AWARDED}""",
        _BY_SESSION,
        scope.params,
        ("student_no", "name", "class", "certificate", "level", "date", "session"),
    )


# Passes without a certificate are counted as the passes less those an award covers.
# Foreign keys are on for every connection, so a result's student, session and
# certificate exist: neither count needs the rows the listing joins for names.


def _passes_count(conn: sqlite3.Connection) -> int:
    """Every pass: all results (SQLite counts a table by its pages, not row by row) less
    the failed and absent ones, fewer than the passes in any school (the passes' index
    is read only as far as their outcomes go)."""
    total, other = conn.execute(
        "SELECT (SELECT count(*) FROM results),"
        " (SELECT count(*) FROM results WHERE outcome IN ('absent', 'fail'))"
    ).fetchone()
    return int(total - other)


def _covered_passes_count(conn: sqlite3.Connection) -> int:
    """The passes an award covers, found from the awards (few beside the results): each
    holder's passes in the passes' index, which carries their session (no result row is
    read), each counted once however many awards cover it."""
    return int(
        conn.execute(
            """SELECT count(DISTINCT k.id) FROM awards a
            CROSS JOIN results k ON k.outcome = 'pass' AND k.student_id = a.student_id
            CROSS JOIN sessions se ON se.id = k.session_id AND se.certificate_id = a.certificate_id
            WHERE a.level IS NULL OR se.level IS NULL OR a.level = se.level"""
        ).fetchone()[0]
    )


def _not_signed_for_count(conn: sqlite3.Connection) -> int:
    """The awards nobody signed for: an award's student and certificate exist (foreign
    keys), so the count needs neither row."""
    return int(conn.execute("SELECT count(*) FROM awards WHERE signed_by IS NULL").fetchone()[0])


_COUNTED = {"not_signed_for": _not_signed_for_count}


def _not_signed_for(scope: _Scope) -> _Query:
    """Certificates issued that nobody signed for; for one session, those of its
    certificate held by students with a result in it."""
    signed_scope = (
        "AND EXISTS (SELECT 1 FROM results x WHERE x.session_id = ? AND x.student_id = a.student_id"
        " AND (SELECT certificate_id FROM sessions WHERE id = ?) = a.certificate_id)"
        if scope.session_id is not None
        else ""
    )
    return _Query(
        f"{_STUDENT}, c.name, a.level, a.issued_on, a.certificate_no",
        f"""FROM awards a
        JOIN students s ON s.id = a.student_id JOIN certificates c ON c.id = a.certificate_id
        WHERE a.signed_by IS NULL {signed_scope}""",
        "s.class_code, s.student_no, c.name",
        scope.params * 2,
        ("student_no", "name", "class", "certificate", "level", "issued_on", "certificate_no"),
    )


def _duplicate_certificate_numbers() -> _Query:
    """One certificate number on the awards or results of more than one student, across
    all sessions (a number is unique whatever session is looked at). The results' numbers
    come from their own index (results_number: only the results with a number, with
    their student and session), first (CROSS JOIN), not each result looked up by session."""
    return _Query(
        f"n.number, {_STUDENT}, n.certificate",
        """FROM numbers n JOIN repeated USING (number) JOIN students s ON s.id = n.student_id""",
        "n.number, s.class_code, s.student_no",
        [],
        ("certificate_no", "student_no", "name", "class", "certificate"),
        common="""WITH numbers(number, student_id, certificate) AS (
            SELECT upper(a.certificate_no), a.student_id, c.name FROM awards a
            JOIN certificates c ON c.id = a.certificate_id WHERE a.certificate_no IS NOT NULL
            UNION
            SELECT upper(x.certificate_no), x.student_id, c.name FROM results x
            CROSS JOIN sessions se ON se.id = x.session_id
            CROSS JOIN certificates c ON c.id = se.certificate_id
            WHERE x.certificate_no IS NOT NULL
        ), repeated AS (
            SELECT number FROM numbers GROUP BY number HAVING count(DISTINCT student_id) > 1
        )""",
        distinct=True,
    )


def _rows(conn: sqlite3.Connection, query: _Query) -> list[dict]:
    """The rows as printed (table, json, the summary): an ID number written into a 学籍号,
    a name or any other text shows masked (SPEC 5.3); dates as every list shows them
    (a session's `date` from its first and last day: 2026.12.12, 2022.5-6)."""
    columns = tuple(
        k for key in query.keys for k in (("date", "date_end") if key == "date" else (key,))
    )
    out = []
    for row in conn.execute(query.listing(), query.params):
        found = dict(zip(columns, row, strict=True))
        if "date" in found:
            found["date"] = dates.shown(found["date"], found.pop("date_end")) or None
        if found.get("issued_on"):
            found["issued_on"] = dates.shown(found["issued_on"])
        out.append({k: mask_ids_in(v) if isinstance(v, str) else v for k, v in found.items()})
    return out


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


def shown(column: str, value: object) -> str:
    """A value as the table prints it for a clerk: an outcome in its Chinese word (合格,
    not pass), nothing for a blank. JSON keeps the codes (SPEC 4: for programs)."""
    if value is None:
        return ""
    if column == "outcome":
        return OUTCOME_LABELS.get(str(value), str(value))
    return str(value)
