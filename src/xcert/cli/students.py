"""Commands about the database and its students: init, find, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert.cli.app import app, db_path, open_db, state
from xcert.cli.console import console
from xcert.cli.emit import Output, workbook
from xcert.cli.options import choice, day_option, not_future

if TYPE_CHECKING:
    from xcert.office.search import StudentRecords, StudentRow


@app.command()
def init() -> None:
    """创建数据库，或把旧数据库升级到当前版本（可重复运行；升级前自动备份）。

    例：xcert --db 1x.db init
    """
    from xcert.store import schema

    done = schema.init(db_path())
    if not done.existed:
        said = f"已创建数据库 {done.path}（结构版本 {done.after}）"
    elif done.before == done.after:
        said = f"数据库 {done.path} 已是最新（结构版本 {done.after}），无需改动"
    elif done.backup_path is None:
        said = f"数据库 {done.path} 已建好结构（版本 {done.after}）"
    else:
        said = f"数据库 {done.path} 已从版本 {done.before} 升级到 {done.after}；升级前的备份：{done.backup_path}"
    typer.echo(said)


@app.command()
def find(
    text: Annotated[str, typer.Argument(help="姓名（可只写一部分）、学号、班级或身份证号")],
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            callback=choice(("table", "xlsx"), "--format"),
            help="table 或 xlsx（用 -o 指定文件；写入全部匹配的学生）",
        ),
    ] = "table",
    out: Output = None,
) -> None:
    """按姓名、学号、班级或身份证号查找学生，并列出其成绩和证书。身份证号只显示前2位和后2位。

    屏幕上最多列出200名；--format xlsx 写入全部。

    例：xcert find 陈明；xcert find 21数控1 -o 21数控1.xlsx
    """
    from xcert.office import search
    from xcert.output import lists

    book = workbook(format_, out)
    conn = open_db(create=False)
    found = search.find_students(conn, text, limit=None if book else search.MAX_SHOWN)
    shown = found.students if len(found.students) <= DETAIL_LIMIT else []
    details = [(s, search.student_records(conn, s.id)) for s in shown]
    conn.close()
    if not found.students:
        from xcert.privacy import mask_ids_in

        console().print(f"没有找到与「{mask_ids_in(text)}」匹配的学生")
        raise typer.Exit(1)
    if book is not None:
        tables = [lists.students_table(found)]
        for student, records in details:
            tables += [lists.results_table(student, records)] if records.results else []
            tables += [lists.awards_table(student, records)] if records.awards else []
        book.write(tables)
        return
    console().table(lists.students_table(found))
    for student, records in details:
        print_records(student, records)
    if found.cut:
        console().print(
            f"只显示前{len(found.students)}名（共{found.total:,}名）；请写得更具体些"
            "（完整学号、班级或姓名），或用 -o 文件名.xlsx 导出全部"
        )


DETAIL_LIMIT = 5  # up to this many students found: their results and certificates too


@app.command()
def graduate(
    cohort: Annotated[int, typer.Option("--cohort", help="毕业的届别，如 2024")],
    date: Annotated[
        str | None,
        typer.Option("--date", help="毕业那天或以后的某一天，默认今天（不能是将来）"),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只说明会改动多少人，不写入")] = False,
) -> None:
    """把一届学籍状态仍是在读的学生改为毕业（一次写入，可用 xcert undo 撤销）。

    退学、转学、休学和已毕业的学生保持不变。这一届的毕业日（考点资料里学校的
    graduation_day，默认7月1日）还没到时拒绝。

    例：xcert graduate --cohort 2024 --dry-run；xcert graduate --cohort 2024 --date 2024-07-01
    """
    from xcert import clock
    from xcert.model import FIRST_YEAR, LAST_YEAR
    from xcert.office import graduate as graduating

    if not FIRST_YEAR <= cohort <= LAST_YEAR:
        raise typer.BadParameter(f"{cohort} 不是合理的届别", param_hint="--cohort")
    span = not_future(day_option(date, "--date", "毕业日期"), "--date", "毕业要到那天才能登记")
    conn = open_db(create=False)
    done = graduating.graduate(conn, cohort, span.start if span else clock.today(), dry_run=dry_run)
    conn.close()
    console().print(done.said(dry_run=dry_run))


def print_records(student: StudentRow, records: StudentRecords) -> None:
    from xcert.output import lists

    out = console()
    name = lists.student_name(student)
    if not records.results and not records.awards:
        out.print(f"{name}：还没有考核成绩和证书")
        return
    if records.results:
        out.table(lists.results_table(student, records))
    if records.awards:
        out.table(lists.awards_table(student, records))
        unsigned = sum(1 for a in records.awards if a.signed_by is None)
        if unsigned:
            out.print(f"{name}还有{unsigned}张证书未签领")


def print_students(students: list[StudentRow]) -> None:
    from xcert.office.search import Found
    from xcert.output import lists

    console().table(lists.students_table(Found(students, len(students))))


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="放演示数据库的文件夹")] = Path("xcert-demo"),
) -> None:
    """用自带的示例文件建一个演示数据库（FOLDER/xcert.db，不用 --db），展示 xcert 能做什么。

    再次运行会重建演示数据库；不是演示建的数据库不会被覆盖。

    例：xcert demo /tmp/试试看
    """
    from xcert.cli import demo_steps as demo

    out = console()
    db_path, files = demo.prepare(folder)  # refuses a database the demo did not make, first
    out.print(
        f"xcert 演示：在 {folder}/ 新建数据库 xcert.db，导入自带的示例花名册、证书目录、"
        "考核成绩和考证签领名单\n",
        style="bold",
    )
    command = state.command
    result = demo.run(db_path, files, command)
    from xcert.cli.imports import print_import

    print_import(result.outcome, result.options)
    out.print("\n查一名学生的成绩和证书（身份证号只显示前2位和后2位）：")
    out.print(f"  xcert --db {result.db_path} find {demo.SAMPLE_STUDENT}", style="bold")
    print_students([result.sample])
    print_records(result.sample, result.records)
    if result.selection is not None:
        from xcert.cli.sessions import print_selection

        out.print("\n按选拔成绩为下一场考试选考生（每班 60%）：")
        out.print(
            f"  xcert --db {result.db_path} select --session {result.selection.session.id}"
            f" --scores examples/{demo.SELECTION_SCORES} --group class --quota 60%",
            style="bold",
        )
        print_selection(result.selection, dry_run=False, brief=True)
    if result.graduated is not None:
        done = result.graduated
        out.print(f"\n{done.cohort}届已过毕业日，把仍是在读的学生改为毕业：")
        out.print(f"  xcert --db {result.db_path} graduate --cohort {done.cohort}", style="bold")
        out.print(done.said())
    if result.major_rates is not None:
        first, last = demo.SAMPLE_YEARS
        out.print("\n一个专业几年的 1+X 考证情况（表1），也可生成报表（render pass-rates）：")
        out.print(
            f"  xcert --db {result.db_path} stats --major {demo.SAMPLE_MAJOR}"
            f" --from {first} --to {last}",
            style="bold",
        )
        out.table(result.major_rates)
    out.print(f"\n证书目录：xcert --db {result.db_path} certs")
    out.print(f"统计：xcert --db {result.db_path} stats")
    out.print(f"写入记录（可撤销）：xcert --db {result.db_path} log")
    out.print(
        f"\n已生成报表（Markdown、网页、Excel、Word）：{'、'.join(p.name for p in result.reports)}"
    )
    out.print(f"\n接着可以试：xcert --db {result.db_path} import 你的花名册.xlsx --dry-run")
