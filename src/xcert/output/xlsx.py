"""Write tables to xlsx safely: text stays text, nothing starts a formula; counts are
numbers and rates percentages (Excel can add them up).

SPEC 5.3: ID and student numbers as text; a cell starting with `=`, `+`, `-` or `@`
is written as text with Excel's quote prefix, so opening the file never runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xcert.outfiles import CREATOR
from xcert.output.tables import Rate, Table, starts_formula
from xcert.read.sheets import column_letter


def write_tables(path: Path, tables: Sequence[Table]) -> None:
    """One sheet per table: a bold frozen header row, then the rows; str cells as text."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    # how a later run knows the file is its own and unchanged (outfiles.is_own_output)
    book.properties.creator = book.properties.lastModifiedBy = CREATOR
    used: set[str] = set()
    for table in tables:
        _write_sheet(book, _unique_title(table.title, used), table)
    book.save(path)


def _unique_title(title: str, used: set[str]) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join("_" if c in "[]:*?/\\" else c for c in title)[:31] or "Sheet"
    name, number = base, 2
    while name in used:
        suffix = f"-{number}"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def _display_width(value: object) -> int:
    text = str(value) if value is not None else ""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


def _write_sheet(book, title: str, table: Table) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(title=title)
    rows = [list(row) for row in table.rows]
    header = table.header
    widths = table.widths or [
        min(
            60,
            max(8, *(_display_width(r[i]) + 2 for r in rows if i < len(r)), _display_width(h) + 2),
        )
        for i, h in enumerate(header)
    ]
    for index, width in enumerate(widths):
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.page_setup.orientation = "landscape" if sum(widths) > 110 else "portrait"
    sheet.page_setup.paperSize = 9  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.freeze_panes = "A3" if table.caption else "A2"  # before any row: write-only sheet
    if table.caption:
        caption = _cell(sheet, table.caption)  # a title from a school's data: guarded too
        caption.font = Font(bold=True, size=14)
        sheet.append([caption])
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head_cells = []
    for label in header:
        cell = _cell(sheet, str(label))  # a header (a school's profile) is text too
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    if table.notes:  # under the table after a blank row, as the reports print them
        sheet.append([])
        for note in table.notes:
            sheet.append([_cell(sheet, f"注：{note}")])


def _cell(sheet, value: object):
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, Rate):
        if value.value is None:  # over zero people: no number, the reports' dash
            return _cell(sheet, value.text)
        cell = WriteOnlyCell(sheet, value=value.value)
        cell.number_format = "0.0%"
        return cell
    if not isinstance(value, str):
        return WriteOnlyCell(sheet, value=value)
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters xlsx cannot hold
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # never a formula, whatever it starts with
    cell.number_format = "@"
    if starts_formula(text):
        cell.quotePrefix = True  # Excel shows it as typed text, never evaluates it
    return cell
