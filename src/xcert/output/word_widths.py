"""Column widths for a Word table, which Word does not fit to its contents by itself
the way a browser does: each column as wide as its longest cell, then fitted to the
type area so that a name, a class, a masked ID number or an e-mail is never broken and
only text that wraps well gives way."""

from __future__ import annotations

import re
from collections.abc import Sequence


class Measures:
    """What the widths of a table's columns come from, measured once for every type size
    tried: each column's header, its longest line and its longest word, in ems. Each
    distinct cell is measured once (a long list repeats its classes, dates and names
    of certificates)."""

    def __init__(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.header = list(header)
        self.longest: list[float] = []
        self.word: list[float] = []
        for index in range(len(header)):
            cells = {row[index] for row in rows if index < len(row)}
            self.longest.append(max((_ems(cell) for cell in cells), default=0.0))
            self.word.append(max((_longest_word(cell) for cell in cells), default=0.0))


def column_widths(
    measured: Measures,
    size: float,
    total: float,
    hint: Sequence[int] | None = None,
    *,
    squeeze: bool = False,
) -> list[float] | None:
    """Columns as wide as their longest cell (a header may wrap onto two lines), or as
    the table asks (`hint`, in spreadsheet characters: a column to sign in), then fitted
    to the type area: short columns (a name, a class, a date) never wrap; only the long
    columns give up width, and all grow alike when there is room."""
    em = size * 0.3528  # mm
    natural, least = [], []
    for index, label in enumerate(measured.header):
        longest = measured.longest[index]
        # a header may take two lines, never leaving one character on the second
        wanted = max(longest, min(_ems(label), max(2.0, _ems(label) / 2 + 1.5)))
        if hint is not None and index < len(hint):
            wanted = max(wanted, hint[index] / 2)
        natural.append(wanted * em + 4.5)  # and the cell margins
        # what it cannot give up: its longest word (a masked ID number, an e-mail, a
        # short name), never less than five Chinese characters
        least.append(min(wanted, max(measured.word[index], 5.0)) * em + 4.5)
    spare = total - sum(natural)
    if spare >= 0:
        return [width * total / sum(natural) for width in natural]
    give = sum(n - m for n, m in zip(natural, least, strict=True))
    if give <= -spare:  # even at their least the columns are too wide
        if not squeeze:
            return None  # try a smaller size
        return [width * total / sum(least) for width in least]  # all shrink alike
    return [n + spare * (n - m) / give for n, m in zip(natural, least, strict=True)]


def _longest_word(cell: str) -> float:
    return max((_ems(w) for w in _words(cell)), default=0.0)


def _words(text: str) -> list[str]:
    """The parts a line may break between: Chinese characters one by one, Latin words
    whole."""
    return re.findall(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+", text)


def _ems(text: str) -> float:
    """A line's width in ems: a Chinese character 1, a Latin one about 0.55, and the
    quarter em Word and LibreOffice put between Chinese and Latin text."""
    widest = 0.0
    for line in text.splitlines():
        width, previous = 0.0, None
        for char in line:
            wide = ord(char) > 0x2E80
            width += 1.0 if wide else 0.55
            if previous is not None and previous != wide and not char.isspace():
                width += 0.25
            previous = wide
        widest = max(widest, width)
    return widest
