"""The self-assessment (绩效自评) of a year: the targets the plan set beside what was
reached, 达成 or 未达成, and the figures behind them by certificate. The plan states its
targets as goals; judging them is this report's."""

from __future__ import annotations

import datetime as dt
import sqlite3

from xcert import clock
from xcert.clean.dates import formal
from xcert.errors import XcertError
from xcert.figures import stats
from xcert.figures.scope import Scope
from xcert.output import tables as output


def self_assessment(
    conn: sqlite3.Connection, *, year: int | None, on: dt.date | None = None, **_: object
) -> dict:
    """The school's targets of `year` against its 1+X results of that year."""
    if year is None:
        raise XcertError("self-assessment 需要 --year，例如 --year 2023")
    scope = Scope().in_year(year)
    found = stats.targets(conn, scope=scope)
    if not found:
        raise XcertError(
            f"没有{year}年的绩效目标：先导入带 [[target]] year = {year} 的文件"
            "（如 examples/site.toml）"
        )
    judged = output.tables(stats.Figures(targets=found))[-1]
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
    return {
        "title": f"{year}年 1+X 证书制度试点项目绩效自评表",
        "tables": [judged, certificates],
        "charts": [],
        "warnings": warnings,
    }
