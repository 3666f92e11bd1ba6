"""The self-assessment (绩效自评) of a year: the targets the plan set beside what was
reached, 达成 or 未达成, and the figures behind them by certificate. The plan states its
targets as goals; judging them is this report's.

In a province's database (SPEC 6.8) the targets are one school's (`--school`), or each
school's beside its figures (`--by school`): the province has none of its own."""

from __future__ import annotations

import datetime as dt
import sqlite3

from xcert import clock
from xcert.clean.dates import formal
from xcert.errors import XcertError
from xcert.figures import schools, stats
from xcert.figures.scope import Scope
from xcert.output import school_tables
from xcert.output import tables as output


def self_assessment(
    conn: sqlite3.Connection,
    *,
    year: int | None,
    on: dt.date | None = None,
    scope: Scope | None = None,
    by: str | None = None,
    **_: object,
) -> dict:
    """The school's targets of `year` against its 1+X results of that year (of a
    province's database: see above)."""
    if year is None:
        raise XcertError("self-assessment 需要 --year，例如 --year 2023")
    asked = scope or Scope()  # a dossier's --major and the like: the targets are a school's
    school = tuple(group for group in asked.groups if group.kind == "school")
    scope = Scope(school, province=asked.province).in_year(year)
    judged = _judged(conn, scope, year, by)
    judged.title = "绩效目标完成情况"
    by_cert = stats.pass_rates(conn, by="certificate", scope=scope)
    certificates = output.tables(stats.Figures(pass_rates=by_cert, scope=scope), by="certificate")[
        0
    ]
    certificates.title = f"{year}年各证书考核情况"
    day = on or clock.today()
    warnings = stats.guessed_warnings(conn, scope=scope)
    if day.year <= year:
        warnings.append(f"{year}年尚未结束：实际数是截至{formal(day.isoformat())}的数字")
    each = "各校" if by == "school" and scope.across_schools else ""
    return {
        "title": f"{scope.whose()}{year}年{each} 1+X 证书制度试点项目绩效自评表",
        "tables": [judged, certificates],
        "charts": [],
        "warnings": warnings,
    }


def _judged(conn: sqlite3.Connection, scope: Scope, year: int, by: str | None) -> output.Table:
    """The targets judged: the school's, or each school's."""
    if by == "school":
        own = school_tables.own_school(conn)
        found = schools.figures(conn, own=own, scope=scope)
        if found.targets:
            return school_tables.target_table(found)
    else:
        targets = stats.targets(conn, scope=scope)
        if targets:
            return output.tables(stats.Figures(targets=targets))[-1]
    if scope.across_schools and by != "school":
        raise XcertError(
            "绩效目标是各学校的，省级汇总数据库没有全省的目标："
            f"加 --by school 看各校{year}年的目标，或用 --school 指定学校"
        )
    if scope.across_schools:
        raise XcertError(f"各校都没有{year}年的绩效目标（各校的目标随学校数据合并进来）")
    whose = f"{scope.whose()}没有" if scope.province else "没有"
    raise XcertError(
        f"{whose}{year}年的绩效目标：先导入带 [[target]] year = {year} 的文件"
        "（如 examples/site.toml）"
    )
