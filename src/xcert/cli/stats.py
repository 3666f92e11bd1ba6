"""Commands for the figures schools report: stats, target set."""

from typing import Annotated

import typer

from xcert.cli import scope as scope_options
from xcert.cli.app import Typer, app, open_db
from xcert.cli.console import console
from xcert.cli.emit import Output, Workbook, workbook
from xcert.cli.options import choice
from xcert.errors import XcertError

FORMATS = ("table", "json", "csv", "markdown", "xlsx")
BY = ("year", "certificate", "level", "class", "major", "department")


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
    by: Annotated[
        str,
        typer.Option(
            "--by",
            help="考证情况按什么细分：year、certificate、level、class、major、department",
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
) -> None:
    """每年 1+X 考证人数、通过人数和通过率，各届双证毕业率，绩效目标完成情况。

    可只统计一个专业（--major）、系部（--department）、班级（--class），或几年之间（--from、--to）。

    例：xcert stats --year 2023；xcert stats --cohort 2023 --list uncertified；
    xcert stats --major 数控 --from 2022 --to 2023；xcert stats --year 2023 -o 考证统计.xlsx
    """
    from xcert.figures import people as people_
    from xcert.figures import stats as figures_
    from xcert.output import tables as output

    scope_options.check_span(first, last, **{"--year": year})
    book = workbook(format_, out)
    conn = open_db(create=False)
    scope = scope_options.scope(
        conn,
        major=major,
        department=department,
        class_code=class_code,
        first=first,
        last=last,
    ).in_year(year)
    if list_ is not None:
        people = people_.students_behind(
            conn, list_, cohort=cohort, all_kinds=all_kinds, scope=scope
        )
        conn.close()
        table = output.people_table(list_, people, scope)
        _emit(format_, book, [table], output.people_json(people), [])
        return
    figures = figures_.figures(conn, cohort=cohort, by=by, all_kinds=all_kinds, scope=scope)
    conn.close()
    _emit(
        format_,
        book,
        output.tables(figures, by=by, all_kinds=all_kinds),
        figures.as_json(),
        figures.warnings,
        figures.notes,
    )


def _emit(
    format_: str,
    book: Workbook | None,
    tables: list,
    data: object,
    warnings: list[str],
    notes: list[str] | None = None,
) -> None:
    """The tables in the format asked for; warnings (注意) and notes (注) beside them,
    on stderr for a file or CSV. JSON carries warnings in itself, and no notes."""
    from xcert.output import tables as output

    lines = [f"注意：{w}" for w in warnings] + [f"注：{n}" for n in notes or []]
    if book is not None:
        book.write(tables)
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
