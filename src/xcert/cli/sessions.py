"""Commands for exam sessions and candidates: session add / list, select, register,
export registrations, check (SPEC 6.4)."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert import clock
from xcert.cli.app import Typer, app, db_path, open_db
from xcert.cli.console import console
from xcert.cli.emit import ListFormat, Output, workbook
from xcert.cli.options import choice, date_option, number, option, output_file
from xcert.errors import XcertError
from xcert.outfiles import check_target, replaced_note

if TYPE_CHECKING:
    from xcert.office.selection import Selection

session_app = Typer(
    help="考试场次：证书、等级、日期、考点和容量。\n\n"
    "例：xcert session add --cert 数控车铣加工 --level 中级 --date 2026-12-12；"
    "xcert session list --upcoming",
    no_args_is_help=True,
)
app.add_typer(session_app, name="session")


@session_app.command("add")
def session_add(
    cert: Annotated[str, typer.Option("--cert", help="证书名称（可用简称或别名）")],
    date: Annotated[str, typer.Option("--date", help="考试日期，如 2026-12-12 或 2026.12")],
    level: Annotated[str | None, typer.Option("--level", help="初级 / 中级 / 高级")] = None,
    site: Annotated[str | None, typer.Option("--site", help="考点名称")] = None,
    capacity_per_day: Annotated[
        int | None, typer.Option("--capacity-per-day", min=1, max=100_000, help="每天最多考多少人")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, max=366, help="考几天（默认1天）")
    ] = None,
) -> None:
    """新建一场考试（同一证书、等级、日期的场次已有时，补上考点和容量）。

    例：xcert session add --cert 数控车铣加工 --level 中级 --date 2026-12-12 --capacity-per-day 30 --days 2
    """
    from xcert.clean import cells as clean
    from xcert.office import sessions

    level_ = _level(level)
    try:
        span = date_option(date, "--date")
    except XcertError as exc:
        raise typer.BadParameter(exc.reason, param_hint="--date") from None
    assert span is not None  # --date is required
    conn = open_db(create=False)
    added = sessions.add(conn, clean.text(cert), level_, span, site, capacity_per_day, days)
    conn.close()
    session = added.session
    done = {"added": "已新建", "updated": "已更新", "unchanged": "已有，未改变"}[added.state]
    capacity = "不限" if session.capacity is None else f"{session.capacity}人"
    console().print(f"{done}：{session.label}，考点 {session.site or '未填'}，容量{capacity}")


def _today() -> str:

    return clock.today().isoformat()


def _level(value: str | None) -> str | None:
    from xcert.clean import cells as clean

    return option(clean.level, value, "--level")


@session_app.command("list")
def session_list(
    upcoming: Annotated[bool, typer.Option("--upcoming", help="只列今天及以后的场次")] = False,
    format_: ListFormat = "table",
    out: Output = None,
) -> None:
    """列出考试场次：编号、证书、等级、日期、考点、已报名 / 容量、已有成绩。

    例：xcert session list --upcoming；xcert session list -o 考试场次.xlsx
    """
    from xcert.office import sessions
    from xcert.output import lists

    book = workbook(format_, out)
    conn = open_db(create=False)
    rows = sessions.listing(conn, upcoming_from=clock.today().isoformat() if upcoming else None)
    conn.close()
    if book is not None:
        book.write([lists.sessions_table(rows)])
    elif not rows:
        console().print("还没有考试场次：xcert session add 新建，或导入考试成绩表")
    else:
        console().table(lists.sessions_table(rows))


@app.command()
def select(
    session: Annotated[
        int, typer.Option("--session", callback=number, help="考试场次编号（xcert session list）")
    ],
    scores: Annotated[Path, typer.Option("--scores", help="选拔成绩表（学号或班级+姓名，成绩）")],
    group: Annotated[
        str,
        typer.Option(
            "--group",
            callback=choice(("class", "major", "department"), "--group"),
            help="按什么分组：class、major、department",
        ),
    ],
    quota: Annotated[
        str, typer.Option("--quota", help="每组名额：60%（组人数×比例，向上取整）或人数")
    ],
    retest: Annotated[
        bool,
        typer.Option("--retest", help="第二次选拔：用第二次测试的成绩给落选的学生补足各组名额"),
    ] = False,
    tie_rule: Annotated[
        str | None,
        typer.Option(
            "--ties",
            callback=choice(("number", "all", "retest"), "--ties"),
            help="分数线上同分怎么办：number 按学号先后（默认）、all 全部入选（可超出本组名额，"
            "不超出场次容量）、retest 暂不录取，待第二次选拔；第二次选拔沿用第一次的规则",
        ),
    ] = None,
    include_removed: Annotated[
        bool,
        typer.Option(
            "--include-removed", help="手工取消过报名（register --remove）的学生也参加排名"
        ),
    ] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示选拔结果，不报名")] = False,
    sheet: Annotated[str | None, typer.Option("--sheet", help="只读这个工作表")] = None,
) -> None:
    """按选拔成绩给考试场次选考生：每组按名额取高分者，不超过场次容量；分数线上同分按 --ties 处理。

    组人数按花名册里的在读学生计算（不论是否参加选拔）；专业、系部按届分组。
    手工取消过报名的学生不会被再选入，除非加 --include-removed。
    公示名单：xcert render selection --session 3 -o 选拔公示.html

    例：xcert select --session 3 --scores 选拔成绩.xlsx --group class --quota 60% --ties retest --dry-run
    """
    from xcert.ingest import scores as score_files
    from xcert.office import selection

    try:
        quota_ = selection.parse_quota(quota)
    except XcertError as exc:
        raise typer.BadParameter(exc.reason, param_hint="--quota") from None
    conn = open_db(create=False)
    result = score_files.select(
        conn,
        session,
        scores,
        group,
        quota_,
        retest=retest,
        dry_run=dry_run,
        sheet=sheet,
        include_removed=include_removed,
        tie_rule=tie_rule,
    )
    conn.close()
    print_selection(result, dry_run=dry_run)


def print_selection(result: "Selection", *, dry_run: bool, brief: bool = False) -> None:
    """The groups' places, then (unless `brief`) everyone's rank, ties and capacity cuts."""
    from xcert.office import ties
    from xcert.office.selection import GROUPS
    from xcert.output import lists

    out = console()
    what = "第二次选拔" if result.round == 2 else "选拔"
    out.print(
        f"{result.session.label}：{what}，按{GROUPS[result.group_by]}分组，名额 {result.quota}，"
        f"分数线上同分{ties.LABELS[result.ties]}（--ties {result.ties}）"
    )
    out.table(lists.groups_table(result))
    if brief:
        chosen = len(result.chosen)
        out.print(f"已报名{chosen}人；名单：xcert session list，导出：xcert export registrations")
        return
    out.table(lists.candidates_table(result))
    _print_notes(result)
    total = len(result.chosen)
    if dry_run:
        out.print(f"（试运行，未报名）将报名{total}人")
    else:
        out.print(f"已报名{total}人（第{result.write_id}次写入，可用 xcert undo 撤销）")


def _print_notes(result: "Selection") -> None:
    """Who was not ranked, the ties across a group's line, the capacity cut."""
    out = console()
    if result.already:
        out.print(
            f"已报名这场考试的{len(result.already)}人不再排名（占本组名额）："
            + "、".join(result.already)
        )
    if result.removed:
        out.print(
            f"手工取消过这场考试报名的{len(result.removed)}人没有再选入（名额留给别人）："
            + "、".join(result.removed)
            + "；要让他们参加排名，加 --include-removed，或用 xcert register 报名"
        )
    for g in result.groups:
        if g.tie:
            out.print(f"「{g.key}」{g.tie.text}")
    cut = result.cut
    if cut:
        out.print(
            f"场次容量{result.session.capacity}人、已报名{result.session.registered}人，"
            f"按成绩去掉{len(cut)}人：" + "、".join(f"{c.name}（{c.score:g}）" for c in cut)
        )
    if result.capacity_tie:
        out.print(f"容量线上{result.capacity_tie.text}")
    held = result.held
    if held and result.round == 1:
        out.print(
            f"并列待复测{len(held)}人，名额留给第二次选拔：xcert select --session "
            f"{result.session.id} --retest --scores 第二次成绩.xlsx --group {result.group_by}"
            f" --quota {result.quota.text}"
        )
    elif held:
        out.print(f"仍并列{len(held)}人，名额空出：由学校决定，xcert register 手工报名")


@app.command()
def register(
    session: Annotated[int, typer.Option("--session", callback=number, help="考试场次编号")],
    student: Annotated[
        list[str] | None, typer.Option("--student", help="学生：学号、身份证号或姓名；可写多次")
    ] = None,
    class_code: Annotated[str | None, typer.Option("--class", help="整个班级的在读学生")] = None,
    remove: Annotated[bool, typer.Option("--remove", help="取消报名")] = False,
) -> None:
    """手工报名或取消报名。

    例：xcert register --session 3 --student 2021020101 --student 2021020102；
    xcert register --session 3 --student 2021020101 --remove
    """
    from xcert.office import sessions

    if not student and class_code is None:
        raise typer.BadParameter("请给出 --student 或 --class")
    conn = open_db(create=False)
    changed, same = sessions.enter(conn, session, student or [], class_code, remove=remove)
    now = sessions.get(conn, session)
    conn.close()
    out = console()
    if not remove and now.is_past(_today()):
        console(stderr=True).print(f"注意：{now.label} 的日期已过，这是补录报名吗？")
    already = f"（{same}人本来就{'没有报名' if remove else '已报名'}）" if same else ""
    capacity = "不限" if now.capacity is None else str(now.capacity)
    verb = "取消报名" if remove else "报名"
    out.print(f"{now.label}：{verb}{changed}人{already}；现报名 {now.registered} / {capacity}")


export_app = Typer(
    help="导出给国家平台或评价组织的表格。\n\n"
    "例：xcert export registrations --session 3 -o 报名表.xlsx",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@export_app.command("registrations")
def export_registrations(
    session: Annotated[int, typer.Option("--session", callback=number, help="考试场次编号")],
    output: Annotated[Path, typer.Option("-o", "--output", help="写到这个 .xlsx 文件")],
    profile: Annotated[
        Path | None,
        typer.Option("--profile", help="列配置 TOML（列名、顺序、写法）；默认用自带的示例"),
    ] = None,
) -> None:
    """按平台报名模板的列顺序导出一场考试的报名名单（身份证号为完整号码、文本格式）。

    平台模板变了，改列配置文件即可（见 examples/registration-profile.toml）。

    例：xcert export registrations --session 3 -o 报名表.xlsx --profile 平台模板.toml
    """
    from xcert.output import export

    output_file(output)
    if output.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"报名表导出为 .xlsx 文件，不是「{output.name}」", param_hint="-o")
    replaces = check_target(
        output, option="-o", database=db_path(), inputs=[profile] if profile else []
    )
    columns = export.load_profile(profile)
    conn = open_db(create=False)
    done = export.registrations(conn, session, output, columns)
    conn.close()
    out = console()
    note = replaced_note(done.path) if replaces else ""
    out.print(f"已导出 {done.session.label} 的报名名单{done.rows}人：{done.path}{note}")
    console(stderr=True).print(
        "注意：这个文件含完整身份证号，只用于上传报名平台，用完请删除，不要外传。"
    )


@app.command()
def check(
    session: Annotated[
        int | None, typer.Option("--session", callback=number, help="只核对这一场考试")
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            callback=choice(("table", "json", "xlsx"), "--format"),
            help="table、json 或 xlsx（用 -o 指定文件）",
        ),
    ] = "table",
    out: Output = None,
) -> None:
    """核对报名、成绩和证书：已报名没成绩、有成绩没报名、合格没证书、证书未签领、证书编号重复。

    例：xcert check；xcert check --session 3；xcert check -o 核对.xlsx
    """
    from xcert.office import check as check_
    from xcert.office import sessions as sessions_
    from xcert.output import lists

    book = workbook(format_, out)
    conn = open_db(create=False)
    if session is not None:
        sessions_.get(conn, session)  # a wrong number is an error, not an empty report
    found = check_.check(conn, session_id=session)
    conn.close()
    if format_ == "json":
        import json

        typer.echo(json.dumps(found, ensure_ascii=False, indent=2))
        return
    if book is not None:  # the counts first, then a sheet for each kind of finding
        tables = [lists.check_table(key, rows) for key, rows in found.items() if rows]
        book.write([lists.check_counts(found), *tables])
        return
    out_ = console()
    for key, rows in found.items():
        if rows:
            out_.table(lists.check_table(key, rows))
        else:
            out_.print(lists.check_title(key, rows))
