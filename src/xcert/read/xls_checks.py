"""The size an .xls workbook's sheets declare, checked before the reader lays them out:
python-calamine reserves the range each sheet's DIMENSIONS record states, so a damaged
or crafted record (0xFFFFFFFF rows) made it ask for terabytes and abort the process.

An .xls file is an OLE2 compound file: sectors chained by a FAT, a directory naming its
streams; the workbook is the "Workbook" (or older "Book") stream of BIFF records. Read
here only as far as that record needs; anything unexpected in the container is left to
the reader to refuse (it names the damage), never refused here by guesswork.
"""

from __future__ import annotations

import struct
from pathlib import Path

from xcert.errors import XcertError

_END = 0xFFFFFFFE  # the last sector of a chain
_DIMENSIONS = 0x0200
_MAX_SECTORS = 1 << 20  # a chain longer than the file could hold: damage


class _Unexpected(Exception):
    """The container is not as read here: the reader decides."""


def check_xls(path: Path, data: bytes, max_cells: int) -> None:
    """Refuse a sheet whose declared range is past `max_cells` (rows × columns from A1)."""
    try:
        stream = _workbook_stream(data)
    except (_Unexpected, struct.error, IndexError):
        return
    for rows, columns in _dimensions(stream):
        if rows * columns > max_cells:
            raise XcertError(
                f"{path.name}：有工作表声明的范围达{rows:,}行×{columns:,}列，超出可读的"
                f"{max_cells:,}个单元格；文件可能已损坏，请用 Excel 打开后另存为 .xlsx"
            )


def _workbook_stream(data: bytes) -> bytes:
    sector = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mini = 1 << struct.unpack_from("<H", data, 0x20)[0]
    if sector not in (512, 4096) or mini != 64:
        raise _Unexpected
    fat_count, directory, cutoff, minifat, _, difat, difat_count = struct.unpack_from(
        "<IIxxxxIIIII", data, 0x2C
    )
    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    for _ in range(min(difat_count, _MAX_SECTORS)):  # the DIFAT's own chain
        if difat >= _END:
            break
        more = struct.unpack_from(f"<{sector // 4}I", data, (difat + 1) * sector)
        fat_sectors += more[:-1]
        difat = more[-1]
    fat: list[int] = []
    for number in fat_sectors[:fat_count]:
        fat += struct.unpack_from(f"<{sector // 4}I", data, (number + 1) * sector)

    def chain(start: int, size: int) -> bytes:
        return _chain(data, fat, start, sector, size, offset=sector)

    entries = chain(directory, -1)
    root_start = struct.unpack_from("<I", entries, 116)[0]
    for at in range(0, len(entries) - 127, 128):
        length = struct.unpack_from("<H", entries, at + 64)[0]
        name = entries[at : at + max(length - 2, 0)].decode("utf-16-le", "replace")
        if entries[at + 66] != 2 or name not in ("Workbook", "Book"):
            continue
        start, size = struct.unpack_from("<II", entries, at + 116)
        if size >= cutoff:
            return chain(start, size)
        ministream = chain(root_start, -1)
        table = chain(minifat, -1)
        mini_fat = list(struct.unpack(f"<{len(table) // 4}I", table[: len(table) // 4 * 4]))
        return _chain(ministream, mini_fat, start, mini, size, offset=0)
    raise _Unexpected


def _chain(
    data: bytes, fat: list[int], start: int, sector: int, size: int, *, offset: int
) -> bytes:
    """A stream's sectors in chain order (`size` bytes of them; -1: the whole chain). A
    chain longer than the table (a loop) or reaching past it is damage."""
    parts, seen, wanted = [], 0, size if size >= 0 else len(data)
    while start < _END and seen * sector < wanted:
        seen += 1
        if seen > min(len(fat), _MAX_SECTORS) or start >= len(fat):
            raise _Unexpected
        at = offset + start * sector
        parts.append(data[at : at + sector])
        start = fat[start]
    joined = b"".join(parts)
    return joined if size < 0 else joined[:size]


def _dimensions(stream: bytes) -> list[tuple[int, int]]:
    """Each DIMENSIONS record's last row and column (exclusive), BIFF8 or BIFF5."""
    found, at = [], 0
    while at + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4 : at + 4 + length]
        if kind == _DIMENSIONS and length == 14:
            _, rows, _, columns = struct.unpack_from("<IIHH", body)
            found.append((rows, columns))
        elif kind == _DIMENSIONS and length == 10:
            _, rows, _, columns = struct.unpack_from("<HHHH", body)
            found.append((rows, columns))
        at += 4 + length
    return found
