"""Which 届 have graduated by a report's date (SPEC 3): a cohort Y graduates on the day
the site profile sets ([school] graduation_day), 1 July of Y unless it says otherwise.
The dual-certificate table counts a cohort only from that day on; before it, a cohort
asked for is a projection (在校，预计), never 毕业学生.

`office/sites.graduation_day` reads the same setting for purge and graduate (the
office's layer cannot import this one); a test keeps the two the same.

In a province's database (SPEC 6.8) each school keeps its own day (`schools.graduation_day`,
from its site profile when merged; NULL: 07-01): a school's figures (`--school`, its row
of `--by school`) count its cohorts from that day, exactly as its own database does. The
province's total counts each school's graduates once that school's own day has passed:
between the earliest and the latest school's day, a span's cohort of that year counts
the schools past their day and leaves out the students of the others (`pending_sql`),
so the total is the sum of the school rows shown (a student who moved still one person).
The total's cohort has graduated (`graduated`, no longer a projection) on the latest
school's day; one cohort asked for on its own counts every school's students, as is.
"""

import datetime as dt
import sqlite3
from typing import NamedTuple

from xcert import clock
from xcert.figures.scope import Span
from xcert.model import GRADUATION_DAY, GRADUATION_DAY_SETTING


class AsOf(NamedTuple):
    """The day a report is for, and the month and day every 届 graduates on (MM-DD).
    A NamedTuple, like figures/scope.py's values (start-up). A province's total: `days`
    holds each school's (id, MM-DD) and `month_day` is the latest of them, the day a
    cohort has graduated in every school; empty for one school."""

    on: dt.date
    month_day: str = GRADUATION_DAY
    days: tuple[tuple[int, str], ...] = ()

    def graduation_day(self, cohort: int) -> dt.date:
        return _day(cohort, self.month_day)

    def graduated(self, cohort: int) -> bool:
        return self.graduation_day(cohort) <= self.on

    @property
    def last_cohort(self) -> int:
        """The latest cohort graduated by `on`: every cohort up to it has graduated."""
        return self.on.year if self.graduated(self.on.year) else self.on.year - 1

    @property
    def last_counted(self) -> int:
        """The latest cohort some school has graduated by `on` (`last_cohort` for one
        school): table 2 counts a span's cohorts up to it."""
        first = min((day for _, day in self.days), default=self.month_day)
        return self.on.year if _day(self.on.year, first) <= self.on else self.on.year - 1

    def waiting(self, cohort: int) -> tuple[int, ...]:
        """The schools of a province's total still before their day for `cohort` on `on`
        while another school is past its own: their students of it are not counted yet.
        None for one school, or for a cohort that no school or every school graduated."""
        if not self.days or self.graduated(cohort) or cohort > self.last_counted:
            return ()
        return tuple(school for school, day in self.days if _day(cohort, day) > self.on)


def _day(cohort: int, month_day: str) -> dt.date:
    return dt.date.fromisoformat(f"{cohort:04d}-{month_day}")


def counted(cohorts: Span, when: AsOf) -> Span:
    """The cohorts of `cohorts` table 2 counts on `when`: one cohort asked for on its own
    (--cohort, --year, or --from Y --to Y) as it is, a projection while still in school;
    of several, those graduated by then (a cohort in school is left out, never counted
    as graduates)."""
    if cohorts.one is not None:
        return cohorts
    last = when.last_counted if cohorts.last is None else min(cohorts.last, when.last_counted)
    return Span(cohorts.first, last)


def pending_sql(cohorts: Span, when: AsOf) -> tuple[str, list[int]]:
    """` AND NOT (s.cohort = ? AND s.school_id IN (?…))`: of the cohorts asked for, when
    several (`cohorts`, before `counted`), the students of a province's schools still
    before their day for the cohort another school has graduated (`AsOf.waiting`), on a
    query that names the students `s`; none otherwise (one cohort counts everyone)."""
    cohort = when.last_counted
    waiting = when.waiting(cohort)
    if cohorts.one is not None or not waiting or not cohorts.holds(cohort):
        return "", []
    marks = ", ".join("?" for _ in waiting)
    return f" AND NOT (s.cohort = ? AND s.school_id IN ({marks}))", [cohort, *waiting]


def row_graduated(cohorts: Span, when: AsOf, cohort: int) -> bool:
    """A table 2 row's `graduated` (not a projection): every row of several cohorts asked
    for (`counted` and `pending_sql` keep only graduates), the one cohort asked for once
    its day has passed (in a province's total: every school's)."""
    return cohorts.one is None or when.graduated(cohort)


def in_school(cohorts: Span, when: AsOf) -> Span | None:
    """The cohorts of a closed span of several that `counted` leaves out, still in school
    on `when` (a note names them), or None."""
    last = when.last_counted
    if cohorts.one is not None or cohorts.last is None or cohorts.last <= last:
        return None
    first = last + 1 if cohorts.first is None else max(cohorts.first, last + 1)
    return Span(first, cohorts.last)


def as_of(conn: sqlite3.Connection, on: dt.date | None = None, school: int | None = None) -> AsOf:
    """`on` (today by default) and the day each 届 graduates on: the site profile's in a
    school's own database; in a province's, `school`'s as merged, or for the province's
    total every school's (`AsOf.days`, unless they all have the same)."""
    on = on or clock.today()
    days = school_days(conn)
    if not days:
        return AsOf(on, month_day(conn))
    if school is not None:
        return AsOf(on, days.get(school, GRADUATION_DAY))
    if len(set(days.values())) == 1:
        return AsOf(on, next(iter(days.values())))
    return AsOf(on, max(days.values()), tuple(days.items()))


def school_days(conn: sqlite3.Connection) -> dict[int, str]:
    """Each school of a province's database and the MM-DD its 届 graduate on, 07-01 for
    a school whose site profile set none; empty in a school's own database."""
    rows = conn.execute("SELECT id, graduation_day FROM schools ORDER BY id")
    return {school: day or GRADUATION_DAY for school, day in rows}


def month_day(conn: sqlite3.Connection) -> str:
    """The site profile's [school] graduation_day (MM-DD, as office/sites.py stores it
    after checking it), or 07-01."""
    row = conn.execute(
        "SELECT value FROM settings WHERE key = ?", (GRADUATION_DAY_SETTING,)
    ).fetchone()
    if row is None:
        return GRADUATION_DAY
    import json  # only for a day set: a command that finds none never loads it (start-up)

    try:
        value = json.loads(row[0])
    except json.JSONDecodeError:
        return GRADUATION_DAY
    return value if isinstance(value, str) and value else GRADUATION_DAY
