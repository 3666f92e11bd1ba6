"""Reports like the ones schools file (SPEC 5.3): Jinja2 templates to Markdown and HTML,
openpyxl to xlsx, from the same figures as `xcert stats` (templates compute nothing).

A template of the same name in `--templates DIR` overrides the built-in one, so a
school can keep its own house style.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from xcert import clock
from xcert.clean.dates import formal, shown
from xcert.errors import XcertError
from xcert.figures import graduation, stats
from xcert.figures import teachers as teacher_figures
from xcert.figures.scope import TARGETS_NOTE, Group, Scope, Span, with_unit
from xcert.figures.teachers import TeacherCounts
from xcert.office import catalogue, search, sites
from xcert.office.sessions import TO_COME
from xcert.output import charts
from xcert.output import tables as output
from xcert.output.sandbox import render_template
from xcert.output.xlsx import write_tables
from xcert.privacy import mask_contacts_in, mask_email, mask_phone, mask_wechat

FORMATS = ("md", "html", "xlsx")
FORM_REPORTS = ("site-application", "plan")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    needs: str  # what the user must or may give, for `render --list`
    build: Callable[..., dict]
    only: tuple[str, ...] = ()  # options only some reports take, this one among them
    required: tuple[tuple[str, str], ...] = ()  # (option, an example) it cannot do without
    one_of: tuple[str, ...] = ()  # options of which it needs at least one


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


def _pass_rates(
    conn: sqlite3.Connection,
    *,
    year: int | None,
    scope: Scope,
    on: dt.date | None = None,
    **_: object,
) -> dict:
    scope = scope.in_year(year)
    figures = stats.figures(conn, scope=scope, on=on)
    by_cert = stats.pass_rates(conn, by="certificate", scope=scope)
    tables = output.tables(figures)[:1]
    cert_table = output.tables(stats.Figures(pass_rates=by_cert, scope=scope), by="certificate")[0]
    cert_table.title = "按证书"
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


def _dual(
    conn: sqlite3.Connection,
    *,
    cohort: int | None,
    scope: Scope,
    on: dt.date | None = None,
    **_: object,
) -> dict:
    """Table 2 of the scope's cohorts graduated by the report's date, or of the one cohort
    asked for: one still in school is a projection (SPEC 3), titled so, never 毕业学生."""
    when = graduation.as_of(conn, on)
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
        title = f"{cohorts.one}届学生{scope.words()}双证情况统计表（在校，预计）"
    else:
        chart = charts.rate_bars("双证毕业率（按届）", bars)
        # 2023年毕业学生数控技术应用专业双证毕业情况统计表 (the seed's table 2)
        title = f"{cohorts.words()}毕业学生{scope.words()}双证毕业情况统计表"
    return {"title": title, "tables": [table], "charts": [chart], "warnings": []}


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


def _sign_list(conn: sqlite3.Connection, *, year: int | None, scope: Scope, **_: object) -> dict:
    if not scope.grouped:
        raise XcertError("sign-list 需要 --class（或 --major、--department），例如 --class 20数控1")
    scope = scope.in_year(year)
    issued = "CAST(substr(coalesce(a.issued_on, a.assessed_start), 1, 4) AS INTEGER)"
    where_years, years = scope.years.sql(issued)
    where_students, students = scope.students_sql()
    rows = conn.execute(
        "SELECT s.class_code, s.name, c.name, a.level, a.assessed_start, a.assessed_end,"
        " a.issued_on, a.signed_by, s.major FROM awards a JOIN students s ON s.id = a.student_id"
        " JOIN certificates c ON c.id = a.certificate_id"
        f" WHERE 1 = 1 {where_students} {where_years}"
        " ORDER BY s.class_code, s.student_no, s.name, c.name",
        [*students, *years],
    ).fetchall()
    when = scope.years.words()
    if not rows:
        records = f"{when}的发证记录" if when else "发证记录"
        raise XcertError(f"{scope.labels()}没有{records}（先导入发证签领名单）")
    body = [
        [str(i), klass, name, cert, level or "", shown(start, end), shown(issued), signer or ""]
        for i, (klass, name, cert, level, start, end, issued, signer, _major) in enumerate(rows, 1)
    ]
    header = ["序号", "班号", "姓名", "工种", "等级", "鉴定时间", "发证日期", "证书签领人"]
    unsigned = sum(1 for row in rows if not row[7])
    title = f"{_sign_list_whose(scope, rows[0][8] or '', when)}考证签领名单"
    return {
        "title": title,
        "tables": [output.Table(title, header, body)],
        "charts": [],
        "warnings": [],
        "unsigned": unsigned,
    }


def _sign_list_whose(scope: Scope, major: str, when: str) -> str:
    """Whose list it is, as the seed names it: 数控技术应用专业2022年20数控1班 (a class's
    major from its students), 机械部2022-2023年; a class code or major that already ends
    in 班 or 专业 does not get it twice."""
    department, major_group, klass = (scope.group(k) for k in ("department", "major", "class"))
    if klass is not None and major_group is None:
        major = with_unit(major, "专业")
    else:
        major = with_unit(major_group.name, "专业") if major_group else ""
    return (
        (department.name if department else "")
        + major
        + when
        + (with_unit(klass.name, "班") if klass else "")
    )


def _site_application(
    conn: sqlite3.Connection, *, site: str | None, public: bool, **_: object
) -> dict:
    profile = sites.site(conn, site)
    school = sites.school(conn)
    _site_contacts(profile, school, public=public)
    so_far = _certificate_so_far(conn, profile["certificate"])
    return {
        "title": f"{profile['certificate']}“1+X”考点申报表",
        "site": profile,
        "registered": so_far.registered,
        "school_info": school,
        "all_levels": ("初级", "中级", "高级"),
        "site_types": sites.SITE_TYPES,
        "contacts": list(sites.CONTACTS.items()),
        "signed_on": formal(profile.get("signed_on")),
        "tables": [_so_far_table(so_far.pass_rates)],
        "charts": [],
        "warnings": [],
    }


def _site_contacts(profile: dict, school: dict, *, public: bool) -> None:
    """Each contact of the site as a table (empty if not given). A website's copy
    (`--public`, SPEC 5.3) shows no phone, e-mail or WeChat in full, and masks any in
    free text too (rooms, other, the school's introduction)."""
    if public:
        for key in ("rooms", "other"):
            profile[key] = mask_contacts_in(profile.get(key) or "")
        school["introduction"] = mask_contacts_in(school.get("introduction") or "")
    for key in (*sites.CONTACTS, "organisation_contact"):
        contact = profile.get(key) or {}
        if public:
            contact.update(
                phone=mask_phone(contact.get("phone")),
                mobile=mask_phone(contact.get("mobile")),
                email=mask_email(contact.get("email")),
                wechat=mask_wechat(contact.get("wechat")),
            )
        profile[key] = contact


@dataclass(frozen=True)
class _SoFar:
    """What the database holds of a site's certificate: students entered for its
    sessions still to come, and its pass rates by year."""

    registered: int = 0
    pass_rates: list[stats.PassRate] = field(default_factory=list)


def _certificate_so_far(conn: sqlite3.Connection, name: str) -> _SoFar:
    """The site's certificate so far (SPEC 6.4); nothing if the catalogue lacks it."""
    cert = catalogue.Catalogue(conn).find(name)
    if cert is None:
        return _SoFar()
    registered = conn.execute(
        "SELECT count(*) FROM registrations r JOIN sessions se ON se.id = r.session_id"
        f" WHERE se.certificate_id = ? AND {TO_COME}",
        (cert.id, clock.today().isoformat()),
    ).fetchone()[0]
    rates = stats.pass_rates(conn, by="certificate", all_kinds=True)
    return _SoFar(registered, [r for r in rates if r.group == cert.name])


def _so_far_table(pass_rates: list[stats.PassRate]) -> output.Table:
    """The certificate's record in the database, year by year, for reference."""
    return output.Table(
        "数据库中的考核情况（供参考）",
        ["年份", "考核人数（人）", "通过人数（人）", "缺考（人）", "通过率"],
        [
            [
                output.year_label(r.year),
                r.tested,
                r.passed,
                r.absent,
                output.rate(r.passed, r.tested),
            ]
            for r in pass_rates
        ],
    )


def _plan(conn: sqlite3.Connection, *, year: int | None, scope: Scope, **_: object) -> dict:
    """The plan of `year`; its history of earlier years limited to `scope` (its groups,
    and its span: `--from`, `--to`), and its targets the school's, left out for a group."""
    plan = sites.plan(conn, year)
    earlier = [
        r
        for r in stats.pass_rates(conn, scope=scope)
        if r.year is not None and r.year < plan["year"]
    ]
    certificates_by_year: dict[int, int] = {  # a year of the history: as entered
        r.year: r.certificates or 0 for r in earlier if r.history and r.year is not None
    }
    for r in stats.pass_rates(conn, by="certificate", scope=scope):
        if r.year is not None:
            certificates_by_year[r.year] = certificates_by_year.get(r.year, 0) + 1
    history = output.Table(
        "往年 1+X 证书试点情况",
        ["年份", "试点证书（种）", "考证人数（人）", "通过人数（人）", "通过率"],
        [
            [
                output.year_label(r.year),
                certificates_by_year.get(r.year or 0, 0),
                r.tested,
                r.passed,
                output.rate(r.passed, r.tested),
            ]
            for r in earlier
        ],
        notes=output.history_notes([output.year_label(r.year) for r in earlier if r.history]),
    )
    budget = output.Table(
        "资金需求",
        ["总项目名称", "分项目", "项目建设内容", "金额（元）"],
        [
            [b["item"], b["sub_item"], b["content"], sites.yuan(b["amount"], grouped=True)]
            for b in plan["budget"]
        ]
        + [["合计", "", "", sites.yuan(plan["total"], grouped=True)]],
    )
    the_year = scope.in_year(plan["year"])
    target_rows = stats.targets(conn, scope=the_year)
    tables = [history, budget]
    if target_rows:
        tables.append(output.tables(stats.Figures(targets=target_rows))[-1])
    warnings = stats.guessed_warnings(conn, scope=the_year)
    if scope.grouped and stats.targets(conn, year=plan["year"]):
        warnings.append(TARGETS_NOTE)
    return {
        "title": f"{scope.words()}{plan['year']}年 1+X 证书制度试点项目建设实施方案",
        "plan": plan,
        "tables": tables,
        "teachers": _plan_teachers(conn, plan),
        "charts": [],
        "warnings": warnings,
    }


def _plan_teachers(conn: sqlite3.Connection, plan: dict) -> output.Table:
    """The plan's certificates' teachers by the end of its year (培训师, 考评员, 持证教师,
    as 人 and 人次), each certificate listed, with none yet as 0."""
    known = catalogue.Catalogue(conn)
    found = [(str(name), known.find(str(name))) for name in plan["certificates"]]
    ids = list(dict.fromkeys(cert.id for _, cert in found if cert is not None))
    rows, total = teacher_figures.teacher_counts(conn, year=plan["year"], certificates=ids)
    by_id = dict(zip(ids, rows, strict=True))
    listed = [  # each certificate once, however many of its names the plan writes
        by_id.pop(cert.id) if cert else TeacherCounts(name)
        for name, cert in found
        if cert is None or cert.id in by_id
    ]
    return output.teachers_table("师资情况", listed, total)


def _short(name: str) -> str:
    return name[: -len(catalogue.SUFFIX)] if name.endswith(catalogue.SUFFIX) else name


REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "pass-rates",
            "1+X 考证情况统计（表 1）",
            "可选 --year；md、html、xlsx",
            _pass_rates,
            only=SCOPE_OPTIONS,
        ),
        Report(
            "dual-certificate",
            "双证毕业率（表 2）",
            "可选 --cohort；md、html、xlsx",
            _dual,
            only=("--cohort", *SCOPE_OPTIONS),
        ),
        Report(
            "sign-list",
            "考证签领名单",
            "需要 --class，可选 --year（发证年份）；md、html、xlsx",
            _sign_list,
            only=SCOPE_OPTIONS,
            one_of=("--class", "--major", "--department"),
        ),
        Report(
            "site-application",
            "考点申报表",
            "可选 --site（有多个考点时必需）、--public；md、html",
            _site_application,
            only=("--site",),
        ),
        Report(
            "plan",
            "1+X 证书试点实施方案",
            "需要 --year；md、html",
            _plan,
            only=SCOPE_OPTIONS,
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
    if fmt == "xlsx":
        if name in FORM_REPORTS:
            raise XcertError(f"{name} 是表单，只有 md 和 html 两种格式")
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
