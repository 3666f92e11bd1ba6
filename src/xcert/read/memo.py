"""A corrected copy of a workbook read without parsing again what did not change.

A clerk sends a roster back with one phone corrected: the file is new, yet its sheet's
XML is the very XML of the file imported before up to that row, and again from the
row after it. So each whole read of an xlsx workbook leaves a reading for the imports
after it (`Pending.blob`): per worksheet, digests of its XML (`_Digests`: blocks from
the start and from the end), the rows the reader made, and the merged areas. A later
file whose every other part is byte for byte the same (workbook, relationships,
styles, shared strings: its `key`, with the reader's version) is read from it: the
rows between the last row whose XML is the same from the start and the first that is
the same to the end go to the reader as the slice reader reads rows (read/slices.py:
exactly as in the whole file); the others are the rows kept.

Whatever this cannot vouch for is read whole, as before (`replay` gives None): more
than a quarter of a sheet between its same ends; a change in the sheet's first row
(and its settings) or its last (and what follows the rows: merged areas…); rows out
of order or without their number around a change; a changed row wider than the sheet;
a sheet no row reaches the right edge of any more; any surprise of the slice reader.
Changes at both ends of a sheet read it whole too (one window between the same ends).

The XML is inflated and digested in a thread while the reader parses (it lets go of
the interpreter meanwhile); the rows are packed in another while the import goes on:
the first import pays little for what the second saves. A reading is kept as two
values: the digests, and the rows, compressed (read while the thread digests)."""

from __future__ import annotations

import hashlib
import itertools
import operator
import os
import re
import threading
import zipfile
import zlib
from array import array
from collections.abc import Callable
from pathlib import Path

from xcert import __version__
from xcert.read import slices
from xcert.read.memo_pack import (
    FORMAT,
    Digests,
    KeptSheet,
    Splice,
    changes_packed,
    digests_packed,
    digests_unpacked,
    fill_merged,
    rows_packed,
    unfilled,
    unpacked,
)

__all__ = ["KeptSheet", "Lookup", "Pending", "fill_merged"]

BLOCK = 64 * 2**10  # bytes of XML a digest stands for
CHANGED_SHARE = 4  # more than a quarter of a sheet's XML between its same ends: read whole
SEARCH = 2**20  # how far from a change a row's end is looked for
# A reading whose changes since hold more than one row in this many is packed whole.
CHANGES_SHARE = 8
_END = b"</row>"
_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\sr="([0-9]{1,7})"')

# A reading as kept: its digests, its rows, the changes since (read/memo_pack.py).
Reading = tuple[bytes, bytes, bytes | None]
# A key -> the reading kept under it, if any: its digests, and a call for the rest.
Lookup = Callable[[str], tuple[bytes, Callable[[], tuple[bytes, bytes | None]]] | None]


class _NotSame(Exception):
    """What a replay cannot vouch for: read the sheet whole."""


class Pending:
    """One xlsx file's reading: its key at once, its sheets' digests from a thread, its
    rows once read (`remember`), packed in another thread for `blob`."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, lookup: Lookup) -> None:
        self.parts = slices.worksheet_parts(archive)
        self.key = _key(archive, {sheet.part for sheet in self.parts})
        found = lookup(self.key)
        before = digests_unpacked(found[0], self.key) if found is not None else None
        self._scans: dict[str, _Scan] | None = None
        self._blob: Reading | None = None
        self._packer: threading.Thread | None = None
        self._sheets: list[KeptSheet] | None = None
        members = [archive.getinfo(sheet.part) for sheet in self.parts]
        self._ready = threading.Event()  # the digests a replay needs are there
        self._digester = threading.Thread(
            target=self._digest, args=(data, members, before or {}), daemon=True
        )
        self._digester.start()
        self._data = data
        self.replayed = False  # whether this file was read from an earlier reading
        self._earlier: list[tuple[Digests, KeptSheet]] | None = None
        self._base: bytes | None = None  # the kept reading's rows, and its changes since
        self._splices: list[Splice] = []
        if found is not None and before is not None:  # meanwhile, the rows kept
            self._unpack(found[1](), before)

    def _unpack(self, kept: tuple[bytes, bytes | None], before: dict[str, Digests]) -> None:
        parts = [p.part for p in self.parts]
        found = unpacked(*kept, self.key, len(parts))
        if found is None or list(before) != parts:
            return
        self._earlier = list(zip(before.values(), found[0], strict=True))
        self._base, self._splices = kept[0], found[1]

    def _digest(
        self, data: bytes, members: list[zipfile.ZipInfo], before: dict[str, Digests]
    ) -> None:
        """Each sheet as far as a replay needs it, then (the replay under way) the rest."""
        try:
            self._scans = {m.filename: _Scan(data, m, before.get(m.filename)) for m in members}
        except Exception:  # a damaged or odd part: the whole reader says what is wrong
            self._scans = None
        finally:
            self._ready.set()
        for scan in (self._scans or {}).values():
            scan.complete()

    def replay(self) -> list[KeptSheet] | None:
        """The sheets read from the kept reading and the changed rows, or None."""
        earlier, self._earlier = self._earlier, None
        if earlier is None:
            return None
        self._ready.wait()
        scans = self._scans
        if scans is None:
            return None
        book: list[slices.SlicedBook] = []  # made when a row has changed
        try:
            sheets = []
            for at, ((digests, sheet), part) in enumerate(zip(earlier, self.parts, strict=True)):
                scan = scans[part.part]
                splice = _replayed(digests, sheet, scan, lambda: _book(book, self._data))
                if splice is not None:
                    self._splices.append((at, *splice))
                sheets.append(sheet)
            self.replayed = True
            return sheets
        except (_NotSame, slices.Surprise):
            return None
        finally:
            for scan in scans.values():
                scan.xml = b""

    def remember(self, sheets: list[KeptSheet]) -> None:
        """The sheets as read, to pack for the next import (`pack`)."""
        self._sheets = sheets

    def pack(self) -> None:
        """Pack the sheets remembered, in a thread: best begun when the import is about
        to let go of the interpreter a while (SQLite sorting an index, a commit)."""
        if self._packer is None and self._sheets is not None:
            self._packer = threading.Thread(target=self._pack, args=(self._sheets,), daemon=True)
            self._packer.start()

    def _pack(self, sheets: list[KeptSheet]) -> None:
        self._digester.join()
        scans = self._scans
        if scans is None or [s.name for s in sheets] != [p.name for p in self.parts]:
            return
        digests = digests_packed(self.key, [(p.part, scans[p.part].complete()) for p in self.parts])
        changed = sum(len(splice[3]) for splice in self._splices)
        few = changed * CHANGES_SHARE <= sum(len(sheet.rows) for sheet in sheets)
        if self.replayed and self._base is not None and few:
            self._blob = (digests, self._base, changes_packed(self.key, self._splices))
            return
        try:
            self._blob = (digests, rows_packed(self.key, sheets), None)
        except ValueError:  # a value of a type no reading keeps: the next import reads whole
            return

    def blob(self) -> Reading | None:
        """The reading to keep for the next import (None: none)."""
        self.pack()
        if self._packer is None:
            return None
        self._packer.join()
        return self._blob


def _book(made: list[slices.SlicedBook], data: bytes) -> slices.SlicedBook:
    if not made:
        made.append(slices.SlicedBook(data))
    return made[0]


def _key(archive: zipfile.ZipFile, worksheets: set[str]) -> str:
    """What a reading holds for: the reader's version and every part of the file but the
    worksheets' (and docProps, which no reader looks at), byte for byte."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(f"{FORMAT}/{__version__}/{_reader_version()}".encode())
    for member in sorted(archive.infolist(), key=operator.attrgetter("filename")):
        name = member.filename
        digest.update(b"\0" + name.encode() + b"\0")
        if name not in worksheets and not name.startswith("docProps/"):
            digest.update(archive.read(member))
    return digest.hexdigest()


def _reader_version() -> str:
    """The reader's build: its compiled module's name, size and time (a new version of
    python-calamine is another file; reading its metadata costs 30 ms)."""
    from python_calamine import _python_calamine

    built = os.stat(_python_calamine.__file__)
    return f"{Path(_python_calamine.__file__).name}/{built.st_size}/{built.st_mtime_ns}"


class _Scan:
    """A worksheet's XML, inflated in one call (the interpreter let go for all of it),
    never past its declared size; and its digests. Against a reading kept (`before`),
    at first only as far as a replay needs them: how many blocks agree from the start
    (`heads_agreeing`) and from the end (`tails_agreeing`); the rest by `complete`,
    while the import goes on. (The member's CRC is not checked: nor does the whole
    reader, and a replay reads what it would.)"""

    def __init__(self, data: bytes, member: zipfile.ZipInfo, before: Digests | None) -> None:
        raw = slices.stored_bytes(data, member)
        if member.compress_type == zipfile.ZIP_STORED:
            xml = bytes(raw)
        else:
            xml = zlib.decompressobj(-15).decompress(raw, member.file_size + 1)
        if len(xml) != member.file_size:
            raise slices.Surprise("a member other than it declares")
        self.xml = xml if before is not None else b""  # while a replay may need it
        self.length = length = len(xml)
        self._view = memoryview(xml)
        self._heads: list[tuple[int, int]] = []  # of the XML up to each block's end
        self._head_starts = range(0, length, BLOCK)
        self._tails: list[tuple[int, int]] = []  # of each block, from the end
        self._tail_starts = range(length % BLOCK - BLOCK if length % BLOCK else 0, length, BLOCK)
        self.digests: Digests | None = None
        self.heads_agreeing = self.tails_agreeing = 0
        if before is None:
            self.complete()
            return
        old = _pairs(before.heads)
        while len(self._heads) < len(old) and self._more_heads():
            if self._heads[-1] != old[len(self._heads) - 1]:
                break
            self.heads_agreeing += 1
        old = _pairs(before.tails)[::-1]
        while len(self._tails) < len(old) and self._more_tails():
            if self._tails[-1] != old[len(self._tails) - 1]:
                break
            self.tails_agreeing += 1

    def _more_heads(self) -> bool:
        """One more block's digests from the start, if there is one."""
        k = len(self._heads)
        if k == len(self._head_starts):
            return False
        block = self._view[k * BLOCK : (k + 1) * BLOCK]
        crc, adler = self._heads[-1] if k else (0, 1)
        self._heads.append((zlib.crc32(block, crc), zlib.adler32(block, adler)))
        return True

    def _more_tails(self) -> bool:
        """One more block's digests from the end, if there is one."""
        k = len(self._tails)
        if k == len(self._tail_starts):
            return False
        at = self._tail_starts[-1 - k]
        block = self._view[max(at, 0) : at + BLOCK]
        self._tails.append((zlib.crc32(block), zlib.adler32(block)))
        return True

    def complete(self) -> Digests:
        """All the digests: what a replay did not need, computed now; the XML let go."""
        if self.digests is None:
            while self._more_heads():
                pass
            while self._more_tails():
                pass
            heads = array("I", itertools.chain.from_iterable(self._heads))
            tails = array("I", itertools.chain.from_iterable(reversed(self._tails)))
            self.digests = Digests(self.length, heads, tails)
            self._view.release()
        return self.digests


def _replayed(
    old: Digests, kept: KeptSheet, scan: _Scan, book: Callable[[], slices.SlicedBook]
) -> tuple[int, int, list[list[object]]] | None:
    """One sheet, in place: the kept rows, those between the same start and the same end
    read again. Returns what was read again (rows `low` + 1 to `high` - 1), if anything."""
    length = scan.length
    head = min(scan.heads_agreeing * BLOCK, length, old.length)
    if head == length == old.length:
        return None  # the same XML
    tail = min(scan.tails_agreeing * BLOCK, length, old.length)
    end = length - tail  # the file's bytes from `end` on are the last of the kept file's
    if head > end or head > old.length - tail or (end - head) * CHANGED_SHARE > length:
        raise _NotSame  # where the change is, the two ends do not say; or too much changed
    xml = scan.xml
    cut = xml.rfind(_END, max(0, head - SEARCH), head)
    stop = xml.find(_END, end, end + SEARCH)
    if cut < 0 or stop < 0:
        raise _NotSame  # the sheet's first row (and what precedes) or its end
    low = _row_number(xml, xml.rfind(b"<row", 0, cut))
    high = _row_number(xml, xml.find(b"<row", stop))
    fresh = _fresh(kept.rows, low, high, xml[cut + len(_END) : stop + len(_END)], book)
    rows = unfilled(kept)
    rows[low + 1 : high] = [list(row) for row in fresh]  # `fresh` stays as read: kept so
    if rows and rows[0] and not any(row[-1] != "" for row in rows):
        raise _NotSame  # the right edge may have moved
    kept.patches = fill_merged(rows, kept.merged)
    return low, high, fresh


def _fresh(
    rows: list[list[object]], low: int, high: int, xml: bytes, book: Callable[[], slices.SlicedBook]
) -> list[list[object]]:
    """The rows between `low` and `high` (rows of the same bytes in both files), read
    again from `xml`, whole rows of the new file."""
    if not low < high < len(rows):
        raise _NotSame  # rows out of order, or the sheet's last rows
    if len(_ROW_NUMBER.findall(xml)) != xml.count(b"<row"):
        raise _NotSame  # a row without its number: where it goes, only the whole file says
    found = book().read_rows(xml)
    if found.rows and (found.first <= low or found.first + len(found.rows) > high):
        raise _NotSame
    width = len(rows[0])
    fresh: list[list[object]] = [[""] * width for _ in range(high - low - 1)]
    for k, row in enumerate(found.rows, start=found.first - low - 1):
        if len(row) > width:
            raise _NotSame  # wider than the sheet: every row would be
        fresh[k] = row + [""] * (width - len(row))
    return fresh


def _pairs(digests: array[int]) -> list[tuple[int, int]]:
    return list(zip(digests[::2], digests[1::2], strict=True))


def _row_number(xml: bytes, at: int) -> int:
    """The 0-based index of the row whose element begins at `at`."""
    found = _ROW_NUMBER.match(xml, at) if at >= 0 else None
    if found is None:
        raise _NotSame
    return int(found.group(1)) - 1
