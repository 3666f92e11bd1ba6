"""Write a one-sheet xlsx the way Excel, WPS and LibreOffice do: every text cell a
shared string (`t="s"`), a styles part, the used range declared. openpyxl's write-only
mode (datasets.write_xlsx) writes inline strings instead, as Apache POI's streaming
writer does; a school's own large file is more likely this."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from xcert.read.sheets import column_letter

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def write(path: Path, sheet: str, header: Sequence[object], rows: Iterable[list[object]]) -> int:
    """The workbook at `path`; the number of rows written below the header."""
    strings: dict[str, int] = {}
    letters = [column_letter(i) for i in range(len(header))]
    count = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            out.write(f'{_HEAD}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            chunk: list[str] = []
            for number, row in enumerate([list(header), *rows], 1):
                chunk.append(_row(number, row, letters, strings))
                count = number - 1
                if len(chunk) == 10_000:
                    out.write("".join(chunk).encode())
                    chunk = []
            out.write("".join(chunk).encode() + b"</sheetData></worksheet>")
        shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        book.writestr(
            "xl/sharedStrings.xml",
            f'{_HEAD}<sst xmlns="{_MAIN}" uniqueCount="{len(strings)}">{shared}</sst>',
        )
        _parts(book, sheet)
    return count


def _row(number: int, row: list[object], letters: list[str], strings: dict[str, int]) -> str:
    cells = []
    for letter, value in zip(letters, row, strict=False):
        if value is None:
            continue
        if isinstance(value, str):
            index = strings.setdefault(value, len(strings))
            cells.append(f'<c r="{letter}{number}" s="1" t="s"><v>{index}</v></c>')
        else:
            cells.append(f'<c r="{letter}{number}" s="1"><v>{value}</v></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _parts(book: zipfile.ZipFile, sheet: str) -> None:
    book.writestr(
        "xl/styles.xml",
        f'{_HEAD}<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/>'
        '<name val="宋体"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/>'
        '</fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/>'
        '</cellStyleXfs><cellXfs count="2"><xf/><xf numFmtId="49" applyNumberFormat="1"/>'
        "</cellXfs></styleSheet>",
    )
    book.writestr(
        "xl/workbook.xml",
        f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>',
    )
    rels = [
        ("rId1", "worksheet", "worksheets/sheet1.xml"),
        ("rId2", "styles", "styles.xml"),
        ("rId3", "sharedStrings", "sharedStrings.xml"),
    ]
    book.writestr(
        "xl/_rels/workbook.xml.rels",
        f'{_HEAD}<Relationships xmlns="{_PKG}">'
        + "".join(f'<Relationship Id="{i}" Type="{_REL}/{t}" Target="{p}"/>' for i, t, p in rels)
        + "</Relationships>",
    )
    book.writestr(
        "_rels/.rels",
        f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    book.writestr(
        "[Content_Types].xml",
        f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_type}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{sheet_type}.worksheet+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{sheet_type}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{sheet_type}.sharedStrings+xml"/>'
        "</Types>",
    )
