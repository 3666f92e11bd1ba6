"""Read a spreadsheet file into sheets of raw cells; no domain knowledge here.

The file's content decides its format, not its extension (SPEC 5.1). Zip containers
are checked before any parser sees them: a zip bomb or an XML entity bomb is refused
within bounded time and memory.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import cast

from xcert.errors import XcertError
from xcert.read import slices, xls_checks, zip_checks
from xcert.read.guard import archive_read, quiet_panics, reader_failed
from xcert.read.slices import Slice

MAX_FILE_BYTES = 256 * 1024 * 1024
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_TEXT_ROWS = 1_048_576  # a CSV's rows, as many as an Excel sheet holds

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
        xls_checks.check_xls(path, data, zip_checks.MAX_SHEET_CELLS)
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
        zip_checks.check_zip(
            path,
            archive,
            zip_checks.MAX_SLICED_BYTES if sliced else zip_checks.MAX_UNCOMPRESSED_BYTES,
        )
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        fmt = "xlsb" if "xl/workbook.bin" in names else "xlsx"
        if sliced:
            try:
                # A sliced sheet shares one string among its cells: no copies to bound.
                return _read_sliced(path, data)
            except slices.Surprise:
                pass  # read whole, as any other workbook: within the whole reader's bounds
        with archive_read(path):
            zip_checks.check_declared(path, archive.infolist(), zip_checks.MAX_UNCOMPRESSED_BYTES)
            zip_checks.check_shared_strings(path, archive, archive.infolist())
        return _read_calamine(path, data, fmt)
    if "content.xml" in names and "mimetype" in names:
        with archive_read(path):
            if b"spreadsheet" not in archive.read("mimetype"):
                raise XcertError(f"{path.name}：这是 OpenDocument 文字或演示文件，不是电子表格")
            zip_checks.check_ods_repeats(path, archive)
        return _read_calamine(path, data, "ods")
    if "word/document.xml" in names:
        raise XcertError(f"{path.name}：这是 Word 文档，不是电子表格；请把表格另存为 Excel")
    raise XcertError(f"{path.name}：这是一个压缩包，不是电子表格")


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
        return zip_checks.entity_error(path, "XML 部件")
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
    if content.count(delimiter) > zip_checks.MAX_SHEET_CELLS:
        raise XcertError(
            f"{path.name}：单元格超过{zip_checks.MAX_SHEET_CELLS:,}个（按分隔符计），超出可读范围，拒绝读取"
        )
    csv.field_size_limit(MAX_CELL_CHARS)
    # newline=None: \r\n, \n and a lone \r (old Mac Excel) all end a row
    reader = csv.reader(io.StringIO(content, newline=None), delimiter=delimiter)
    try:
        # Lists are invariant: the reader's rows of str become rows of any cell.
        rows = cast("list[list[object]]", list(islice(reader, MAX_TEXT_ROWS + 1)))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise XcertError(
                f"{path.name} 第{reader.line_num}行：有一个单元格超过{MAX_CELL_CHARS}个字符"
                "（Excel 一个单元格的上限），像是粘进了整段文字"
            ) from None
        raise XcertError(f"{path.name} 第{reader.line_num}行：CSV 格式错误（{exc}）") from None
    if len(rows) > MAX_TEXT_ROWS:
        raise XcertError(
            f"{path.name}：超过{MAX_TEXT_ROWS:,}行（Excel 一张表的上限），超出可读范围，拒绝读取"
        )
    return Workbook(path=path, format="csv", encoding=encoding, sheets=[Sheet(path.stem, rows)])
