"""Commands for certificates, results by hand and sign-off: certs, record, sign."""

from typing import Annotated

import typer

from xcert import clock
from xcert.cli.app import app, open_db
from xcert.cli.console import console
from xcert.cli.options import date_option, option
from xcert.model import CERTIFICATE_KIND_LABELS, OUTCOME_LABELS
from xcert.privacy import mask_ids_in


@app.command()
def certs() -> None:
    """列出证书目录：名称、类型（1+X / 其他）、评价组织、等级、别名和已有记录数。

    类型是推测的（目录里原来没有、导入时按名称推测）会标出来，请核对后导入证书目录文件。

    例：xcert certs
    """
    from rich.table import Table

    from xcert.office import catalogue

    conn = open_db(create=False)
    certificates = catalogue.Catalogue(conn).all()
    counts = catalogue.counts(conn)
    conn.close()
    out = console()
    if not certificates:
        out.print(
            "证书目录是空的：导入证书目录文件（xcert import 证书目录.toml），或导入成绩表、签领名单"
        )
        return
    table = Table(title=f"证书目录（{len(certificates)}种）")
    for label in ("证书", "类型", "培训评价组织", "等级", "别名", "成绩", "发证"):
        table.add_column(label, overflow="fold")
    guessed = []
    for cert in certificates:
        kind = CERTIFICATE_KIND_LABELS[cert.kind] + ("（推测）" if cert.kind_guessed else "")
        if cert.kind_guessed:
            guessed.append(cert.name)
        results, awards = counts.get(cert.id, (0, 0))
        table.add_row(
            cert.name,
            kind,
            cert.organisation or "",
            "、".join(cert.levels),
            "、".join(cert.aliases),
            str(results),
            str(awards),
        )
    out.print(table)
    if guessed:
        out.print(
            f"注意：{len(guessed)}种证书的类型是推测的（{'、'.join(guessed)}）；"
            "在证书目录文件里写明 kind 后导入即可确定"
        )


@app.command()
def record(
    student: Annotated[str, typer.Argument(help="学生：学号、身份证号或姓名（姓名须唯一）")],
    cert: Annotated[str, typer.Option("--cert", help="证书名称（可用简称或别名）")],
    result: Annotated[str, typer.Option("--result", help="合格 / 不合格 / 缺考")],
    level: Annotated[str | None, typer.Option("--level", help="初级 / 中级 / 高级")] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="考核日期，如 2023-06-18 或月份范围 2022.5-6")
    ] = None,
    theory: Annotated[float | None, typer.Option("--theory", help="理论成绩 0–100")] = None,
    practical: Annotated[float | None, typer.Option("--practical", help="实操成绩 0–100")] = None,
) -> None:
    """手工录入一条考核成绩（同一学生、证书、等级、日期再录一次即为更正）。

    例：xcert record 2021010101 --cert 机械工程制图 --level 初级 --date 2023-06-18 --result 合格
    """
    from xcert.clean import cells as clean
    from xcert.office import entry

    outcome = option(clean.outcome, result, "--result")
    assert outcome is not None  # --result is required
    level_word = option(clean.level, level, "--level") if level else None
    scores = [
        option(clean.score, theory, "--theory"),
        option(clean.score, practical, "--practical"),
    ]
    span = date_option(date, "--date")
    conn = open_db(create=False)
    done = entry.record(conn, student, cert, level_word, span, outcome, scores[0], scores[1])
    conn.close()
    verb = {"added": "已录入", "updated": "已更正", "unchanged": "与已有记录相同，未改动"}
    when = f"（{span.text}）" if span else "（未填日期）"
    parts = (done.student.name, done.certificate.name, level_word)
    what = " ".join(str(part) for part in parts if part)
    console().print(f"{verb[done.state]}：{what}{when} {OUTCOME_LABELS[outcome]}")


@app.command()
def sign(
    by: Annotated[str, typer.Option("--by", help="签领人，如 学习委员 或学生本人姓名")],
    class_code: Annotated[
        str | None, typer.Option("--class", help="这个班所有未签领的证书")
    ] = None,
    student: Annotated[
        list[str] | None, typer.Option("--student", help="这些学生（学号/身份证号/姓名，可重复）")
    ] = None,
    date: Annotated[str | None, typer.Option("--date", help="签领日期，默认今天")] = None,
    cert: Annotated[str | None, typer.Option("--cert", help="只签这种证书")] = None,
) -> None:
    """登记证书已签领（考证签领名单）：把尚未签领的证书记为由某人某日签领。

    例：xcert sign --class 20数控1 --by 学习委员 --date 2022-09-28
    """
    from xcert.clean import cells as clean
    from xcert.office import entry

    if (class_code is None) == (not student):
        raise typer.BadParameter("请用 --class 指定一个班，或用 --student 指定学生（二选一）")
    signer = clean.name(by)
    if not signer:
        raise typer.BadParameter("不能为空", param_hint="--by")
    span = date_option(date, "--date")
    if span is not None and not span.is_day:
        raise typer.BadParameter(
            f"「{date}」是一段时间；签领日期请写具体哪一天，如 2022-09-28", param_hint="--date"
        )
    on = span.start.isoformat() if span else clock.today().isoformat()
    conn = open_db(create=False)
    signed = entry.sign(
        conn,
        signer,
        on,
        class_code=clean.text(class_code) if class_code is not None else None,
        students=student,
        certificate=cert,
    )
    conn.close()
    out = console()
    out.print(f"已登记{len(signed)}张证书由「{signer}」于 {on} 签领：")
    for award in signed:
        line = f"  {mask_ids_in(award.student_no or '')} {award.name}  {award.certificate}"
        out.print(f"{line} {award.level or ''}".rstrip())
