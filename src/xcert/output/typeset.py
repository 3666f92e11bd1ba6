"""Where a printed HTML line may break. Chinese text breaks between any two characters,
but a clerk never splits a number from its unit (2022年, 13人, 2026年12月2日, 第3行) nor
an e-mail or a web address (leader-long-address@example.edu.cn). Chromium's rules break
both (2022÷年, leader-÷long), and CSS cannot name a token, so the text is marked up:
such a token in a span that does not wrap (`nb`), one too long for any line in a span
that may break anywhere (`lt`, `overflow-wrap: anywhere`). base.html styles both.

A table's rows are made HTML here too (`table.html`'s body, `rows_html`): a 10,000-row
list is 80,000 cells, too many for a template's loop (an escape, a filter and three
tests each); here each distinct value of a column is escaped once.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Collection, Sequence
from typing import Any, cast

from markupsafe import Markup, escape  # small, and Jinja's own: no cost to load

from xcert.output.tables import Table, cell_text

# The units a number is written with in school documents (tests/test_words.py's and more)
UNITS = "年届月日号人名个条本张行次场位台天种项处份元岁级期批周时分秒页"
# A run of printable ASCII (no space), with a 第 before a number, and units after: one
# token. The parts alternate ASCII and a unit, so the match never backtracks.
_TOKEN = re.compile(rf"(?:第(?=[0-9]))?[!-~]+(?:[{UNITS}][!-~]+)*[{UNITS}]?")
_NUMBERED = re.compile(rf"[0-9][!-~]*[{UNITS}]")  # 2022年, 2022-2023年, 3.5万元
_BREAKS = re.compile(r"[-/@?&=+_~]")  # where Chromium would break a Latin token, or a URL
_WORTH = re.compile(rf"{_BREAKS.pattern}|{_NUMBERED.pattern}")
LONGEST = 40  # characters: a token longer than this may not fit a table cell, so may break
# What a line neither ends with (an opening bracket) nor starts with (closing punctuation)
_OPEN, _CLOSE = "（「『【〔《“‘([", "）」』】〕》”’，。、；：！？%)]"
_PIECE = re.compile(rf"[{re.escape(_OPEN)}]*(?:{_TOKEN.pattern}|\S)[{re.escape(_CLOSE)}]*|\s+")


def typeset(text: object) -> Markup:
    """`text` escaped, its numbers-with-units and Latin tokens each kept on one line;
    line breaks kept (templates print free text with `white-space: pre-line`)."""
    if isinstance(text, Markup):
        return text
    marked = _marked("" if text is None else str(text))
    return marked if isinstance(marked, Markup) else escape(marked)


def _worth(text: str) -> bool:
    """Whether `text` may hold a token to keep whole (most cells do not: a name, a date)."""
    return len(text) > LONGEST or _WORTH.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _marked(text: str) -> str:
    """`text` with its tokens in spans (Markup), or `text` itself when it has none.
    (A list repeats its cells: 工种, dates, a class; each is marked once.)"""
    parts, last = [], 0
    for match in _TOKEN.finditer(text):
        kind = _kind(match.group())
        if kind is not None:
            parts += [escape(text[last : match.start()]), _span(kind, match.group())]
            last = match.end()
    if not parts:
        return text
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def pieces(text: str) -> list[str]:
    """`text` cut where a line may break, as typeset() lets a browser break it: between
    Chinese characters and at spaces, never inside a token, before closing punctuation
    or after an opening bracket (a chart's labels are wrapped by these)."""
    return _PIECE.findall(text)


def _kind(token: str) -> str | None:
    """`nb` (keep whole), `lt` (may break anywhere) or None (nothing to keep)."""
    if len(token) > LONGEST:
        return "lt"
    return "nb" if _NUMBERED.search(token) or _BREAKS.search(token) else None


def _span(kind: str, token: str) -> Markup:
    return Markup('<span class="{}">{}</span>').format(kind, escape(token))


def typeset_tables(value: Any) -> Any:
    """`value` with every Table in it (alone, or in lists and tuples, as the summary's
    sections hold them) typeset cell by cell, for an HTML template; the rest as it is."""
    if isinstance(value, Table):
        done: dict[str, object] = {}  # a list repeats its cells: each text looked at once
        rows = [
            [_typeset_cell(c, done) if type(c) is str else c for c in row] for row in value.rows
        ]
        return dataclasses.replace(value, rows=rows)
    if type(value) in (list, tuple):
        return type(value)(typeset_tables(item) for item in value)
    return value


def _typeset_cell(text: str, done: dict[str, object]) -> object:
    """A text cell typeset (Markup with its tokens marked), or the text itself."""
    cell = done.get(text)
    if cell is None:
        cell = done[text] = _marked(text) if _worth(text) else text
    return cell


_TD = ("<td>", '<td class="text">')


def rows_html(table: Table, text_columns: Collection[int]) -> Markup:
    """The rows of a typeset table (`typeset_tables`) as table.html prints them: one
    `<tr>` a line, a text column's cells (1-based `text_columns`) left-aligned, a merged
    column's repeated cells one cell (rowspan), a cell printed as `tables.cell_text`,
    escaped unless typeset already; a table without rows one row of —."""
    rows = table.rows
    if not rows:
        return Markup("<tr>" + "<td>—</td>" * len(table.header) + "</tr>\n")
    if table.merged or len(set(map(len, rows))) > 1 or not rows[0]:  # spans, ragged rows
        return Markup("".join(_row_html(row) for row in table.laid_out(text_columns)))
    columns = [_column_html(cells) for cells in zip(*rows, strict=True)]
    row = "".join(f"{_TD[n in text_columns]}%s</td>" for n in range(1, len(columns) + 1))
    return Markup("".join(map(f"<tr>{row}</tr>\n".__mod__, zip(*columns, strict=True))))


def _row_html(row: Sequence[tuple[object, int, bool]]) -> str:
    """One row laid out (`Table.laid_out`): a cell under a merged one above is left out."""
    cells = []
    for cell, span, text in row:
        if span:
            rowspan = f' rowspan="{span}"' if span > 1 else ""
            align = ' class="text"' if text else ""
            cells.append(f"<td{rowspan}{align}>{_cell_html(cell)}</td>")
    return f"<tr>{''.join(cells)}</tr>\n"


def _column_html(cells: Sequence[object]) -> Sequence[object]:
    """A column's cells as HTML. As they are (%s prints each by str()) when all are whole
    numbers, typeset text, or text with nothing to escape; else each distinct value made
    once when the column holds one type (1 and 1.0, or a text and the same text typeset,
    would be one key; a float's -0.0 and 0.0 too: floats cell by cell)."""
    kinds = set(map(type, cells))
    if kinds == {int} or kinds == {Markup}:
        return cells
    if kinds == {str} and _ESCAPED.search("".join(cast("Sequence[str]", cells))) is None:
        return cells
    if len(kinds) > 1 or float in kinds:
        return list(map(_cell_html, cells))
    made = {cell: _cell_html(cell) for cell in set(cells)}
    return list(map(made.__getitem__, cells))


_ESCAPED = re.compile(r"[&<>'\"]")  # what markupsafe.escape replaces


def _cell_html(cell: object) -> str:
    """A cell as HTML: typeset text as it is, anything else as printed and escaped."""
    return str(cell) if isinstance(cell, Markup) else str(escape(cell_text(cell)))
