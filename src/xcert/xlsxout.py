"""Write plain tables to xlsx safely: text stays text, nothing starts a formula.

SPEC 5.3: ID and student numbers as text; a cell starting with `=`, `+`, `-` or `@`
is written as text with Excel's quote prefix, so opening the file never runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_table(
    path: Path,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    widths: Sequence[int] | None = None,
) -> None:
    """One sheet: a bold frozen header row, then the rows; every str cell as text."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31] or "Sheet1")
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [max(8, len(h) * 2 + 2) for h in header]):
        sheet.column_dimensions[_letter(index)].width = width
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    head_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head_cells.append(cell)
    sheet.append(head_cells)
    for row in rows:
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
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
