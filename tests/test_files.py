"""Files written by LibreOffice (not openpyxl), and hostile files: bounded and refused."""

from __future__ import annotations

import json
import time

import pytest

from conftest import DATA
from data.hostile_files import (
    make_entity_bomb,
    make_not_a_workbook,
    make_repeated_ods,
    make_shared_string_bomb,
    make_word_document,
    make_zip_bomb,
)

EXPECTED = json.loads((DATA / "lo_roster_expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["lo_roster.xlsx", "lo_roster.xls", "lo_roster.ods"])
def test_workbooks_saved_by_libreoffice_import_the_same(cli, name):
    result = cli("import", DATA / name)
    assert result.exit_code == 0, result.output
    assert "表头在第2行" in result.stdout and "「说明」：未找到表头" in result.stdout
    stored = cli.query(
        "SELECT student_no, name, gender, id_number, class_code FROM students ORDER BY student_no"
    )
    assert [dict(zip(EXPECTED[0], row, strict=True)) for row in stored] == EXPECTED


def test_the_three_formats_are_one_set_of_students(cli):
    for name in ("lo_roster.xls", "lo_roster.xlsx", "lo_roster.ods"):
        assert cli("import", DATA / name).exit_code == 0
    assert cli.query("SELECT count(*) FROM students") == [(len(EXPECTED),)]


def _refused_quickly(cli, path, fragment):
    """Refused, with nothing written, by an `xcert import` of its own with 2 GB of address
    space (a regression fails instead of swapping). How fast is a figure of
    benchmarks/run.py (its hostile-* cases); the bound here only catches a reader that
    hangs on the file."""
    assert cli("init").exit_code == 0
    started = time.perf_counter()
    result = _capped_import(cli.db, path)
    elapsed = time.perf_counter() - started
    assert result.returncode == 1, result.stderr[-500:]
    assert fragment in result.stderr and "Traceback" not in result.stderr
    assert elapsed < 120
    assert cli.query("SELECT count(*) FROM students") == [(0,)]


def test_zip_bomb_is_refused_by_its_declared_size(cli, tmp_path):
    _refused_quickly(cli, make_zip_bomb(tmp_path / "bomb.xlsx"), "压缩炸弹")


def test_zip_bomb_under_the_size_cap_is_refused_by_its_ratio(cli, tmp_path):
    _refused_quickly(
        cli, make_zip_bomb(tmp_path / "bomb.xlsx", inflated_bytes=400 << 20), "压缩炸弹"
    )


def test_zip_bomb_that_lies_about_its_size_is_refused(cli, tmp_path):
    path = make_zip_bomb(tmp_path / "liar.xlsx", 400 << 20, declared_size=1 << 20)
    _refused_quickly(cli, path, "liar.xlsx")


def test_zip_bomb_that_lies_with_a_matching_checksum_is_refused(cli, tmp_path):
    path = make_zip_bomb(
        tmp_path / "liar.xlsx", 400 << 20, declared_size=1 << 20, crc_of_prefix=True
    )
    _refused_quickly(cli, path, "压缩炸弹")


@pytest.mark.parametrize("member", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
def test_xml_entity_bomb_is_refused(cli, tmp_path, member):
    _refused_quickly(cli, make_entity_bomb(tmp_path / "laughs.xlsx", member=member), "实体")


def test_entity_declaration_far_into_the_prolog_is_refused_too(cli, tmp_path):
    path = make_entity_bomb(tmp_path / "late.xlsx", prolog_padding=20_000)
    _refused_quickly(cli, path, "实体")


def test_plain_text_named_xlsx_says_it_is_text(cli, tmp_path):
    _refused_quickly(cli, make_not_a_workbook(tmp_path / "roster.xlsx"), "纯文本")


def test_word_document_named_xlsx(cli, tmp_path):
    _refused_quickly(cli, make_word_document(tmp_path / "roster.xlsx"), "Word")


def test_huge_cell_in_csv_is_refused(cli, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("学号,姓名,班级\n1," + "长" * 100_000 + ",20数控1\n", encoding="utf-8")
    _refused_quickly(cli, path, "huge.csv")


def test_overlong_name_cell_in_a_workbook_is_an_invalid_row(cli, xlsx):
    path = xlsx("long.xlsx", {"S": [["学号", "姓名", "班级"], ["1", "长" * 5000, "20数控1"]]})
    result = cli("import", path)
    assert result.exit_code == 1 and "内容过长" in result.stderr


def test_csv_with_carriage_returns_only_imports(cli, tmp_path):
    """Old Mac Excel ends a row with a lone CR."""
    path = tmp_path / "mac.csv"
    path.write_bytes("学号,姓名,班级\r1,甲,22数控1\r2,乙,22数控1\r".encode())
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert [s[:2] for s in cli.students()] == [("1", "甲"), ("2", "乙")]


def test_a_csv_cell_too_long_for_excel_names_its_row(cli, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("学号,姓名,班级\n1,甲,22数控1\n2," + "乙" * 40000 + ",22数控1\n", "utf-8")
    result = cli("import", path)
    assert result.exit_code == 1 and "第3行" in result.stderr and "32767" in result.stderr
    assert result.stderr.count("\n") == 1


def test_utf32_is_named_as_utf32(cli, tmp_path):
    path = tmp_path / "u32.csv"
    path.write_bytes("学号,姓名,班级\n1,甲,22数控1\n".encode("utf-32"))
    result = cli("import", path)
    assert result.exit_code == 0 and "UTF-32" in result.stdout


def _capped_import(db, path):
    """`xcert import` as its own process with 2 GB of address space: a reader that tries
    to lay out a huge sheet fails the test instead of swapping the machine."""
    import os
    import resource
    import subprocess
    import sys

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "xcert", "--db", str(db), "import", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=cap if os.name == "posix" else None,
    )


@pytest.mark.parametrize("far", ["XFD1048576", "IZ1048576"])
def test_one_stray_cell_far_away_is_refused_not_laid_out(tmp_path, far):
    from openpyxl import Workbook

    book = Workbook()
    for row in (["学号", "姓名", "班级"], ["1", "甲", "22数控1"], ["2", "乙", "22数控1"]):
        book.active.append(row)
    book.active[far] = "x"
    path = tmp_path / "far.xlsx"
    book.save(path)
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert f"已用范围到 {far}" in result.stderr and "Traceback" not in result.stderr


def test_cells_sharing_one_huge_string_are_refused_not_copied(tmp_path):
    path = make_shared_string_bomb(tmp_path / "shared.xlsx")
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "共享文字" in result.stderr and "Traceback" not in result.stderr


def test_an_ods_row_repeated_into_millions_of_cells_is_refused(tmp_path):
    path = make_repeated_ods(tmp_path / "repeat.ods")
    assert path.stat().st_size < 2048
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "重复的行和列" in result.stderr and "Traceback" not in result.stderr


def test_a_far_cell_behind_a_declared_small_range_is_refused(tmp_path):
    """The declared range may lie (A1:C3); where the cells are decides."""
    import re

    from openpyxl import Workbook

    book = Workbook()
    for row in (["学号", "姓名", "班级"], ["1", "甲", "22数控1"]):
        book.active.append(row)
    book.active["XFD1048576"] = "x"
    honest = tmp_path / "honest.xlsx"
    book.save(honest)
    lying = _sheets_edited(
        honest,
        tmp_path / "lying.xlsx",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:C3"', xml),
    )
    result = _capped_import(tmp_path / "x.db", lying)
    assert result.returncode == 1, result.stderr[-500:]
    assert "XFD列、第1048576行" in result.stderr and "Traceback" not in result.stderr


def _sheets_edited(source, target, edit):
    """A copy of the workbook whose worksheets' XML went through `edit`."""
    import zipfile

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = edit(data)
            new.writestr(item, data)
    return target


# A far cell the check must see however the sheet writes it (found by fuzzing: each of
# these made the reader ask for 512 GB and abort the process).
FAR_CELL_FORMS = {
    "type-before-ref": (b'<c r="C3" t="inlineStr">', b'<c t="inlineStr" r="XFD1048576">'),
    "far-row-in-row-1": (b'<c r="C3" t="inlineStr">', b'<c r="XFD1048576" t="inlineStr">'),
    "spans-before-r": (b'<row r="3"><c r="A3"', b'<row spans="1:3" r="1048576"><c r="XFD1048576"'),
    "single-quotes": (b'<c r="C3" t="inlineStr">', b"<c r='XFD1048576' t=\"inlineStr\">"),
    "spaced": (b'<c r="C3" t="inlineStr">', b'<c r = "XFD1048576" t="inlineStr">'),
    "lower-case": (b'<c r="C3" t="inlineStr">', b'<c r="xfd1048576" t="inlineStr">'),
    "row-past-7-digits": (b'<c r="C3" t="inlineStr">', b'<c r="C99999999999" t="inlineStr">'),
}


@pytest.mark.parametrize("form", FAR_CELL_FORMS)
def test_a_far_cell_written_any_way_is_refused_not_laid_out(tmp_path, form):
    """Behind no declared range at all: the cells' own references decide."""
    import re

    from openpyxl import Workbook

    book = Workbook()
    for row in (["学号", "姓名", "班级"], ["1", "甲", "22数控1"], ["2", "乙", "22数控1"]):
        book.active.append(row)
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    before, after = FAR_CELL_FORMS[form]

    def far(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        assert before in xml, xml[:600]
        return xml.replace(before, after, 1)

    path = _sheets_edited(plain, tmp_path / "far.xlsx", far)
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "远到" in result.stderr and "Traceback" not in result.stderr


def test_one_row_with_content_repeated_a_million_times_is_refused(tmp_path):
    """Under the cell bound (8 M cells) but a million copies of one row: 2 GB and 20 s
    of reading, a million warnings; refused at once."""
    path = make_repeated_ods(tmp_path / "copies.ods", rows=1_048_576, columns=3)
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "多出1,048,575行" in result.stderr and "Traceback" not in result.stderr


def _roster_book(rows: int, columns: int):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["学号", "姓名", "班级"] + [f"备注{i}" for i in range(columns - 3)])
    for i in range(1, rows + 1):
        sheet.append([f"2024{i:04d}", f"学生{i}", "22数控1"] + [""] * (columns - 3))
    return book, sheet


@pytest.mark.parametrize("kind", ["validation-phone", "validation-max", "formula"])
def test_text_that_only_looks_like_a_far_cell_is_not_one(cli, tmp_path, kind):
    """A validation's message ("13800138000 这样的…", "Max50") or a formula's text
    ("2024000100") is not a cell reference: the workbook imports (found by review)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    book, sheet = _roster_book(3000 if kind == "validation-max" else 50, 16)
    if kind == "formula":
        sheet["P2"] = '=IF(A2="2024000100","first","")'
    else:
        message = (
            "13800138000 这样的11位手机号" if kind == "validation-phone" else "Max50 characters"
        )
        check = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="50")
        check.error, check.showErrorMessage = message, True
        sheet.add_data_validation(check)
        check.add("P2:P1000")
    path = tmp_path / f"{kind}.xlsx"
    book.save(path)
    result = cli("import", path, "--dry-run")
    assert result.exit_code == 0, result.stderr


def test_an_ods_notes_column_filled_down_past_the_students_imports(cli, tmp_path):
    """LibreOffice writes a notes column filled down to row 12,000 as one row repeated
    11,700 times: a real file, not a bomb (found by review)."""
    import zipfile

    row = (
        '<table:table-row table:number-rows-repeated="11700">'
        '<table:table-cell table:number-columns-repeated="8"/>'
        '<table:table-cell office:value-type="string"><text:p>未发</text:p></table:table-cell>'
        "</table:table-row>"
    )
    path = tmp_path / "filled.ods"
    with zipfile.ZipFile(DATA / "lo_roster.ods") as old, zipfile.ZipFile(path, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "content.xml":
                data = data.replace(b"</table:table>", row.encode() + b"</table:table>", 1)
            new.writestr(item, data)
    result = cli("import", path, "--dry-run")
    assert "一模一样" not in result.stderr and "Traceback" not in result.output
    assert "新增 6" in result.stdout, result.stdout + result.stderr


SHARED_FORMS = {  # each escaped the shared-text check; the reader read them all (fuzzing)
    "si-spaced": (b"<si><t>", b"<si ><t>"),
    "si-prefixed": (b"<si><t>", b"<x:si xmlns:x='urn:x'><t>"),
    "t-single-quoted": (b' t="s">', b" t='s'>"),
}


@pytest.mark.parametrize("form", SHARED_FORMS)
def test_cells_sharing_one_huge_string_however_written_are_refused(tmp_path, form):
    import zipfile

    bomb = make_shared_string_bomb(tmp_path / "bomb.xlsx")
    before, after = SHARED_FORMS[form]
    path = tmp_path / f"{form}.xlsx"
    with zipfile.ZipFile(bomb) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename in ("xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"):
                data = data.replace(before, after)
                if form == "si-prefixed" and item.filename == "xl/sharedStrings.xml":
                    data = data.replace(b"</si>", b"</x:si>")
            new.writestr(item, data)
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "共享文字" in result.stderr and "Traceback" not in result.stderr


def test_a_csv_longer_than_an_excel_sheet_is_refused(cli, tmp_path):
    """Two bytes a row make a million rows of a 2 MB file (1 GB read): past Excel's
    1,048,576 rows it is refused before the rows are held (found by fuzzing)."""
    path = tmp_path / "long.csv"
    path.write_text("学号,姓名\n" + "1,甲\n" * 1_048_576, encoding="utf-8")
    result = cli("import", path)
    assert result.exit_code == 1 and "超过1,048,576行" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_thousand_problems_are_listed_and_the_rest_counted(cli, tmp_path):
    """A million bad rows printed a million lines; --rejects writes them all."""
    path = tmp_path / "nameless.csv"
    path.write_text("学号,姓名,班级\n" + "".join(f"{i},,22数控1\n" for i in range(1500)))
    result = cli("import", path)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 1
    assert sum("姓名为空" in line for line in lines) == 1000
    assert "…另有500处问题未列出" in result.stderr and "--rejects" in result.stderr
    assert lines[-1].startswith("发现1500处问题")


@pytest.mark.parametrize(
    "name, rows", [("lo_roster.xls", 8), ("lo_roster_600.xls", 601)], ids=["mini-stream", "sectors"]
)
def test_an_xls_declaring_billions_of_rows_is_refused_not_laid_out(cli, tmp_path, name, rows):
    """The reader reserves the range a sheet's DIMENSIONS record states: 0xFFFFFFFF rows
    aborted the process (found by fuzzing). Both ways a compound file keeps a stream
    (a small one in the mini stream, a larger one in sectors); the file as LibreOffice
    wrote it imports."""
    data = (DATA / name).read_bytes()
    record = b"\x00\x02\x0e\x00" + bytes(4) + rows.to_bytes(4, "little")
    assert data.count(record) == 1
    path = tmp_path / name
    path.write_bytes(data.replace(record, record[:8] + b"\xff\xff\xff\xff"))
    result = _capped_import(tmp_path / "x.db", path)
    assert result.returncode == 1, result.stderr[-500:]
    assert "4,294,967,295行" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x.db").exists()
    assert cli("import", DATA / name).exit_code == 0
