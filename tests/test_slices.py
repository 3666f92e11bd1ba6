"""A large xlsx file read a slice of rows at a time (read/slices.py) reads exactly as
the whole file does, and imports to the same database and report; whatever the slice
reader does not handle falls back to the whole read. Sizes are forced down here: every
workbook is "large", and a slice is a few hundred bytes, so slices cut everywhere."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.conftest import Cli
from xcert.clean.idcard import check_digit
from xcert.errors import XcertError
from xcert.ingest import run
from xcert.ingest.sliced import Restart, SlicedRoster
from xcert.read import sheets, slices, zip_checks
from xcert.read.sheets import read_workbook

ROOT = Path(__file__).resolve().parents[1]
HEADER = ["学号", "姓名", "性别", "身份证号", "班级", "专业", "入学年份", "手机号"]


@pytest.fixture
def sliced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every workbook read in slices of a few rows."""
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 300)


def both_ways(path: Path) -> tuple[list[sheets.Sheet], list[sheets.Sheet]]:
    """The sheets read in slices (then joined) and read whole."""
    book = read_workbook(path, sliced=True)
    assert any(sheet.rest is not None for sheet in book.sheets), "not read in slices"
    return [sheet.whole() for sheet in book.sheets], read_workbook(path).sheets


def same(path: Path) -> None:
    cut, whole = both_ways(path)
    assert [(s.name, s.hidden) for s in cut] == [(s.name, s.hidden) for s in whole]
    for a, b in zip(cut, whole, strict=True):
        width = max(map(len, b.rows), default=0)
        assert [row + [""] * (width - len(row)) for row in a.rows] == b.rows, a.name


@pytest.mark.usefixtures("sliced")
@pytest.mark.parametrize(
    "name",
    [
        "examples/roster.xlsx",
        "examples/results.xlsx",
        "examples/sign-off.xlsx",
        "examples/teachers.xlsx",
        "tests/data/lo_roster.xlsx",
    ],
)
def test_a_bundled_workbook_reads_the_same_in_slices(name: str) -> None:
    same(ROOT / name)


def person(i: int) -> list[object]:
    body = f"440100200{i % 10}0101{i % 1000:03d}"
    gender = "男" if i % 1000 % 2 else "女"
    return [
        f"2024{i:05d}",
        f"学生{i}",
        gender,
        body + check_digit(body),
        f"24数控{i % 3 + 1}",
        "数控技术应用",
        2024,
        f"1380000{i:04d}",
    ]


def roster_book(path: Path, rows: list[list[object]], merges: list[str] = ()) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "花名册"
    sheet.append(["2024级学生花名册"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:H1")
    for area in merges:
        sheet.merge_cells(area)
    book.save(path)
    return path


@pytest.mark.usefixtures("sliced")
def test_merged_cells_fill_across_slices(tmp_path: Path) -> None:
    """A class code merged down 40 rows spans several slices: every row gets it."""
    rows = [person(i) for i in range(60)]
    for row in rows[10:50]:
        row[4] = None
    rows[10][4] = "24数控9"
    path = roster_book(tmp_path / "merged.xlsx", rows, ["E13:E52"])
    same(path)
    cut, _ = both_ways(path)
    assert {row[4] for row in cut[0].rows[12:52]} == {"24数控9"}


def _with_workbook_xml(path: Path, edit: Callable[[bytes], bytes]) -> Path:
    """The workbook at `path` with its xl/workbook.xml rewritten by `edit`."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members["xl/workbook.xml"] = edit(members["xl/workbook.xml"])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.usefixtures("sliced")
@pytest.mark.parametrize(
    "written",
    [
        b'<workbookPr date1904="1"/>',  # as Excel writes it
        b'<workbookPr date1904="1"></workbookPr>',  # closed apart: the slices read it too
        b'<workbookPr date1904="true" defaultThemeVersion="124226" ></workbookPr>',
        b'<x:workbookPr xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' date1904="1"/>',  # another way: read whole
    ],
)
def test_the_1904_date_system_reads_the_same_in_slices(tmp_path: Path, written: bytes) -> None:
    """A workbook counting days from 1904 (Excel for Mac): its dates in slices are the
    dates read whole, however the file writes the property."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    for i in range(40):
        sheet.append([f"学生{i}", dt.date(2014, 1, 1 + i % 28), dt.datetime(2020, 5, 6, 7, 8)])
    book.save(tmp_path / "mac.xlsx")

    def rewritten(xml: bytes) -> bytes:
        start = xml.index(b"<workbookPr")
        end = xml.index(b">", start) + 1
        return xml[:start] + written + xml[end:]

    path = _with_workbook_xml(tmp_path / "mac.xlsx", rewritten)
    whole = read_workbook(path).sheets[0].rows
    assert whole[0][1] == dt.date(2014, 1, 1) or "x:" in written.decode()
    book_read = read_workbook(path, sliced=True)
    cut = [sheet.whole() for sheet in book_read.sheets][0].rows
    assert cut == whole


cell_text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(" &<>\n\t'\""),
    max_size=12,
)
cell = st.one_of(
    st.none(),
    cell_text,
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(dt.date(1950, 1, 1), dt.date(2090, 1, 1)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(cell, max_size=6), max_size=30), hidden=st.booleans())
def test_any_workbook_reads_the_same_in_slices_or_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[list[object]], hidden: bool
) -> None:
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 200)
    book = Workbook()
    first = book.active
    first.title = "一"
    for row in rows:
        first.append(row)
    other = book.create_sheet("二")
    other.append(["姓名", "学号"])
    other.sheet_state = "hidden" if hidden else "visible"
    path = tmp_path / "any.xlsx"
    book.save(path)
    data = path.read_bytes()
    try:
        cut = sheets._read_sliced(path, data)
        joined = [sheet.whole().rows for sheet in cut.sheets]
    except slices.Surprise:
        return  # read whole instead: the ordinary path
    whole = read_workbook(path, data).sheets
    for got, sheet in zip(joined, whole, strict=True):
        width = max(map(len, sheet.rows), default=0)
        assert [row + [""] * (width - len(row)) for row in got] == sheet.rows
    assert [s.hidden for s in cut.sheets] == [s.hidden for s in whole]


def test_an_ordinary_roster_is_no_surprise(tmp_path: Path, sliced: None) -> None:
    path = roster_book(tmp_path / "r.xlsx", [person(i) for i in range(50)])
    book = sheets._read_sliced(path, path.read_bytes())
    assert book.sheets[0].rest is not None
    assert len(book.sheets[0].whole().rows) == 52


def imported(tmp_path: Path, path: Path, name: str) -> tuple[str, int, list[str]]:
    """The report, exit code and database of importing `path` into a new database (its
    statements sorted: a bulk load makes the same indexes again, later in the schema)."""
    (tmp_path / name).mkdir()
    cli = Cli(tmp_path / name / "x.db")
    result = cli("import", path)
    return result.output.replace(f"/{name}/", "/DB/"), result.exit_code, sorted(cli.dump())


@pytest.mark.parametrize(
    "shape",
    ["clean", "messy", "twice across slices", "学号 missing later"],
)
def test_an_import_in_slices_gives_the_same_database_and_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    rows = [person(i) for i in range(80)]
    if shape == "messy":
        rows[5][2] = "男" if rows[5][2] == "女" else "女"  # gender against the ID: a warning
        rows[20] = [None] * 8  # a blank row
        rows[30] = HEADER  # the header repeated on a printed page
        rows[40] = ["注：以上名单以教务系统为准"] + [None] * 7  # a note
        rows[50][3] = "4401002001"  # an ID number that is none: refused
        rows[60][0] = None  # no 学号 on one row: every row then goes the whole way
    elif shape == "twice across slices":
        rows[70] = list(rows[3])  # the same student in the first and a late slice
    elif shape == "学号 missing later":
        for row in rows[60:]:
            row[0] = None
    path = roster_book(tmp_path / "roster.xlsx", rows)
    expected = imported(tmp_path, path, "whole")
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 400)
    began, restarted = [], []
    real = run.import_roster_slices

    def spy(*args: object, **kwargs: object) -> SlicedRoster:
        began.append(1)
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        except Restart:
            restarted.append(1)
            raise

    monkeypatch.setattr(run, "import_roster_slices", spy)
    assert imported(tmp_path, path, "cut") == expected
    assert began == [1]
    assert bool(restarted) == (shape != "clean")


def test_slices_are_used_only_into_an_empty_table(tmp_path: Path, sliced: None) -> None:
    """A second roster meets stored students: the whole-file way, with its matching."""
    cli = Cli(tmp_path / "x.db")
    cli("import", roster_book(tmp_path / "a.xlsx", [person(i) for i in range(30)]))
    changed = [person(i) for i in range(20, 50)]
    changed[0][7] = "13900000000"
    result = cli("import", roster_book(tmp_path / "b.xlsx", changed))
    assert "新增 20，更新 1，未变 9" in result.output
    conn = sqlite3.connect(tmp_path / "x.db")
    assert conn.execute("SELECT count(*) FROM students").fetchone() == (50,)


def test_a_workbook_past_the_whole_readers_bound_imports_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large export (inline strings inflate to 600 MB for a million rows) is within
    bounds when read in slices: its memory does not grow with its XML. Read whole, the
    same file would be refused, and is when it cannot be read in slices."""
    path = roster_book(tmp_path / "big.xlsx", [person(i) for i in range(400)])
    monkeypatch.setattr(zip_checks, "MAX_UNCOMPRESSED_BYTES", 20_000)
    monkeypatch.setattr(slices, "SLICED_BYTES", 10_000)
    monkeypatch.setattr(slices, "SLICE_BYTES", 4_000)
    (tmp_path / "a").mkdir()
    cli = Cli(tmp_path / "a" / "x.db")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert cli.query("SELECT count(*) FROM students") == [(400,)]

    def surprised(*args: object) -> None:
        raise slices.Surprise("as if the file held something the slices do not read")

    monkeypatch.setattr(slices.SlicedBook, "__init__", surprised)
    (tmp_path / "b").mkdir()
    cli = Cli(tmp_path / "b" / "x.db")
    result = cli("import", path)
    assert result.exit_code == 1
    assert "疑似压缩炸弹" in result.output
    assert not (tmp_path / "b" / "x.db").exists() or cli.query("SELECT count(*) FROM students") == [
        (0,)
    ]


def _member(data: bytes, name: str) -> tuple[bytes, zipfile.ZipInfo]:
    return data, zipfile.ZipFile(io.BytesIO(data)).getinfo(name)


def _zip(content: bytes, method: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", content)
    return out.getvalue()


def _tampered(data: bytes, offset: int, value: int) -> bytes:
    """`value` (4 bytes) at `offset` of both the local and the central header."""
    local = data.index(b"PK\x03\x04")
    central = data.index(b"PK\x01\x02")
    out = bytearray(data)
    out[local + offset : local + offset + 4] = value.to_bytes(4, "little")
    out[central + offset + 2 : central + offset + 6] = value.to_bytes(4, "little")
    return bytes(out)


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_member_inflates_as_zipfile_reads_it_and_never_past_its_size(
    monkeypatch: pytest.MonkeyPatch, method: int
) -> None:
    """The slices read a sheet's part straight from the archive's bytes (`_inflated`):
    the same bytes as zipfile, a block at a time; a part larger than it declares, or
    whose CRC is wrong, is a surprise (then the whole reader names the damage)."""
    monkeypatch.setattr(slices, "_BLOCK", 1000)
    monkeypatch.setattr(slices, "_INPUT", 100)
    content = b"".join(b'<row r="%d"><c><v>%d</v></c></row>' % (i, i * i) for i in range(3000))
    data = _zip(content, method)
    blocks = list(slices._inflated(*_member(data, "xl/worksheets/sheet1.xml"), check=True))
    assert b"".join(blocks) == content
    assert len(blocks) > 10 and max(map(len, blocks)) <= 1000
    smaller = _tampered(data, 22, len(content) - 1)  # the uncompressed size
    with pytest.raises(slices.Surprise, match="larger than it declares"):
        list(slices._inflated(*_member(smaller, "xl/worksheets/sheet1.xml")))
    wrong = _tampered(data, 14, 12345)  # the CRC
    assert b"".join(slices._inflated(*_member(wrong, "xl/worksheets/sheet1.xml"))) == content
    with pytest.raises(slices.Surprise, match="damaged"):
        list(slices._inflated(*_member(wrong, "xl/worksheets/sheet1.xml"), check=True))


HOSTILE_CELLS = [
    "<c r=\"{ref}\" t='str'><v>15</v></c>",  # text of digits, the type in single quotes
    '<c r="{ref}" t="str"><v>15</v></c>',  # a formula's text, digits
    '<c r="{ref}" t="inlineStr"><is><t>7</t></is></c>',
    '<c r="{ref}" t="b"><v>1</v></c>',
    '<c r="{ref}"><v>3</v></c>',
    '<c r="{ref}" t="e"><v>#N/A</v></c>',
    '<c r="{ref}" t="str"><v>&#xE000;3</v></c>',  # the slices' own mark, by reference
    '<c r="{ref}" t="str"><v>&#57344;3</v></c>',
    '<c r="{ref}" t="d"><v>2015</v></c>',  # an ISO date the reader leaves as text
    '<c r="{ref}" t="s" s="0"><v>4</v></c>',  # shared, an attribute after the type
    '<c r="{ref}" t = "s"><v>4</v></c>',  # shared, spaced
    "<c r=\"{ref}\" t='s'><v>4</v></c>",  # shared, single quotes
    '<c r="{ref}" t="s"><v>-1</v></c>',  # indexes calamine does not read as Python does
    '<c r="{ref}" t="s"><v> 1</v></c>',
    '<c r="{ref}" t="s"><v>+2</v></c>',
    '<c r="{ref}" t="s"><v>\u0662</v></c>',
    '<c r="{ref}" t="s"><v>&#49;</v></c>',
]


def _one_column_book(path: Path, cells: list[str], items: list[str] | None = None) -> Path:
    """A workbook of one column, each row's cell as written here; the shared strings'
    items as written here (twenty plain ones if not given)."""
    from tests.data import hostile_files

    items = items or [f"<si><t>共享{i}</t></si>" for i in range(20)]
    sst = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="'
        'http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + "".join(items) + "</sst>"
    )
    rows = "".join(
        f'<row r="{r}">{cell.format(ref=f"A{r}")}</row>' for r, cell in enumerate(cells, 1)
    )
    members = hostile_files._skeleton(
        hostile_files._SHEET_HEAD + rows + hostile_files._SHEET_TAIL, sst
    )
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


@pytest.mark.parametrize("slice_bytes", [40, 4000])
@pytest.mark.parametrize("odd", HOSTILE_CELLS)
def test_a_cell_among_shared_strings_reads_as_it_does_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: str, slice_bytes: int
) -> None:
    """Shared-string cells are read by their index after the reader: a text, number,
    boolean or error among them, however written, is never taken for an index."""
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", slice_bytes)
    shared = '<c r="{ref}" t="s"><v>%d</v></c>'
    path = _one_column_book(tmp_path / "odd.xlsx", [shared % i for i in (1, 2, 5)] + [odd])
    data = path.read_bytes()
    whole = read_workbook(path, data).sheets[0].rows
    try:
        cut = sheets._read_sliced(path, data).sheets[0].whole().rows
    except slices.Surprise:
        return  # read whole instead: the ordinary path
    assert cut == whole
    assert whole[:3] == [["共享1"], ["共享2"], ["共享5"]]


SHARED_ITEMS = [
    "<si><t>甲</t></si>",
    "<si><t> 前有空格</t></si>",
    "<si><t>后有空格 </t></si>",
    '<si><t xml:space="preserve"> 保留 </t></si>',
    "<si><t>&#32;实体空格</t></si>",
    "<si><t>实体空格&#x20;</t></si>",
    "<si><t>&amp;与&lt;</t></si>",
    "<si><t>换\n行</t></si>",
    "<si><t>_x0041_转义</t></si>",
    "<si><t/></si>",
    "<si/>",
    "<si><t></t></si>",
    "<si><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r></si>",
    "<si><t>零&#0;</t></si>",  # a character XML does not allow
    "<si><t>&#x110000;</t></si>",
]


@pytest.mark.parametrize("item", SHARED_ITEMS)
def test_a_shared_string_reads_as_calamine_reads_it_or_is_a_surprise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, item: str
) -> None:
    """The shared strings are read here, not by the reader: each item as calamine reads
    it in the whole file, or a surprise (then the file is read whole)."""
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    items = ["<si><t>甲</t></si>", item, "<si><t>乙</t></si>"]
    cells = ['<c r="{ref}" t="s"><v>' + str(i) + "</v></c>" for i in range(3)]
    path = _one_column_book(tmp_path / "items.xlsx", cells, items)
    data = path.read_bytes()
    try:
        whole = read_workbook(path, data).sheets[0].rows
    except XcertError:  # refused read whole: read in slices it is a surprise (then refused)
        with pytest.raises(slices.Surprise):
            sheets._read_sliced(path, data).sheets[0].whole()
        return
    try:
        cut = sheets._read_sliced(path, data).sheets[0].whole().rows
    except slices.Surprise:
        return
    assert cut == whole
