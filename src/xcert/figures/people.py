"""The people behind a figure (SPEC 3): the students a count counts, under the same
conditions as the figure itself (figures/stats.py), so that an office can check a
figure before signing it. In a province's database each carries its school's name, and
a graduate of several schools is listed once, as `graduates.py` counts people.

Only the standard library: `xcert stats --format json` must start fast.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

from xcert.figures import graduates, graduation
from xcert.figures.graduates import CERTIFIED, GRADUATE, PERSON_CERTIFIED
from xcert.figures.scope import Scope, Span
from xcert.figures.stats import EXAM_YEAR, kind_filter

RESULT_LISTS = ("tested", "passed", "absent")
_OUTCOMES = {"tested": "('pass', 'fail')", "passed": "('pass')", "absent": "('absent')"}
_GRADUATES = {"graduates": "1 = 1", "certified": CERTIFIED, "uncertified": f"NOT {CERTIFIED}"}
_PEOPLE = {"graduates": "1 = 1", "certified": PERSON_CERTIFIED}
_PEOPLE["uncertified"] = f"NOT {PERSON_CERTIFIED}"
_KEYS = ("id", "class", "student_no", "name", "id_number", "cohort")
_SCHOOL = "(SELECT name FROM schools WHERE id = s.school_id)"


def students_behind(
    conn: sqlite3.Connection,
    what: str,
    *,
    year: int | None = None,
    cohort: int | None = None,
    all_kinds: bool = False,
    scope: Scope | None = None,
    on: dt.date | None = None,
) -> list[dict]:
    """The students `what` counts (tested, passed, absent: their results; graduates,
    certified, uncertified: the students), of `scope`; `year`, `cohort` and `on` as in
    `stats.figures`: the graduates of the cohorts graduated by `on` (today by default),
    or of the one cohort asked for, in school or not."""
    scope = (scope or Scope()).in_year(year)
    where_students, students = scope.students_sql()
    keys: tuple[str, ...] = (*_KEYS, "school") if scope.province else _KEYS
    columns = ", ".join(f"s.{k}" for k in ("id", "class_code", *_KEYS[2:]))
    columns += f", {_SCHOOL}" if scope.province else ""
    by_school = "(SELECT code FROM schools WHERE id = s.school_id), " if scope.province else ""
    if what in RESULT_LISTS:
        where_years, years = scope.years.sql(EXAM_YEAR)
        sql = f"""
            SELECT {columns}, c.name, se.level, se.date_start, se.date_end, r.outcome
            FROM results r JOIN sessions se ON se.id = r.session_id
            JOIN certificates c ON c.id = se.certificate_id JOIN students s ON s.id = r.student_id
            WHERE r.outcome IN {_OUTCOMES[what]} {kind_filter(all_kinds)}
              {where_years} {where_students}
            ORDER BY {by_school}s.class_code, s.student_no, s.name, se.date_start, c.name
        """
        params: list[object] = [*years, *students]
        # the session's first and last day: output shows them as one date (2022.5-6)
        keys += ("certificate", "level", "exam_start", "exam_end", "outcome")
    else:
        asked = Span.of(cohort) if cohort is not None else scope.years
        when = graduation.as_of(conn, on, scope.school_id)
        where_cohorts, years = graduation.counted(asked, when).sql("s.cohort")
        pending, waiting = graduation.pending_sql(asked, when)  # a province's: each school's day
        where_cohorts, years = where_cohorts + pending, [*years, *waiting]
        sql = f"""
            SELECT {columns} FROM students s
            WHERE {GRADUATE} AND {_GRADUATES[what]} {where_cohorts} {where_students}
            ORDER BY s.cohort, {by_school}s.class_code, s.student_no, s.name
        """
        if graduates.across(conn, scope):  # a person once
            sql = graduates.people_sql(columns, _PEOPLE[what], where_cohorts + where_students)
        params = [*years, *students]
    return [dict(zip(keys, row, strict=True)) for row in conn.execute(sql, params)]
