"""Which rows of a worksheet changed between two versions of its XML, without parsing
either whole: the rows between the longest common start and the longest common end,
cut at a `</row>` on each side, when the XML is plain enough for that to be exact.

The promise of `changed_rows(old, new)` when it returns a `Window`: read whole (as
python-calamine reads a worksheet, every cell at its place), the two sheets hold the same
cells in every row outside `window.rows`; and the new sheet's rows inside it are what the
new window's XML (`new[window.start:window.new_end]`) holds, read on its own as a slice
(read/slices.py). Anything that could make that untrue is a `None`, and the caller reads
the new file whole: a comment, CDATA or processing instruction anywhere (a cut inside one
would read hidden rows), a row without its number (its number would come from the rows
before it), a row or a cell outside the windows addressed to a row inside them, a merged
area over them, a namespace prefix or an element other than a row's own inside them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

Xml = bytes | bytearray  # a sheet's XML (a large one inflated into a buffer of its size)
_ROW_END = b"</row>"
_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,7})"')
# Tags a window may hold: a row's own elements (cells, values, formulas, inline and rich
# text, phonetic runs); anything else, or a prefix, and the file is read whole.
_WINDOW_TAG = re.compile(rb"<(/?)([^\s/>]*)")
_ROW_TAGS = frozenset(
    {b"row", b"c", b"v", b"f", b"is", b"t", b"r", b"rPr", b"rPh", b"phoneticPr"}
    | {b"b", b"i", b"u", b"strike", b"sz", b"color", b"rFont", b"family", b"charset"}
    | {b"scheme", b"vertAlign", b"outline", b"shadow", b"condense", b"extend"}
)
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"/>')
_MAX_CHANGED_ROWS = 2000  # more, and the file is read whole (the check is a pattern of them)
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Window:
    """Where two versions of a sheet differ: `old[old_start:old_end]` was replaced by
    `new[start:new_end]`; `rows` (0-based, as the reader counts) holds every row either
    window addresses, and no other part of either sheet addresses a row in it.
    `same_rows`: both windows hold rows of the same numbers, in the same order."""

    start: int
    old_start: int
    old_end: int
    new_end: int
    rows: range
    same_rows: bool


def changed_rows(old: Xml, new: Xml) -> Window | None:
    """The window of changed rows, or None where reading only it would not be exact.
    What lies outside the windows is the same bytes in both sheets (but for the view's
    settings, `<sheetViews>`: where the cursor was): checked in `new`."""
    opened = new.find(b"<sheetData>") + len(b"<sheetData>")
    old_opened = old.find(b"<sheetData>") + len(b"<sheetData>")
    if opened < len(b"<sheetData>") or old_opened < len(b"<sheetData>"):
        return None
    if old[:old_opened] != new[:opened] and not _alike(old[:old_opened], new[:opened]):
        return None
    shift = old_opened - opened  # old's offset of a byte of new's, before the window
    same_start = _common_start(old, new, old_opened, opened)
    same_end = _common_end(
        old, new, limit=min(len(old) - old_opened, len(new) - opened) - same_start
    )
    start = new.rfind(_ROW_END, opened, opened + same_start)
    start = opened if start < 0 else start + len(_ROW_END)
    # The rows' end: in the common end (the window holds rows only, checked below) or,
    # when the common start took all (the same rows), anywhere after the window's start.
    closing = new.find(b"</sheetData>", max(start, len(new) - same_end - len(b"</sheetData>")))
    if closing < 0:
        closing = new.find(b"</sheetData>", start)
    if closing < 0:
        return None
    found = new.find(_ROW_END, max(len(new) - same_end, start), closing)
    new_end = closing if found < 0 else found + len(_ROW_END)
    old_end = new_end + len(old) - len(new)
    if old_end < start + shift or not old.endswith(memoryview(new)[new_end:]):
        return None
    if max(old.count(b"<row", start + shift, old_end), new.count(b"<row", start, new_end)) > (
        _MAX_CHANGED_ROWS
    ):
        return None  # told before the window's tags are looked at one by one
    # Once in new (old's rows and end are new's, or its window's, which holds rows only):
    if new.count(b"<sheetData") != 1 or _markup(new):
        return None
    old_rows = _window_rows(old[start + shift : old_end])
    new_rows = _window_rows(new[start:new_end])
    if old_rows is None or new_rows is None:
        return None
    numbers = old_rows[0] + old_rows[1] + new_rows[0] + new_rows[1]
    if len(numbers) > _MAX_CHANGED_ROWS:
        return None
    same_rows = old_rows[0] == new_rows[0]
    if not numbers:
        return Window(start, start + shift, old_end, new_end, range(0), same_rows)
    rows = range(min(numbers), max(numbers) + 1)
    if len(rows) > _MAX_CHANGED_ROWS:
        return None  # rows far apart (a cell addressed to row 1,048,576): all between count
    views = _VIEWS.search(new, 0, opened)
    if views is not None and not _only_views(views.group(0)):
        return None
    elsewhere = (views.span() if views else (0, 0), (start, new_end))
    if not _alone(new, elsewhere, closing, rows, same_rows):
        return None
    return Window(
        start, start + shift, old_end, new_end, range(rows.start - 1, rows.stop - 1), same_rows
    )


_VIEWS = re.compile(rb"<sheetViews>.*?</sheetViews>|<sheetViews/>", re.DOTALL)


def _alike(old: Xml, new: Xml) -> bool:
    """Whether two sheets' XML before their rows differ only in the view's settings, and
    those hold nothing else (the cursor's cells there are not read as cells)."""
    if _views_apart(old) != _views_apart(new):
        return False
    return all(
        views is None or _only_views(views.group(0)) for views in map(_VIEWS.search, (old, new))
    )


def _views_apart(head: Xml) -> Xml:
    """A sheet's XML before its rows, without its view's settings (the selected cell,
    the scroll position: Excel writes where the cursor was, which reads as nothing)."""
    return _VIEWS.sub(b"", head, count=1)


_VIEW_TAGS = frozenset({b"sheetViews", b"sheetView", b"selection", b"pane", b"pivotSelection"})


def _only_views(views: bytes) -> bool:
    """Whether the view's settings hold only the elements they are made of (the cursor's
    cells there are not read as cells: anything else, and the file is read whole)."""
    return all(tag in _VIEW_TAGS for _, tag in _WINDOW_TAG.findall(views))


def _markup(xml: Xml) -> bool:
    """A comment, CDATA, DOCTYPE or processing instruction past the declaration. (A
    search for `!` and `?` alone, which a sheet seldom holds, then a look before each.)"""
    after = xml.find(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    for mark, begin in ((b"!", 1), (b"?", max(after, 1))):
        at = xml.find(mark, begin)
        while at >= 0:
            if xml[at - 1] == 60:  # `<`
                return True
            at = xml.find(mark, at + 1)
    return False


def _common_start(a: Xml, b: Xml, at_a: int, at_b: int) -> int:
    """How many bytes `a` from `at_a` and `b` from `at_b` have in common (compared in
    place: `startswith` over a view copies nothing)."""
    view = memoryview(b)
    n = min(len(a) - at_a, len(b) - at_b)
    same, step = 0, _BLOCK
    while step:
        while same + step <= n and a.startswith(
            view[at_b + same : at_b + same + step], at_a + same
        ):
            same += step
        step //= 2
    return same


def _common_end(a: Xml, b: Xml, limit: int) -> int:
    """How many bytes `a` and `b` have in common at their ends, at most `limit`."""
    view = memoryview(b)
    same, step = 0, _BLOCK
    while step:
        while same + step <= limit and a.endswith(
            view[len(b) - same - step : len(b) - same], 0, len(a) - same
        ):
            same += step
        step //= 2
    return same


def _window_rows(window: Xml) -> tuple[list[int], list[int]] | None:
    """The 1-based row numbers a window's rows and cells address, or None if it holds
    anything but numbered rows of plain cells."""
    if any(tag not in _ROW_TAGS for _, tag in _WINDOW_TAG.findall(window)):
        return None
    rows = [int(n) for n in _ROW_NUMBER.findall(window)]
    if window.count(b"<row") != len(rows):
        return None
    cells = [int(n) for n in re.findall(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"', window)]
    if window.count(b"<c ") + window.count(b"<c>") != len(cells):
        return None
    return rows, cells


_LITERAL_ROWS = 4  # rows searched for one by one; more, and by one pattern
_LITERAL_DIGITS = 4  # a shorter row number is found too often to be searched for alone


def _alone(
    sheet: Xml,
    skipped: tuple[tuple[int, int], tuple[int, int]],
    closing: int,
    rows: range,
    same_rows: bool,
) -> bool:
    """No row or cell outside the view's settings and the window (`skipped`: the two
    spans, in order) addressed to a row in `rows` (1-based;
    any attribute whose value reads as such a row or cell, however quoted or spaced), no
    row after the window numbered by its place unless both windows hold the same rows
    (its number is then the same in both), and no merged area over those rows."""
    (views_start, views_end), (start, end) = skipped
    spans = ((0, views_start), (views_end, start), (end, len(sheet)))
    if _addressed(sheet, spans, rows):
        return False
    if not same_rows and sheet.count(b"<row", end, closing) != sheet.count(
        b'<row r="', end, closing
    ):
        return False  # numbered by its place: a window of another length would move it
    merges = list(_MERGE.finditer(sheet, closing))
    wrapped = sheet.count(b"<mergeCells", closing) + sheet.count(b"</mergeCells>", closing)
    if len(merges) + wrapped != sheet.count(b"mergeCell"):
        return False  # a merged area written another way or elsewhere: not read here
    for found in merges:
        top, bottom = int(found.group(2)), int(found.group(4) or found.group(2))
        if top <= rows.stop and bottom >= rows.start - 1:
            return False
    return True


def _addressed(sheet: Xml, spans: tuple[tuple[int, int], ...], rows: range) -> bool:
    """Whether an attribute in these spans of `sheet` reads as a row in `rows`. A few
    long row numbers are searched for as digits (a plain search, 15 times faster than
    the pattern's), and the pattern tried only where they occur, from the `=` before."""
    wanted = b"|".join(_number_range(rows.start, rows.stop - 1))
    addressed = re.compile(rb"""=\s*["']\s*\$?[A-Za-z]{0,3}\$?0*(?:%s)\s*["']""" % wanted)
    if len(rows) > _LITERAL_ROWS or rows.start < 10 ** (_LITERAL_DIGITS - 1):
        return any(addressed.search(sheet, lo, hi) for lo, hi in spans)
    for number in rows:
        digits = str(number).encode()
        for lo, hi in spans:
            at = sheet.find(digits, lo, hi)
            while at >= 0:
                equals = sheet.rfind(b"=", lo, at)
                if equals >= 0 and addressed.match(sheet, equals, hi):
                    return True
                at = sheet.find(digits, at + 1, hi)
    return False


def _number_range(low: int, high: int) -> list[bytes]:
    """Patterns that together match the numbers low..high (no leading zero), a few per
    digit: one alternative per number made a pattern too slow to search 60 MB with."""
    found: list[bytes] = []
    while low <= high:
        top = min(high, 10 ** len(str(low)) - 1)
        found += _same_width(str(low).encode(), str(top).encode())
        low = top + 1
    return found


def _same_width(low: bytes, high: bytes) -> list[bytes]:
    """Patterns for the numbers low..high, both written with as many digits."""
    if low == high:
        return [low]
    if len(low) == 1:
        return [b"[%c-%c]" % (low[0], high[0])]
    if low[0] == high[0]:
        return [low[:1] + rest for rest in _same_width(low[1:], high[1:])]
    tail = len(low) - 1
    found = [low[:1] + rest for rest in _same_width(low[1:], b"9" * tail)]
    if high[0] - low[0] > 1:
        found.append(b"[%c-%c]" % (low[0] + 1, high[0] - 1) + b"[0-9]" * tail)
    return found + [high[:1] + rest for rest in _same_width(b"0" * tail, high[1:])]
