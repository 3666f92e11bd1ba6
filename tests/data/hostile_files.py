"""Build hostile spreadsheet files on demand (pure Python, standard library only).

The bombs are not committed: tests call these with ``tmp_path``. Each builder takes
well under a second (the 1 GiB zip bomb about 0.3 s, nearly all of it CRC-32).

    zip bomb      one worksheet member that inflates to ~1 GiB from ~1 MiB on disk
    entity bomb   "billion laughs": nested ENTITY declarations in sharedStrings.xml
    shared-string bomb  50,000 cells that all point to one 32,000-character string
    repeated ods  one row repeated 330,000 times with a value cell repeated 300 times

Everything else in the containers is a minimal but well-formed xlsx, so a reader that
only looks at member names (xl/workbook.xml, ...) takes them for real workbooks.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
# One shared-string cell: A1 = string 0.
_SHEET1_SST = _SHEET_HEAD + '<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + _SHEET_TAIL
_PLAIN_SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
    "<si><t>学号</t></si></sst>"
)

_CHUNK = 1 << 20  # the bomb's repeating unit, inflated


def _skeleton(sheet1: str | None, shared_strings: str | None) -> dict[str, bytes]:
    members = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet1,
        "xl/sharedStrings.xml": shared_strings,
    }
    return {name: text.encode("utf-8") for name, text in members.items() if text is not None}


def make_zip_bomb(
    path: Path,
    inflated_bytes: int = 1 << 30,
    *,
    declared_size: int | None = None,
    crc_of_prefix: bool = False,
) -> Path:
    """Write an xlsx whose ``xl/worksheets/sheet1.xml`` inflates to about ``inflated_bytes``.

    The worksheet is well-formed XML: rows of one numeric cell, each followed by ~1 MiB
    of whitespace, so deflate reaches its ~1000:1 ceiling (1 GiB -> ~1 MiB on disk).
    The compressed stream is one pre-deflated 1 MiB block repeated (each block ends
    with a full flush, so identical input gives identical bytes), which makes building
    it take ~0.3 s instead of deflating a gigabyte.

    ``declared_size``: the uncompressed size written into the zip headers. By default
    the true size (a reader that trusts the headers can refuse it up front). Give a
    small number to build a bomb that lies about its size, as a real attacker's would;
    the CRC-32 stays that of the true content, so Python's zipfile, which stops
    inflating at the declared size, reports "Bad CRC-32". With ``crc_of_prefix`` the
    CRC-32 is that of the first ``declared_size`` bytes instead: zipfile then reads and
    verifies the member without complaint, and only a reader that keeps inflating past
    the declared size (or checks that the stream really ends there) notices.
    Sizes are kept below 4 GiB (no ZIP64). Returns ``path``.
    """
    if not 0 < inflated_bytes < (1 << 32) - _CHUNK:
        raise ValueError("inflated_bytes must be positive and below 4 GiB")
    head = _SHEET_HEAD.encode()
    tail = _SHEET_TAIL.encode()
    row = b'<row><c t="n"><v>1</v></c></row>'
    chunk = row + b" " * (_CHUNK - len(row))
    count = max(1, (inflated_bytes - len(head) - len(tail)) // _CHUNK)

    deflater = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    first = deflater.compress(head) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(chunk) + deflater.flush(zlib.Z_FULL_FLUSH)
    last = deflater.compress(tail) + deflater.flush(zlib.Z_FINISH)

    size = len(head) + count * _CHUNK + len(tail)
    limit = size if declared_size is None or not crc_of_prefix else min(declared_size, size)
    crc = 0
    for part in _content(head, chunk, count, tail):
        if limit <= 0:
            break
        crc = zlib.crc32(part[:limit], crc)
        limit -= len(part)

    def stream() -> Iterator[bytes]:
        yield first
        for _ in range(count):
            yield block
        yield last

    entries: list[tuple[str, int, int, int, Iterable[bytes], int]] = []
    for name, data in _skeleton(None, _PLAIN_SST).items():
        packed = _deflate(data)
        entries.append((name, zlib.crc32(data), len(packed), len(data), [packed], 8))
    bomb_packed = len(first) + count * len(block) + len(last)
    shown = size if declared_size is None else declared_size
    entries.insert(4, ("xl/worksheets/sheet1.xml", crc, bomb_packed, shown, stream(), 8))
    _write_zip(path, entries)
    return path


def make_entity_bomb(
    path: Path,
    depth: int = 10,
    fan_out: int = 10,
    *,
    prolog_padding: int = 0,
    member: str = "xl/sharedStrings.xml",
) -> Path:
    """Write a tiny xlsx (about 1 KB) whose ``member`` starts with a billion-laughs DTD.

    ``lol0`` is "lol" and ``lolN`` is ``fan_out`` references to ``lol(N-1)``; the text
    references ``lol(depth-1)``, i.e. 3 * fan_out ** (depth - 1) characters once
    expanded (10, 10 -> 3 GB). ``member`` is ``xl/sharedStrings.xml`` (the cell A1
    refers to string 0) or ``xl/worksheets/sheet1.xml`` (an inline-string cell).

    ``prolog_padding``: that many bytes of XML comment between the XML declaration and
    the DOCTYPE. Still well-formed XML, but the DOCTYPE then sits past a reader's
    "look at the first few KB" check. Returns ``path``.
    """
    if depth < 1 or fan_out < 1:
        raise ValueError("depth and fan_out must be at least 1")
    if member not in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
        raise ValueError(f"unsupported member {member!r}")
    root = "sst" if member.endswith("sharedStrings.xml") else "worksheet"
    decls = ['<!ENTITY lol0 "lol">']
    for level in range(1, depth):
        decls.append(f'<!ENTITY lol{level} "{f"&lol{level - 1};" * fan_out}">')
    padding = f"<!--{'x' * max(0, prolog_padding - 7)}-->\n" if prolog_padding else ""
    prolog = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + padding
        + f"<!DOCTYPE {root} [\n  "
        + "\n  ".join(decls)
        + "\n]>\n"
    )
    ref = f"&lol{depth - 1};"
    if root == "sst":
        sheet1 = _SHEET1_SST
        shared = (
            prolog + '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="1" uniqueCount="1"><si><t>{ref}</t></si></sst>'
        )
    else:
        sheet1 = (
            prolog + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{ref}</t></is></c></row>'
            "</sheetData></worksheet>"
        )
        shared = _PLAIN_SST
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _skeleton(sheet1, shared).items():
            archive.writestr(name, data)
    return path


def make_shared_string_bomb(path: Path, cells: int = 50_000, length: int = 32_000) -> Path:
    """Write a small xlsx (about 1 MB) whose ``cells`` cells all point to one shared
    string of ``length`` characters: the reader copies it into every cell (50,000 x
    32,000 characters: 1.6 billion). Returns ``path``."""
    rows = "".join(
        f'<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>' for r in range(1, cells + 1)
    )
    sheet1 = _SHEET_HEAD + rows + _SHEET_TAIL
    shared = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'count="{cells}" uniqueCount="1"><si><t>{"长" * length}</t></si></sst>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in _skeleton(sheet1, shared).items():
            archive.writestr(name, data)
    return path


def make_repeated_ods(path: Path, rows: int = 330_000, columns: int = 300) -> Path:
    """Write an .ods of under a kilobyte whose one row says "repeat me ``rows`` times" and
    holds a value cell repeated ``columns`` times (99 million cells once laid out)."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        f' xmlns:table="{table}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{h}</text:p></table:table-cell>'
            for h in ("学号", "姓名", "班级")
        )
        + f'</table:table-row><table:table-row table:number-rows-repeated="{rows}">'
        f'<table:table-cell table:number-columns-repeated="{columns}" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet"
        )
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def make_not_a_workbook(path: Path) -> Path:
    """Write the five bytes ``hello`` (plain text under a spreadsheet name)."""
    path.write_bytes(b"hello")
    return path


def make_truncated(path: Path, source: Path) -> Path:
    """Write the first half of ``source``'s bytes (a download cut off midway)."""
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def make_word_document(path: Path) -> Path:
    """Write a minimal Word document (.docx content), whatever ``path``'s extension."""
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>"
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>这是一份 Word 文档，不是花名册。</w:t></w:r></w:p></w:body>"
            "</w:document>"
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return path


def _content(head: bytes, chunk: bytes, count: int, tail: bytes) -> Iterator[bytes]:
    yield head
    for _ in range(count):
        yield chunk
    yield tail


def _deflate(data: bytes) -> bytes:
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    return deflater.compress(data) + deflater.flush()


def _write_zip(path: Path, entries: list[tuple[str, int, int, int, Iterable[bytes], int]]) -> None:
    """A plain (non-ZIP64) zip from pre-compressed members.

    Each entry: (name, crc32, compressed size, uncompressed size, compressed chunks,
    method). zipfile cannot take already-deflated data, hence this.
    """
    central = []
    offset = 0
    with path.open("wb") as out:
        for name, crc, packed, size, chunks, method in entries:
            raw = name.encode("utf-8")
            # version 20, flags bit 11 (UTF-8 names), no time/date (1980-01-01)
            fixed = struct.pack("<HHHHHIII", 20, 0x800, method, 0, 0x21, crc, packed, size)
            out.write(b"PK\x03\x04" + fixed + struct.pack("<HH", len(raw), 0) + raw)
            written = 0
            for chunk in chunks:
                out.write(chunk)
                written += len(chunk)
            if written != packed:
                raise AssertionError(f"{name}: wrote {written} bytes, declared {packed}")
            central.append(
                b"PK\x01\x02"
                + struct.pack("<H", 20)
                + fixed
                + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, offset)
                + raw
            )
            offset += 30 + len(raw) + packed
        directory = b"".join(central)
        out.write(directory)
        out.write(
            b"PK\x05\x06"
            + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), offset, 0)
        )
