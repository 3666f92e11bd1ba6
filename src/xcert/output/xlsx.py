"""Write tables to xlsx safely: text stays text, nothing starts a formula; counts are
numbers and rates percentages (Excel can add them up).

SPEC 5.3: ID and student numbers as text; a cell starting with `=`, `+`, `-` or `@`
is written as text with Excel's quote prefix, so opening the file never runs it.

A table to print (a report, a list a command writes) is laid out as a school's printed
table: its title merged and centred over the table, the school and the date under it,
thin borders on every cell, the header repeated on every page, 第1页 共2页 in the
footer, A4 fitted to the page's width, its notes under it. A file a program reads back
(the platform's registration list, the rejected rows) keeps its header on the first row.
Both are streamed (openpyxl's write-only mode): a list of 10,000 rows writes in about
a second and a half.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xcert.outfiles import CREATOR
from xcert.output.tables import Heading, Rate, Table, starts_formula
from xcert.read.sheets import column_letter

FOOTER = "第&P页 共&N页"  # Excel's page number and page count
LINE_HEIGHT = 16  # points a line of 11pt text takes, CJK fonts included
ROW_HEIGHT = 18  # points a printed table's row takes: a line and some room
TITLE_HEIGHT = 26  # points a line of the 16pt title takes


@dataclass(frozen=True)
class Sheets:
    """A report's tables to print, one sheet each, under the school and date; a notice's
    or a sheet's own lines above the first table (`opening`) and under the last
    (`closing`), as written."""

    tables: Sequence[Table]
    heading: Heading
    opening: Sequence[str] = ()
    closing: Sequence[str] = ()


def write_tables(
    path: Path,
    tables: Sequence[Table],
    heading: Heading | None = None,
    *,
    opening: Sequence[str] = (),
    closing: Sequence[str] = (),
) -> None:
    """One sheet per table. With a `heading`, a printed table (see above), `opening`
    lines above the first and `closing` lines under the last; without, a bold frozen
    header on the first row, then the rows: a file a program reads back."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    # how a later run knows the file is its own and unchanged (outfiles.is_own_output)
    book.properties.creator = book.properties.lastModifiedBy = CREATOR
    used: set[str] = set()
    frame = _Frame(book) if heading is not None else None
    for index, table in enumerate(tables):
        title = _unique_title(table.title, used)
        if frame is None or heading is None:
            _write_plain(book, title, table)
        else:
            lines = _Lines(
                opening if index == 0 else (), closing if index == len(tables) - 1 else ()
            )
            _write_printed(book, frame, title, table, heading, lines)
    book.save(path)


def with_notes(tables: Sequence[Table], lines: Sequence[str]) -> list[Table]:
    """The tables, the last with `lines` added to its notes: what a reader is told of
    them all (a warning, the meaning of a figure), under the last as a page prints it."""
    out = list(tables)
    if out and lines:
        out[-1] = dataclasses.replace(out[-1], notes=[*out[-1].notes, *lines])
    return out


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
    """Columns a cell's text takes: a Chinese character (three bytes in UTF-8) about two
    digits, a Latin one one (counted in C: a list of 10,000 rows is measured at once)."""
    text = str(value) if value is not None else ""
    return len(text) + (len(text.encode("utf-8", "replace")) - len(text)) // 2


def _widths(table: Table, rows: Sequence[Sequence[object]]) -> list[int]:
    """The table's widths, else each column's widest cell or header, 8 to 60."""
    if table.widths:
        return list(table.widths)
    return [
        min(
            60,
            max(8, *(_display_width(r[i]) + 2 for r in rows if i < len(r)), _display_width(h) + 2),
        )
        for i, h in enumerate(table.header)
    ]


def _lines(text: object, width: float) -> int:
    """Lines a text takes wrapped in a cell `width` columns wide (by its own breaks too)."""
    room = max(1.0, width - 1)
    text = str(text)
    if 2 * len(text) <= room and "\n" not in text:  # most cells: one line, whatever it says
        return 1
    return sum(max(1, math.ceil(_display_width(part) / room)) for part in text.split("\n"))


def _set_up_page(sheet, widths: Sequence[int], header_row: int) -> None:
    """A4, fitted to the page's width, the header row on every page, page numbers."""
    for index, width in enumerate(widths):
        sheet.column_dimensions[column_letter(index)].width = width
    sheet.page_setup.orientation = "landscape" if sum(widths) > 110 else "portrait"
    sheet.page_setup.paperSize = 9  # A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages down as the rows need
    sheet.print_options.horizontalCentered = True
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.oddFooter.center.text = FOOTER
    sheet.freeze_panes = f"A{header_row + 1}"  # before any row: a write-only sheet


def _write_plain(book, title: str, table: Table) -> None:
    """A sheet a program reads back: the header on row 1, the rows, the notes."""
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(title=title)
    rows = [list(row) for row in table.rows]
    _set_up_page(sheet, _widths(table, rows), 1)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for label in table.header:
        cell = _cell(sheet, str(label))  # a header (a school's profile) is text too
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.append(cell)
    sheet.append(head)
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    if table.notes:  # under the table after a blank row, as the reports print them
        sheet.append([])
        for note in table.notes:
            sheet.append([_cell(sheet, f"注：{note}")])


class _Frame:
    """The styles of a printed table, made once a workbook: a cell takes one by index
    (openpyxl's style array), so a list of 10,000 rows is framed in a moment."""

    def __init__(self, book) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="000000")
        self.border = book._borders.add(Border(left=thin, right=thin, top=thin, bottom=thin))
        self.bold = book._fonts.add(Font(bold=True))
        self.title_font = book._fonts.add(Font(bold=True, size=16))
        self.fill = book._fills.add(PatternFill("solid", fgColor="DDEBF7"))

        def align(horizontal: str, wrap: bool = False) -> int:
            alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=wrap)
            return book._alignments.add(alignment)

        self.centre, self.left = align("center"), align("left")
        self.centre_wrap, self.left_wrap = align("center", True), align("left", True)
        self.right_wrap = align("right", True)

    def apply(
        self,
        cell,
        alignment: int,
        *,
        border: bool = True,
        font: int | None = None,
        fill: int | None = None,
    ):
        """The cell, styled; its number format and quote prefix (the guard's) are kept."""
        from openpyxl.styles.cell_style import StyleArray

        style = cell._style if cell.has_style else StyleArray()
        style.alignmentId = alignment
        if border:
            style.borderId = self.border
        if font is not None:
            style.fontId = font
        if fill is not None:
            style.fillId = fill
        cell._style = style
        return cell


@dataclass(frozen=True)
class _Lines:
    """A sheet's own lines: above its header, and under its notes."""

    above: Sequence[str] = ()
    below: Sequence[str] = ()


def _write_printed(
    book, frame: _Frame, title: str, table: Table, heading: Heading, lines: _Lines
) -> None:
    """A table to print: title, school and date, its lines, the header, the rows (— when
    there are none), the table's merged columns merged, its notes and lines under it."""
    sheet = book.create_sheet(title=title)
    rows = [list(row) for row in table.rows] or [["—"] * len(table.header)]
    widths = _widths(table, rows)
    header_row = 3 + len(lines.above)
    _set_up_page(sheet, widths, header_row)
    sheet.sheet_format.defaultRowHeight = ROW_HEIGHT
    sheet.sheet_format.customHeight = True
    _write_title(sheet, frame, table.caption or table.title, heading, widths)
    _write_lines(sheet, frame, lines.above, widths, 3, prefix="")
    heights = [_lines(label, widths[i]) for i, label in enumerate(table.header)]
    sheet.row_dimensions[header_row].height = LINE_HEIGHT * max(heights, default=1) + 4
    sheet.append(
        [
            frame.apply(
                _cell(sheet, str(label)), frame.centre_wrap, font=frame.bold, fill=frame.fill
            )
            for label in table.header
        ]
    )
    _write_body(sheet, frame, table, rows, widths, header_row + 1)
    notes_row = header_row + 1 + len(rows)
    _write_lines(sheet, frame, table.notes, widths, notes_row, prefix="注：")
    _write_lines(sheet, frame, lines.below, widths, notes_row + len(table.notes), prefix="")


def _merge(sheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Merge a range of a write-only sheet (openpyxl writes its ranges at the end)."""
    from openpyxl.worksheet.cell_range import CellRange

    if last_row > first_row or last_col > first_col:  # more than one cell
        sheet.merged_cells.add(
            CellRange(min_row=first_row, min_col=first_col, max_row=last_row, max_col=last_col)
        )


def _write_title(sheet, frame: _Frame, title: str, heading: Heading, widths: list[int]) -> None:
    """Row 1 the title over the whole table; row 2 the school on the left half and the
    date on the right (one cell for a one-column table)."""
    columns, total = len(widths), sum(widths)
    sheet.row_dimensions[1].height = TITLE_HEIGHT * _lines(title, total / 1.5)  # 16pt
    caption = _cell(sheet, title)  # a title from a school's data: guarded too
    sheet.append([frame.apply(caption, frame.centre_wrap, border=False, font=frame.title_font)])
    _merge(sheet, 1, 1, 1, columns)
    half = max(1, columns // 2)
    if columns == 1:
        parts = [(f"{heading.school}　　{heading.date}", frame.centre_wrap, total)]
    else:
        left, right = sum(widths[:half]), sum(widths[half:])
        parts = [(heading.school, frame.left_wrap, left), (heading.date, frame.right_wrap, right)]
    sheet.row_dimensions[2].height = LINE_HEIGHT * max(_lines(t, w) for t, _, w in parts) + 4
    school, *date = [frame.apply(_cell(sheet, t), how, border=False) for t, how, _ in parts]
    sheet.append([school, *([None] * (half - 1)), *date])
    _merge(sheet, 2, 1, 2, half)
    _merge(sheet, 2, half + 1, 2, columns)


def _write_body(
    sheet, frame: _Frame, table: Table, rows: list[list[object]], widths, first: int
) -> None:
    """The rows, framed: text centred, a text wider than its column wrapped and left;
    a merged column's equal cells merged, centred on the rows they cover."""
    spans = table.spans() if table.merged and table.rows else [[1] * len(r) for r in rows]
    wrap = {column - 1 for column in table.wrap}
    for number, (row, row_spans) in enumerate(zip(rows, spans, strict=True), start=first):
        cells, lines = [], 1
        for index, value in enumerate(row):
            width = widths[index] if index < len(widths) else 8
            cell = _cell(sheet, None if row_spans[index] == 0 else value)
            needed = _lines(value, width) if isinstance(value, str) and row_spans[index] else 1
            if needed > 1 or index in wrap:
                frame.apply(cell, frame.left_wrap)
                lines = max(lines, needed if row_spans[index] == 1 else 1)
            else:
                frame.apply(cell, frame.centre)
            if row_spans[index] > 1:
                _merge(sheet, number, index + 1, number + row_spans[index] - 1, index + 1)
            cells.append(cell)
        height: float | None = LINE_HEIGHT * lines + 4 if lines > 1 else None
        if table.row_height is not None:  # mm to points: room to sign
            height = max(height or 0, table.row_height * 72 / 25.4)
        if height is not None:
            sheet.row_dimensions[number].height = height
        sheet.append(cells)


def _write_lines(
    sheet, frame: _Frame, lines: Sequence[str], widths, first: int, *, prefix: str
) -> None:
    """Each line (a note after 注：) across the table's width, wrapped to fit."""
    columns, total = len(widths), sum(widths)
    for offset, line in enumerate(lines):
        text = f"{prefix}{line}"
        sheet.row_dimensions[first + offset].height = LINE_HEIGHT * _lines(text, total) + 4
        sheet.append([frame.apply(_cell(sheet, text), frame.left_wrap, border=False)])
        _merge(sheet, first + offset, 1, first + offset, columns)


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
