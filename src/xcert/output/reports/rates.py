"""Table 1 (pass rates) and table 2 (the dual-certificate rate), as in seed 000; with
`--by school` (SPEC 6.8) a row per school and the province's total, as a guidance
centre files them (全省2023年各校1+X考证情况统计表)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

from xcert.figures import graduation, schools, stats
from xcert.figures.scope import Scope, Span
from xcert.office import catalogue
from xcert.output import charts, school_tables
from xcert.output import tables as output

# What the rates mean, printed under the tables in every format (a reader of a filed
# table cannot ask): table 1's under the table, table 2's under the report.
PASS_RATE_DEFINITION = (
    "1+X 证书通过率 = 1+X 考证通过人数 ÷ 1+X 考证人数；考证人数是考核合格和不合格的人数，"
    "缺考的不计入。"
)
DUAL_DEFINITION = (
    "双证毕业率 = 获得技能证人数 ÷ 毕业生人数。毕业生不含退学、转学、转出、休学的学生；"
    "技能证包括 1+X 证书和其他职业技能证书（合格成绩或已发证书），须在毕业当年或以前取得，"
    "或未注明日期。"
)


def pass_rates(
    conn: sqlite3.Connection,
    *,
    year: int | None,
    scope: Scope,
    on: dt.date | None = None,
    by: str | None = None,
    **_: object,
) -> dict:
    scope = scope.in_year(year)
    by_cert = stats.pass_rates(conn, by="certificate", scope=scope)
    cert_table = output.tables(stats.Figures(pass_rates=by_cert, scope=scope), by="certificate")[0]
    cert_table.title = "按证书"
    if by == "school":
        return _pass_rates_by_school(conn, scope, on, cert_table)
    figures = stats.figures(conn, scope=scope, on=on)
    tables = output.tables(figures)[:1]
    tables[0].notes = [*tables[0].notes, PASS_RATE_DEFINITION]
    tables.append(cert_table)
    rates = {r.year: (r.pass_rate, stats.percent(r.passed, r.tested)) for r in figures.pass_rates}
    chart_year = charts.rate_bars(
        "1+X 证书通过率（按年份）", _bars(rates, scope.years, output.year_label)
    )
    chart_cert = charts.rate_rows(
        "1+X 证书通过率（按证书）",
        [
            (
                f"{output.year_label(r.year)} {_short(r.group or '')}",
                r.pass_rate,
                stats.percent(r.passed, r.tested),
            )
            for r in by_cert
        ],
    )
    # 数控技术应用专业2022-2023年1+X考证情况统计表 (the seed's table 1)
    return {
        "title": f"{scope.words()}{scope.years.words()}1+X考证情况统计表",
        "tables": tables,
        "charts": [chart_year, chart_cert],
        "warnings": figures.warnings,
    }


def _pass_rates_by_school(
    conn: sqlite3.Connection, scope: Scope, on: dt.date | None, cert_table: output.Table
) -> dict:
    """Table 1 with a row per school and the province's total, then by certificate."""
    figures = schools.figures(conn, own=school_tables.own_school(conn), scope=scope, on=on)
    table = school_tables.pass_rate_table(figures)
    table.notes = [*table.notes, PASS_RATE_DEFINITION]
    totals = [(school_tables.TOTAL, r) for r in figures.pass_total] if figures.several else []
    bars = [
        (f"{output.year_label(r.year)} {name}", r.pass_rate, stats.percent(r.passed, r.tested))
        for name, r in sorted(
            [(s.name, r) for s, r in figures.pass_rates] + totals,
            key=lambda pair: (pair[1].year is None, pair[1].year or 0),
        )
    ]
    return {
        "title": f"{scope.words()}{scope.years.words()}{_each(figures)}1+X考证情况统计表",
        "tables": [table, cert_table],
        "charts": [charts.rate_rows("1+X 证书通过率（按学校）", bars)],
        "warnings": figures.warnings,
    }


def _each(figures: schools.BySchool) -> str:
    """各校 in a title over several schools; nothing over one (its name is the scope's)."""
    return "各校" if figures.several else ""


def dual(
    conn: sqlite3.Connection,
    *,
    cohort: int | None,
    scope: Scope,
    on: dt.date | None = None,
    by: str | None = None,
    **_: object,
) -> dict:
    """Table 2 of the scope's cohorts graduated by the report's date, or of the one cohort
    asked for: one still in school is a projection (SPEC 3), titled so, never 毕业学生."""
    if by == "school":
        return _dual_by_school(conn, cohort, scope, on)
    when = graduation.as_of(conn, on, scope.school_id)
    rows = stats.dual_certificate(conn, cohort=cohort, scope=scope, on=when)
    cohorts = Span.of(cohort) if cohort is not None else scope.years
    figures = stats.Figures(dual_certificate=rows, scope=scope, cohorts=cohorts, as_of=when)
    table = output.tables(figures)[1]
    rates: dict[int | None, tuple[float | None, str]] = {
        r.cohort: (r.rate, stats.percent(r.certified, r.graduates)) for r in rows
    }
    bars = _bars(rates, graduation.counted(cohorts, when), output.cohort_label)
    if cohorts.one is not None and not when.graduated(cohorts.one):
        chart = charts.rate_bars("预计双证毕业率（在校）", bars)
        title = (
            f"{scope.whose()}{cohorts.one}届学生{scope.group_words()}双证情况统计表（在校，预计）"
        )
    else:
        chart = charts.rate_bars("双证毕业率（按届）", bars)
        # 2023年毕业学生数控技术应用专业双证毕业情况统计表 (the seed's table 2)
        title = f"{scope.whose()}{cohorts.words()}毕业学生{scope.group_words()}双证毕业情况统计表"
    return {
        "title": title,
        "tables": [table],
        "charts": [chart],
        "warnings": [],
        "notes": [DUAL_DEFINITION],  # the templates print them under the report
    }


def _dual_by_school(
    conn: sqlite3.Connection, cohort: int | None, scope: Scope, on: dt.date | None
) -> dict:
    """Table 2 with a row per school and the province's total (a person once)."""
    own = school_tables.own_school(conn)
    figures = schools.figures(conn, own=own, cohort=cohort, scope=scope, on=on)
    totals = [(school_tables.TOTAL, r) for r in figures.dual_total] if figures.several else []
    bars = [
        (f"{output.cohort_label(r.cohort)} {name}", r.rate, stats.percent(r.certified, r.graduates))
        for name, r in sorted(
            [(s.name, r) for s, r in figures.dual] + totals, key=lambda pair: pair[1].cohort
        )
    ]
    cohorts, when, each = figures.cohorts, figures.as_of, _each(figures)
    if cohorts.one is not None and not when.graduated(cohorts.one):
        chart = charts.rate_rows("预计双证毕业率（在校，按学校）", bars)
        title = f"{scope.whose()}{cohorts.one}届学生{scope.group_words()}{each}双证情况统计表（在校，预计）"
    else:
        chart = charts.rate_rows("双证毕业率（按学校）", bars)
        title = (
            f"{scope.whose()}{cohorts.words()}毕业学生{scope.group_words()}{each}双证毕业情况统计表"
        )
    return {
        "title": title,
        "tables": [school_tables.dual_table(figures)],
        "charts": [chart],
        "warnings": [],
        "notes": [DUAL_DEFINITION],
    }


def _bars(
    rates: dict[int | None, tuple[float | None, str]],
    span: Span,
    label: Callable[[int], str],
) -> list[charts.Bar]:
    """A bar per year or cohort, as its table row: each of a closed span asked for is
    there, one with nobody in it as — (no bar); an undated year last."""
    every: dict[int | None, tuple[float | None, str]] = dict.fromkeys(span.years(), (None, "—"))
    every.update(rates)
    return [
        (label(key) if key is not None else output.year_label(None), *every[key])
        for key in sorted(every, key=lambda key: (key is None, key or 0))
    ]


def _short(name: str) -> str:
    return name[: -len(catalogue.SUFFIX)] if name.endswith(catalogue.SUFFIX) else name
