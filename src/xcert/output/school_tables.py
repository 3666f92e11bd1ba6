"""The figures of each school side by side (`--by school`, SPEC 6.8) as the tables a
guidance centre files: per year (or cohort) a row for each school, then the province's
total (全省合计) when there is more than one; what the total counts is said under each
table (results per result, people once). Same cells as `tables.py`: counts as ints,
rates as `Rate`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from itertools import groupby
from typing import Any, TypeVar

from xcert.figures import graduation
from xcert.figures.schools import NO_SCHOOL, BySchool, School
from xcert.figures.scope import PERSONS_NOTE, PROVINCE
from xcert.office import sites
from xcert.output.tables import (
    DUAL_HEADER,
    PROJECTION_HEADER,
    PROJECTION_TITLE,
    TEACHERS_HEADER,
    Table,
    cohort_label,
    in_school_note,
    projection_note,
    rate,
    rate_of,
    waiting_note,
    year_label,
)

R = TypeVar("R")  # a row of table 1 or table 2
TOTAL = f"{PROVINCE}合计"
BY_SCHOOL = "（按学校）"
RESULTS_NOTE = f"{TOTAL}是各校之和：考证人数按考核成绩计，同一学生在不同学校参加的考核各计一次"
TEACHERS_NOTE = (
    f"各校的教师按各校名单计；{TOTAL}中，同一教师（身份证号相同）在几所学校都有登记的只算一人，"
    "同一证书同一等级的同一角色只算一人次"
)
OWN_SCHOOL = "本校"  # a school's own database without a name in its site profile


def own_school(conn: sqlite3.Connection) -> School:
    """The one school of a school's own database, as its site profile names it."""
    profile = sites.school(conn)
    return School(None, profile.get("code") or None, profile.get("name") or OWN_SCHOOL)


def tables(figures: BySchool, *, all_kinds: bool = False) -> list[Table]:
    """Pass rates and dual-certificate rates per school, then each school's targets and
    teachers when there are any."""
    kind = "" if all_kinds else "1+X "
    out = [pass_rate_table(figures, kind), dual_table(figures)]
    if figures.targets:
        out.append(target_table(figures))
    if figures.teachers:
        out.append(teachers_table(figures, kind))
    return out


def pass_rate_table(figures: BySchool, kind: str = "1+X ") -> Table:
    """Tested, passed, absent and the rate of each school in each year, and the total."""
    header = [
        "年份",
        "学校",
        f"{kind}考证人数（人）",
        f"{kind}考证通过人数（人）",
        "缺考人数（人）",
        f"{kind}证书通过率",
    ]
    totals = {row.year: row for row in figures.pass_total}
    rows = [
        [year_label(r.year), name, r.tested, r.passed, r.absent or 0, rate(r.passed, r.tested)]
        for name, r in _with_totals(figures, figures.pass_rates, totals, lambda r: r.year)
    ]
    notes = [RESULTS_NOTE] if figures.several else []
    title = f"{figures.scope.words()}{kind}考证情况统计{BY_SCHOOL}"
    return Table(title, header, rows, notes=notes)


def _with_totals(
    figures: BySchool,
    pairs: Sequence[tuple[School, R]],
    totals: Mapping[Any, R],
    key: Callable[[R], Any],
) -> list[tuple[str, R]]:
    """Each year's (or cohort's) rows by school name, then the province's total row
    when there are several schools."""
    named: list[tuple[str, R]] = []
    for at, group in groupby(pairs, key=lambda pair: key(pair[1])):
        named += [(school.name, row) for school, row in group]
        if figures.several:
            named.append((TOTAL, totals[at]))
    return named


def dual_table(figures: BySchool) -> Table:
    """Graduates and those certified of each school in each cohort, and the total (a
    person once); a cohort asked for that is still in school is a projection."""
    asked, as_of = figures.cohorts, figures.as_of
    totals = {row.cohort: row for row in figures.dual_total}
    rows = [
        [cohort_label(r.cohort), name, r.graduates, r.certified, rate(r.certified, r.graduates)]
        for name, r in _with_totals(figures, figures.dual, totals, lambda r: r.cohort)
    ]
    notes = [PERSONS_NOTE] if figures.several and figures.scope.across_schools else []
    words = figures.scope.words()
    if asked.one is not None and not as_of.graduated(asked.one):
        header = [PROJECTION_HEADER[0], "学校", *PROJECTION_HEADER[1:]]
        notes.insert(0, projection_note(asked.one, as_of))
        title = f"{words}{PROJECTION_TITLE}{BY_SCHOOL}"
        return Table(title, header, rows, notes=notes)
    left_out = graduation.in_school(asked, as_of)
    if left_out is not None:
        notes.append(in_school_note(left_out, as_of))
    waiting = set(as_of.waiting(as_of.last_counted))
    names = "、".join(s.name for s in figures.schools if s.id in waiting)
    notes += waiting_note(asked, as_of, names) if names else []
    header = [DUAL_HEADER[0], "学校", *DUAL_HEADER[1:]]
    return Table(f"{words}双证毕业率{BY_SCHOOL}", header, rows, notes=notes)


def _met(value: bool | None) -> str:
    return "—" if value is None else ("达成" if value else "未达成")


def _count(value: int | None) -> int | str:
    return "—" if value is None else value


def target_table(figures: BySchool) -> Table:
    """Each school's three targets of a year (participants, pass rate, certificates)
    beside what it reached. The year and the school print once over their three rows."""
    rows: list[list[object]] = []
    for school, t in figures.targets:
        judged: list[tuple[str, object, object, bool | None]] = [
            ("1+X 考证人数", _count(t.participants_target), t.participants, t.participants_met),
            (
                "1+X 证书通过率",
                rate_of(t.pass_rate_target),
                rate(t.passed, t.participants),
                t.pass_rate_met,
            ),
            ("1+X 证书数（种）", _count(t.certificates_target), t.certificates, t.certificates_met),
        ]
        who = [year_label(t.year), school.name]
        rows += [[*who, name, want, got, _met(met)] for name, want, got, met in judged]
    header = ["年份", "学校", "指标", "目标", "实际", "是否达成"]
    return Table(f"绩效目标与实际{BY_SCHOOL}", header, rows, merged=(1, 2))


def teachers_table(figures: BySchool, kind: str = "1+X ") -> Table:
    """Each school's trainers, examiners and certified teachers (人, 人次), and the total."""
    rows: list[list[object]] = [
        [school.name, *(n for pair in counts.pairs() for n in pair)]
        for school, counts in figures.teachers
    ]
    notes = []
    if figures.several:
        rows.append([TOTAL, *(n for pair in figures.teachers_total.pairs() for n in pair)])
        notes.append(TEACHERS_NOTE)
    header = ["学校", *TEACHERS_HEADER[1:]]
    return Table(f"{kind}师资情况{BY_SCHOOL}", header, rows, notes=notes)


def with_school(table: Table, people: list[dict]) -> Table:
    """A list of the people behind a figure with each one's school after 序号 (a
    province's database: class codes repeat from school to school)."""
    rows = [
        [row[0], person.get("school") or NO_SCHOOL, *row[1:]]
        for row, person in zip(table.rows, people, strict=True)
    ]
    header = [table.header[0], "学校", *table.header[1:]]
    return Table(table.title, header, rows, notes=table.notes)
