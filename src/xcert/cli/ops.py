"""Commands that keep the data safe and the office informed: log, undo, backup, purge,
summary. Each runs unattended from cron: no prompt, no colour off a terminal."""

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from xcert import clock
from xcert.cli.app import app, db_path, open_db
from xcert.cli.console import console
from xcert.cli.emit import Output, workbook
from xcert.cli.options import choice, number
from xcert.errors import XcertError
from xcert.model import FIRST_YEAR, LAST_YEAR


def _count(value: int) -> int:
    if not 1 <= value <= 1_000_000:
        raise typer.BadParameter(f"{value} 不是合理的条数（1 到 1000000）")
    return value


@app.command()
def log(
    limit: Annotated[
        int, typer.Option("--limit", callback=_count, help="只显示最近的这么多次")
    ] = 30,
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
    """每一次写入：时间、命令、文件名和 SHA-256、新增 / 更新 / 未变 / 拒绝行数，是否已撤销。

    例：xcert log；xcert log --limit 5 --format json；xcert log -o 写入记录.xlsx
    """
    from xcert.output import lists
    from xcert.store import journal

    book = workbook(format_, out)
    conn = open_db(create=False)
    writes = journal.writes(conn, limit=limit)
    conn.close()
    if format_ == "json":
        import dataclasses
        import json

        typer.echo(
            json.dumps([dataclasses.asdict(w) for w in writes], ensure_ascii=False, indent=2)
        )
    elif book is not None:
        book.write([lists.log_table(writes)])
    elif not writes:
        console().print("还没有任何写入")
    else:
        console().table(lists.log_table(writes))


@app.command()
def undo(
    write_id: Annotated[
        int, typer.Argument(callback=number, help="要撤销的写入编号（见 xcert log）")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只说明会改动什么，不写入")] = False,
    forget: Annotated[
        bool,
        typer.Option(
            "--forget", help="同时抹掉这次写入带来的身份证号和电话（误导入的花名册），不留在文件里"
        ),
    ] = False,
) -> None:
    """撤销一次导入或写入：它新增的行删除，它改动的行恢复原值。

    之后的写入又改动了同样的数据（或引用了它新增的学生）时拒绝撤销，并说明是哪几次。

    例：xcert undo 12 --dry-run；xcert undo 12
    """
    from xcert.store import journal

    conn = open_db(create=False)
    done = journal.undo(conn, write_id, dry_run=dry_run, forget=forget)
    conn.close()
    parts = []
    for label, counts in (
        ("删除", done.removed),
        ("恢复原值：", done.restored),
        ("找回已删除的", done.recreated),
    ):
        if counts:
            detail = "、".join(f"{_TABLE_LABELS.get(t, t)}{n}行" for t, n in sorted(counts.items()))
            parts.append(f"{label}{detail}")

    what = "；".join(parts) or "没有需要改回的数据"
    if dry_run:
        console().print(f"（试运行，未写入）撤销第{write_id}次写入将会：{what}")
    else:
        console().print(f"已撤销第{write_id}次写入（记为第{done.undo_id}次写入）：{what}")
        if forget:
            console().print("它带来的身份证号和电话已从文件中抹去，写入记录里也不保留")
        if done.wal_kept:
            console(stderr=True).print(
                "注意：另一个程序正打开着数据库，旧内容可能还留在 -wal 文件里；"
                "等它关闭后再运行一次 xcert purge 或 xcert backup 即可清掉"
            )


_TABLE_LABELS = {
    "students": "学生",
    "certificates": "证书",
    "certificate_aliases": "证书别名",
    "sessions": "考试场次",
    "results": "成绩",
    "awards": "发证",
    "settings": "设置",
    "targets": "目标",
    "sites": "考点",
    "plans": "实施方案",
    "registrations": "报名",
    "selections": "选拔记录",
    "teachers": "教师",
    "teacher_roles": "教师角色",
}


@app.command()
def backup(
    dest: Annotated[
        str | None,
        typer.Argument(help="备份到这个文件或文件夹（以 / 结尾表示文件夹）；默认在数据库旁边"),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="替换同名的一份旧备份（只替换 xcert 的备份）")
    ] = False,
) -> None:
    """数据库的一致副本（SQLite 备份接口），别人正在读写时也可以备份。

    例：xcert backup；xcert backup /mnt/u盘/；xcert backup 备份/xcert-周一.db
    """
    from xcert.store import backup as backups

    target = backups.target_path(db_path(), dest)
    backups.check_replace(target, force=force)
    conn = open_db(create=False)
    try:
        backups.backup(conn, target)
    finally:
        conn.close()
    size = target.stat().st_size
    console().print(f"已备份到 {target}（{size / 1024:.0f} KB，已校验）")


@app.command()
def purge(
    graduated_before: Annotated[
        int, typer.Option("--graduated-before", help="清除这一届以前（不含）的学生的个人信息")
    ],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只统计会清除多少，不写入")] = False,
) -> None:
    """清除已毕业多年的学生的身份证号（含出生日期）和电话，统计数字和报表不受影响。

    学生、班级、届别、成绩和证书都保留；清除后不能撤销。清除前的备份文件里仍有这些信息。

    例：xcert purge --graduated-before 2021 --dry-run
    """
    from xcert.office import purge as purging

    if not FIRST_YEAR <= graduated_before <= LAST_YEAR:
        raise typer.BadParameter(
            f"{graduated_before} 不是合理的届别", param_hint="--graduated-before"
        )
    conn = open_db(create=False)
    found = purging.purge(conn, graduated_before, dry_run=dry_run)
    conn.close()
    who = f"{graduated_before}届以前的{found.students}名学生"
    detail = f"身份证号{found.id_numbers}个、电话{found.phones}个"
    history = f"，以及写入记录里{found.earlier}条旧值中的个人信息" if found.earlier else ""
    out = console()
    if not found.students and not found.earlier:
        out.print(f"{graduated_before}届以前的学生没有需要清除的个人信息")
    elif dry_run:
        out.print(f"（试运行，未写入）将清除{who}的{detail}{history}")
    else:
        out.print(f"已清除{who}的{detail}{history}（第{found.write_id}次写入）")
    if found.wal_kept:
        console(stderr=True).print(
            "注意：另一个程序正打开着数据库，预写日志（.db-wal）里可能还留有旧值；"
            "等它关闭后再运行一次同样的 xcert purge 即可清掉"
        )


@app.command()
def summary(
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="从何时起的变化：24h、7d、2026-11-24（不能是将来）；默认自上次日报"
        ),
    ] = None,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", help="日报写到这个文件夹", show_default=False)
    ] = Path("."),
    format_: Annotated[
        str, typer.Option("--format", help="md、html、docx（Word），可用逗号隔开多种")
    ] = "md,html",
    day: Annotated[
        str | None,
        typer.Option("--date", help="写哪一天的日报（补写漏掉的一天，不能是将来）；默认今天"),
    ] = None,
    templates: Annotated[
        Path | None, typer.Option("--templates", help="用这个文件夹里的同名模板")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="成功时什么也不输出")] = False,
) -> None:
    """写日报 summary-日期.md / .html：新的导入、成绩和证书，本年进度对照目标，
    未签领的证书，近期考试，需要处理的数据问题。适合每晚由 cron 运行。

    数据没变时重写出的文件逐字节相同。默认从上次日报起算。

    例：xcert summary --output-dir 日报/；xcert summary --since 7d --format md
    """
    from xcert.output import summary as summary_

    as_of = None
    if day is not None:
        try:
            as_of = dt.date.fromisoformat(day)
        except ValueError:
            raise typer.BadParameter(
                f"「{day}」不是一个日期；写成年-月-日，如 2026-11-25", param_hint="--date"
            ) from None
        if not FIRST_YEAR <= as_of.year <= LAST_YEAR:
            raise typer.BadParameter(f"「{day}」不是合理的日期", param_hint="--date")
    try:  # what the options say is checked before the database is opened: usage mistakes
        formats = summary_.parse_formats(format_)
        summary_.check_dates(since, as_of, clock.now())
    except XcertError as exc:
        raise typer.BadParameter(exc.reason) from None
    conn = open_db(create=False)
    span = summary_.window(conn, since=since, day=as_of, now=clock.now())
    # a one-off --since leaves the nightly run's memory alone (and so does an earlier --date)
    paths = summary_.write(conn, span, output_dir, formats, templates, remember_run=since is None)
    conn.close()
    if not quiet:
        since_text = span.since.isoformat(sep=" ", timespec="minutes")
        console().print(f"已写日报（自 {since_text} 起）：" + "、".join(str(p) for p in paths))
