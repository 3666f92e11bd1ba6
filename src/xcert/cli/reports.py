"""The `render` command: reports like the ones schools file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from xcert.cli import _console, _open, app
from xcert.errors import XcertError


@app.command()
def render(
    name: Annotated[
        str | None, typer.Argument(help="报表名：pass-rates、dual-certificate、sign-list")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", help="年份")] = None,
    cohort: Annotated[int | None, typer.Option("--cohort", help="届别，如 2023")] = None,
    class_code: Annotated[str | None, typer.Option("--class", help="班级（签领名单用）")] = None,
    format_: Annotated[
        str | None, typer.Option("--format", help="md、html、xlsx；不填则按 -o 的扩展名，默认 md")
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
    date: Annotated[str | None, typer.Option("--date", help="报表日期，默认今天")] = None,
    list_: Annotated[bool, typer.Option("--list", help="列出所有报表和各自需要的参数")] = False,
) -> None:
    """生成报表：1+X 考证情况统计表、双证毕业率表、考证签领名单（Markdown、网页、Excel）。

    例：xcert render pass-rates -o 考证统计.html；xcert render sign-list --class 20数控1 -o 签领名单.xlsx
    """
    from xcert import clean
    from xcert import render as reports

    out_ = _console()
    if list_:
        for report in reports.REPORTS.values():
            out_.print(f"{report.name:18}{report.title}：{report.needs}")
        return
    if name is None:
        raise XcertError("请给出报表名（xcert render --list 列出全部）")
    fmt = format_ or (out.suffix.lower().lstrip(".") if out is not None else "md")
    fmt = {"markdown": "md", "htm": "html"}.get(fmt, fmt)
    if fmt not in reports.FORMATS:
        raise XcertError(f"报表格式应为 md、html 或 xlsx，不是「{fmt}」")
    if fmt != "md" and out is None:
        raise XcertError(f"{fmt} 格式需要用 -o 指定输出文件")
    day = None
    if date is not None:
        try:
            span = clean.date_span(date)
        except clean.CellError as exc:
            raise XcertError(f"--date「{date}」：{exc}") from None
        day = span.end
    conn = _open(create=False)
    result = reports.render(
        conn,
        name,
        fmt,
        year=year,
        cohort=cohort,
        class_code=clean.text(class_code) if class_code else None,
        templates=templates,
        public=public,
        date=day or dt.date.today(),
    )
    conn.close()
    if out is None:
        typer.echo(result, nl=False)
        return
    if out.exists() and out.is_dir():
        raise XcertError(f"-o {out} 是一个文件夹")
    if not out.parent.exists():
        raise XcertError(f"-o 的文件夹 {out.parent} 不存在")
    try:
        if fmt == "xlsx":
            from xcert.xlsxout import Table, write_tables

            write_tables(out, [Table(t.title[:31], t.header, t.rows) for t in result])
        else:
            out.write_text(result, encoding="utf-8")
    except OSError as exc:
        raise XcertError(f"无法写入 {out}（{exc.strerror or exc}）") from None
    out_.print(f"已生成 {out}")
