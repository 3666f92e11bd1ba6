"""The checks a zip container passes before any reader sees it: a zip bomb, an XML
entity bomb, a sheet whose layout would not fit in memory (a far cell, shared text
copied into many cells, an ods row repeated), a damaged part. Bounded in time and
memory whatever the file declares; each refusal one line naming the file."""

from __future__ import annotations

import re
import zipfile
from array import array
from collections.abc import Iterator
from pathlib import Path

from xcert.errors import XcertError

MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # all members of one workbook, inflated
# …of an xlsx workbook read in slices (read/slices.py): its memory does not grow with its
# XML, only its time; a million-row export written with inline strings inflates to 600 MB.
MAX_SLICED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed for one member past SUSPICIOUS_BYTES
SUSPICIOUS_BYTES = 32 * 1024 * 1024
MAX_MEMBERS = 10_000
PROLOG_BYTES = 64 * 1024  # where an XML part's DTD would have to be
# The reader lays a sheet out as rows × columns of its used range, empty cells too: one
# stray cell at XFD1048576 asks for 17 billion. A roster of a million students by a
# dozen columns stays well below.
MAX_SHEET_CELLS = 20_000_000
# An .ods row that holds something, written once and marked "repeated N times", is N
# identical rows: LibreOffice writes equal neighbours so (a notes column filled down to
# row 12,000 is one row repeated 11,700 times: read in 0.2 s). A small file repeating
# one row a million times would be read as a million rows (2 GB, 20 s).
MAX_ODS_ROW_COPIES = 200_000
# Text the reader may copy out of the shared strings: each cell that points to a shared
# string gets its own copy, so 50,000 cells of one 32,000-character string make 1.6 GB.
MAX_SHARED_TEXT_BYTES = 400 * 2**20
# A shared string and a cell that points to one, however written (a prefix, spacing,
# either quotes, attributes in any order, an empty <si/>): the reader reads them all.
_SHARED_STRING = re.compile(
    rb"<(?:[\w.-]+:)?si(?:\s[^>]*)?(?:/>|>(.*?)</(?:[\w.-]+:)?si\s*>)", re.DOTALL
)
# How many shared strings the part declares: the reader reserves room for that many at
# once (4,294,967,295 asked for 100 GB and aborted the process); 20 million is 480 MB.
_UNIQUE_COUNT = re.compile(rb"""<(?:[\w.-]+:)?sst\b[^>]*?\suniqueCount\s*=\s*["']\s*([0-9]+)""")
MAX_SHARED_STRINGS = 20_000_000
_SHARED_CELL = re.compile(
    rb"""<(?:[\w.-]+:)?c\s[^>]*?(?<=\s)t\s*=\s*["']s["'][^>]*>\s*"""
    rb"""<(?:[\w.-]+:)?v(?:\s[^>]*)?>\s*([0-9]+)\s*<"""
)
# A sheet up to this size is read twice to find its far cells (a few ms); a larger one
# is judged by the range it declares (Excel, WPS, LibreOffice write it truthfully).
SCANNED_SHEET_BYTES = 8 * 2**20
# The `r` attribute of every cell and row start tag however written (first or not among
# its attributes, spaced, in either quotes, a prefix): a cell's column and row, or a row's
# number. A far cell is where its own reference says, whatever row element holds it.
# Only in those tags: a validation's message or a formula may hold "r=" too.
_REFERENCE = re.compile(
    rb"""<(?:[A-Za-z_][\w.-]*:)?(?:c|row)\s[^>]*?(?<=\s)r\s*=\s*["']\s*"""
    rb"""\$?([A-Za-z]{0,3})\$?([0-9]+)\s*["']"""
)
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]{1,3})?(\d+)?(?::([A-Z]{1,3})(\d+))?"')


# The parts besides the cells that decide what a cell reads as (the styles: which numbers
# are dates; the workbook: its date system and sheets), read to their end here, where
# zipfile checks their CRC: python-calamine checks a worksheet's, not theirs. The shared
# strings and an ods file's content are read whole by the checks below; a damaged part
# no value comes from (a drawing, a thumbnail) does not refuse the file.
_VALUE_PARTS = frozenset(
    {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
)


def check_zip(path: Path, archive: zipfile.ZipFile, limit: int) -> None:
    """Refuse bombs before the reader inflates anything, refuse any DTD, and refuse a
    damaged part (its CRC: python-calamine checks only the worksheets').

    Declared sizes bound the work: the reader (Rust's zip crate) stops with an error at
    a member's declared size, so a member that lies about it cannot inflate further.
    Real spreadsheets never carry a DOCTYPE; entity bombs always do, in the prolog, so
    the start of each XML part is enough (the reader expands no entities anyway).
    """
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise XcertError(f"{path.name}：压缩包内文件过多（{len(members)}个），拒绝读取")
    check_declared(path, members, limit)
    for member in members:
        if member.file_size > SUSPICIOUS_BYTES and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise XcertError(f"{path.name}：{member.filename} 压缩比异常，疑似压缩炸弹，拒绝读取")
        if member.filename.endswith((".xml", ".rels", ".vml")):
            sheet = member.filename.startswith("xl/worksheets/")
            scanned = sheet and member.file_size <= SCANNED_SHEET_BYTES  # read whole, once
            with archive.open(member) as stream:
                text = stream.read(SCANNED_SHEET_BYTES + 1 if scanned else PROLOG_BYTES)
                prolog = text[:PROLOG_BYTES]
                if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                    raise entity_error(path, member.filename)
                if member.filename in _VALUE_PARTS or scanned:
                    while stream.read(2**20):  # to its end, where zipfile checks its CRC
                        pass
            if sheet:
                _check_dimension(path, member.filename, prolog)
            if scanned:
                _check_cells(path, member.filename, text)


def check_declared(path: Path, members: list[zipfile.ZipInfo], limit: int) -> None:
    declared = sum(m.file_size for m in members)
    if declared > limit:
        raise XcertError(f"{path.name}：解压后将达 {declared // 2**20} MB，疑似压缩炸弹，拒绝读取")


def check_shared_strings(
    path: Path, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> None:
    """Refuse a workbook whose cells would copy more shared text than memory allows.
    Cheap for real files: a sheet can hold at most one cell per 20 bytes, so only when
    that many cells of the longest string would pass the bound are the cells counted.
    Both parts are read a block at a time: a large workbook is never held inflated."""
    if "xl/sharedStrings.xml" not in archive.namelist():
        return
    with archive.open("xl/sharedStrings.xml") as stream:
        declared = _UNIQUE_COUNT.search(stream.read(PROLOG_BYTES))
    if declared and int(declared.group(1)) > MAX_SHARED_STRINGS:
        raise XcertError(
            f"{path.name}：共享文字声明了{int(declared.group(1)):,}条，超出可读的"
            f"{MAX_SHARED_STRINGS:,}条（读取器会为它们预留内存），拒绝读取"
        )
    strings = _matches(archive, "xl/sharedStrings.xml", _SHARED_STRING)
    sizes = array("l", (len(found.group(1) or b"") for found in strings))
    if not sizes:
        return
    longest = max(sizes)
    for member in members:
        if not member.filename.startswith("xl/worksheets/"):
            continue
        if member.file_size // 20 * longest <= MAX_SHARED_TEXT_BYTES:
            continue
        cells = _matches(archive, member.filename, _SHARED_CELL, longest=2**16)
        indexes = (int(found.group(1)) for found in cells)
        total = sum(sizes[index] for index in indexes if index < len(sizes))
        if total > MAX_SHARED_TEXT_BYTES:
            raise XcertError(
                f"{path.name}：{member.filename} 的单元格引用的共享文字合计约 {total // 2**20} MB，"
                "超出可读范围；像是大量单元格指向同一段很长的文字，拒绝读取"
            )


def _matches(
    archive: zipfile.ZipFile, part: str, pattern: re.Pattern[bytes], longest: int | None = None
) -> Iterator[re.Match[bytes]]:
    """The pattern's matches in a part read a megabyte at a time: what follows a block's
    last match (an element not yet closed) is searched again with the next block, its
    last `longest` bytes only when a match is never longer (memory stays a block's)."""
    pending = b""
    with archive.open(part) as stream:
        while block := stream.read(2**20):
            pending += block
            end = 0
            for found in pattern.finditer(pending):
                yield found
                end = found.end()
            if longest is not None:
                end = max(end, len(pending) - longest)
            pending = pending[end:]


def _check_dimension(path: Path, part: str, prolog: bytes) -> None:
    """The used range a worksheet declares (Excel, WPS, LibreOffice and openpyxl all
    write it first), refused before the reader lays it out when it is absurdly large."""
    found = _DIMENSION.search(prolog)
    if not found or not found.group(3):
        return
    first_col, first_row, last_col, last_row = (
        group.decode("ascii") if group else "" for group in found.groups()
    )
    columns = column_number(last_col) - column_number(first_col or "A") + 1
    rows = int(last_row) - int(first_row or "1") + 1
    if rows * columns > MAX_SHEET_CELLS:
        raise XcertError(
            f"{path.name}：{part} 的已用范围到 {last_col}{last_row}，共{rows * columns:,}个单元格，"
            f"超出可读的{MAX_SHEET_CELLS:,}个；多半是远处误填了一个单元格，"
            "请在 Excel 里删掉多余的行和列后另存"
        )


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def check_ods_repeats(path: Path, archive: zipfile.ZipFile) -> None:
    """An .ods row or cell may say "repeat me N times"; the reader lays out every repeat
    that holds a value. LibreOffice repeats empty areas to the sheet's edge (harmless);
    a few hundred bytes repeating a value 330,000 × 300 times are refused here, and so
    is a row with content repeated more than MAX_ODS_ROW_COPIES times."""
    from xml.etree.ElementTree import iterparse

    cells = copies = 0
    with archive.open("content.xml") as stream:
        for _, row in iterparse(stream, events=("end",)):
            if row.tag != f"{_ODS_TABLE}table-row":
                continue
            filled = sum(
                int(cell.get(f"{_ODS_TABLE}number-columns-repeated", "1"))
                for cell in row
                if cell.get(f"{_ODS_OFFICE}value-type") is not None or len(cell)
            )
            repeats = int(row.get(f"{_ODS_TABLE}number-rows-repeated", "1"))
            cells += filled * repeats
            copies += (repeats - 1) if filled else 0
            row.clear()
            if cells > MAX_SHEET_CELLS:
                raise XcertError(
                    f"{path.name}：重复的行和列展开后超过{MAX_SHEET_CELLS:,}个有内容的单元格，"
                    "超出可读范围，拒绝读取"
                )
            if copies > MAX_ODS_ROW_COPIES:
                raise XcertError(
                    f"{path.name}：有内容的行被标记为重复，展开后多出{copies:,}行一模一样的行，"
                    "拒绝读取；请检查表格是否被误填充到了表尾"
                )


def _check_cells(path: Path, part: str, xml: bytes) -> None:
    """Where the cells really are, for a sheet small enough to read twice: a file may
    declare a small range and still hold one far cell, which the reader would lay out."""
    found = _REFERENCE.findall(xml)
    if not found:
        return
    columns = {letters.decode("ascii").upper() for letters, _ in found if letters} or {"A"}
    last_col = max(columns, key=lambda letters: (len(letters), letters))
    last_row = max(int(row) for _, row in found)
    cells = last_row * column_number(last_col)
    if cells > MAX_SHEET_CELLS:
        raise XcertError(
            f"{path.name}：{part} 有单元格远到{last_col}列、第{last_row}行，整张表将有"
            f"{cells:,}个单元格，超出可读的{MAX_SHEET_CELLS:,}个；"
            "多半是远处误填了一个单元格，请在 Excel 里删掉多余的行和列后另存"
        )


def column_number(letters: str) -> int:
    """Excel's number of a column (A → 1, AA → 27)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def entity_error(path: Path, part: str) -> XcertError:
    return XcertError(
        f"{path.name}：{part} 含有 DTD/实体声明（XML 实体炸弹的手法，正常的表格不会有），拒绝读取"
    )
