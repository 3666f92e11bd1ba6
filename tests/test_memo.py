"""A corrected copy of the roster imported last is read only where it changed (ingest/memo.py).
The promise: the same database, output and exit code as reading it whole. Each kind of
edit a clerk makes is imported twice, into two copies of one school: once as xcert does
it, once with the memo switched off (the whole path); the results must be the same, and
the edits the memo is for must take its path (or the comparison proves nothing)."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.test_slices import HEADER, roster_book
from xcert.ingest import memo, run
from xcert.ingest.sliced import SlicedRoster
from xcert.read import slices

from conftest import Cli, make_id

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import excel_style  # noqa: E402  (the benchmarks' Excel-style writer: shared strings)

COUNT = 120  # students; rows 3–122 (a title row, then the header)


def _students() -> list[list[object]]:
    rows: list[list[object]] = []
    for i in range(COUNT):
        seq = f"{i % 1000:03d}"
        gender = "男" if int(seq[-1]) % 2 else "女"
        if i % 17 == 5:
            gender = "女" if gender == "男" else "男"  # disagrees with the ID: a warning
        rows.append(
            [
                f"2024{i:05d}",
                f"学生{i}号" if i % 31 != 9 else "王?明",  # a `?` in a name: a warning
                gender,
                make_id(f"2008{1 + i % 12:02d}{1 + i % 28:02d}", seq),
                f"24数控{1 + i // 45}",
                "数控技术应用",
                2024,
                f"1380000{i:04d}" if i % 5 else 13900000000 + i,  # some phones as numbers
            ]
        )
    return rows


def _write(path: Path, students: list[list[object]], variant: str) -> Path:
    """The roster as openpyxl writes it (a merged title, inline strings; "no 学号": the
    students known by their ID numbers only) or as Excel does (shared strings, no title)."""
    if variant == "shared":
        excel_style.write(path, "花名册", HEADER, students)
        return path
    if variant == "no 学号":
        students = [[None, *row[1:]] for row in students]
    return roster_book(path, students)


def _row(students: list[list[object]], number: int) -> list[object]:
    """The student on the roster's row `number` (1-based, as Excel shows it)."""
    return students[number - 3]


Edit = Callable[[list[list[object]]], None]


def _set(number: int, column: int, value: object) -> Edit:
    return lambda students: _row(students, number).__setitem__(column, value)


def _both(*edits: Edit) -> Edit:
    def edit(students: list[list[object]]) -> None:
        for one in edits:
            one(students)

    return edit


def _flipped(number: int) -> Edit:
    """Row `number`'s gender the other way (男 and 女 are both in any file already)."""
    return lambda students: _row(students, number).__setitem__(
        2, "男" if _row(students, number)[2] == "女" else "女"
    )


def _saved_again(path: Path) -> None:
    """The same workbook written again by a program that compresses it otherwise: other
    bytes, the same content."""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(path, "w") as new:
        for member in old.infolist():
            new.writestr(member.filename, old.read(member), zipfile.ZIP_DEFLATED, 9)


# (name, the edit, whether the memo's path takes it with inline strings, with shared
# strings, with no 学号): True, it must; None, it may fall back (a problem, a row merged
# with another, a string new to the shared strings, rows moved), and the comparison holds.
EDITS: list[tuple[str, Edit, tuple[bool | None, bool | None, bool | None]]] = [
    ("a phone", _set(60, 7, "13912345678"), (True, None, True)),
    ("a phone as a number", _set(61, 7, 13912345678), (True, None, True)),
    ("a name", _set(70, 1, "学生七十"), (True, None, None)),
    ("a gender now disagreeing", _flipped(80), (True, True, True)),
    ("a warning mended", _flipped(3 + 39), (True, True, True)),
    ("a `?` added to a name", _set(90, 1, "李?华"), (True, None, None)),
    ("a new 学号", _set(66, 0, "202499999"), (None, None, None)),
    ("another row's 学号", _set(66, 0, "202400070"), (None, None, None)),
    ("another row's ID number", _set(67, 3, make_id("20080101", "444")), (None, None, None)),
    ("a bad ID number", _set(68, 3, "440000200801019999"), (None, None, None)),
    ("a name taken away", _set(69, 1, None), (None, None, None)),
    ("a row emptied", lambda s: s.__setitem__(69 - 3, [None] * len(HEADER)), (None, None, None)),
    (
        "two rows apart",
        _both(_set(40, 7, "13911111111"), _set(110, 7, "1392222222")),
        (True, None, True),
    ),
    ("two genders apart", _both(_flipped(40), _flipped(110)), (True, True, True)),
    ("a row near the header", _set(6, 7, "13933333333"), (None, None, None)),
    ("a row added at the end", lambda s: s.append(list(_row(_students(), 40))), (None,) * 3),
    ("a row taken away", lambda s: s.pop(50), (None, None, None)),
    ("nothing (saved again)", lambda s: None, (True, True, True)),
]
VARIANTS = ("inline", "shared", "no 学号")


def _run(
    cli: Cli, path: Path, folder: str, *options: str
) -> tuple[int, str, str, list[str], list[tuple]]:
    """What an import shows and keeps (its database's folder named alike in both)."""
    result = cli("import", path, *options)
    shown = (
        result.stdout.replace(f"/{folder}/", "/DB/"),
        result.stderr.replace(f"/{folder}/", "/DB/"),
    )
    imports = cli.query("SELECT * FROM imports ORDER BY id")
    dump = [line for line in cli.dump() if "import_memo" not in line]
    return result.exit_code, *shown, dump, imports


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each import took the memo's path (a spy on `memo._apply`)."""
    seen: list[bool] = []
    apply = memo._apply

    def spy(*args: object, **kwargs: object) -> bool:
        done = apply(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(done)
        return done

    monkeypatch.setattr(memo, "_apply", spy)
    return seen


def _compare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, steps: list[Path], *options: str
) -> None:
    """Import the first file into a new school, then each next one (with `options`):
    once as xcert does, once with the memo never used; all the user sees and keeps alike."""
    (tmp_path / "fast").mkdir()
    (tmp_path / "whole").mkdir()
    fast, whole = Cli(tmp_path / "fast" / "x.db"), Cli(tmp_path / "whole" / "x.db")
    load = memo._load
    for step in steps:
        monkeypatch.setattr(memo, "_load", load)
        given = options if step != steps[0] else ()
        got = _run(fast, step, "fast", *given)
        monkeypatch.setattr(memo, "_load", lambda conn, options: None)
        want = _run(whole, step, "whole", *given)
        assert got[:3] == want[:3], (step.name, want[2])
        assert got[3] == want[3], step.name
        assert got[4] == want[4], step.name


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("name", "edit", "fast"), EDITS, ids=[e[0] for e in EDITS])
def test_a_corrected_copy_reads_as_the_whole_file(
    tmp_path, monkeypatch, taken, name, edit, fast, variant
):
    students = _students()
    first = _write(tmp_path / "花名册.xlsx", students, variant)
    edit(students)
    second = _write(tmp_path / "花名册（改）.xlsx", students, variant)
    if name.startswith("nothing"):
        _saved_again(second)
    _compare(tmp_path, monkeypatch, [first, second])
    if fast[VARIANTS.index(variant)]:
        assert taken == [True], name


SLICED_EDITS = [
    e for e in EDITS if e[0] in ("a phone", "a gender now disagreeing", "a row taken away")
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize(("name", "edit", "fast"), SLICED_EDITS, ids=[e[0] for e in SLICED_EDITS])
def test_a_correction_of_a_roster_first_read_in_slices(
    tmp_path, monkeypatch, taken, name, edit, fast, variant
):
    """A large first roster comes a slice at a time (ingest/sliced.py): it is kept all
    the same, and its correction read where it changed, as the whole file reads."""
    monkeypatch.setattr(slices, "SLICED_BYTES", 0)
    monkeypatch.setattr(slices, "SLICE_BYTES", 1500)
    inserted: list[SlicedRoster] = []
    real = run.import_roster_slices

    def spy(*args, **kwargs):
        inserted.append(real(*args, **kwargs))
        return inserted[-1]

    monkeypatch.setattr(run, "import_roster_slices", spy)
    students = _students()
    first = _write(tmp_path / "花名册.xlsx", students, variant)
    edit(students)
    second = _write(tmp_path / "花名册（改）.xlsx", students, variant)
    _compare(tmp_path, monkeypatch, [first, second])
    assert [i.students for i in inserted] == [range(1, COUNT + 1)] * 2  # both first imports
    top = 2 if variant == "shared" else 3  # below the header (and the title: not Excel's)
    assert [i.rows for i in inserted] == [range(top, COUNT + top)] * 2  # a run: kept as one
    if fast[VARIANTS.index(variant)]:
        assert taken == [True], name


def test_a_chain_of_corrections_each_read_where_it_changed(tmp_path, monkeypatch, taken):
    students = _students()
    steps = [_write(tmp_path / "花名册.xlsx", students, "inline")]
    for number, phone in ((60, "13912345678"), (61, "13912345679"), (60, "13912345670")):
        _set(number, 7, phone)(students)
        steps.append(_write(tmp_path / f"花名册{len(steps)}.xlsx", students, "inline"))
    _compare(tmp_path, monkeypatch, steps)
    assert taken == [True, True, True]


def test_a_dry_run_of_a_correction_reads_as_the_whole_file(tmp_path, monkeypatch, taken):
    students = _students()
    first = _write(tmp_path / "花名册.xlsx", students, "inline")
    _flipped(80)(students)
    second = _write(tmp_path / "花名册（改）.xlsx", students, "inline")
    _compare(tmp_path, monkeypatch, [first, second], "--dry-run")
    assert taken == [True]


def _memo_count(cli: Cli) -> int:
    return cli.query("SELECT count(*) FROM import_memo")[0][0]


def test_any_other_write_forgets_the_file(tmp_path, cli, taken):
    students = _students()
    first = _write(tmp_path / "花名册.xlsx", students, "inline")
    assert cli("import", first).exit_code == 0 and _memo_count(cli) == 1
    other = [["学号", "姓名", "班级"], ["202500001", "新生甲", "25数控1"]]
    book = Workbook()
    for row in other:
        book.active.append(row)
    book.save(tmp_path / "新生.xlsx")
    assert cli("import", tmp_path / "新生.xlsx").exit_code == 0
    assert _memo_count(cli) == 0
    _set(60, 7, "13912345678")(students)
    assert cli("import", _write(tmp_path / "改.xlsx", students, "inline")).exit_code == 0
    assert taken == []  # read whole: the data is no longer what the file was read into


def test_undo_and_purge_leave_no_file_behind(tmp_path, cli):
    book = Workbook()
    book.active.append([*HEADER, "学籍状态"])
    for row in _students():
        book.active.append([*row[:6], 2017, row[7], "毕业"])  # 2020届: graduated long ago
    first = tmp_path / "花名册.xlsx"
    book.save(first)
    assert cli("import", first).exit_code == 0 and _memo_count(cli) == 1
    assert cli("undo", "1").exit_code == 0 and _memo_count(cli) == 0
    assert cli("import", first).exit_code == 0 and _memo_count(cli) == 1
    assert cli("purge", "--graduated-before", "2021").exit_code == 0
    assert _memo_count(cli) == 0


SHEET = "xl/worksheets/sheet1.xml"


def _rezipped(src: Path, dst: Path, change: Callable[[str, bytes], tuple[str, bytes]]) -> Path:
    """A copy of a workbook with each part (name, bytes) passed through `change`."""
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            new.writestr(*change(member.filename, old.read(member)))
    return dst


def _in_sheet(edit: Callable[[bytes], bytes]) -> Callable[[str, bytes], tuple[str, bytes]]:
    return lambda name, data: (name, edit(data) if name == SHEET else data)


MERGED = b'<mergeCell ref="E60:E61"/>'
MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MERGES_WRITTEN = {
    "plain": lambda x: x,
    "tab": lambda x: x.replace(MERGED, b'<mergeCell\tref="E60:E61"/>'),
    "prefix": lambda x: x.replace(
        b"<worksheet ", b'<worksheet xmlns:q="' + MAIN + b'" ', 1
    ).replace(MERGED, b'<q:mergeCell ref="E60:E61"/>'),
    "before the rows": lambda x: x.replace(MERGED, b"").replace(
        b"<sheetData>", b'<mergeCells count="1">' + MERGED + b"</mergeCells><sheetData>"
    ),
}


@pytest.mark.parametrize("written", MERGES_WRITTEN)
def test_a_class_merged_over_the_corrected_row_reads_as_the_whole_file(
    tmp_path, monkeypatch, written
):
    """Row 61's class is row 60's, merged down (the reader fills it however the merge is
    written): correcting row 60's class corrects both students."""
    students = _students()
    students[61 - 2][4] = None  # (no title row here: row 61 is the 60th student)
    book = Workbook()
    book.active.append(HEADER)
    for row in students:
        book.active.append(row)
    book.active.merge_cells("E60:E61")
    book.save(tmp_path / "base.xlsx")
    styled = MERGES_WRITTEN[written]
    first = _rezipped(tmp_path / "base.xlsx", tmp_path / "花名册.xlsx", _in_sheet(styled))
    cell = b'<c r="E60" t="inlineStr"><is><t>24&#25968;&#25511;2</t></is></c>'

    def corrected(xml: bytes) -> bytes:
        assert cell in xml
        return styled(xml).replace(cell, cell.replace(b"2</t>", b"9</t>"))

    second = _rezipped(tmp_path / "base.xlsx", tmp_path / "改.xlsx", _in_sheet(corrected))
    _compare(tmp_path, monkeypatch, [first, second])


def test_a_sheet_kept_under_another_name_reads_as_the_whole_file(tmp_path, monkeypatch):
    """A workbook may keep its sheet anywhere (here beside the document's properties,
    which a copy may change freely): the change in it is read."""
    base = _write(tmp_path / "base.xlsx", _students(), "inline")

    def moved(edit: Callable[[bytes], bytes]) -> Callable[[str, bytes], tuple[str, bytes]]:
        def change(name: str, data: bytes) -> tuple[str, bytes]:
            if name == SHEET:
                return "docProps/sheet1.xml", edit(data)
            if name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"/xl/worksheets/sheet1.xml", b"/docProps/sheet1.xml")
                return name, data.replace(b'"worksheets/sheet1.xml"', b'"/docProps/sheet1.xml"')
            return name, data

        return change

    first = _rezipped(base, tmp_path / "花名册.xlsx", moved(lambda x: x))
    phone = b"<t>13800000057</t>"
    second = _rezipped(base, tmp_path / "改.xlsx", moved(lambda x: x.replace(phone, b"<t>139</t>")))
    _compare(tmp_path, monkeypatch, [first, second])


def test_a_corrected_row_reaching_past_what_a_file_may_hold_is_refused_alike(tmp_path, monkeypatch):
    """A cell in column XFD (a 20,000,000-cell sheet, by its range): the whole reader
    refuses the file, and so does the import of it as a corrected copy."""
    students = _students() * 11  # 1,322 rows × 16,384 columns: past 20,000,000 cells
    for i, row in enumerate(students):
        row[0], row[3] = f"2024{i:05d}", make_id(f"2008{1 + i % 12:02d}01", f"{i % 1000:03d}")
    base = _write(tmp_path / "base.xlsx", students, "inline")
    cell = b'<c r="H600"'
    far = _in_sheet(lambda x: x.replace(cell, b'<c r="XFD600"><v>1</v></c>' + cell))
    second = _rezipped(base, tmp_path / "改.xlsx", far)
    _compare(tmp_path, monkeypatch, [base, second])


@pytest.mark.parametrize("target", ["/docProps/app.xml", "/DOCPROPS/app.xml"])
def test_a_second_sheet_kept_where_the_document_properties_go_is_compared(
    tmp_path, monkeypatch, target
):
    """The properties' name holds a sheet here: a copy in which it turns into a results
    list is no copy of the same file (the whole import reads the list)."""
    base = _write(tmp_path / "base.xlsx", _students(), "inline")
    rel = (
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/worksheet" Target="%s"/></Relationships>' % target.encode()
    )  # (the reader finds a part whatever the case of its name)
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    listed = f'<sheet xmlns:r="{r}" name="说明" sheetId="9" r:id="rId99"/></sheets>'.encode()

    def with_second(rows: list[list[object]]) -> Callable[[str, bytes], tuple[str, bytes]]:
        book = Workbook()
        for row in rows:
            book.active.append(row)
        book.save(tmp_path / "second.xlsx")
        with zipfile.ZipFile(tmp_path / "second.xlsx") as second:
            sheet = second.read(SHEET)

        def change(name: str, data: bytes) -> tuple[str, bytes]:
            if name == "docProps/app.xml":
                return name, sheet
            if name == "xl/_rels/workbook.xml.rels":
                return name, data.replace(b"</Relationships>", rel)
            if name == "xl/workbook.xml":
                return name, data.replace(b"</sheets>", listed)
            return name, data

        return change

    first = _rezipped(base, tmp_path / "花名册.xlsx", with_second([["说明"]]))
    results = [
        ["学号", "姓名", "证书名称", "考核结果"],
        ["202400001", "学生1号", "机械制图", "合格"],
    ]
    second = _rezipped(base, tmp_path / "改.xlsx", with_second(results))
    _compare(tmp_path, monkeypatch, [first, second])


def test_the_import_writes_only_once_the_sheet_is_written(tmp_path, cli, monkeypatch):
    """The sheet is written on a second thread over the import's connection, while the
    reader parses: the import's next statement waits for it (statements of both threads
    in turn mixed up the connection's last row id: a teachers' list was refused)."""
    from xcert.ingest import kept_file, run

    started: list[kept_file.Keeping] = []
    init, store = kept_file.Keeping.__init__, kept_file.store_stream

    def recorded(self: kept_file.Keeping, *args: object) -> None:
        started.append(self)
        init(self, *args)  # type: ignore[arg-type]

    def slow(*args: object) -> None:
        time.sleep(0.3)  # (a slow disk: the reader done first)
        store(*args)  # type: ignore[arg-type]

    busy: list[bool] = []
    record = run.record_import

    def recording(*args: object, **kwargs: object) -> int:
        busy.append(any(keeping.thread.is_alive() for keeping in started))
        return record(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kept_file.Keeping, "__init__", recorded)
    monkeypatch.setattr(kept_file, "store_stream", slow)
    monkeypatch.setattr(run, "record_import", recording)
    assert cli("import", _write(tmp_path / "花名册.xlsx", _students(), "inline")).exit_code == 0
    assert len(started) == 1 and busy == [False]
    assert _memo_count(cli) == 1


def test_a_sheet_given_up_is_not_written_after_the_import_rolled_back(tmp_path, monkeypatch):
    """Ctrl-C while the sheet is still being read: the import rolls back, and the sheet
    must not be written afterwards, on its own, outside the import's transaction."""
    import sqlite3

    from xcert.ingest import kept_file
    from xcert.store import schema

    schema.init(tmp_path / "x.db")
    conn = sqlite3.connect(tmp_path / "x.db", isolation_level=None, check_same_thread=False)
    reading = kept_file.kept_of

    def slow(data: bytes) -> object:
        time.sleep(0.3)
        return reading(data)

    monkeypatch.setattr(kept_file, "kept_of", slow)
    data = _write(tmp_path / "花名册.xlsx", _students(), "inline").read_bytes()
    conn.execute("BEGIN IMMEDIATE")
    writing = kept_file.Keeping(conn, data)
    writing.cancel()
    conn.execute("ROLLBACK")
    writing.thread.join()
    assert conn.execute("SELECT count(*) FROM import_memo_file").fetchone()[0] == 0
    assert writing.join() is None


def test_a_file_whose_other_parts_are_large_is_not_kept(tmp_path, cli, monkeypatch):
    """The other parts are digested before the reader's checks: bounded by their declared
    sizes (a part declaring 600 MB of zeros took 1.2 GB), past which nothing is kept."""
    from xcert.ingest import kept_file

    monkeypatch.setattr(kept_file, "MAX_OTHER_BYTES", 1000)
    assert cli("import", _write(tmp_path / "花名册.xlsx", _students(), "inline")).exit_code == 0
    assert _memo_count(cli) == 0
    assert cli.query("SELECT count(*) FROM import_memo_file") == [(0,)]
