"""Commands about the database and its students: init, find, demo."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from xcert.cli.app import app, db_path, open_db, state
from xcert.cli.console import WIDE_COLUMNS, console

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
) -> None:
    """按姓名、学号、班级或身份证号查找学生，并列出其成绩和证书。身份证号只显示前2位和后2位。

    例：xcert find 陈明
    """
    from xcert.office import search

    conn = open_db(create=False)
    students, cut = search.find_students(conn, text)
    details = (
        [search.student_records(conn, s.id) for s in students]
        if len(students) <= DETAIL_LIMIT
        else []
    )
    conn.close()
    if not students:
        from xcert.privacy import mask_ids_in

        console().print(f"没有找到与「{mask_ids_in(text)}」匹配的学生")
        raise typer.Exit(1)
    print_students(students)
    for student, records in zip(students, details, strict=False):
        print_records(student, records)
    if cut:
        console().print(f"只显示前{search.MAX_SHOWN}名；请写得更具体些（完整学号、班级或姓名）")


DETAIL_LIMIT = 5  # up to this many students found: their results and certificates too


def print_records(student: StudentRow, records: StudentRecords) -> None:
    from rich.table import Table

    from xcert.model import CERTIFICATE_KIND_LABELS as kinds
    from xcert.model import OUTCOME_LABELS
    from xcert.privacy import mask_ids_in

    out = console()
    results, awards = records.results, records.awards
    name = f"{student.name}（{mask_ids_in(student.student_no or '无学号')}）"
    if not results and not awards:
        out.print(f"{name}：还没有考核成绩和证书")
        return
    if results:
        table = Table(title=f"{name}的考核成绩")
        for label in ("证书", "类型", "等级", "考核时间", "理论", "实操", "总分", "结果"):
            table.add_column(label, overflow="fold")
        for r in results:
            table.add_row(
                r.certificate,
                kinds[r.kind] + ("（推测）" if r.kind_guessed else ""),
                r.level or "",
                r.when or "",
                *(f"{v:g}" if v is not None else "" for v in (r.theory, r.practical, r.total)),
                OUTCOME_LABELS[r.outcome],
            )
        out.print(table)
    if awards:
        table = Table(title=f"{name}的证书")
        for label in ("证书", "类型", "等级", "鉴定时间", "发证日期", "证书编号", "签领"):
            table.add_column(label, overflow="fold")
        unsigned = 0
        for a in awards:
            unsigned += a.signed_by is None
            signed = f"{a.signed_by} {a.signed_on or ''}".strip() if a.signed_by else "未签领"
            table.add_row(
                a.certificate,
                kinds[a.kind] + ("（推测）" if a.kind_guessed else ""),
                a.level or "",
                a.assessed or "",
                a.issued_on or "",
                mask_ids_in(a.certificate_no or ""),
                signed,
            )
        out.print(table)
        if unsigned:
            out.print(f"{name}还有{unsigned}张证书未签领")


def print_students(students: list[StudentRow]) -> None:
    from rich.table import Table

    from xcert.model import STATUS_LABELS
    from xcert.privacy import mask_id, mask_ids_in

    table = Table(title=f"找到{len(students)}名学生")
    for label in ("学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "届别", "状态"):
        # 学号 and the masked ID stay on one line; names and majors fold on a narrow screen.
        table.add_column(label, overflow="fold", min_width=WIDE_COLUMNS.get(label))
    for s in students:
        table.add_row(
            mask_ids_in(s.student_no or ""),
            s.name,
            s.gender or "",
            mask_id(s.id_number),
            s.class_code or "",
            s.major or "",
            s.department or "",
            f"{s.cohort}届" if s.cohort else "",
            STATUS_LABELS.get(s.status, s.status),
        )
    console().print(table)


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
    out.print(f"\n证书目录：xcert --db {result.db_path} certs")
    out.print(f"统计：xcert --db {result.db_path} stats")
    out.print(f"写入记录（可撤销）：xcert --db {result.db_path} log")
    out.print(f"\n已生成报表（Markdown、网页、Excel）：{'、'.join(p.name for p in result.reports)}")
    out.print(f"\n接着可以试：xcert --db {result.db_path} import 你的花名册.xlsx --dry-run")
