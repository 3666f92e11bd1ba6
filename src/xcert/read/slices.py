"""Read a large xlsx workbook a slice of rows at a time, so that memory grows with the
slice, not the file: a 1,000,000-row roster read whole holds about 900 MB in the reader
alone (python-calamine lays out the whole sheet before it hands over a row).

Each slice is a few megabytes of the sheet's XML, cut at a row's end, given to the same
reader (calamine) as a small workbook of its own with the file's styles (dates) and
date system, so a cell reads exactly as it would in the whole file. The shared strings
are read once here; a slice's shared-string cells are rewritten to carry their index
(`t="str"`, a private-use mark before the number) and looked up after the reader.

Anything this module does not read exactly as calamine would (rich shared strings with
spacing, `_xHHHH_` escapes, a namespace prefix, single-quoted attributes…) is a
`Surprise`: the caller then reads the file whole, as before. The surprise is found
before a row is handed over, except in a slice's own cells (`SliceSurprise`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import cast
from xml.etree import ElementTree

from xcert.read.ahead import made_ahead
from xcert.read.guard import quiet_panics, reader_failed
from xcert.read.shared_strings import Surprise, shared_strings

# A workbook whose worksheets inflate to more than this is read in slices: memory then
# grows with the slice, and the next slice is parsed while the import works on this
# one. Below it the two ways take the same time (20,000 and 50,000 rows, December
# 2026); at 100,000 rows (60 MB) the slices take a tenth less time and 40 % less memory.
SLICED_BYTES = 32 * 2**20
SLICE_BYTES = 4 * 2**20  # XML per slice (about 7,000 rows of a roster)
_BLOCK = 1 * 2**20  # inflated bytes read at a time
_INPUT = 64 * 2**10  # compressed bytes inflated at a time (`_inflated`)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MARK = "\ue000"  # a private-use character: a rewritten shared-string cell's value starts with it
_MARK_BYTES = MARK.encode()
_SHARED_MARKED = b' t="str"><v>' + _MARK_BYTES
_SHARED_CELL = re.compile(rb' t="s"([^>]*)><v>')
_SHARED_ANY_ORDER = rb' t="str"\1><v>' + _MARK_BYTES
_MARK_REFERENCE = re.compile(rb"&#(?:[xX]0*[eE]000|0*57344);")
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)"')


class SliceSurprise(Surprise):
    """A surprise inside a slice, found after earlier slices were handed over."""


@dataclass
class SlicedSheet:
    """One worksheet of a sliced workbook: its name, whether hidden, its part."""

    name: str
    hidden: bool
    part: str


@dataclass
class Slice:
    first: int  # 0-based row index of rows[0]
    rows: list[list[object]]
    share: float = 1.0  # how much of the sheet has been read with this slice (for progress)


def _rels(rels: bytes | None) -> tuple[dict[str, str], str | None]:
    """The worksheets' parts by relationship id, and the styles' part."""
    if rels is None:
        raise Surprise("no workbook relationships")
    found, styles = {}, None
    for rel in ElementTree.fromstring(rels).iter(f"{{{_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        target = target[1:] if target.startswith("/") else f"xl/{target}"
        kind = rel.get("Type", "")
        if kind.endswith("/worksheet"):
            found[rel.get("Id", "")] = target
        elif kind.endswith("/styles"):
            styles = target
    return found, styles


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's part, by the sheet's name, as the slices read the workbook."""
    worksheets, _ = _rels(archive.read("xl/_rels/workbook.xml.rels"))
    return {
        sheet.name: sheet.part for sheet in _sheets(archive.read("xl/workbook.xml"), worksheets)
    }


def worth_slicing(archive: zipfile.ZipFile) -> bool:
    """Whether the worksheets are large enough for the slices to pay."""
    sheets = [m for m in archive.infolist() if m.filename.startswith("xl/worksheets/")]
    return sum(m.file_size for m in sheets) > SLICED_BYTES


class SlicedBook:
    """An xlsx workbook read sheet by sheet, slice by slice (see the module's note)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.archive = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.archive.namelist())
        workbook = self.archive.read("xl/workbook.xml")
        worksheets, styles = self._rels()
        self.sheets = _sheets(workbook, worksheets)
        self.workbook_pr = _workbook_pr(workbook)
        self.styles = None if styles is None else self._part(styles)
        if styles is not None and self.styles is None:
            raise Surprise("the styles part is missing")
        self.strings = shared_strings(self.archive) if "xl/sharedStrings.xml" in self.names else []

    def _part(self, name: str) -> bytes | None:
        return self.archive.read(name) if name in self.names else None

    def _rels(self) -> tuple[dict[str, str], str | None]:
        return _rels(self._part("xl/_rels/workbook.xml.rels"))

    def slices(self, sheet: SlicedSheet) -> Iterator[Slice]:
        """The sheet's rows, a slice at a time, the next one read meanwhile (read/ahead.py).
        Any error on the way is a surprise: the file is then read whole, and the whole
        reader names what is wrong with it."""
        try:
            yield from self._slices(sheet)
        except Surprise:
            raise
        except BaseException as exc:  # the reader's and zipfile's errors, its panics
            if not reader_failed(exc):
                raise
            raise SliceSurprise(str(exc)) from None

    def _slices(self, sheet: SlicedSheet) -> Iterator[Slice]:
        merges = self._merges(sheet.part)
        carried: dict[tuple[int, int], object] = {}  # a merged area's value, by its corner
        size = max(self.archive.getinfo(sheet.part).file_size, 1)

        def read(cut: tuple[bytes, int]) -> Slice:
            return self.read_slice(cut[0], min(cut[1] / size, 1.0))

        for piece in made_ahead(self._slice_xml(sheet.part), read):
            yield _filled(piece, merges, carried)

    def _merges(self, part: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        """The sheet's merged areas (written after its rows: one pass to find them)."""
        merges = []
        tail = b""
        for block in _inflated(self.data, self.archive.getinfo(part), check=True):
            text = tail + block
            cut = text.rfind(b"<")
            cut = len(text) if cut < 0 else cut
            if b"<mergeCell " in text:  # a plain search first: the pattern's is slower
                merges += [_area(m) for m in _MERGE.finditer(text, 0, cut)]
            tail = text[cut:]
        merges += [_area(m) for m in _MERGE.finditer(tail)]
        return merges

    def _slice_xml(self, part: str) -> Iterator[tuple[bytes, int]]:
        """The sheet's XML from <sheetData> on, cut after a row's end about every
        SLICE_BYTES; with each, how many bytes of the part have been read."""
        stream = _inflated(self.data, self.archive.getinfo(part))  # checked by `_merges`
        head = _at_least(stream, _BLOCK)
        read = len(head)
        start = re.search(rb"<sheetData>|<sheetData/>", head)
        if start is None or not head.lstrip().startswith((b"<?xml", b"<worksheet")):
            raise Surprise("sheetData not found at the start")
        if start.group(0) == b"<sheetData/>":
            return
        pending = head[start.end() :]
        while True:
            end = pending.find(b"</sheetData>")
            if end >= 0:
                if pending[:end].strip():
                    yield pending[:end], read
                return
            cut = pending.rfind(b"</row>") + len(b"</row>")
            if cut >= len(b"</row>"):
                yield pending[:cut], read
                pending = pending[cut:]
            more = _at_least(stream, SLICE_BYTES, pending)
            if len(more) == len(pending):
                raise SliceSurprise("the sheet ends without </sheetData>")
            read += len(more) - len(pending)
            pending = more

    def read_slice(self, xml: bytes, share: float) -> Slice:
        import python_calamine

        shared = bool(self.strings)  # else no cell can refer to a shared string
        if shared:
            xml, shared = _marked(xml)
        with quiet_panics():
            book = python_calamine.CalamineWorkbook.from_filelike(self._mini(xml))
            with book:
                found = book.get_sheet_by_index(0)
                start = found.start
                rows = cast("list[list[object]]", found.to_python(skip_empty_area=True))
        if start is None or not rows:
            return Slice(0, [], share)
        first, left = start
        if shared:
            try:
                rows = _looked_up(rows, self.strings)
            except (IndexError, ValueError):
                raise SliceSurprise("a shared-string index out of range") from None
        if left:
            pad: list[object] = [""] * left
            rows = [pad + row for row in rows]
        return Slice(first, rows, share)

    def _mini(self, rows_xml: bytes) -> io.BytesIO:
        """A one-sheet workbook holding these rows, the file's styles and date system."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as mini:
            mini.writestr("[Content_Types].xml", _TYPES)
            mini.writestr("_rels/.rels", _ROOT_RELS)
            mini.writestr(
                "xl/workbook.xml",
                _WORKBOOK.replace(b"<sheets>", self.workbook_pr + b"<sheets>"),
            )
            rels = _BOOK_RELS if self.styles is None else _BOOK_RELS_STYLES
            mini.writestr("xl/_rels/workbook.xml.rels", rels)
            if self.styles is not None:
                mini.writestr("xl/styles.xml", self.styles)
            with mini.open("xl/worksheets/sheet1.xml", "w") as sheet:  # the rows not copied
                sheet.write(_SHEET_START)
                sheet.write(rows_xml)
                sheet.write(b"</sheetData></worksheet>")
        out.seek(0)
        return out


def _inflated(data: bytes, member: zipfile.ZipInfo, *, check: bool = False) -> Iterator[bytes]:
    """A member's bytes, a block at a time, inflated straight from the archive's bytes,
    never past its declared size; `check`: its size and CRC checked at the end, as
    zipfile does. (zipfile copies its compressed input again for each block it hands
    over: a third of the time of a pass over a large sheet.)"""
    crc = member.CRC if check else None
    yield from inflated_blocks(
        raw_stream(data, member), member.compress_type, member.file_size, crc
    )


def raw_stream(data: bytes, member: zipfile.ZipInfo) -> memoryview:
    """A member's bytes as the archive holds them (deflated, or stored)."""
    start = member.header_offset
    header = data[start : start + 30]
    if (
        header[:4] != b"PK\x03\x04"
        or member.flag_bits & 1
        or member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
    ):
        raise Surprise("an archive member stored another way")
    start += 30 + int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little")
    return memoryview(data)[start : start + member.compress_size]


def inflated_blocks(
    raw: bytes | memoryview, method: int, size: int, crc: int | None
) -> Iterator[bytes]:
    """A member's bytes from its stream (`raw_stream`), a block at a time, never past its
    declared `size`; with its `crc`, size and CRC checked at the end (a `Surprise`)."""
    inflater = zlib.decompressobj(-15) if method == zipfile.ZIP_DEFLATED else None
    left, found = size, 0
    for at in range(0, len(raw), _INPUT):
        chunk: bytes | memoryview = raw[at : at + _INPUT]
        while chunk:
            if inflater is None:
                piece, chunk = bytes(chunk), b""
            else:
                piece = inflater.decompress(chunk, _BLOCK)
                chunk = inflater.unconsumed_tail
            left -= len(piece)
            if left < 0:
                raise Surprise("a member larger than it declares")
            if crc is not None:
                found = zlib.crc32(piece, found)
            yield piece
    if crc is not None and (left or found != crc or (inflater is not None and not inflater.eof)):
        raise Surprise("a damaged member")


def inflated_whole(raw: bytes | memoryview, method: int, size: int, crc: int) -> bytearray:
    """A member's bytes in one buffer of its declared size, never past it, its size and
    CRC checked (a `Surprise` if not): no second copy of a large sheet at any time."""
    whole, at = bytearray(size), 0
    for piece in inflated_blocks(raw, method, size, crc):
        whole[at : at + len(piece)] = piece
        at += len(piece)
    return whole


def _at_least(blocks: Iterator[bytes], size: int, before: bytes = b"") -> bytes:
    """`before` and the next blocks, joined (one copy), until `size` bytes more or no more."""
    parts, have = [before], 0
    for block in blocks:
        parts.append(block)
        have += len(block)
        if have >= size:
            break
    return b"".join(parts)


def _marked(xml: bytes) -> tuple[bytes, bool]:
    """A slice's shared-string cells rewritten as text cells carrying their index after
    MARK, and whether there were any. The mark must not come from the file: written out
    or by a character reference, it is a surprise; so is a shared-string cell written in
    a way not rewritten here (spacing, quotes: any "s" left as an attribute value)."""
    if _has(xml, _MARK_BYTES) or (_has(xml, b"&#") and _MARK_REFERENCE.search(xml)):
        raise SliceSurprise("the private-use mark occurs in the sheet")
    if b'"s"' not in xml and not _has(xml, b"'s'"):
        return xml, False
    xml = xml.replace(b' t="s"><v>', _SHARED_MARKED)  # as Excel, WPS, LibreOffice write
    if b'"s"' in xml or _has(xml, b"'s'"):  # another attribute after t: slower, the same
        xml = _SHARED_CELL.sub(_SHARED_ANY_ORDER, xml)
        if b'"s"' in xml or _has(xml, b"'s'"):
            raise SliceSurprise("a shared-string cell written another way")
    if _has(xml, _MARK_BYTES + b"&"):  # an index written with a character reference
        raise SliceSurprise("a shared-string index written with a reference")
    return xml, True


def _has(xml: bytes, pattern: bytes) -> bool:
    """`pattern in xml`, its first byte looked for first: one byte is found many times
    faster, and the patterns here start with a byte a sheet seldom holds."""
    return pattern[:1] in xml and pattern in xml


def _looked_up(rows: list[list[object]], strings: list[str]) -> list[list[object]]:
    """The marked cells' shared strings. A column whose every cell is marked (the usual
    roster column: found in C, the column's text cut at the marks into one number per
    cell) is looked up at once; a column with blanks, numbers or other text, cell by
    cell. (The mark occurs nowhere else: `_marked`.)"""
    columns = []
    lookup = strings.__getitem__
    for column in zip(*rows, strict=True):
        try:
            numbers = "".join(column).split(MARK)  # TypeError: not all text
        except TypeError:
            numbers = []
        if len(numbers) == len(column) + 1:  # a mark per cell: each cell one marked index
            digits = "".join(numbers)
            if not (digits.isascii() and digits.isdigit()):  # as calamine reads an index
                raise ValueError("an index not written in digits 0-9")
            columns.append(list(map(lookup, map(int, islice(numbers, 1, None)))))
            continue
        columns.append(
            [
                lookup(_index(v[1:])) if type(v) is str and v[:1] == MARK else v  # noqa: E721
                for v in column
            ]
        )
    return list(map(list, zip(*columns, strict=True)))


def _index(text: str) -> int:
    """A shared-string index as calamine reads one: digits 0-9 only (`int` would also
    take a sign, spacing, `_` and other scripts' digits)."""
    if not (text.isascii() and text.isdigit()):
        raise ValueError("an index not written in digits 0-9")
    return int(text)


def _filled(
    piece: Slice,
    merges: list[tuple[tuple[int, int], tuple[int, int]]],
    carried: dict[tuple[int, int], object],
) -> Slice:
    """A merged area's value over all its cells, as `sheets._fill_merged` does for a
    whole sheet; an area begun in an earlier slice brings its value (`carried`)."""
    rows, first = piece.rows, piece.first
    last = first + len(rows) - 1
    for (r0, c0), (r1, c1) in merges:
        if r1 < first or r0 > last:
            continue
        if r0 >= first:
            top = rows[r0 - first]
            if c0 >= len(top):
                continue
            carried[(r0, c0)] = top[c0]
        elif (r0, c0) not in carried:
            continue
        value = carried[(r0, c0)]
        for r in range(max(r0, first), min(r1, last) + 1):
            row = rows[r - first]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value
    return piece


def _area(found: re.Match[bytes]) -> tuple[tuple[int, int], tuple[int, int]]:
    c0, r0, c1, r1 = (g.decode("ascii") for g in found.groups())
    return (int(r0) - 1, _column(c0)), (int(r1) - 1, _column(c1))


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number - 1


def _workbook_pr(workbook: bytes) -> bytes:
    """The workbook's properties (its date system), as a small workbook states them:
    `<workbookPr …/>`, however the file closes the element. A date system stated
    another way (a prefix, an element of its own) is a surprise: dates would shift."""
    found = re.search(rb"<workbookPr\b([^>]*?)/?>", workbook)
    pr = b"<workbookPr" + found.group(1) + b"/>" if found else b""
    if b"date1904" in workbook and b"date1904" not in pr:
        raise Surprise("the date system stated another way")
    return pr


def _sheets(workbook: bytes, targets: dict[str, str]) -> list[SlicedSheet]:
    root = ElementTree.fromstring(workbook)
    sheets = []
    for sheet in root.iter(f"{{{_MAIN}}}sheet"):
        part = targets.get(sheet.get(f"{{{_REL}}}id", ""))
        if part is None:
            continue  # a chart sheet or a dialog sheet: not a worksheet
        hidden = sheet.get("state", "visible") != "visible"
        sheets.append(SlicedSheet(sheet.get("name", ""), hidden, part))
    if not sheets:
        raise Surprise("no worksheets found")
    return sheets


_SHEET_START = b'<worksheet xmlns="' + _MAIN.encode() + b'"><sheetData>'
_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    b'ContentType="application/xml"/></Types>'
)
_ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="' + _PKG_REL.encode() + b'">'
    b'<Relationship Id="rId1" Type="' + _REL.encode() + b'/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="' + _MAIN.encode() + b'" '
    b'xmlns:r="' + _REL.encode() + b'"><sheets><sheet name="S" sheetId="1" r:id="rId1"/>'
    b"</sheets></workbook>"
)
_SHEET_REL = (
    b'<Relationship Id="rId1" Type="' + _REL.encode() + b'/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
)
_STYLES_REL = b'<Relationship Id="rId2" Type="' + _REL.encode() + b'/styles" Target="styles.xml"/>'
_BOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
    + _PKG_REL.encode()
    + b'">'
    + _SHEET_REL
    + b"</Relationships>"
)
_BOOK_RELS_STYLES = _BOOK_RELS.replace(b"</Relationships>", _STYLES_REL + b"</Relationships>")
