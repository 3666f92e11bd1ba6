"""The `teachers` command: the teachers behind the pilot, with their roles."""

from typing import Annotated

import typer

from xcert.clean import cells as clean
from xcert.cli.app import app, open_db
from xcert.cli.console import console
from xcert.cli.emit import Output, workbook
from xcert.cli.options import choice, option
from xcert.errors import XcertError


@app.command()
def teachers(
    role: Annotated[
        str | None,
        typer.Option(
            "--role",
            help="只列这一角色：培训师、考评员、督导员、考务人员、持证教师（可写几个，用「、」隔开）",
        ),
    ] = None,
    cert: Annotated[
        str | None, typer.Option("--cert", help="只列这种证书的（证书名称、简称或别名）")
    ] = None,
    format_: Annotated[
        str,
        typer.Option(
            "--format",
            callback=choice(("table", "json", "csv", "xlsx"), "--format"),
            help="table、json、csv 或 xlsx（用 -o 指定文件）",
        ),
    ] = "table",
    out: Output = None,
) -> None:
    """列出师资：每名教师的角色（培训师、考评员、督导员、考务人员、持证教师）、证书、等级、取得日期、所属部门。

    标题里的人是教师人数，人次是角色条数（一名教师每种证书每个等级的每个角色算一次）。身份证号和手机号不列出。

    例：xcert teachers；xcert teachers --role 考评员 --cert 机械工程制图；xcert teachers -o 师资名单.xlsx
    """
    from xcert.model import TEACHER_ROLE_LABELS
    from xcert.office import catalogue
    from xcert.office import teachers as teachers_
    from xcert.output import lists

    roles = option(clean.roles, role, "--role") or ()
    book = workbook(format_, out)
    conn = open_db(create=False)
    certificate = None
    if cert is not None:
        certificate = catalogue.Catalogue(conn).find(cert)
        if certificate is None:
            conn.close()
            raise XcertError(f"证书目录里没有「{cert}」；用 xcert certs 查看证书名称和别名")
    lines = teachers_.listing(
        conn, roles=roles, certificate_id=certificate.id if certificate else None
    )
    anyone = bool(lines) or conn.execute("SELECT 1 FROM teachers LIMIT 1").fetchone() is not None
    conn.close()
    said = "、".join(TEACHER_ROLE_LABELS[r] for r in roles)
    what = certificate.name if certificate else ""
    table = lists.teachers_table(lines, f"{what}{said or '师资'}名单")
    if format_ == "json":
        from xcert.output.tables import to_json

        typer.echo(to_json(lists.teachers_json(lines)))
    elif format_ == "csv":
        from xcert.output.tables import to_csv

        typer.echo(to_csv([table]), nl=False)
    elif book is not None:
        book.write([table])
    elif not anyone:
        console().print("还没有教师：先导入师资名单（xcert import 师资名单.xlsx）")
    elif not lines:
        console().print("没有符合条件的教师")
    else:
        console().table(table)
