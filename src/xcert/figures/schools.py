"""Each school side by side (`--by school`, SPEC 6.8): a province's figures with one row
per school and the province's total, as a guidance centre compares its schools.

Every school has a row for each year (table 1) and cohort (table 2) the figures have,
0 and — where it has nothing, so that a school without results shows as such. A school's
row counts its own rows, exactly as its own database counts them (`stats.py`); the
province's total counts results per result (SPEC 3) and people once (`graduates.py`:
a student who moved between schools is one person). Targets are each school's own
(`targets.school_id`) against its figures (a province's database holds no targets of
its own: it takes only merges); teachers are each school's, and the province's total
counts a teacher registered at two schools once (`teachers.py`). In a school's own
database there is the one school, named by its site profile (the caller's `own`).

Each school's 届 graduate on its own day (its site profile's graduation_day, kept by the
merge; graduation.py): a school's rows of table 2 count its cohorts from that day, as its
own database does. The province's total counts each school's graduates once that
school's day has passed: between the earliest and the latest school's day, a cohort of
a span asked for counts the schools already past their day and leaves out the others'
students (their rows show 0, graduated false, and a note names them), so that the total
is always the sum of the school rows shown where no student moved. The total's cohort
has graduated (JSON `graduated`) once every school's day has passed; one cohort asked
for on its own counts every school's students, a projection until then.

Only the standard library, like stats.py.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from xcert.figures import graduates, graduation, stats
from xcert.figures import teachers as teacher_figures
from xcert.figures.scope import TARGETS_NOTE, TEACHERS_NOTE, Scope, Span
from xcert.figures.stats import DualCertificate, PassRate, TargetRow
from xcert.figures.teachers import TeacherCounts
from xcert.model import GRADUATION_DAY as DAY

NO_SCHOOL = "（未指明学校）"  # rows of a province's database that no school owns


@dataclass(frozen=True)
class School:
    """One school of the figures: a row of the schools table, or (id None) the school
    of a school's own database."""

    id: int | None
    code: str | None
    name: str

    def keys(self) -> dict[str, object]:
        """The school as a JSON row names it."""
        return {"school": self.name, "school_code": self.code}


@dataclass
class BySchool:
    """Everything `xcert stats --by school` shows: per school, and the province's total."""

    schools: list[School]
    scope: Scope
    cohorts: Span  # the cohorts asked for (table 2)
    as_of: graduation.AsOf
    pass_rates: list[tuple[School, PassRate]] = field(default_factory=list)
    pass_total: list[PassRate] = field(default_factory=list)
    dual: list[tuple[School, DualCertificate]] = field(default_factory=list)
    dual_total: list[DualCertificate] = field(default_factory=list)
    targets: list[tuple[School, TargetRow]] = field(default_factory=list)
    teachers: list[tuple[School, TeacherCounts]] = field(default_factory=list)
    teachers_total: TeacherCounts = field(default_factory=lambda: TeacherCounts(None))
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what a reader should know; not in JSON

    @property
    def several(self) -> bool:
        """More than one school: the tables add the province's total."""
        return len(self.schools) > 1

    def as_json(self) -> dict[str, object]:
        def keyed(school: School, first: str, record: dict[str, object]) -> dict:
            return {first: record.pop(first), **school.keys(), **record}

        return {
            "scope": self.scope.as_json(),
            "schools": [{"code": s.code, "name": s.name} for s in self.schools],
            "pass_rates": [keyed(s, "year", r.as_json()) for s, r in self.pass_rates],
            "pass_rates_total": [r.as_json() for r in self.pass_total],
            "dual_certificate": [keyed(s, "cohort", r.as_json()) for s, r in self.dual],
            "dual_certificate_total": [r.as_json() for r in self.dual_total],
            "targets": [keyed(s, "year", r.as_json()) for s, r in self.targets],
            "teachers": [{**s.keys(), **r.as_json()} for s, r in self.teachers],
            "teachers_total": self.teachers_total.as_json(),
            "warnings": self.warnings,
        }


def listed(conn: sqlite3.Connection, own: School) -> list[School]:
    """The schools of a province's database by code, or `own`, a school's own database's."""
    rows = conn.execute("SELECT id, code, name FROM schools ORDER BY code").fetchall()
    return [School(*row) for row in rows] or [own]


def figures(
    conn: sqlite3.Connection,
    *,
    own: School,
    cohort: int | None = None,
    all_kinds: bool = False,
    scope: Scope | None = None,
    on: dt.date | None = None,
) -> BySchool:
    """The figures of `scope` per school: each of a province's schools, or the one the
    scope chooses; `cohort`, `all_kinds` and `on` as in `stats.figures`."""
    scope = scope or Scope()
    every = listed(conn, own)
    chosen = [s for s in every if s.id == scope.school_id] if scope.school else every
    when = graduation.as_of(conn, on, scope.school_id)
    result = BySchool(chosen, scope, Span.of(cohort) if cohort is not None else scope.years, when)
    by_id = {school.id: school for school in chosen}
    counted = stats.pass_rates(conn, by="school", all_kinds=all_kinds, scope=scope)
    _pass_rates(conn, result, by_id, counted, all_kinds)
    _dual(conn, result, by_id)
    _targets(conn, result, by_id, None if all_kinds else counted)
    _teachers(conn, result, by_id, all_kinds)
    if not all_kinds:
        result.warnings = stats.guessed_warnings(conn, scope=scope)
        result.warnings += teacher_figures.guessed_warnings(conn, year=scope.years.last)
    return result


def _school_of(by_id: dict[int | None, School], school_id: int | None) -> School:
    """The school a row's id names; a row no school owns in a province's database is
    shown as such (a school's own database's rows are its one school's)."""
    if school_id in by_id:
        return by_id[school_id]
    by_id[school_id] = School(school_id, None, NO_SCHOOL)
    return by_id[school_id]


def _id(group: str | None) -> int | None:
    """A pass-rate row's school (`by="school"` groups by the id)."""
    return None if group is None else int(group)


def _pass_rates(
    conn: sqlite3.Connection,
    result: BySchool,
    by_id: dict[int | None, School],
    counted: list[PassRate],
    all_kinds: bool,
) -> None:
    """Table 1 per school and year (`counted`, by school), and the province's total per
    year (its history, a whole school's figures typed by hand, has no schools: left out)."""
    scope = result.scope
    found = {  # as a row by year: the school is the pair's
        (row.year, _school_of(by_id, _id(row.group)).id): PassRate(
            row.year, row.tested, row.passed, row.absent, certificates=row.certificates
        )
        for row in counted
    }
    totals = {
        row.year: row
        for row in stats.pass_rates(conn, all_kinds=all_kinds, scope=scope)
        if not row.history
    }
    years = sorted(set(totals) | set(scope.years.years()), key=lambda y: (y is None, y or 0))
    for year in years:
        for school in by_id.values():
            row = found.get((year, school.id)) or PassRate(year, 0, 0, 0, certificates=0)
            result.pass_rates.append((school, row))
        result.pass_total.append(totals.get(year) or PassRate(year, 0, 0, 0, certificates=0))


def _dual(conn: sqlite3.Connection, result: BySchool, by_id: dict[int | None, School]) -> None:
    """Table 2 per school and cohort, each school's cohorts from its own graduation day,
    and the province's total (a person once), each school's graduates from that day."""
    when, asked = result.as_of, result.cohorts
    cohorts, pending = graduation.counted(asked, when), graduation.pending_sql(asked, when)
    days: dict[int | None, str] = dict(graduation.school_days(conn).items())
    found = {
        (c, _school_of(by_id, sid).id): (g, k)
        for c, sid, g, k in graduates.per_school(conn, cohorts, result.scope, pending)
    }
    totals = {c: (g, k) for c, g, k in graduates.per_cohort(conn, cohorts, result.scope, pending)}
    own = {  # each school's day (a school's own database: its site profile's, `when`)
        school.id: when if not days else graduation.AsOf(when.on, days.get(school.id, DAY))
        for school in by_id.values()
    }
    for c in sorted(set(totals) | set(cohorts.years())):
        for school in by_id.values():
            g, k = found.get((c, school.id), (0, 0))
            result.dual.append((school, DualCertificate(c, g, k, own[school.id].graduated(c))))
        g, k = totals.get(c, (0, 0))
        total = DualCertificate(c, g, k, graduation.row_graduated(asked, when, c))
        result.dual_total.append(total)


def _targets(
    conn: sqlite3.Connection,
    result: BySchool,
    by_id: dict[int | None, School],
    counted: list[PassRate] | None,
) -> None:
    """Each school's targets against its 1+X figures (`counted` by school already, or
    None); none for part of a school (they are a whole school's). One school (a school's
    own database, or `--school`): its targets, as `stats.targets` judges them."""
    scope = result.scope
    if scope.grouped:
        if stats.targets(conn, scope=Scope(years=scope.years, province=scope.province)):
            result.notes.append(TARGETS_NOTE)
        return
    if scope.school is not None or not scope.province:
        result.targets = [(result.schools[0], row) for row in stats.targets(conn, scope=scope)]
        return
    where, params = scope.years.sql("year")
    wanted = conn.execute(
        "SELECT year, school_id, participants, pass_rate, certificates FROM targets"
        f" WHERE 1 = 1 {where} ORDER BY year",
        params,
    ).fetchall()
    if not wanted:
        return
    # 1+X whatever --all-kinds says: the targets are 1+X targets
    counted = counted if counted is not None else stats.pass_rates(conn, by="school", scope=scope)
    per_school = {(r.year, r.group): r for r in counted}
    order = {school.id: index for index, school in enumerate(by_id.values())}
    rows: list[tuple[School, TargetRow]] = []
    for year, sid, people, rate, certs in wanted:
        got = per_school.get((year, sid)) or PassRate(year, 0, 0, 0, certificates=0)
        tested, passed, absent, done = got.tested, got.passed, got.absent, got.certificates
        row = TargetRow(year, people, tested, passed, rate, certs, done or 0, absent or 0)
        rows.append((_school_of(by_id, sid), row))
    rows.sort(key=lambda pair: (pair[1].year, order.get(pair[0].id, len(order))))
    result.targets = rows


def _teachers(
    conn: sqlite3.Connection, result: BySchool, by_id: dict[int | None, School], all_kinds: bool
) -> None:
    """Each school's teachers (人, 人次 over its certificates), and the province's (a
    person once, `teacher_figures.teacher_counts`)."""
    year = result.scope.years.last
    counts = teacher_figures.per_school(conn, year=year, all_kinds=all_kinds)
    school = result.scope.school_id
    _, result.teachers_total = teacher_figures.teacher_counts(
        conn, year=year, all_kinds=all_kinds, school=school
    )
    if not any(counts.get(s.id) for s in by_id.values()):
        return
    result.teachers = [(s, counts.get(s.id) or TeacherCounts(None)) for s in by_id.values()]
    if result.scope.grouped:
        result.notes.append(TEACHERS_NOTE)
