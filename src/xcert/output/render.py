"""Reports like the ones schools file (SPEC 5.3): Jinja2 templates to Markdown and HTML,
openpyxl to xlsx, from the same figures as `xcert stats` (templates compute nothing).

A template of the same name in `--templates DIR` overrides the built-in one, so a
school can keep its own house style.

In a province's database (SPEC 6.8) every report takes `--school`; the figures' reports
take `--by school` (a row per school and the province's total); the reports made of a
school's own site profile and plan (`profile`) are refused there, as the province holds
no school's profile.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from xcert.errors import XcertError
from xcert.figures.scope import Group, Scope
from xcert.office import search
from xcert.outfiles import signed_text
from xcert.output import dossier, sandbox, word_forms, word_reports
from xcert.output import tables as output
from xcert.output.reports import assessment, notice, plan, rates, sign_in, sign_list, site
from xcert.output.sandbox import render_template
from xcert.output.word_reports import WordFile
from xcert.output.xlsx import Sheets, with_notes, write_tables

TABLE_FORMATS = ("md", "html", "xlsx", "docx")
FORMATS = TABLE_FORMATS  # every format a report may have
FORM_FORMATS = ("md", "html", "docx")  # a form is not a table: no xlsx


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    needs: str  # what the user must or may give, for `render --list`
    build: Callable[..., dict] | None  # None: the dossier, built from the others
    only: tuple[str, ...] = ()  # options only some reports take, this one among them
    required: tuple[tuple[str, str], ...] = ()  # (option, an example) it cannot do without
    one_of: tuple[str, ...] = ()  # options of which it needs at least one
    formats: tuple[str, ...] = TABLE_FORMATS
    word: word_reports.Writer = word_reports.tables_report  # its Word layout (a form's own)
    profile: bool = False  # made of the site profile or plan: a school's own database's


# The options that limit a report to part of the school and a span (SPEC 3, "Scope").
SCOPE_OPTIONS = ("--major", "--department", "--class", "--from", "--to")
# A province's database (SPEC 6.8): one school (every report), each school (figures).
SCHOOL = ("--school",)
BY_SCHOOL = ("--by",)
# What only a table's page takes: its "由 xcert 生成" line (a form never prints it).
TABLE_OPTIONS = ("--footer",)


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


_REPORTS: dict[str, Report] = {
    r.name: r
    for r in (
        Report(
            "pass-rates",
            "1+X 考证情况统计（表 1）",
            "可选 --year",
            rates.pass_rates,
            only=(*SCOPE_OPTIONS, *SCHOOL, *BY_SCHOOL, *TABLE_OPTIONS),
        ),
        Report(
            "dual-certificate",
            "双证毕业率（表 2）",
            "可选 --cohort",
            rates.dual,
            only=("--cohort", *SCOPE_OPTIONS, *SCHOOL, *BY_SCHOOL, *TABLE_OPTIONS),
        ),
        Report(
            "sign-list",
            "考证签领名单",
            "需要 --class，可选 --year（发证年份）",
            sign_list.sign_list,
            only=(*SCOPE_OPTIONS, *SCHOOL, *TABLE_OPTIONS),
            one_of=("--class", "--major", "--department"),
        ),
        Report(
            "site-application",
            "考点申报表",
            "可选 --site（有多个考点时必需）、--public",
            site.site_application,
            only=("--site", *SCHOOL),
            formats=FORM_FORMATS,
            word=word_forms.site_application,
            profile=True,
        ),
        Report(
            "plan",
            "1+X 证书试点实施方案",
            "需要 --year",
            plan.plan,
            only=(*SCOPE_OPTIONS, *SCHOOL),
            required=(("--year", "2023"),),
            formats=FORM_FORMATS,
            word=word_forms.plan,
            profile=True,
        ),
        Report(
            "self-assessment",
            "绩效自评（目标与实际，达成情况）",
            "需要 --year",
            assessment.self_assessment,
            only=(*SCHOOL, *BY_SCHOOL, *TABLE_OPTIONS),
            required=(("--year", "2023"),),
        ),
        Report(
            "selection",
            "考核选拔结果公示",
            "需要 --session",
            notice.notice,
            only=("--session", *SCHOOL, *TABLE_OPTIONS),
            required=(("--session", "3"),),
        ),
        Report(
            "sign-in",
            "考生签到表",
            "需要 --session，可选 --photo（照片列）",
            sign_in.sign_in,
            only=("--session", "--photo", *SCHOOL, *TABLE_OPTIONS),
            required=(("--session", "3"),),
        ),
    )
}
# A dossier takes every option its chapters take, and which chapters.
REPORTS = _REPORTS | {
    dossier.NAME: Report(
        dossier.NAME,
        "汇编（封面、目录、各报表成章）",
        "可选 --reports pass-rates,plan,…，其余选项用于各章",
        None,
        only=tuple(dict.fromkeys(o for r in _REPORTS.values() for o in r.only)) + ("--reports",),
        formats=dossier.FORMATS,
    )
}
# The order a dossier files its chapters in when not told: seed 000's.
DOSSIER_ORDER = (
    "pass-rates",
    "dual-certificate",
    "site-application",
    "plan",
    "self-assessment",
    "sign-list",
    "selection",
    "sign-in",
)


def needs_met(name: str, given: Mapping[str, object]) -> bool:
    """Whether the options given are enough for report `name` (a dossier's default)."""
    report = REPORTS[name]
    if any(given.get(option) in (None, "") for option, _ in report.required):
        return False
    return not report.one_of or any(given.get(o) not in (None, "") for o in report.one_of)


@dataclass(frozen=True)
class Options:
    """What a report is asked for (`xcert render`'s options): `scope` limits the figures
    and lists (else `class_code`, a class named exactly as stored); `year` is one year
    (a dossier's: the plan's); `session` an exam session's number (selection, sign-in);
    `chapters` a dossier's; `style` and `footer` how an HTML page prints; `by` "school"
    for the figures of each school of a province side by side."""

    year: int | None = None
    cohort: int | None = None
    class_code: str | None = None
    scope: Scope | None = None
    site: str | None = None
    session: int | None = None
    photo: bool = False
    public: bool = False  # SPEC 5.3: a website's copy masks phones, e-mail, WeChat
    date: dt.date | None = None
    templates: Path | None = None
    chapters: tuple[str, ...] | None = None
    style: str = "plain"
    footer: bool = False
    by: str | None = None

    def given(self, scope: Scope) -> dict[str, object]:
        """As options on the command line, for a dossier's default chapters."""
        given: dict[str, object] = {"--year": self.year, "--cohort": self.cohort}
        given |= {"--site": self.site, "--session": self.session, "--class": self.class_code}
        return given | {f"--{g.kind}": g.name for g in scope.groups}


def render(
    conn: sqlite3.Connection, name: str, fmt: str, options: Options | None = None
) -> str | Sheets | WordFile:
    """Markdown or HTML text, the sheets an xlsx file is written from, or a Word file."""
    report = REPORTS.get(name)
    if report is None:
        raise XcertError(
            f"没有名为「{name}」的报表；可用：{'、'.join(REPORTS)}（xcert render --list）"
        )
    if fmt not in FORMATS:
        raise XcertError(f"报表格式应为 {'、'.join(FORMATS)}，不是「{fmt}」")
    if fmt not in report.formats:
        raise XcertError(f"{name} 只有 {'、'.join(report.formats)} 格式")
    asked = options or Options()
    scope = asked.scope if asked.scope is not None else _class_scope(conn, asked.class_code)

    def context_of(chapter: str) -> dict:
        return _context(conn, chapter, asked, scope, in_dossier=report.build is None)

    date, templates = asked.date, asked.templates
    if report.build is None:
        return _dossier(conn, fmt, asked, scope, context_of)
    context = context_of(name)
    if fmt == "xlsx":
        heading = sandbox.heading(conn, date)
        opening = [str(line) for line in context.get("paragraphs", [])]
        closing = [str(line) for line in context.get("closing", [])]
        return Sheets(_printed(context), heading, opening, closing)
    if fmt == "docx":
        return word_reports.document(
            name, context, sandbox.heading(conn, date), templates=templates, writer=report.word
        )
    return render_template(conn, f"{name}.{fmt}", context, templates=templates, date=date)


def _context(
    conn: sqlite3.Connection, name: str, asked: Options, scope: Scope, *, in_dossier: bool
) -> dict:
    """Report `name`'s context, as its templates print it. In a dossier, --year is the
    year of the reports that need one (the plan's); the tables cover the span (--from,
    --to), as a school files them together."""
    build = REPORTS[name].build
    assert build is not None  # every report but the dossier
    _check_province(conn, REPORTS[name], scope, asked.session)
    needs_year = "--year" in dict(REPORTS[name].required)
    one_year = asked.year if not in_dossier or needs_year else None
    context = build(
        conn,
        year=one_year,
        cohort=asked.cohort if asked.cohort is not None else one_year,
        site=asked.site,
        public=asked.public,
        on=asked.date,
        scope=scope,
        session=asked.session,
        photo=asked.photo,
        by=asked.by,
    )
    context.update(public=asked.public, style=asked.style, footer=asked.footer)
    context.setdefault("notes", [])  # the lines under the report, in every format
    return context


def _check_province(
    conn: sqlite3.Connection, report: Report, scope: Scope, session: int | None
) -> None:
    """A report of a province's database: not one made of a school's own site profile or
    plan (the province holds none of them); a session of one school asked for must be
    that school's."""
    school = scope.school
    if report.profile and scope.province:
        whose = school.name if school else "学校"
        raise XcertError(
            f"{report.title}要用学校自己的考点资料和实施方案，省级汇总数据库里"
            f"没有各校的这些资料：请用{whose}自己的数据库生成"
        )
    if school is None or session is None:
        return
    row = conn.execute("SELECT school_id FROM sessions WHERE id = ?", (session,)).fetchone()
    if row is not None and row[0] != scope.school_id:  # none: the report says so
        owner = conn.execute("SELECT name FROM schools WHERE id = ?", (row[0],)).fetchone()
        whose = f"（是{owner[0]}的）" if owner else ""
        raise XcertError(
            f"场次 {session} 不是{school.name}的{whose}；xcert session list 列出各场次"
        )


def _dossier(
    conn: sqlite3.Connection,
    fmt: str,
    asked: Options,
    scope: Scope,
    context_of: Callable[[str], dict],
) -> str | WordFile:
    for name in asked.chapters or ():
        if fmt not in REPORTS[name].formats:
            raise XcertError(f"{name} 没有 {fmt} 格式，不能收入{fmt}汇编")
    order = [*DOSSIER_ORDER, *(n for n in _REPORTS if n not in DOSSIER_ORDER)]
    possible = [n for n in order if fmt in REPORTS[n].formats]
    given = asked.given(scope)
    default = [n for n in possible if needs_met(n, given)]
    unasked = [f"{n}（需要 {_wanted(REPORTS[n])}）" for n in possible if n not in default]
    writers = {name: report.word for name, report in _REPORTS.items()}
    book = dossier.build(
        conn, asked.chapters, default, context_of, writers, date=asked.date, whose=scope.whose()
    )
    if asked.chapters is None:  # say what the options given left out, and why
        book.left_out.extend(unasked)
    if fmt == "docx":
        return dossier.docx(book, templates=asked.templates)
    return dossier.html(conn, book, templates=asked.templates, date=asked.date, style=asked.style)


def _wanted(report: Report) -> str:
    """The options a report cannot do without: --year, or --class（或 --major、…）."""
    required = "、".join(option for option, _ in report.required)
    return required or "或".join(report.one_of)


def _class_scope(conn: sqlite3.Connection, class_code: str | None) -> Scope:
    """The scope of a class named exactly as stored (callers without a resolved scope)."""
    if not class_code:
        return Scope()
    search.require_class(conn, class_code)
    return Scope((Group("class", class_code, (class_code,)),))


def write(path: Path, result: str | Sheets | WordFile) -> None:
    """A rendered report to its file, signed as xcert's own (outfiles.is_own_output)."""
    if isinstance(result, str):
        path.write_text(signed_text(result), encoding="utf-8")
    elif isinstance(result, Sheets):
        write_xlsx(path, result)
    else:
        result.save(path)


def _printed(context: dict) -> list[output.Table]:
    """The report's tables as its sheets: the first under the report's title, the others
    under it and their own; the report's notes and warnings under the last, as the
    Markdown and HTML print them (nothing a reader is told is left out)."""
    title, tables = context["title"], context["tables"]
    sheets = [
        dataclasses.replace(table, caption=title if index == 0 else f"{title}（{table.title}）")
        for index, table in enumerate(tables)
    ]
    return with_notes(sheets, [*context["notes"], *context["warnings"]])


def write_xlsx(path: Path, sheets: Sheets) -> None:
    """Each table on its own sheet, printed as a school's table (`xlsx.write_tables`):
    its typed cells as they are (counts as numbers, rates as percentages)."""
    write_tables(
        path, sheets.tables, sheets.heading, opening=sheets.opening, closing=sheets.closing
    )
