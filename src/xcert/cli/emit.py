"""Where a command's tables go: the screen (`console.table`), or, with `--format xlsx
-o FILE`, a workbook written by the reports' own writer (`output/xlsx.py`: the formula
guard, text IDs, printed as a school's table under the school's name and the date),
under the rules of every file xcert writes (`outfiles.py`)."""

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from xcert.cli.app import db_path, open_db
from xcert.cli.console import console
from xcert.cli.options import choice, output_file
from xcert.errors import XcertError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from xcert.output.tables import Table

ListFormat = Annotated[
    str,
    typer.Option(
        "--format",
        callback=choice(("table", "xlsx"), "--format"),
        help="table 或 xlsx（用 -o 指定文件）",
    ),
]

Output = Annotated[
    Path | None,
    typer.Option(
        "-o", "--output", help="写入这个 .xlsx 文件（用于 --format xlsx，可省略 --format）"
    ),
]


class Workbook(NamedTuple):
    """The xlsx file a command is to write, checked before the database is opened (a
    NamedTuple: `xcert stats` defines it at every start, a dataclass costs more)."""

    path: Path
    replaces: bool  # a file of that name is there already

    def write(
        self, tables: "Sequence[Table]", *, on: dt.date | None = None, notes: "Sequence[str]" = ()
    ) -> None:
        """Write the tables, one sheet each, and say so (naming a file it replaced). Each
        is headed by the school and the day of its figures (`on`, else today); `notes`
        (what the screen says of them all) go under the last."""
        from xcert.outfiles import replaced_note
        from xcert.output.sandbox import heading as heading_of
        from xcert.output.xlsx import with_notes, write_tables

        conn = open_db(create=False)  # the command read it already: it is there
        heading = heading_of(conn, on)
        conn.close()
        try:
            write_tables(self.path, with_notes(tables, notes), heading)
        except OSError as exc:
            raise XcertError(f"无法写入 {self.path}（{exc.strerror or exc}）") from None
        titles = "、".join(table.title for table in tables)
        what = titles if len(tables) == 1 else f"{len(tables)}张工作表：{titles}"
        note = replaced_note(self.path) if self.replaces else ""
        console().print(f"已生成 {self.path}（{what}）{note}")


def workbook(format_: str, out: Path | None) -> Workbook | None:
    """The workbook `--format` and `-o` ask for, or None for the screen: `-o` alone
    means xlsx; xlsx needs `-o`, an .xlsx name, and never the database (usage mistakes
    first, exit 2, then the rules of outfiles.py, exit 1)."""
    if out is None:
        if format_ == "xlsx":
            raise typer.BadParameter("xlsx 格式需要用 -o 指定输出文件", param_hint="-o")
        return None
    from xcert.outfiles import check_target  # a file to write: its rules (start-up)

    if format_ not in ("xlsx", "table"):
        raise typer.BadParameter(
            f"-o 只用于 --format xlsx；{format_} 格式输出到屏幕（可用 > 文件名 保存）",
            param_hint="-o",
        )
    output_file(out)
    if out.suffix.lower() != ".xlsx":
        raise typer.BadParameter(f"请用 .xlsx 结尾的文件名，不是「{out.name}」", param_hint="-o")
    return Workbook(out, check_target(out, option="-o", database=db_path()))
