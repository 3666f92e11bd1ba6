"""Commands for the figures schools report: stats, target set."""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from xcert.cli import scope as scope_options
from xcert.cli.app import Typer, app, open_db
from xcert.cli.console import console
from xcert.cli.emit import Output, Workbook, workbook
from xcert.cli.options import choice, day_option, not_future
from xcert.errors import XcertError

if TYPE_CHECKING:
    import datetime as dt
    import sqlite3

    from xcert.figures.scope import Scope

FORMATS = ("table", "json", "csv", "markdown", "xlsx")
BY = ("year", "certificate", "level", "class", "major", "department", "school")


@app.command()
def stats(
    year: Annotated[
        int | None, typer.Option("--year", help="只看这一年的考证，和这一届的双证毕业率")
    ] = None,
    cohort: Annotated[
        int | None, typer.Option("--cohort", help="双证毕业率只看这一届（如 2023）")
    ] = None,
    major: scope_options.Major = None,
    department: scope_options.Department = None,
    class_code: Annotated[
        str | None, typer.Option("--class", help="只统计这个班的学生（全名，或开头几个字）")
    ] = None,
    first: scope_options.First = None,
    last: scope_options.Last = None,
    school: scope_options.School = None,
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="考证情况按什么细分：year、certificate、level、class、major、department；"
            "school：每所学校一行、再加全省合计（考证、双证毕业率、绩效目标、师资都按学校分列）",
            callback=choice(BY, "--by"),
        ),
    ] = "year",
    all_kinds: Annotated[bool, typer.Option("--all-kinds", help="考证统计也算非 1+X 证书")] = False,
    list_: Annotated[
        str | None,
        typer.Option(
            "--list",
            help="列出某个数字背后的学生：tested、passed、absent、graduates、certified、uncertified",
            callback=choice(
                ("tested", "passed", "absent", "graduates", "certified", "uncertified"), "--list"
            ),
        ),
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            help="table、json、csv、markdown（或 md，同 render）、xlsx（用 -o 指定文件）",
            callback=choice(FORMATS, "--format", {"md": "markdown"}),
        ),
    ] = "table",
    out: Output = None,
    date: Annotated[
        str | None,
        typer.Option(
            "--date", help="按这一天看哪些届已经毕业（双证毕业率只算已毕业的届），默认今天"
        ),
    ] = None,
) -> None:
    """每年 1+X 考证人数、通过人数和通过率，各届双证毕业率，绩效目标完成情况。

    可只统计一个专业（--major）、系部（--department）、班级（--class），或几年之间（--from、--to）。
    省级汇总数据库（xcert merge）可只统计一所学校（--school），或各校并列（--by school）。

    双证毕业率只统计到 --date（默认今天）已毕业的届，--from、--to 之间还在校的届不列入；
    只看一届（--cohort、--year）而这一届还在校时，按在校学生给出预计数字，标明「在校，预计」。

    例：xcert stats --year 2023；xcert stats --cohort 2023 --list uncertified；
    xcert stats --major 数控 --from 2022 --to 2023；xcert stats --year 2023 -o 考证统计.xlsx；
    xcert stats --cohort 2027 --date 2027-07-01；xcert stats --by school --year 2023
    """
    from xcert.figures import stats as figures_
    from xcert.output import tables as output

    scope_options.check_years(**{"--cohort": cohort})
    scope_options.check_span(first, last, **{"--year": year})
    book = workbook(format_, out)
    span = not_future(
        day_option(date, "--date", "统计日期"), "--date", "只能按今天或以前的某一天统计"
    )
    on = span.start if span is not None else None
    conn = open_db(create=False)
    scope = scope_options.scope(
        conn,
        major=major,
        department=department,
        class_code=class_code,
        first=first,
        last=last,
        school=school,
    ).in_year(year)
    if list_ is not None:
        listed = _people(conn, list_, cohort=cohort, all_kinds=all_kinds, scope=scope, on=on)
        conn.close()
        _emit(format_, book, *listed, on=on)
        return
    if by == "school":
        _by_school(conn, format_, book, cohort=cohort, all_kinds=all_kinds, scope=scope, on=on)
        return
    figures = figures_.figures(conn, cohort=cohort, by=by, all_kinds=all_kinds, scope=scope, on=on)
    conn.close()
    _emit(
        format_,
        book,
        output.tables(figures, by=by, all_kinds=all_kinds),
        figures.as_json(),
        figures.warnings,
        figures.notes,
        on=on,
    )


def _by_school(
    conn: "sqlite3.Connection",
    format_: str,
    book: Workbook | None,
    *,
    cohort: int | None,
    all_kinds: bool,
    scope: "Scope",
    on: "dt.date | None",
) -> None:
    """Each school's figures side by side and the province's total (SPEC 6.8); in a
    school's own database its one school, named by the site profile."""
    from xcert.figures import schools
    from xcert.output import school_tables

    own = school_tables.own_school(conn)
    figures = schools.figures(conn, own=own, cohort=cohort, all_kinds=all_kinds, scope=scope, on=on)
    conn.close()
    tables = school_tables.tables(figures, all_kinds=all_kinds)
    _emit(format_, book, tables, figures.as_json(), figures.warnings, figures.notes, on=on)


def _people(
    conn: "sqlite3.Connection",
    what: str,
    *,
    cohort: int | None,
    all_kinds: bool,
    scope: "Scope",
    on: "dt.date | None",
) -> tuple[list, object, list[str]]:
    """The students behind a figure as (tables, JSON, warnings). A cohort still in school
    is titled so; a year or cohort of the site profile's history has nobody to list."""
    from xcert.figures import graduation, history
    from xcert.figures import people as people_
    from xcert.figures.scope import Span
    from xcert.output import tables as output

    people = people_.students_behind(
        conn, what, cohort=cohort, all_kinds=all_kinds, scope=scope, on=on
    )
    asked = Span.of(cohort) if cohort is not None else scope.years
    one = asked.one
    in_school = one is not None and not graduation.as_of(conn, on, scope.school_id).graduated(one)
    table = output.people_table(what, people, scope, one if in_school else None)
    if scope.province:  # which school each is of
        from xcert.output import school_tables

        table = school_tables.with_school(table, people)
    if what in people_.RESULT_LISTS:  # the history's years, its cohorts: nobody to list
        years = history.years(conn, scope=scope) if not scope.years.open else {}
        by_hand = "、".join(output.year_label(year) for year in years)
    else:
        cohorts = history.cohorts(conn, cohorts=asked, scope=scope) if not asked.open else {}
        by_hand = "、".join(output.cohort_label(cohort) for cohort in cohorts)
    warnings = [f"{by_hand}是手工录入的历史数据（考点资料的 plan.history），没有学生名单"]
    return [table], output.people_json(people), warnings if by_hand else []


def _emit(
    format_: str,
    book: Workbook | None,
    tables: list,
    data: object,
    warnings: Sequence[str],
    notes: Sequence[str] | None = None,
    *,
    on: "dt.date | None" = None,
) -> None:
    """The tables in the format asked for; warnings (注意) and notes (注) beside them,
    on stderr for a file or CSV. JSON carries warnings in itself, and no notes."""
    from xcert.output import tables as output

    lines = [f"注意：{w}" for w in warnings] + [f"注：{n}" for n in notes or []]
    if book is not None:
        book.write(tables, on=on, notes=[*warnings, *(notes or [])])
        for line in lines:
            console(stderr=True).print(line)
    elif format_ == "json":
        typer.echo(output.to_json(data))
    elif format_ == "csv":
        typer.echo(output.to_csv(tables), nl=False)
        for line in lines:
            typer.echo(line, err=True)
    elif format_ == "markdown":
        typer.echo(output.to_markdown(tables, warnings, notes or []), nl=False)
    else:
        screen = console()
        for table in tables:
            screen.table(table)
        for line in lines:
            screen.print(line, style="yellow" if line.startswith("注意") else None)


target_app = Typer(
    help="绩效目标：每年的考证人数、通过率、1+X 证书数目标。\n\n"
    "例：xcert target set --year 2026 --participants 300 --pass-rate 90%；xcert stats --year 2026",
    no_args_is_help=True,
)
app.add_typer(target_app, name="target")


@target_app.command("set")
def target_set(
    year: Annotated[int, typer.Option("--year", help="年份，如 2022")],
    participants: Annotated[
        int | None, typer.Option("--participants", min=0, help="1+X 考证人数目标")
    ] = None,
    pass_rate: Annotated[
        str | None, typer.Option("--pass-rate", help="通过率目标：0.9 或 90%")
    ] = None,
    certificates: Annotated[
        int | None, typer.Option("--certificates", min=0, help="1+X 证书种数目标")
    ] = None,
) -> None:
    """设置某一年的绩效目标（没写的指标保持原样）。

    例：xcert target set --year 2022 --participants 300 --pass-rate 90% --certificates 6
    """
    from xcert.model import FIRST_YEAR, LAST_YEAR
    from xcert.office import targets

    if participants is None and pass_rate is None and certificates is None:
        raise typer.BadParameter("至少给出 --participants、--pass-rate、--certificates 中的一项")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise typer.BadParameter(f"{year} 不是合理的年份", param_hint="--year")
    try:
        rate = targets.pass_rate_value(pass_rate, "--pass-rate") if pass_rate is not None else None
    except XcertError as exc:
        raise typer.BadParameter(exc.reason) from None
    conn = open_db(create=False)
    state = targets.set_target(conn, targets.Target(year, participants, rate, certificates))
    conn.close()
    said = {"added": "设置", "updated": "更新", "unchanged": "是这样，未改变"}[state]
    console().print(f"{year}年目标已{said}")
