"""A corrected copy read from the reading an earlier import kept (read/memo.py) reads
exactly as the whole file does: rows, their values' types, sheets; whatever the replay
cannot vouch for is read whole. Blocks are forced down to a few hundred bytes here, so
that small workbooks have a start and an end that stay the same."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.data import hostile_files
from xcert.errors import XcertError
from xcert.read import memo
from xcert.read.sheets import read_workbook

Lookup = memo.Lookup


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "BLOCK", 256)


def write(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    """A workbook as openpyxl writes it streaming: text inline, no shared strings."""
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def kept(path: Path) -> Lookup:
    """What an import of `path` keeps, as the database hands it back."""
    pending = read_workbook(path, earlier=lambda key: None).reading
    assert pending is not None
    return keeping(pending)


def keeping(pending: memo.Pending) -> Lookup:
    """The lookup of a database that kept this reading."""
    blob = pending.blob()
    assert blob is not None
    digests, rows, changes = blob
    return lambda key: (digests, lambda: (rows, changes)) if key == pending.key else None


def typed(rows: list[list[object]]) -> list[list[tuple[str, object]]]:
    """Rows with each value's type: 1, 1.0 and True are equal, and must not pass so."""
    return [[(type(v).__name__, v) for v in row] for row in rows]


def read_again(path: Path, earlier: Lookup) -> bool:
    """Read `path` with the earlier reading and whole; the same, whether replayed."""
    again = read_workbook(path, earlier=earlier)
    whole = read_workbook(path)
    assert [(s.name, s.hidden) for s in again.sheets] == [(s.name, s.hidden) for s in whole.sheets]
    for a, b in zip(again.sheets, whole.sheets, strict=True):
        assert typed(a.rows) == typed(b.rows), a.name
    assert again.reading is not None
    return again.reading.replayed


HEADER = ["学号", "姓名", "班级", "入学日期", "成绩"]


def roster(count: int) -> list[list[object]]:
    return [HEADER] + [
        [f"2024{i:05d}", f"学生{i}", f"24数控{1 + i // 40}", dt.date(2024, 9, 1 + i % 28), i % 100]
        for i in range(count)
    ]


@pytest.mark.usefixtures("small_blocks")
def test_one_changed_row_is_read_again_and_the_rest_kept(tmp_path: Path) -> None:
    rows = roster(200)
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    rows[100][1] = "改了名字的学生"
    rows[100][3] = dt.date(2023, 1, 2)
    corrected = write(tmp_path / "b.xlsx", {"花名册": rows})
    assert read_again(corrected, earlier)
    assert read_workbook(corrected, earlier=earlier).sheets[0].rows[100][1] == "改了名字的学生"


@pytest.mark.usefixtures("small_blocks")
def test_a_reading_replayed_is_kept_again_for_the_next_copy(tmp_path: Path) -> None:
    rows = roster(200)
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    rows[60][4] = 99.5
    second = write(tmp_path / "b.xlsx", {"花名册": rows})
    assert read_again(second, earlier)
    rows[150][4] = "缺考"
    third = write(tmp_path / "c.xlsx", {"花名册": rows})
    assert read_again(third, kept_after(second, earlier))


def kept_after(path: Path, earlier: Lookup) -> Lookup:
    pending = read_workbook(path, earlier=earlier).reading
    assert pending is not None and pending.replayed
    return keeping(pending)


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize(
    ("what", "edit"),
    [
        ("the header", lambda rows: rows[0].__setitem__(1, "学生姓名")),
        ("the last row", lambda rows: rows[-1].__setitem__(1, "末行")),
        ("a row added at the end", lambda rows: rows.append(["2024999", "新生", "24数控1"])),
        ("the last row taken away", lambda rows: rows.pop()),
        ("a row taken out", lambda rows: rows.pop(100)),  # the rows after it renumbered
        (
            "rows at both ends",
            lambda rows: (rows[2].__setitem__(1, "甲"), rows[-3].__setitem__(1, "乙")),
        ),
        ("a wider row", lambda rows: rows[100].extend(["", "", "备注"])),
        ("every row", lambda rows: [row.__setitem__(1, f"{row[1]}!") for row in rows[1:]]),
    ],
)
def test_what_a_replay_cannot_vouch_for_is_read_whole(
    tmp_path: Path, what: str, edit: Callable[[list[list[object]]], object]
) -> None:
    rows = roster(200)
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    edit(rows)
    assert not read_again(write(tmp_path / "b.xlsx", {"花名册": rows}), earlier), what


@pytest.mark.usefixtures("small_blocks")
def test_the_only_row_reaching_the_right_edge_changed_is_read_whole(tmp_path: Path) -> None:
    rows = [row[:3] for row in roster(200)]
    rows[100] = [*rows[100], "", "", "备注"]  # the sheet's width, from this row alone
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    rows[100] = rows[100][:3]
    assert not read_again(write(tmp_path / "b.xlsx", {"花名册": rows}), earlier)


@pytest.mark.usefixtures("small_blocks")
def test_one_sheet_of_several_changed(tmp_path: Path) -> None:
    first, second = roster(150), roster(120)
    sheets = {"一班": first, "二班": second, "空表": []}
    earlier = kept(write(tmp_path / "a.xlsx", sheets))
    second[60][2] = "24模具1"
    assert read_again(write(tmp_path / "b.xlsx", sheets), earlier)


@pytest.mark.usefixtures("small_blocks")
def test_other_parts_changed_read_whole(tmp_path: Path) -> None:
    """The same rows under another sheet name: the workbook part differs."""
    rows = roster(200)
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    assert not read_again(write(tmp_path / "b.xlsx", {"名单": rows}), earlier)


def test_shared_strings_changed_read_whole(tmp_path: Path) -> None:
    """openpyxl (as Excel) keeps text in shared strings: new text is another part."""
    book = Workbook()
    for row in roster(100):
        book.active.append(row)
    book.save(tmp_path / "a.xlsx")
    earlier = kept(tmp_path / "a.xlsx")
    book.active["B50"] = "新名字"
    book.save(tmp_path / "b.xlsx")
    assert not read_again(tmp_path / "b.xlsx", earlier)
    book.active["E50"] = 77  # a number: the shared strings as before
    book.active["B50"] = "学生48"
    book.save(tmp_path / "c.xlsx")
    read_again(tmp_path / "c.xlsx", earlier)


def raw_book(path: Path, rows_xml: str, tail: str = "") -> Path:
    """A workbook of one sheet whose rows are written as given."""
    sheet = hostile_files._SHEET_HEAD + rows_xml + "</sheetData>" + tail + "</worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in hostile_files._skeleton(sheet, None).items():
            archive.writestr(name, content)
    return path


def xml_rows(count: int, *, numbered: bool = True, changed: int = -1) -> str:
    out = []
    for r in range(1, count + 1):
        text = "改" if r == changed else f"第{r}行"
        number = f' r="{r}"' if numbered else ""
        out.append(
            f'<row{number}><c t="inlineStr"><is><t>{text}</t></is></c><c><v>{r}</v></c></row>'
        )
    return "".join(out)


@pytest.mark.usefixtures("small_blocks")
def test_rows_without_their_number_are_read_whole(tmp_path: Path) -> None:
    earlier = kept(raw_book(tmp_path / "a.xlsx", xml_rows(100, numbered=False)))
    changed = raw_book(tmp_path / "b.xlsx", xml_rows(100, numbered=False, changed=50))
    assert not read_again(changed, earlier)
    earlier = kept(raw_book(tmp_path / "c.xlsx", xml_rows(100)))
    assert read_again(raw_book(tmp_path / "d.xlsx", xml_rows(100, changed=50)), earlier)


@pytest.mark.usefixtures("small_blocks")
def test_a_merged_area_fills_again_from_its_changed_corner(tmp_path: Path) -> None:
    """A class code merged down rows 40-60: its corner row changed, every row of the
    area gets the new code; the rows below the change keep what they were."""
    merge = '<mergeCells count="1"><mergeCell ref="A40:A60"/></mergeCells>'
    earlier = kept(raw_book(tmp_path / "a.xlsx", xml_rows(100), merge))
    changed = raw_book(tmp_path / "b.xlsx", xml_rows(100, changed=40), merge)
    assert read_again(changed, earlier)
    rows = read_workbook(changed, earlier=earlier).sheets[0].rows
    assert [row[0] for row in rows[39:60]] == ["改"] * 21 and rows[60][0] == "第61行"


@pytest.mark.usefixtures("small_blocks")
@pytest.mark.parametrize("where", ["directory CRC", "deflated data"])
def test_a_damaged_sheet_reads_as_the_whole_reader_reads_it(tmp_path: Path, where: str) -> None:
    """A wrong CRC (the whole reader does not check it) or damaged deflated data (it
    refuses): the same outcome with an earlier reading as without."""
    rows = roster(200)
    earlier = kept(write(tmp_path / "a.xlsx", {"花名册": rows}))
    rows[100][1] = "另一个名字"
    data = bytearray(write(tmp_path / "b.xlsx", {"花名册": rows}).read_bytes())
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    if where == "directory CRC":
        name = data.find(b"xl/worksheets/sheet1.xml", info.header_offset + 30)
        data[data.rfind(b"PK\x01\x02", 0, name) + 16] ^= 0xFF
    else:
        data[info.header_offset + 30 + len(info.filename) + info.compress_size // 2] ^= 0x55
    damaged = tmp_path / "c.xlsx"
    damaged.write_bytes(bytes(data))
    try:
        whole = typed(read_workbook(damaged).sheets[0].rows)
    except XcertError as exc:
        with pytest.raises(XcertError) as again:
            read_workbook(damaged, earlier=earlier)
        assert str(again.value) == str(exc)
    else:
        assert typed(read_workbook(damaged, earlier=earlier).sheets[0].rows) == whole


_CELL = st.one_of(
    st.none(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(alphabet="学生班级甲乙丙 abc123-", min_size=1, max_size=8),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)),
    st.booleans(),
)
_ROWS = st.lists(st.lists(_CELL, min_size=1, max_size=5), min_size=8, max_size=40)


@st.composite
def _edits(draw: st.DrawFn, rows: list[list[object]]) -> list[list[object]]:
    """The rows with a few edits: cells changed, rows added or taken out."""
    after = [list(row) for row in rows]
    for _ in range(draw(st.integers(1, 2))):
        at = draw(st.integers(0, len(after) - 1))
        kind = draw(st.sampled_from(["cell"] * 6 + ["insert", "delete", "blank"]))
        if kind == "cell":
            column = draw(st.integers(0, len(after[at]) - 1))
            after[at][column] = draw(_CELL)
        elif kind == "insert":
            after.insert(at, draw(st.lists(_CELL, min_size=1, max_size=5)))
        elif kind == "delete" and len(after) > 2:
            del after[at]
        else:
            after[at] = [None] * len(after[at])
    return after


@st.composite
def _versions(draw: st.DrawFn) -> list[list[list[object]]]:
    """A sheet's rows, corrected, then corrected again."""
    first = draw(_ROWS)
    second = draw(_edits(first))
    return [first, second, draw(_edits(second))]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(versions=_versions())
def test_any_corrected_copy_reads_as_the_whole_file_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, versions: list[list[list[object]]]
) -> None:
    """A copy corrected twice, each read with the reading the one before left (kept
    whole, or as the rows changed since): each reads as it does whole."""
    monkeypatch.setattr(memo, "BLOCK", 64)
    monkeypatch.setattr(memo, "CHANGED_SHARE", 1)  # any window between the same ends
    monkeypatch.setattr(memo, "CHANGES_SHARE", 1)  # changes kept as such whenever possible
    earlier = kept(write(tmp_path / "0.xlsx", {"表": versions[0]}))
    for n, rows in enumerate(versions[1:], start=1):
        path = write(tmp_path / f"{n}.xlsx", {"表": rows})
        event(f"copy {n}: " + ("replayed" if read_again(path, earlier) else "whole"))
        pending = read_workbook(path, earlier=earlier).reading
        assert pending is not None
        earlier = keeping(pending)
