"""Who table 2 counts (SPEC 3), as SQL over the students table (aliased `s`): a graduate
is a student of a cohort who has not withdrawn; a certified one holds a pass result or
an award of any kind dated in the cohort's year or earlier, or undated
(`students.first_certified`, kept by the database's triggers).

Across a province's schools (SPEC 6.8) a student who moved is one person in two
schools (`students.person`, the same salted hash of the ID number): the province's
figure counts each person once, a graduate when any of their rows of the cohort is, and
certified when any of their rows in any school holds a certificate early enough. A
school's own figure (and each school's row of `--by school`) counts its rows.

Only the standard library: `xcert stats --format json` must start fast.
"""

from __future__ import annotations

import sqlite3

from xcert.figures.scope import Scope, Span
from xcert.model import WITHDRAWN_STATUSES
from xcert.store.connect import is_province

_WITHDRAWN = ", ".join(f"'{status}'" for status in sorted(WITHDRAWN_STATUSES))
CERTIFIED = "(s.first_certified IS NOT NULL AND s.first_certified <= s.cohort)"
GRADUATE = f"s.cohort IS NOT NULL AND s.status NOT IN ({_WITHDRAWN})"

_STUDENTS = f"""
    SELECT s.cohort, count(*) AS graduates, sum({CERTIFIED}) AS certified
    FROM students s WHERE {GRADUATE} {{where}}
    GROUP BY s.cohort ORDER BY s.cohort
"""
# A province's people who have more than one row (a student who moved): per cohort, how
# many rows too many its graduates count (n - 1 for a person with n graduate rows), and
# how many more are certified as people than as rows (the person holds a certificate
# in any row, `held`, against the rows counted certified, `k`). Everyone else is one row.
_MOVED = f"""
    WITH held AS MATERIALIZED (
        SELECT person, min(first_certified) AS first FROM students WHERE person IS NOT NULL
        GROUP BY person HAVING count(*) > 1
    ), people AS (
        SELECT s.cohort AS cohort, count(*) AS n, sum({CERTIFIED}) AS k,
               coalesce(h.first <= s.cohort, 0) AS held
        FROM held h JOIN students s ON s.person = h.person
        WHERE {GRADUATE} {{where}}
        GROUP BY s.cohort, s.person
    )
    SELECT cohort, sum(n - 1), sum(held - k) FROM people GROUP BY cohort
"""
_SCHOOLS = f"""
    SELECT s.cohort, s.school_id, count(*) AS graduates, sum({CERTIFIED}) AS certified
    FROM students s WHERE {GRADUATE} {{where}}
    GROUP BY s.school_id, s.cohort
"""


# Whether a person of a province (a row of `_listed`, with `h` their earliest certificate
# in any school) holds a certificate early enough: as `_PERSONS` counts them.
PERSON_CERTIFIED = f"coalesce(h.first <= s.cohort, {CERTIFIED})"


def across(conn: sqlite3.Connection, scope: Scope) -> bool:
    """Whether `scope` spans a province's schools (people counted once): asked of the
    database, whoever made the scope (the nightly summary's is a plain one)."""
    if scope.school is not None:
        return False
    return scope.province > 0 or is_province(conn)


def people_sql(columns: str, which: str, where: str) -> str:
    """The graduates of a province one row per person (their first row, a certified one
    first) that `which` holds of (a condition on `s`, the row, and `h`, the person's
    earliest certificate: PERSON_CERTIFIED); `where` on the students, as `per_cohort`."""
    return f"""
        WITH g AS (
            SELECT s.*, row_number() OVER (
                PARTITION BY s.cohort, coalesce(s.person, s.id) ORDER BY {CERTIFIED} DESC, s.id
            ) AS nth
            FROM students s WHERE {GRADUATE} {where}
        ), held AS (
            SELECT person, min(first_certified) AS first FROM students
            WHERE person IN (SELECT person FROM g) AND first_certified IS NOT NULL
            GROUP BY person
        )
        SELECT {columns} FROM g s LEFT JOIN held h ON h.person = s.person
        WHERE s.nth = 1 AND {which}
        ORDER BY s.cohort, (SELECT code FROM schools WHERE id = s.school_id),
            s.class_code, s.student_no, s.name
    """


# A condition on the students (`s`) and its parameters: none, or `graduation.pending_sql`.
Condition = tuple[str, list[int]]
NONE: Condition = ("", [])


def _where(cohorts: Span, scope: Scope, pending: Condition) -> tuple[str, list[object]]:
    where_cohorts, params = cohorts.sql("s.cohort")
    where_students, students = scope.students_sql()
    return where_cohorts + pending[0] + where_students, [*params, *pending[1], *students]


def per_cohort(
    conn: sqlite3.Connection, cohorts: Span, scope: Scope, pending: Condition = NONE
) -> list[tuple[int, int, int]]:
    """(cohort, graduates, certified) of `scope`'s students in `cohorts`: people once
    across a province's schools, students in a school's own database. `pending`: the
    students of schools still before their graduation day, left out (graduation.py)."""
    where, params = _where(cohorts, scope, pending)
    rows = conn.execute(_STUDENTS.format(where=where), params).fetchall()
    if not across(conn, scope):
        return rows
    moved = {
        c: (extra, more) for c, extra, more in conn.execute(_MOVED.format(where=where), params)
    }
    return [(c, g - moved.get(c, (0, 0))[0], k + moved.get(c, (0, 0))[1]) for c, g, k in rows]


def per_school(
    conn: sqlite3.Connection, cohorts: Span, scope: Scope, pending: Condition = NONE
) -> list[tuple[int, int | None, int, int]]:
    """(cohort, school id, graduates, certified): each school's own rows (`--by school`),
    school by school (the order the students' rows are read in fastest); `pending` as
    `per_cohort`'s."""
    where, params = _where(cohorts, scope, pending)
    return conn.execute(_SCHOOLS.format(where=where), params).fetchall()
