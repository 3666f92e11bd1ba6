"""The `render` command: reports like the ones schools file."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert import clock
from xcert.cli import scope as scope_options
from xcert.cli.app import app, db_path, open_db
from xcert.cli.console import console
from xcert.cli.options import choice, day_option, not_future, number, output_file
from xcert.errors import XcertError
from xcert.outfiles import check_target, replaced_note

if TYPE_CHECKING:
    from xcert.output.word_reports import WordFile
    from xcert.output.xlsx import Sheets

_EXTENSIONS = {
    "md": "md",
    "markdown": "md",
    "html": "html",
    "htm": "html",
    "xlsx": "xlsx",
    "docx": "docx",
}


def _format(format_: str | None, out: Path | None, name: str, formats: tuple[str, ...]) -> str:
    """The format: --format, else -o's extension, else Markdown; the two must agree, and
    be one of the report's `formats` (a form has no xlsx)."""
    if out is not None:
        output_file(out)
    wanted = _EXTENSIONS.get(format_.lower()) if format_ else None
    if format_ and wanted is None:
        raise typer.BadParameter(
            f"「{format_}」不可用；可用：md、html、xlsx、docx", param_hint="--format"
        )
    from_name = _EXTENSIONS.get(out.suffix.lower().lstrip(".")) if out is not None else None
    if out is not None and from_name is None and wanted is None:
        raise typer.BadParameter(
            f"无法从文件名「{out.name}」看出格式；用 .md、.html、.xlsx、.docx 结尾，或加 --format",
            param_hint="-o",
        )
    if out is not None and wanted and from_name and wanted != from_name:
        raise typer.BadParameter(
            f"--format {format_} 与文件名「{out.name}」的扩展名不一致", param_hint="-o"
        )
    fmt = wanted or from_name or "md"
    if out is None and wanted is None and fmt not in formats:  # nothing to show on screen
        raise typer.BadParameter(
            f"{name} 要写成文件：用 -o 指定（{'、'.join(formats)}），例如 -o {name}.{formats[0]}",
            param_hint="-o",
        )
    if fmt not in formats:
        raise typer.BadParameter(
            f"{name} 只有 {'、'.join(formats)} 格式", param_hint="--format" if wanted else "-o"
        )
    if fmt != "md" and out is None:
        raise typer.BadParameter(f"{fmt} 格式需要用 -o 指定输出文件", param_hint="-o")
    return fmt


@app.command()
def render(
    name: Annotated[
        str | None,
        typer.Argument(
            help="报表名：pass-rates、dual-certificate、sign-list、site-application、plan、"
            "self-assessment、selection、sign-in、dossier"
        ),
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="年份")] = None,
    cohort: Annotated[int | None, typer.Option("--cohort", help="届别，如 2023")] = None,
    major: scope_options.Major = None,
    department: scope_options.Department = None,
    class_code: Annotated[
        str | None,
        typer.Option("--class", help="只统计这个班（全名，或开头几个字）；签领名单列出这个班"),
    ] = None,
    first: scope_options.First = None,
    last: scope_options.Last = None,
    school: scope_options.School = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="school：每所学校一行、再加全省合计（考证统计、双证毕业率、绩效自评、汇编）",
            callback=choice(("school",), "--by"),
        ),
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="考点名称或证书（考点申报表用）")
    ] = None,
    session: Annotated[
        int | None,
        typer.Option(
            "--session",
            callback=number,
            help="考试场次编号（选拔公示、签到表用）",
        ),
    ] = None,
    photo: Annotated[bool, typer.Option("--photo", help="签到表加一列照片")] = False,
    format_: Annotated[
        str | None,
        typer.Option(
            "--format", help="md、html、xlsx、docx（Word）；不填则按 -o 的扩展名，默认 md"
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("-o", "--output", help="写入这个文件；不填则 Markdown 输出到屏幕")
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="自己的模板文件夹：同名文件优先于自带模板")
    ] = None,
    public: Annotated[
        bool, typer.Option("--public", help="对外公开版：不含身份证号，电话等打码")
    ] = False,
    date: Annotated[
        str | None,
        typer.Option("--date", help="报表日期，默认今天；双证毕业率只算到这天已毕业的届"),
    ] = None,
    chapters: Annotated[
        str | None,
        typer.Option("--reports", help="汇编（dossier）收入哪些报表，按此顺序，如 pass-rates,plan"),
    ] = None,
    style: Annotated[
        str,
        typer.Option(
            "--style",
            help="网页的版式：plain（黑体）或 official（公文样式：仿宋正文、小标宋标题，"
            "页边距按 GB/T 9704）",
        ),
    ] = "plain",
    footer: Annotated[
        bool, typer.Option("--footer", help="网页末尾加“由 xcert 生成”（只用于统计表和名单）")
    ] = False,
    list_: Annotated[bool, typer.Option("--list", help="列出所有报表和各自需要的参数")] = False,
) -> None:
    """生成报表：1+X 考证情况统计表、双证毕业率表、考证签领名单、绩效自评表、选拔结果公示、
    考生签到表（Markdown、网页、Excel、Word），考点申报表、试点实施方案（Markdown、网页、Word），
    以及把它们汇成一册的汇编（dossier）。xcert render --list 列出全部。

    例：xcert render pass-rates -o 考证统计.html；xcert render sign-list --class 20数控1 -o 签领名单.xlsx；
    xcert render pass-rates --major 数控 --from 2022 --to 2023；
    xcert render selection --session 3 -o 选拔公示.html；xcert render sign-in --session 3 --photo -o 签到表.xlsx

    省级汇总数据库（xcert merge）例：xcert render pass-rates --year 2023 --by school -o 各校考证.html；
    xcert render dossier --year 2023 --by school -o 全省汇编.html；xcert render dual-certificate --school 4144000001
    """
    from xcert.output import render as reports

    out_ = console()
    if list_:
        _list_reports()
        return
    if name is None:
        raise typer.BadParameter("请给出报表名（xcert render --list 列出全部）", param_hint="NAME")
    if name not in reports.REPORTS:
        raise typer.BadParameter(
            f"没有名为「{name}」的报表；可用：{'、'.join(reports.REPORTS)}", param_hint="NAME"
        )
    groups = {"--class": class_code, "--major": major, "--department": department}
    given: dict[str, object] = {"--site": site, "--session": session, "--photo": photo or None}
    given |= {"--school": school, "--by": by, "--reports": chapters}
    given["--footer"] = True if footer else None  # only a table's page has one
    _check_options(name, groups, given, first=first, last=last, year=year, cohort=cohort)
    wanted = _chapters(chapters, list(reports.REPORTS))
    fmt = _format(format_, out, name, reports.REPORTS[name].formats)
    _check_print(fmt, style=style, footer=footer)
    day = _day(date)
    if templates is not None and not templates.is_dir():
        raise typer.BadParameter(f"「{templates}」不是文件夹", param_hint="--templates")
    replaces = out is not None and check_target(out, option="-o", database=db_path())
    conn = open_db(create=False)
    names = {"major": major, "department": department, "class_code": class_code}
    scope = scope_options.scope(conn, **names, first=first, last=last, school=school)
    asked = reports.Options(
        year=year,
        cohort=cohort,
        scope=scope,
        site=site,
        session=session,
        photo=photo,
        public=public,
        date=day or clock.today(),
        templates=templates,
        chapters=wanted,
        style=style,
        footer=footer,
        by=by,
    )
    result = reports.render(conn, name, fmt, asked)
    conn.close()
    if out is None:
        typer.echo(result, nl=False)
        return
    _write(out, result)
    out_.print(f"已生成 {out}" + (replaced_note(out) if replaces else ""))


def _list_reports() -> None:
    from xcert.output import render as reports

    for report in reports.REPORTS.values():
        needs = f"{report.needs}；" if report.needs else ""
        console().print(f"{report.name:18}{report.title}：{needs}{'、'.join(report.formats)}")


def _check_options(
    name: str,
    groups: dict[str, str | None],
    others: dict[str, object],
    *,
    first: int | None,
    last: int | None,
    year: int | None,
    cohort: int | None,
) -> None:
    """The options a report takes, and a span not given with a year or cohort too (plan's
    --year is the plan's own year: --from and --to limit its earlier years)."""
    from xcert.output import render as reports

    given: dict[str, object] = {**groups, "--from": first, "--to": last, **others}
    given.update({"--cohort": cohort, "--year": year})
    wrong = reports.misuse(name, given)
    if wrong is not None:
        raise typer.BadParameter(wrong.message, param_hint=wrong.option)
    alone = {"--cohort": cohort} | ({} if name in ("plan", "dossier") else {"--year": year})
    scope_options.check_years(**{"--year": year, "--cohort": cohort})
    scope_options.check_span(first, last, **alone)


def _chapters(text: str | None, known: list[str]) -> tuple[str, ...] | None:
    """--reports: the dossier's chapters, each a report other than the dossier."""
    from xcert.output import dossier

    try:
        return dossier.parse_reports(text, [name for name in known if name != dossier.NAME])
    except XcertError as exc:
        raise typer.BadParameter(exc.reason, param_hint="--reports") from None


def _check_print(fmt: str, *, style: str, footer: bool) -> None:
    """--style and --footer say how a web page prints: a style xcert has, and html only."""
    from xcert.output.sandbox import STYLES

    if style not in STYLES:
        raise typer.BadParameter(
            f"「{style}」不可用；可用：{'、'.join(STYLES)}", param_hint="--style"
        )
    for option, given in (("--style", style != "plain"), ("--footer", footer)):
        if given and fmt != "html":
            raise typer.BadParameter(f"{option} 只用于网页（html）格式", param_hint=option)


def _day(date: str | None) -> dt.date | None:
    """--date: one day (a report is dated), or None for today."""
    span = not_future(
        day_option(date, "--date", "报表日期"), "--date", "报表只能按今天或以前的某一天统计"
    )
    return span.start if span is not None else None


def _write(out: Path, result: "str | Sheets | WordFile") -> None:
    from xcert.output import render as reports

    try:
        reports.write(out, result)
    except OSError as exc:
        raise XcertError(f"无法写入 {out}（{exc.strerror or exc}）") from None
