"""Which 届 have graduated by a report's date (SPEC 3): a cohort Y graduates on the day
the site profile sets ([school] graduation_day), 1 July of Y unless it says otherwise.
The dual-certificate table counts a cohort only from that day on; before it, a cohort
asked for is a projection (在校，预计), never 毕业学生.

`office/sites.graduation_day` reads the same setting for purge and graduate (the
office's layer cannot import this one); a test keeps the two the same.
"""

import datetime as dt
import sqlite3
from typing import NamedTuple

from xcert import clock
from xcert.figures.scope import Span
from xcert.model import GRADUATION_DAY, GRADUATION_DAY_SETTING


class AsOf(NamedTuple):
    """The day a report is for, and the month and day every 届 graduates on (MM-DD).
    A NamedTuple, like figures/scope.py's values (start-up)."""

    on: dt.date
    month_day: str = GRADUATION_DAY

    def graduation_day(self, cohort: int) -> dt.date:
        return dt.date.fromisoformat(f"{cohort:04d}-{self.month_day}")

    def graduated(self, cohort: int) -> bool:
        return self.graduation_day(cohort) <= self.on

    @property
    def last_cohort(self) -> int:
        """The latest cohort graduated by `on`: every cohort up to it has graduated."""
        return self.on.year if self.graduated(self.on.year) else self.on.year - 1


def counted(cohorts: Span, when: AsOf) -> Span:
    """The cohorts of `cohorts` table 2 counts on `when`: one cohort asked for on its own
    (--cohort, --year, or --from Y --to Y) as it is, a projection while still in school;
    of several, those graduated by then (a cohort in school is left out, never counted
    as graduates)."""
    if cohorts.one is not None:
        return cohorts
    last = when.last_cohort if cohorts.last is None else min(cohorts.last, when.last_cohort)
    return Span(cohorts.first, last)


def in_school(cohorts: Span, when: AsOf) -> Span | None:
    """The cohorts of a closed span of several that `counted` leaves out, still in school
    on `when` (a note names them), or None."""
    if cohorts.one is not None or cohorts.last is None or cohorts.last <= when.last_cohort:
        return None
    first = (
        when.last_cohort + 1 if cohorts.first is None else max(cohorts.first, when.last_cohort + 1)
    )
    return Span(first, cohorts.last)


def as_of(conn: sqlite3.Connection, on: dt.date | None = None) -> AsOf:
    """`on` (today by default) and the site profile's graduation day."""
    return AsOf(on or clock.today(), month_day(conn))


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
