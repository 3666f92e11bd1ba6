"""Read a spreadsheet file into sheets of raw cells; no domain knowledge here.

The file's content decides its format, not its extension (SPEC 5.1). Zip containers
are checked before any parser sees them: a zip bomb or an XML entity bomb is refused
within bounded time and memory.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from xcert.errors import XcertError
from xcert.read import slices
from xcert.read.guard import archive_read, quiet_panics, reader_failed
from xcert.read.slices import Slice

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 512 * 1024 * 1024  # all members of one workbook, inflated
# …of an xlsx workbook read in slices (read/slices.py): its memory does not grow with its
# XML, only its time; a million-row export written with inline strings inflates to 600 MB.
MAX_SLICED_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed for one member past SUSPICIOUS_BYTES
SUSPICIOUS_BYTES = 32 * 1024 * 1024
MAX_MEMBERS = 10_000
PROLOG_BYTES = 64 * 1024  # where an XML part's DTD would have to be
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
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

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


@dataclass
class Sheet:
    name: str
    rows: list[list[object]]  # rows[i] is spreadsheet row i + 1
    hidden: bool = False
    # A sheet of a large workbook read in slices (read/slices.py): `rows` then holds its
    # first slice, `rest` yields the others; `whole()` or `slices()` take them.
    rest: Iterator[Slice] | None = None

    def slices(self) -> Iterator[Slice]:
        """The rows a slice at a time (one slice for a sheet read whole)."""
        yield Slice(0, self.rows)
        rest, self.rest = self.rest, None
        if rest is not None:
            yield from rest

    def whole(self) -> Sheet:
        """This sheet with every row in `rows`, for a reader that needs them all."""
        if self.rest is not None:
            rows = self.rows
            for piece in self.rest:
                rows.extend([] for _ in range(piece.first - len(rows)))  # rows left empty
                rows.extend(piece.rows)
            self.rest = None
        return self


@dataclass
class Workbook:
    path: Path
    format: str  # xlsx, xls, ods, csv
    encoding: str | None = None  # CSV only: what was detected
    sheets: list[Sheet] = field(default_factory=list)


def column_letter(index: int) -> str:
    """Excel's name of a 0-based column: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_workbook(path: Path, data: bytes | None = None, *, sliced: bool = False) -> Workbook:
    """Every sheet of the file at `path` as rows of cells, merged areas filled in.
    `sliced`: a large xlsx file's sheets may come a slice of rows at a time (`Sheet.rest`),
    for a reader that takes them so (`Sheet.slices`); any other calls `Sheet.whole`."""
    if data is None:
        data = read_bytes(path)
    head = data[:8]
    if head.startswith(_ZIP):
        return _read_zip(path, data, sliced)
    if head == _OLE2:
        return _read_calamine(path, data, "xls")
    if head.startswith(b"%PDF"):
        raise XcertError(f"{path.name}：这是 PDF 文件，不是电子表格；请导入 Excel 或 CSV 原件")
    return _read_text(path, data)


def read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise XcertError(f"{path}：文件不存在")
    if path.is_dir():
        raise XcertError(f"{path}：这是文件夹，不是文件")
    size = path.stat().st_size
    if size == 0:
        raise XcertError(f"{path.name}：文件是空的")
    if size > MAX_FILE_BYTES:
        raise XcertError(f"{path.name}：文件过大（{size // 2**20} MB，上限 256 MB）")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise XcertError(f"{path.name}：无法读取（{exc.strerror}）") from None


def _read_zip(path: Path, data: bytes, sliced: bool) -> Workbook:
    with archive_read(path):
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        sliced = sliced and "xl/workbook.xml" in names and slices.worth_slicing(archive)
        _check_zip(path, archive, MAX_SLICED_BYTES if sliced else MAX_UNCOMPRESSED_BYTES)
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        fmt = "xlsb" if "xl/workbook.bin" in names else "xlsx"
        if sliced:
            try:
                # A sliced sheet shares one string among its cells: no copies to bound.
                return _read_sliced(path, data)
            except slices.Surprise:
                pass  # read whole, as any other workbook: within the whole reader's bounds
        with archive_read(path):
            _check_declared(path, archive.infolist(), MAX_UNCOMPRESSED_BYTES)
            _check_shared_strings(path, archive, archive.infolist())
        return _read_calamine(path, data, fmt)
    if "content.xml" in names and "mimetype" in names:
        with archive_read(path):
            if b"spreadsheet" not in archive.read("mimetype"):
                raise XcertError(f"{path.name}：这是 OpenDocument 文字或演示文件，不是电子表格")
            _check_ods_repeats(path, archive)
        return _read_calamine(path, data, "ods")
    if "word/document.xml" in names:
        raise XcertError(f"{path.name}：这是 Word 文档，不是电子表格；请把表格另存为 Excel")
    raise XcertError(f"{path.name}：这是一个压缩包，不是电子表格")


# The parts besides the cells that decide what a cell reads as (the styles: which numbers
# are dates; the workbook: its date system and sheets), read to their end here, where
# zipfile checks their CRC: python-calamine checks a worksheet's, not theirs. The shared
# strings and an ods file's content are read whole by the checks below; a damaged part
# no value comes from (a drawing, a thumbnail) does not refuse the file.
_VALUE_PARTS = frozenset(
    {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}
)


def _check_zip(path: Path, archive: zipfile.ZipFile, limit: int) -> None:
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
    _check_declared(path, members, limit)
    for member in members:
        if member.file_size > SUSPICIOUS_BYTES and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise XcertError(f"{path.name}：{member.filename} 压缩比异常，疑似压缩炸弹，拒绝读取")
        if member.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(member) as stream:
                prolog = stream.read(PROLOG_BYTES)
                if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                    raise _entity_error(path, member.filename)
                if member.filename in _VALUE_PARTS:
                    while stream.read(2**20):  # to its end, where zipfile checks its CRC
                        pass
            if member.filename.startswith("xl/worksheets/"):
                _check_dimension(path, member.filename, prolog)
                if member.file_size <= SCANNED_SHEET_BYTES:
                    _check_cells(path, member.filename, archive.read(member))


def _check_declared(path: Path, members: list[zipfile.ZipInfo], limit: int) -> None:
    declared = sum(m.file_size for m in members)
    if declared > limit:
        raise XcertError(f"{path.name}：解压后将达 {declared // 2**20} MB，疑似压缩炸弹，拒绝读取")


def _check_shared_strings(
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
    columns = _column_number(last_col) - _column_number(first_col or "A") + 1
    rows = int(last_row) - int(first_row or "1") + 1
    if rows * columns > MAX_SHEET_CELLS:
        raise XcertError(
            f"{path.name}：{part} 的已用范围到 {last_col}{last_row}，共{rows * columns:,}个单元格，"
            f"超出可读的{MAX_SHEET_CELLS:,}个；多半是远处误填了一个单元格，"
            "请在 Excel 里删掉多余的行和列后另存"
        )


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _check_ods_repeats(path: Path, archive: zipfile.ZipFile) -> None:
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
    cells = last_row * _column_number(last_col)
    if cells > MAX_SHEET_CELLS:
        raise XcertError(
            f"{path.name}：{part} 有单元格远到{last_col}列、第{last_row}行，整张表将有"
            f"{cells:,}个单元格，超出可读的{MAX_SHEET_CELLS:,}个；"
            "多半是远处误填了一个单元格，请在 Excel 里删掉多余的行和列后另存"
        )


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _entity_error(path: Path, part: str) -> XcertError:
    return XcertError(
        f"{path.name}：{part} 含有 DTD/实体声明（XML 实体炸弹的手法，正常的表格不会有），拒绝读取"
    )


def _read_calamine(path: Path, data: bytes, fmt: str) -> Workbook:
    """The file's worksheets as the reader lays them out; its errors and its Rust code's
    panics (`guard`) as one line naming the file and sheet."""
    with quiet_panics():
        return _calamine_sheets(path, data, fmt)


def _calamine_sheets(path: Path, data: bytes, fmt: str) -> Workbook:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except BaseException as exc:  # the reader's errors are many and untyped
        if not reader_failed(exc):
            raise
        hint = "，文件可能设置了打开密码或已损坏" if fmt == "xls" else ""
        raise XcertError(f"{path.name}：无法读取 {fmt} 文件{hint}（{_short(exc)}）") from None
    workbook = Workbook(path=path, format=fmt)
    with book:
        for meta in book.sheets_metadata:
            if meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            try:
                sheet = book.get_sheet_by_name(meta.name)
                # Lists are invariant: the reader's rows become rows of any cell.
                rows = cast("list[list[object]]", sheet.to_python(skip_empty_area=False))
                merged = sheet.merged_cell_ranges or []
            except BaseException as exc:
                if not reader_failed(exc):
                    raise
                raise _unreadable(path, fmt, exc, meta.name) from None
            _fill_merged(rows, merged)
            hidden = meta.visible != python_calamine.SheetVisibleEnum.Visible
            workbook.sheets.append(Sheet(meta.name, rows, hidden=hidden))
    return workbook


def _read_sliced(path: Path, data: bytes) -> Workbook:
    """A large workbook whose sheets come a slice at a time (read/slices.py); each
    sheet's first slice is read here, so a surprise there still reads the file whole."""
    try:
        book = slices.SlicedBook(data)
    except slices.Surprise:
        raise
    except Exception as exc:  # a part missing or malformed: the whole reader says which
        raise slices.Surprise(str(exc)) from None
    workbook = Workbook(path=path, format="xlsx")
    for found in book.sheets:
        pieces = book.slices(found)
        first = next(pieces, None)
        rows: list[list[object]] = []
        if first is not None:
            rows.extend([] for _ in range(first.first))
            rows.extend(first.rows)
        workbook.sheets.append(Sheet(found.name, rows, hidden=found.hidden, rest=pieces))
    return workbook


def _unreadable(path: Path, fmt: str, exc: BaseException, sheet: str | None = None) -> XcertError:
    where = f"{path.name} 工作表「{sheet}」" if sheet else path.name
    detail = _short(exc)
    if "declared uncompressed size" in detail:
        return XcertError(f"{where}：解压后比声明的大小更大，疑似压缩炸弹，拒绝读取")
    if "entity" in detail.lower():
        return _entity_error(path, "XML 部件")
    hint = "，文件可能设置了打开密码或已损坏" if fmt == "xls" else "，文件可能已损坏"
    return XcertError(f"{where}：无法读取 {fmt} 文件{hint}（{detail}）")


def _short(exc: BaseException) -> str:
    return str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__


def _fill_merged(
    rows: list[list[object]], merged: list[tuple[tuple[int, int], tuple[int, int]]]
) -> None:
    """A merged area shows one value over all its cells: give each cell that value,
    as a clerk reading the sheet would (a class code merged down its rows)."""
    for (r0, c0), (r1, c1) in merged:
        if r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, min(c1, len(row) - 1) + 1):
                row[c] = value


def decode_text(path: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding name) for what Chinese Excel and WPS write; never a silent guess."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 (BOM)"
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):  # before UTF-16's
        return data.decode("utf-32"), "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "UTF-16"
    if b"\x00" in data[:4096]:
        raise XcertError(f"{path.name}：不是可识别的电子表格或文本文件（二进制内容）")
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "GB18030/GBK"
    except UnicodeDecodeError as exc:
        raise XcertError(
            f"{path.name}：无法识别文本编码（既不是 UTF-8 也不是 GBK/GB18030，"
            f"第{exc.start}字节）；请在 Excel 中另存为“CSV UTF-8”"
        ) from None


def _read_text(path: Path, data: bytes) -> Workbook:
    try:
        content, encoding = decode_text(path, data)
    except UnicodeDecodeError:
        raise XcertError(f"{path.name}：文件带有 BOM 但内容编码不一致，已损坏") from None
    stripped = content.lstrip()[:512].lower()
    if stripped.startswith(("<html", "<!doctype html", "<table", "<?xml")):
        raise XcertError(
            f"{path.name}：这是网页或 XML 格式的“伪 Excel”文件；请用 Excel/WPS 打开后另存为 .xlsx"
        )
    # The header may sit below a title line: take the separator that splits some line of
    # the first few into the most fields.
    head = content[:65536].splitlines()[:40] or [""]  # \r alone ends a line too (old Mac)
    delimiter = max(",\t;", key=lambda d: max(line.count(d) for line in head))
    csv.field_size_limit(MAX_CELL_CHARS)
    # newline=None: \r\n, \n and a lone \r (old Mac Excel) all end a row
    reader = csv.reader(io.StringIO(content, newline=None), delimiter=delimiter)
    try:
        # Lists are invariant: the reader's rows of str become rows of any cell.
        rows = cast("list[list[object]]", list(reader))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise XcertError(
                f"{path.name} 第{reader.line_num}行：有一个单元格超过{MAX_CELL_CHARS}个字符"
                "（Excel 一个单元格的上限），像是粘进了整段文字"
            ) from None
        raise XcertError(f"{path.name} 第{reader.line_num}行：CSV 格式错误（{exc}）") from None
    return Workbook(path=path, format="csv", encoding=encoding, sheets=[Sheet(path.stem, rows)])
