"""Years before the database (SPEC 3): what a school reported before it used xcert,
typed into the site profile's `[[plan.history]]` (year, certificates, participants,
passed; optionally a cohort's graduates and certified), stored with the plan
(office/history.py checks it). These figures fill the rows of table 1 (per year) and
table 2 (per cohort) that no imported data gives, marked as entered by hand.

A year (or cohort) is never both in the history and in imported data: the import that
would make it so is refused (office/history.py). Should one be both all the same (an
older database), the imported figures win. Several plans may repeat the same history;
the earliest plan that states a year (or cohort) gives it.

The history is the whole school's 1+X figures: a scope's span limits it, and a scope
of a major, department or class leaves it out (its students are not in it), as does one
school of a province's database (the history is the province's own, if any).
"""

import sqlite3
from typing import NamedTuple

from xcert.figures.scope import Scope, Span


class Year(NamedTuple):
    """A year's 1+X figures as entered: candidates, passed, and the certificates. A
    NamedTuple, like figures/scope.py's values (start-up)."""

    year: int
    tested: int
    passed: int
    certificates: int  # distinct certificates named for the year


class Cohort(NamedTuple):
    """A cohort's dual-certificate figures as entered."""

    cohort: int
    graduates: int
    certified: int


def _plans(conn: sqlite3.Connection) -> list[list[dict]]:
    """The history entries of each plan that has any, earliest plan first."""
    rows = conn.execute(
        "SELECT data FROM plans WHERE json_valid(data)"
        " AND json_type(data, '$.history') = 'array' ORDER BY year"
    ).fetchall()
    if not rows:
        return []
    import json  # only for a plan with a history: most commands find none (start-up)

    return [
        [e for e in json.loads(data)["history"] if isinstance(e, dict) and "year" in e]
        for (data,) in rows
    ]


def years(conn: sqlite3.Connection, *, scope: Scope | None = None) -> dict[int, Year]:
    """Each year the history gives of `scope`'s span, the sums of its entries; none for
    a scope of part of the school."""
    scope = scope or Scope()
    if scope.groups:
        return {}
    out: dict[int, Year] = {}
    for entries in _plans(conn):
        mine: dict[int, list[dict]] = {}
        for entry in entries:
            if scope.years.holds(entry["year"]):
                mine.setdefault(entry["year"], []).append(entry)
        for year_, group in mine.items():
            if year_ not in out:
                names = {name for e in group for name in e.get("certificates") or []}
                out[year_] = Year(
                    year_,
                    sum(e["participants"] for e in group),
                    sum(e["passed"] for e in group),
                    len(names),
                )
    return dict(sorted(out.items()))


def cohorts(
    conn: sqlite3.Connection, *, cohorts: Span | None = None, scope: Scope | None = None
) -> dict[int, Cohort]:
    """Each cohort the history gives of `cohorts` (every one if None); none for a scope
    of part of the school."""
    if scope is not None and scope.groups:
        return {}
    span = cohorts or Span()
    out: dict[int, Cohort] = {}
    for entries in _plans(conn):
        for entry in entries:
            found = entry.get("cohort")
            if found is None or found in out or not span.holds(found):
                continue
            out[found] = Cohort(found, entry["graduates"], entry["certified"])
    return dict(sorted(out.items()))
