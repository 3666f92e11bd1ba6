"""Commands for certificates, results by hand and sign-off: certs, record, sign."""

from typing import Annotated

import typer

from xcert import clock
from xcert.cli.app import app, open_db
from xcert.cli.console import console
from xcert.cli.emit import ListFormat, Output, workbook
from xcert.cli.options import date_option, not_future, option
from xcert.model import OUTCOME_LABELS
from xcert.privacy import mask_ids_in


@app.command()
def certs(
    format_: ListFormat = "table",
    out: Output = None,
) -> None:
    """列出证书目录：名称、类型（1+X / 其他）、评价组织、等级、别名和已有记录数。

    类型是推测的（目录里原来没有、导入时按名称推测）会标出来，请核对后导入证书目录文件。

    例：xcert certs；xcert certs -o 证书目录.xlsx
    """
    from xcert.office import catalogue
    from xcert.output import lists

    book = workbook(format_, out)
    conn = open_db(create=False)
    certificates = catalogue.Catalogue(conn).all()
    counts = catalogue.counts(conn)
    conn.close()
    out_ = console()
    table = lists.certificates_table(certificates, counts)
    if book is not None:
        book.write([table])
    elif not certificates:
        out_.print(
            "证书目录是空的：导入证书目录文件（xcert import 证书目录.toml），或导入成绩表、签领名单"
        )
        return
    else:
        out_.table(table)
    guessed = [cert.name for cert in certificates if cert.kind_guessed]
    if guessed:
        out_.print(
            f"注意：{len(guessed)}种证书的类型是推测的（{'、'.join(guessed)}）；"
            "在证书目录文件里写明 kind 后导入即可确定"
        )


@app.command()
def record(
    student: Annotated[str, typer.Argument(help="学生：学号、身份证号或姓名（姓名须唯一）")],
    cert: Annotated[str, typer.Option("--cert", help="证书名称（可用简称或别名）")],
    level: Annotated[str, typer.Option("--level", help="初级 / 中级 / 高级")],
    date: Annotated[
        str,
        typer.Option("--date", help="考核日期，如 2023-06-18 或月份范围 2022.5-6（不能是将来）"),
    ],
    result: Annotated[str, typer.Option("--result", help="合格 / 不合格 / 缺考")],
    theory: Annotated[float | None, typer.Option("--theory", help="理论成绩 0–100")] = None,
    practical: Annotated[float | None, typer.Option("--practical", help="实操成绩 0–100")] = None,
) -> None:
    """手工录入一条考核成绩（同一学生、证书、等级、日期再录一次即为更正）。

    例：xcert record 2021010101 --cert 机械工程制图 --level 初级 --date 2023-06-18 --result 合格
    """
    from xcert.clean import cells as clean
    from xcert.office import entry

    outcome = option(clean.outcome, result, "--result")
    level_word = option(clean.level, level, "--level")
    assert outcome is not None and level_word is not None  # both are required
    scores = [
        option(clean.score, theory, "--theory"),
        option(clean.score, practical, "--practical"),
    ]
    span = not_future(date_option(date, "--date"), "--date", "成绩只能录已经考过的考试")
    assert span is not None  # --date is required
    conn = open_db(create=False)
    done = entry.record(conn, student, cert, level_word, span, outcome, scores[0], scores[1])
    conn.close()
    verb = {"added": "已录入", "updated": "已更正", "unchanged": "与已有记录相同，未改动"}
    what = " ".join((done.student.name, done.certificate.name, level_word))
    console().print(f"{verb[done.state]}：{what}（{span.text}） {OUTCOME_LABELS[outcome]}")
    if done.warning:
        console(stderr=True).print(f"注意：{done.warning}")


@app.command()
def sign(
    by: Annotated[str, typer.Option("--by", help="签领人，如 学习委员 或学生本人姓名")],
    class_code: Annotated[
        str | None, typer.Option("--class", help="这个班所有未签领的证书")
    ] = None,
    student: Annotated[
        list[str] | None, typer.Option("--student", help="这些学生（学号/身份证号/姓名，可重复）")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", help="签领日期，默认今天（不能是将来，也不能早于发证日期）"),
    ] = None,
    cert: Annotated[str | None, typer.Option("--cert", help="只签这种证书")] = None,
) -> None:
    """登记证书已签领（考证签领名单）：把尚未签领的证书记为由某人某日签领。

    例：xcert sign --class 20数控1 --by 学习委员 --date 2022-09-28
    """
    from xcert.clean import cells as clean
    from xcert.clean.dates import shown
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
    not_future(span, "--date", "签领日期只能是今天或以前")
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
    out.print(f"已登记{len(signed)}张证书由「{signer}」于 {shown(on)} 签领：")
    for award in signed:
        line = f"  {mask_ids_in(award.student_no or '')} {award.name}  {award.certificate}"
        out.print(f"{line} {award.level or ''}".rstrip())
