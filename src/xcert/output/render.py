"""Reports like the ones schools file (SPEC 5.3): Jinja2 templates to Markdown and HTML,
openpyxl to xlsx, from the same figures as `xcert stats` (templates compute nothing).

A template of the same name in `--templates DIR` overrides the built-in one, so a
school can keep its own house style.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from xcert.errors import XcertError
from xcert.figures.scope import Group, Scope
from xcert.office import search
from xcert.output import tables as output
from xcert.output.reports import assessment, plan, rates, sign_list, site
from xcert.output.sandbox import render_template
from xcert.output.xlsx import write_tables

FORMATS = ("md", "html", "xlsx")
TABLE_FORMATS = ("md", "html", "xlsx")
FORM_FORMATS = ("md", "html")  # a form is not a table: no xlsx


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    needs: str  # what the user must or may give, for `render --list`
    build: Callable[..., dict]
    only: tuple[str, ...] = ()  # options only some reports take, this one among them
    required: tuple[tuple[str, str], ...] = ()  # (option, an example) it cannot do without
    one_of: tuple[str, ...] = ()  # options of which it needs at least one
    formats: tuple[str, ...] = TABLE_FORMATS


# The options that limit a report to part of the school and a span (SPEC 3, "Scope").
SCOPE_OPTIONS = ("--major", "--department", "--class", "--from", "--to")


@dataclass(frozen=True)
class Misuse:
    """An option a report does not take, or one it needs and did not get."""

    option: str
    message: str


def misuse(name: str, given: Mapping[str, object]) -> Misuse | None:
    """The first option of `given` (option → value, None when not given) that report
    `name` does not take, or the first it needs that is missing."""
    report = REPORTS[name]
    for option, value in given.items():
        owners = [r.name for r in REPORTS.values() if option in r.only]
        if value is not None and owners and option not in report.only:
            return Misuse(option, f"{name} 不用这个选项（只用于 {'、'.join(owners)}）")
    for option, example in report.required:
        if given.get(option) in (None, ""):
            return Misuse(option, f"{name} 需要 {option}，例如 {option} {example}")
    if report.one_of and all(given.get(option) in (None, "") for option in report.one_of):
        first, *others = report.one_of
        return Misuse(first, f"{name} 需要 {first}（或 {'、'.join(others)}），例如 {first} 20数控1")
    return None


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "pass-rates",
            "1+X 考证情况统计（表 1）",
            "可选 --year",
            rates.pass_rates,
            only=SCOPE_OPTIONS,
        ),
        Report(
            "dual-certificate",
            "双证毕业率（表 2）",
            "可选 --cohort",
            rates.dual,
            only=("--cohort", *SCOPE_OPTIONS),
        ),
        Report(
            "sign-list",
            "考证签领名单",
            "需要 --class，可选 --year（发证年份）",
            sign_list.sign_list,
            only=SCOPE_OPTIONS,
            one_of=("--class", "--major", "--department"),
        ),
        Report(
            "site-application",
            "考点申报表",
            "可选 --site（有多个考点时必需）、--public",
            site.site_application,
            only=("--site",),
            formats=FORM_FORMATS,
        ),
        Report(
            "plan",
            "1+X 证书试点实施方案",
            "需要 --year",
            plan.plan,
            only=SCOPE_OPTIONS,
            required=(("--year", "2023"),),
            formats=FORM_FORMATS,
        ),
        Report(
            "self-assessment",
            "绩效自评（目标与实际，达成情况）",
            "需要 --year",
            assessment.self_assessment,
            required=(("--year", "2023"),),
        ),
    )
}


def render(
    conn: sqlite3.Connection,
    name: str,
    fmt: str,
    *,
    year: int | None = None,
    cohort: int | None = None,
    class_code: str | None = None,
    templates: Path | None = None,
    public: bool = False,
    date: dt.date | None = None,
    site: str | None = None,
    scope: Scope | None = None,
) -> str | list[output.Table]:
    """Markdown or HTML text, or the tables an xlsx file is written from. `scope` limits
    the figures and lists (its groups as a `--class` for sign-list); `year` is one year."""
    report = REPORTS.get(name)
    if report is None:
        raise XcertError(
            f"没有名为「{name}」的报表；可用：{'、'.join(REPORTS)}（xcert render --list）"
        )
    if fmt not in FORMATS:
        raise XcertError(f"报表格式应为 {'、'.join(FORMATS)}，不是「{fmt}」")
    context = report.build(
        conn,
        year=year,
        cohort=cohort if cohort is not None else year,
        site=site,
        public=public,
        on=date,
        scope=scope if scope is not None else _class_scope(conn, class_code),
    )
    context["public"] = public  # SPEC 5.3: a website's copy masks phones, e-mail, WeChat
    if fmt not in report.formats:
        raise XcertError(f"{name} 只有 {'、'.join(report.formats)} 格式")
    if fmt == "xlsx":
        return context["tables"]
    return render_template(conn, f"{name}.{fmt}", context, templates=templates, date=date)


def _class_scope(conn: sqlite3.Connection, class_code: str | None) -> Scope:
    """The scope of a class named exactly as stored (callers without a resolved scope)."""
    if not class_code:
        return Scope()
    search.require_class(conn, class_code)
    return Scope((Group("class", class_code, (class_code,)),))


def write_xlsx(path: Path, tables: list[output.Table]) -> None:
    """Each table on its own sheet under a title row; its typed cells as they are
    (counts as numbers, rates as percentages); widths from content."""
    write_tables(
        path,
        [
            output.Table(
                table.title[:31],
                table.header,
                table.rows or [["—"] * len(table.header)],
                caption=table.title,
                notes=table.notes,
            )
            for table in tables
        ],
    )
