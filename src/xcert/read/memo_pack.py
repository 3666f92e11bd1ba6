"""A reading (read/memo.py) as the database keeps it, and back: its digests; its rows,
compressed; the rows changed since in the corrected copies read from it (`Splice`), so
that a copy read from a reading is kept without packing all its rows again.

Digests: marshal of (FORMAT, key, [(part, length, heads, tails)]). Rows: zlib of marshal
of (FORMAT, key, [(name, hidden, rows, merged, patches, dated)]), `dated` the rows
holding a date or time, kept as (kind, text): marshal keeps no dates. Changes: marshal
of (FORMAT, key, [(sheet, low, high, fresh rows, dated)]). marshal, not pickle: what a
database holds can make values, never run code."""

from __future__ import annotations

import datetime as dt
import marshal
import zlib
from array import array
from dataclasses import dataclass
from typing import cast

FORMAT = 1  # bump when what is kept, or what the reader makes of a row, changes

Area = tuple[tuple[int, int], tuple[int, int]]  # a merged area: (row, column) corners
# Rows `low` + 1 to `high` - 1 of the sheet at this index, as read again (merged areas
# not filled).
Splice = tuple[int, int, int, list[list[object]]]


@dataclass(slots=True)
class Digests:
    """A worksheet's XML in blocks (memo.BLOCK bytes): the CRC-32 and Adler-32 (64 bits;
    a CRC finds every change of up to 32 bits for certain) of the XML up to the end of
    each block (`heads`), and of each block counted from the end (`tails`, the first
    short). Two files whose heads agree up to a block have the same bytes up to there;
    whose tails agree from the end to a block, from there on."""

    length: int
    heads: array[int]  # CRC, Adler, CRC, Adler…
    tails: array[int]  # the same, in the file's order


@dataclass(slots=True)
class KeptSheet:
    """One worksheet as read: its rows (merged areas filled), the merged areas, and the
    cells the filling overwrote (row, column, value before), to be put back."""

    name: str
    hidden: bool
    rows: list[list[object]]
    merged: list[Area]
    patches: list[tuple[int, int, object]]


def fill_merged(rows: list[list[object]], merged: list[Area]) -> list[tuple[int, int, object]]:
    """A merged area shows one value over all its cells: give each cell that value, as a
    clerk reading the sheet would (a class code merged down its rows). Returns what was
    overwritten, in order, so that a replay can fill the areas again from their corners."""
    patches: list[tuple[int, int, object]] = []
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                if row[c] is not value:
                    patches.append((r, c, row[c]))
                    row[c] = value
    return patches


def unfilled(sheet: KeptSheet) -> list[list[object]]:
    """The sheet's rows as the reader gave them (merged areas not filled), in place."""
    rows = sheet.rows
    for r, c, value in reversed(sheet.patches):
        rows[r][c] = value
    sheet.patches = []
    return rows


def digests_packed(key: str, parts: list[tuple[str, Digests]]) -> bytes:
    kept = [(part, d.length, d.heads.tobytes(), d.tails.tobytes()) for part, d in parts]
    return marshal.dumps((FORMAT, key, kept))


def digests_unpacked(blob: bytes, key: str) -> dict[str, Digests] | None:
    try:
        fmt, found_key, parts = marshal.loads(blob)
        if fmt != FORMAT or found_key != key:
            return None
        return {
            part: Digests(int(length), array("I", heads), array("I", tails))
            for part, length, heads, tails in parts
        }
    except Exception:  # not a reading of this version: the file is read whole
        return None


def rows_packed(key: str, sheets: list[KeptSheet]) -> bytes:
    try:  # most sheets hold no date anywhere
        packed = marshal.dumps((FORMAT, key, [_sheet_packed(s, dated=False) for s in sheets]))
    except ValueError:
        packed = marshal.dumps((FORMAT, key, [_sheet_packed(s, dated=True) for s in sheets]))
    return zlib.compress(packed, 1)


def changes_packed(key: str, splices: list[Splice]) -> bytes:
    return marshal.dumps((FORMAT, key, [(*_s[:3], *_plain_rows(_s[3])) for _s in splices]))


def _sheet_packed(sheet: KeptSheet, *, dated: bool) -> tuple[object, ...]:
    rows, patches, at = sheet.rows, sheet.patches, list[int]()
    if dated:
        rows, at = _plain_rows(rows)
        patches = [(r, c, _plain(v)) for r, c, v in patches]
    return (sheet.name, sheet.hidden, rows, sheet.merged, patches, at)


_TIMES = (dt.datetime, dt.date, dt.time, dt.timedelta)


def _plain_rows(rows: list[list[object]]) -> tuple[list[list[object]], list[int]]:
    """The rows with each date or time as (kind, text), and which rows hold one."""
    at = [i for i, row in enumerate(rows) if any(type(v) in _TIMES for v in row)]
    if not at:
        return rows, at
    rows = list(rows)
    for i in at:
        rows[i] = [_plain(v) for v in rows[i]]
    return rows, at


def _plain(value: object) -> object:
    if type(value) is dt.datetime:
        return ("t", value.isoformat())
    if type(value) is dt.date:
        return ("d", value.isoformat())
    if type(value) is dt.time:
        return ("h", value.isoformat())
    if type(value) is dt.timedelta:
        return ("x", value.days, value.seconds, value.microseconds)
    return value


def _timed(value: object) -> object:
    if type(value) is not tuple:
        return value
    kind, *rest = value
    if kind == "t":
        return dt.datetime.fromisoformat(rest[0])
    if kind == "d":
        return dt.date.fromisoformat(rest[0])
    if kind == "h":
        return dt.time.fromisoformat(rest[0])
    return dt.timedelta(days=rest[0], seconds=rest[1], microseconds=rest[2])


def unpacked(
    rows: bytes, changes: bytes | None, key: str, count: int
) -> tuple[list[KeptSheet], list[Splice]] | None:
    """The `count` sheets kept, with the changes since applied, and those changes; None
    if this is no reading of this version for this key."""
    try:
        fmt, found_key, sheets = marshal.loads(zlib.decompress(rows))
        if fmt != FORMAT or found_key != key or len(sheets) != count:
            return None
        kept = [_sheet_unpacked(*sheet) for sheet in sheets]
        splices: list[Splice] = []
        if changes is not None:
            fmt, found_key, found = marshal.loads(changes)
            if fmt != FORMAT or found_key != key:
                return None
            splices = [_spliced(kept, *splice) for splice in found]
        return kept, splices
    except Exception:  # not a reading of this version: the file is read whole
        return None


def _spliced(
    kept: list[KeptSheet], at: int, low: int, high: int, fresh: list[list[object]], dated: list[int]
) -> Splice:
    """A change since applied to its sheet (filled again from its corners)."""
    rows = _checked_rows(fresh, dated)
    sheet = kept[at]
    whole = unfilled(sheet)
    if not 0 <= low < high <= len(whole) or len(rows) != high - low - 1:
        raise ValueError("a change out of its sheet")
    whole[low + 1 : high] = rows
    sheet.patches = fill_merged(whole, sheet.merged)
    return (at, low, high, rows)


def _checked_rows(rows: list[list[object]], dated: list[int]) -> list[list[object]]:
    if type(rows) is not list or not all(type(row) is list for row in rows):
        raise TypeError("rows")
    if len(set(map(len, rows))) > 1:
        raise TypeError("rows of several widths")
    for i in dated:
        rows[i] = [_timed(v) for v in rows[i]]
    return rows


def _sheet_unpacked(
    name: str,
    hidden: bool,
    rows: list[list[object]],
    merged: list[Area],
    patches: list[tuple[int, int, object]],
    dated: list[int],
) -> KeptSheet:
    rows = _checked_rows(rows, dated)
    if dated:
        patches = [(r, c, _timed(v)) for r, c, v in patches]
    areas = [cast("Area", tuple(map(tuple, area))) for area in merged]
    return KeptSheet(name, hidden, rows, areas, patches)
