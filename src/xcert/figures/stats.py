"""The figures of SPEC section 3, computed in SQL, as plain data. Reports reuse these.

One definition of each figure lives here:

- pass-rate rows per exam year (the year a session starts): `tested` = 1+X results
  that are pass or fail, `passed` = pass, `absent` = absent (not in the rate),
  `pass_rate` = passed / tested;
- dual-certificate rows per cohort: `graduates` = students of the cohort who are not
  withdrawn, `certified` = those with a pass result or an award of any kind dated in
  the cohort's year or earlier, or undated; `rate` = certified / graduates; a cohort
  counts once it has graduated by the report's date (graduation.py), before that only
  when asked for on its own, as a projection; who is a graduate and who is certified
  (and, across a province's schools, a person counted once) in `graduates.py`;
- years and cohorts before the database from the site profile's history (history.py),
  the whole school's, so none for part of it;
- targets per year against the actual participants (= tested), pass rate and number
  of distinct 1+X certificates examined: the whole school's, so none for part of it;
- teachers per certificate, as 人 and 人次 (`teachers.py`), the whole school's.

Each figure may be limited to a scope (figures/scope.py): a major, department or class
of students, one school of a province's database, and a span of exam years and cohorts.
Its own school's targets and teachers go with a school (`--school`); the figures of
each school side by side (`--by school`) are `schools.py`'s.

Only the standard library: `xcert stats --format json` must start fast. The rows are
NamedTuples, like figures/scope.py's values: defined at every start, cheaply.
"""

import datetime as dt
import functools
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from xcert.figures import graduates, graduation, history
from xcert.figures import teachers as teacher_figures
from xcert.figures.scope import TARGETS_NOTE, TEACHERS_NOTE, Scope, Span
from xcert.figures.teachers import TeacherCounts
from xcert.store import snapshot

if TYPE_CHECKING:
    from decimal import Decimal

BY_COLUMNS: dict[str, str] = {
    "year": "",
    "certificate": "c.name",
    "level": "se.level",
    "class": "s.class_code",
    "major": "s.major",
    "department": "s.department",
    "school": "s.school_id",  # a province's database: the school's id (figures/schools.py)
}
LIST_KINDS = ("tested", "passed", "absent", "graduates", "certified", "uncertified")

EXAM_YEAR = "CAST(substr(se.date_start, 1, 4) AS INTEGER)"


def rate(part: int, whole: int) -> float | None:
    """A fraction with four decimals; None over zero people (SPEC 3: never an error)."""
    return round(part / whole, 4) if whole else None


def percent(part: int, whole: int) -> str:
    """part / whole as a percentage with one decimal, rounded half up from the exact
    fraction (not from the four-decimal one): 15/19 → 78.9%; over zero people: —."""
    if not whole:
        return format_percent(None)
    from decimal import Decimal  # once there is a rate to show (start-up)

    return format_percent(Decimal(part) / Decimal(whole))


def format_percent(fraction: "Decimal | float | None") -> str:
    """A fraction as a percentage with one decimal, half up (0.6667 → 66.7%); None → —."""
    if fraction is None:
        return "—"
    from decimal import ROUND_HALF_UP, Decimal

    exact = fraction if isinstance(fraction, Decimal) else Decimal(str(fraction))
    return f"{(exact * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


class PassRate(NamedTuple):
    """SPEC 3's pass-rate row (seed table 1): the results of one exam year, and of one
    certificate, level, class, major or department when broken down `by` it."""

    year: int | None
    tested: int  # pass or fail
    passed: int
    absent: int | None  # reported, not in the rate; None: not known (the history)
    by: str | None = None  # what `group` is: "certificate", "class", ...; None by year
    group: str | None = None
    certificates: int | None = None  # by year: distinct 1+X certificates someone sat
    history: bool = False  # entered by hand in the site profile, not from imported data

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.tested)

    def as_json(self) -> dict[str, object]:
        """SPEC 4's keys, in its order; the `by` key beside the year."""
        record: dict[str, object] = {"year": self.year}
        if self.by is not None:
            record[self.by] = self.group
        record.update(
            tested=self.tested, passed=self.passed, absent=self.absent, pass_rate=self.pass_rate
        )
        if self.history:
            record["history"] = True
        return record


class DualCertificate(NamedTuple):
    """SPEC 3's dual-certificate row (seed table 2) of one cohort."""

    cohort: int
    graduates: int  # of a cohort still in school: its students not withdrawn
    certified: int
    graduated: bool = True  # False: still in school on the report's date, a projection
    history: bool = False  # entered by hand in the site profile, not from imported data

    @property
    def rate(self) -> float | None:
        return rate(self.certified, self.graduates)

    def as_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "cohort": self.cohort,
            "graduates": self.graduates,
            "certified": self.certified,
            "rate": self.rate,
            "graduated": self.graduated,
        }
        if self.history:
            record["history"] = True
        return record


class TargetRow(NamedTuple):
    """A year's targets beside what was reached. A judgement (met or not) is None when
    there is no target, or nothing to judge yet: no 1+X result at all that year."""

    year: int
    participants_target: int | None
    participants: int  # 1+X results that are pass or fail
    passed: int
    pass_rate_target: float | None
    certificates_target: int | None
    certificates: int  # distinct 1+X certificates someone was tested in
    absent: int = 0  # 1+X results that are absent: a year with only these was examined

    @property
    def examined(self) -> bool:
        """Whether the year has any 1+X result (pass, fail or absent) to judge by."""
        return self.participants + self.absent > 0

    @property
    def participants_met(self) -> bool | None:
        return _met(self.participants if self.examined else None, self.participants_target)

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.participants)

    @property
    def pass_rate_met(self) -> bool | None:
        # exact: 2/3 does not meet a target of 66.67 %
        exact = self.passed / self.participants if self.participants else None
        return _met(exact, self.pass_rate_target)

    @property
    def certificates_met(self) -> bool | None:
        return _met(self.certificates if self.examined else None, self.certificates_target)

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year,
            "participants_target": self.participants_target,
            "participants": self.participants,
            "participants_met": self.participants_met,
            "passed": self.passed,
            "pass_rate_target": self.pass_rate_target,
            "pass_rate": self.pass_rate,
            "pass_rate_met": self.pass_rate_met,
            "certificates_target": self.certificates_target,
            "certificates": self.certificates,
            "certificates_met": self.certificates_met,
        }


class Figures(NamedTuple):
    """Everything `stats` shows, as one value the screen, JSON and the reports share."""

    pass_rates: Sequence[PassRate] = ()
    dual_certificate: Sequence[DualCertificate] = ()
    targets: Sequence[TargetRow] = ()
    teachers: Sequence[TeacherCounts] = ()  # per certificate
    teachers_total: TeacherCounts = TeacherCounts(None)
    warnings: Sequence[str] = ()
    # What was asked for: the years and groups of every figure, and the cohorts of the
    # dual-certificate table. A table of a closed span keeps a row for each of its years
    # or cohorts when the database has nothing for it (2030届 | 0 | 0 | —).
    scope: Scope = Scope()
    cohorts: Span = Span()
    notes: Sequence[str] = ()  # what a reader should know; not in JSON
    as_of: graduation.AsOf | None = None  # the report's date, for table 2

    def as_json(self) -> dict[str, object]:
        return {
            "scope": self.scope.as_json(),
            "pass_rates": [r.as_json() for r in self.pass_rates],
            "dual_certificate": [r.as_json() for r in self.dual_certificate],
            "targets": [r.as_json() for r in self.targets],
            "teachers": [r.as_json() for r in self.teachers],
            "teachers_total": self.teachers_total.as_json(),
            "warnings": list(self.warnings),
        }


def figures(
    conn: sqlite3.Connection,
    *,
    year: int | None = None,
    cohort: int | None = None,
    by: str = "year",
    all_kinds: bool = False,
    scope: Scope | None = None,
    on: dt.date | None = None,
    dual: bool = True,
) -> Figures:
    """Everything `xcert stats` prints, of `scope` (the whole school, every year, if None).
    `year` is the span of that one year: it restricts pass rates to that exam year and,
    unless `cohort` is given, the dual-certificate table to that cohort. `on`: the
    report's date (today by default), which decides the cohorts graduated. `dual`: False
    for a report without the dual-certificate table (the nightly summary), left empty."""
    scope = (scope or Scope()).in_year(year)
    when = graduation.as_of(conn, on, scope.school_id)
    jobs: list[snapshot.Job] = [
        functools.partial(pass_rates, by=by, all_kinds=all_kinds, scope=scope)
    ]
    if dual:
        jobs.append(functools.partial(dual_certificate, cohort=cohort, scope=scope, on=when))
    rows, *duals = snapshot.together(conn, jobs)  # the two largest counts at once
    # the rows the targets compare against: counted once
    per_year = rows if by == "year" and not all_kinds else None
    wanted = targets(conn, per_year=per_year, scope=scope)
    notes = [TARGETS_NOTE] if scope.grouped and _targets_set(conn, scope) else []
    # teachers serve the whole school: counted up to the span's last year
    teachers, teachers_total = teacher_figures.teacher_counts(
        conn, year=scope.years.last, all_kinds=all_kinds, school=scope.school_id
    )
    if scope.grouped and teachers:
        notes.append(TEACHERS_NOTE)
    warnings = []
    if not all_kinds:
        warnings = guessed_warnings(conn, scope=scope)
        warnings += teacher_figures.guessed_warnings(conn, year=scope.years.last)
    return Figures(
        rows,
        duals[0] if duals else (),
        wanted,
        teachers,
        teachers_total,
        warnings,
        scope,
        Span.of(cohort) if cohort is not None else scope.years,
        notes,
        when,
    )


def guessed_warnings(
    conn: sqlite3.Connection, *, year: int | None = None, scope: Scope | None = None
) -> list[str]:
    """The warning line a 1+X figure carries when it depends on a guessed kind (SPEC 2)."""
    guessed = guessed_certificates(conn, year=year, scope=scope)
    if not guessed:
        return []
    return [
        "以下证书的类型是推测的（不在证书目录中），1+X 考证数字可能因此有误：" + "、".join(guessed)
    ]


def kind_filter(all_kinds: bool) -> str:
    return "" if all_kinds else "AND c.kind = '1+X'"


# Counted per session and outcome first (an index-only scan), then pivoted: evaluating
# expressions per result row would cost three times as much on a million results.
# `{sessions}`: for a span of years, only its sessions' results are read (the nightly
# summary's one year is a few of a million), each session's range of the index.
_PER_SESSION = """
    SELECT session_id,
           sum(CASE WHEN outcome IN ('pass', 'fail') THEN n ELSE 0 END) AS tested,
           sum(CASE WHEN outcome = 'pass' THEN n ELSE 0 END) AS passed,
           sum(CASE WHEN outcome = 'absent' THEN n ELSE 0 END) AS absent
    FROM (SELECT session_id, outcome, count(*) AS n FROM results {sessions}
          GROUP BY session_id, outcome)
    GROUP BY session_id
"""


def pass_rates(
    conn: sqlite3.Connection,
    *,
    year: int | None = None,
    by: str = "year",
    all_kinds: bool = False,
    scope: Scope | None = None,
) -> list[PassRate]:
    """Table 1's rows; by year, of 1+X certificates, with the years of the history."""
    scope = (scope or Scope()).in_year(year)
    if by == "year" and not all_kinds:
        return year_rows(conn, scope=scope)
    grouped = bool(BY_COLUMNS[by])
    out = []
    for row in _pass_rate_rows(conn, by=by, all_kinds=all_kinds, scope=scope):
        tested, passed, absent, certificates = row[-4:]
        group = row[1] if grouped else None
        by_ = by if grouped else None
        out.append(PassRate(row[0], tested, passed, absent, by_, group, certificates))
    return out


def year_rows(conn: sqlite3.Connection, *, scope: Scope | None = None) -> list[PassRate]:
    """Table 1 by year (1+X only): the imported results' years, and the years only the
    site profile's history gives (SPEC 3, years before the database), in year order.
    The history is the whole school's: a span limits it, a group leaves it out. The
    breakdowns (by certificate, class …) and --all-kinds have no history to add."""
    scope = scope or Scope()
    rows = [
        PassRate(year_, tested, passed, absent, certificates=certs)
        for year_, tested, passed, absent, certs in _pass_rate_rows(conn, scope=scope)
    ]
    known = {row.year for row in rows}
    rows += [
        PassRate(y.year, y.tested, y.passed, None, certificates=y.certificates, history=True)
        for y in history.years(conn, scope=scope).values()
        if y.year not in known
    ]
    return sorted(rows, key=lambda row: (row.year is None, row.year or 0))


def _pass_rate_rows(
    conn: sqlite3.Connection, *, by: str = "year", all_kinds: bool = False, scope: Scope
) -> list[tuple]:
    """(year, [by value,] tested, passed, absent, distinct certificates tested) per group."""
    column = BY_COLUMNS[by]
    where_years, params = scope.years.sql(EXAM_YEAR)
    where_students, students = scope.students_sql()
    if by in ("year", "certificate", "level", "school") and not scope.groups:
        # Per session first (an index-only scan), then the few sessions joined; a
        # session is its school's, as its students are (a merge keeps them together).
        column = "se.school_id" if by == "school" else column
        sessions = ""
        if not scope.years.open:
            sessions = (
                f"WHERE session_id IN (SELECT se.id FROM sessions se WHERE 1 = 1 {where_years})"
            )
            params = [*params, *params]  # the span's sessions first, then the rows' years
        source = (
            f"({_PER_SESSION.format(sessions=sessions)}) r JOIN sessions se ON se.id = r.session_id"
        )
        counts = "sum(r.tested), sum(r.passed), sum(r.absent)"
        someone_tested = "r.tested > 0"
    else:  # by the student's class, major or department, or of some students only
        source = "results r JOIN sessions se ON se.id = r.session_id JOIN students s ON s.id = r.student_id"
        counts = (
            "sum(r.outcome IN ('pass', 'fail')), sum(r.outcome = 'pass'), sum(r.outcome = 'absent')"
        )
        someone_tested = "r.outcome IN ('pass', 'fail')"
    # the last column, for the targets: distinct certificates someone was tested in
    counts += f", count(DISTINCT CASE WHEN {someone_tested} THEN se.certificate_id END)"
    group = f"{EXAM_YEAR}, {column}" if column else EXAM_YEAR
    select_by = f", {column} AS by_value" if column else ""
    return conn.execute(
        f"""
        SELECT {EXAM_YEAR} AS year{select_by}, {counts}
        FROM {source} JOIN certificates c ON c.id = se.certificate_id
        WHERE 1 = 1 {kind_filter(all_kinds)} {where_years} {where_students}
        GROUP BY {group}
        ORDER BY year IS NULL, year{", by_value IS NULL, by_value" if column else ""}
        """,
        [*params, *students],
    ).fetchall()


def dual_certificate(
    conn: sqlite3.Connection,
    *,
    cohort: int | None = None,
    scope: Scope | None = None,
    on: dt.date | graduation.AsOf | None = None,
) -> list[DualCertificate]:
    """Table 2 of `scope`'s students, from the students and (the whole school only) from
    the history: one cohort asked for on its own (`cohort`, or a span of one year),
    still in school on `on` (a projection, `graduated` False) or not; else each cohort
    of the scope's span graduated by `on` (today by default): in a province's total,
    each school's from its own day (graduation.py)."""
    scope = scope or Scope()
    when = on if isinstance(on, graduation.AsOf) else graduation.as_of(conn, on, scope.school_id)
    asked = Span.of(cohort) if cohort is not None else scope.years
    cohorts, pending = graduation.counted(asked, when), graduation.pending_sql(asked, when)
    rows = [
        DualCertificate(c, g, k, graduation.row_graduated(asked, when, c))
        for c, g, k in graduates.per_cohort(conn, cohorts, scope, pending)
    ]
    known = {row.cohort for row in rows}
    rows += [
        DualCertificate(c.cohort, c.graduates, c.certified, when.graduated(c.cohort), True)
        for c in history.cohorts(conn, cohorts=cohorts, scope=scope).values()
        if c.cohort not in known
    ]
    return sorted(rows, key=lambda row: row.cohort)


def targets(
    conn: sqlite3.Connection,
    *,
    year: int | None = None,
    per_year: list[PassRate] | None = None,
    scope: Scope | None = None,
) -> list[TargetRow]:
    """Each year with a target: target and actual participants, pass rate, certificates.
    The actual figures are the 1+X pass-rate rows per year (`per_year`, if already
    counted), a year of the history included. None for part of the school: the targets
    are the whole school's (or the chosen school's of a province, or the province's own)."""
    scope = (scope or Scope()).in_year(year)
    if scope.grouped:
        return []
    where, params = scope.years.sql("year")
    wanted = conn.execute(
        "SELECT year, participants, pass_rate, certificates FROM targets"
        f" WHERE school_id IS ? {where} ORDER BY year",
        [scope.school_id, *params],
    ).fetchall()
    if not wanted:
        return []
    if per_year is None:
        per_year = year_rows(conn, scope=scope)
    actual = {row.year: row for row in per_year}
    out = []
    for year_, want_people, want_rate, want_certs in wanted:
        got = actual.get(year_, PassRate(year_, 0, 0, 0))
        tested, passed, certs, absent = got.tested, got.passed, got.certificates, got.absent
        out.append(
            TargetRow(
                year_, want_people, tested, passed, want_rate, want_certs, certs or 0, absent or 0
            )
        )
    return out


def _targets_set(conn: sqlite3.Connection, scope: Scope) -> bool:
    """Whether the school has a target in the scope's years (a scoped report says why
    it is left out)."""
    where, params = scope.years.sql("year")
    sql = f"SELECT 1 FROM targets WHERE school_id IS ? {where} LIMIT 1"
    return conn.execute(sql, [scope.school_id, *params]).fetchone() is not None


def _met(actual: float | None, target: float | None) -> bool | None:
    """None when there is no target, or nothing to measure yet (`actual` None: no
    result that year, or a rate over nobody tested)."""
    if target is None or actual is None:
        return None
    return actual >= target


def guessed_certificates(
    conn: sqlite3.Connection, *, year: int | None = None, scope: Scope | None = None
) -> list[str]:
    """Certificates with a guessed kind that 1+X figures of `scope` (or `year`, or any)
    depend on: guessed 1+X ones are counted, guessed others are left out; either may be
    wrong."""
    scope = (scope or Scope()).in_year(year)
    where_years, params = scope.years.sql(EXAM_YEAR)
    where_students, students = scope.students_sql()
    students_join = "JOIN students s ON s.id = r.student_id" if scope.groups else ""
    return [
        name
        for (name,) in conn.execute(
            f"""
            SELECT DISTINCT c.name FROM certificates c
            JOIN sessions se ON se.certificate_id = c.id
            WHERE c.kind_guessed = 1 {where_years}
              AND EXISTS (SELECT 1 FROM results r {students_join}
                          WHERE r.session_id = se.id {where_students})
            ORDER BY c.name
            """,
            [*params, *students],
        )
    ]
