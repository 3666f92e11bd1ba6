"""Write plain tables to xlsx safely: text stays text, nothing starts a formula.

SPEC 5.3: ID and student numbers as text; a cell starting with `=`, `+`, `-` or `@`
is written as text with Excel's quote prefix, so opening the file never runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from xcert.sheets import column_letter

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Table:
    """One sheet of an xlsx file: a title, a header row and rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    widths: Sequence[int] | None = None


def write_tables(path: Path, tables: Sequence[Table]) -> None:
    """One sheet per table: a bold frozen header row, then the rows; str cells as text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        _write_sheet(book, _unique_title(table.title, used), table)
    book.save(path)


def write_table(
    path: Path, title: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    write_tables(path, [Table(title, header, rows)])


def _unique_title(title: str, used: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    name, number = base, 2
    while name in used:
        suffix = f"-{number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def _write_sheet(book, title: str, table: Table) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(title=title)
    sheet.freeze_panes = "A2"
    header = table.header
    for index, width in enumerate(table.widths or [max(8, len(str(h)) * 2 + 2) for h in header]):
        sheet.column_dimensions[column_letter(index)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in table.rows:
        out = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
                cell.number_format = "@"
                if value.startswith(_FORMULA_START):
                    cell.quotePrefix = True  # Excel shows it as typed text, never evaluates it
            out.append(cell)
        sheet.append(out)
