"""A workbook damaged after it was saved (a bit changed on a USB stick, a mail gateway
cutting it short) is refused in one line, never imported with changed values nor met
with an internal error. python-calamine checks a worksheet's CRC-32, not the other
parts'; `zip_checks.check_zip` reads to their end those that decide what a cell reads as
(the styles: which numbers are dates; the workbook)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from xcert.read import guard, sheets, zip_checks

from conftest import DATA


def _stored_copy(source: Path, target: Path) -> bytes:
    """The workbook with every member stored, not deflated: its bytes readable in place
    (as some tools write an xlsx), so that one can be changed as damage changes it."""
    out = io.BytesIO()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as new:
        for member in old.infolist():
            new.writestr(member.filename, old.read(member), zipfile.ZIP_STORED)
    target.write_bytes(out.getvalue())
    return out.getvalue()


def _damaged(data: bytes, before: bytes, after: bytes) -> bytes:
    """The first `before` in the archive's bytes changed, its CRC left as it was."""
    assert len(before) == len(after) and before in data
    return data.replace(before, after, 1)


def _stored_and_damaged(cli, source: Path, before: bytes, after: bytes) -> Path:
    """`source` stored (it imports: a dry run), then damaged in place beside it."""
    path = source.with_name(f"stored{source.suffix}")
    data = _stored_copy(source, path)
    assert cli("import", path, "--dry-run").exit_code == 0, "the stored copy imports"
    path.write_bytes(_damaged(data, before, after))
    return path


def _padded(source: Path, target: Path, part: str, end_tag: bytes) -> Path:
    """A copy whose `part` is over 100 KB (spaces before its end tag): past the start of
    a part the entity check reads, where only reading it to its end finds damage."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for member in old.infolist():
            data = old.read(member)
            if member.filename == part:
                data = data.replace(end_tag, b" " * 100_000 + end_tag)
            new.writestr(member.filename, data)
    return target


def _refused_as_damaged(cli, path: Path, why: str = "损坏") -> None:
    """One line naming the file and `why`, exit 1, no students, no internal error."""
    result = cli("import", path)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and path.name in lines[0] and why in lines[0], result.stderr
    assert "内部错误" not in result.stderr and "Traceback" not in result.output
    assert cli.query("SELECT count(*) FROM students") == [(0,)]


@pytest.fixture
def roster(xlsx, roster_rows):
    return xlsx("roster.xlsx", {"名单": roster_rows})


@pytest.mark.parametrize("scanned", [True, False], ids=["read-by-checks", "reader-only"])
def test_a_changed_digit_in_a_sheet_is_refused_not_imported(
    cli, roster, tmp_path, monkeypatch, scanned
):
    """A year in a sheet over 100 KB changed by damage: the reader would read 2024. A
    sheet over SCANNED_SHEET_BYTES is not read by the bomb checks: the reader's own CRC
    check refuses it (python-calamine checks a worksheet's, not the other parts')."""
    if not scanned:
        monkeypatch.setattr(zip_checks, "SCANNED_SHEET_BYTES", 0)
    padded = _padded(roster, tmp_path / "padded.xlsx", "xl/worksheets/sheet1.xml", b"</sheetData>")
    path = _stored_and_damaged(cli, padded, b"<v>2021</v></c>", b"<v>2024</v></c>")
    _refused_as_damaged(cli, path)


def test_damage_far_into_the_styles_part_is_refused(cli, roster, tmp_path):
    """The styles (which numbers are dates) read to their end, past the start the
    entity check reads: one byte changed 100 KB in, even harmlessly, is damage."""
    padded = _padded(roster, tmp_path / "padded.xlsx", "xl/styles.xml", b"</styleSheet>")
    path = _stored_and_damaged(cli, padded, b"  </styleSheet>", b" \t</styleSheet>")
    _refused_as_damaged(cli, path)
    assert "xl/styles.xml" in cli("import", path).stderr


ODS_END = b"</office:document-content>"


def test_a_damaged_ods_is_refused_in_one_line(cli, tmp_path):
    """LibreOffice's own file (tests/data), its content part large and changed in place
    (its CRC left): was an internal error."""
    padded = _padded(DATA / "lo_roster.ods", tmp_path / "padded.ods", "content.xml", ODS_END)
    _refused_as_damaged(cli, _stored_and_damaged(cli, padded, b"  " + ODS_END, b" \t" + ODS_END))


def test_an_ods_whose_content_is_not_xml_is_refused_in_one_line(cli, tmp_path):
    path = tmp_path / "broken.ods"
    with zipfile.ZipFile(DATA / "lo_roster.ods") as old, zipfile.ZipFile(path, "w") as new:
        for member in old.infolist():
            data = old.read(member)
            if member.filename == "content.xml":
                data = data.replace(ODS_END, b"<" + ODS_END)
            new.writestr(member.filename, data)
    _refused_as_damaged(cli, path)


def test_a_styles_part_that_does_not_inflate_is_refused_in_one_line(cli, roster, tmp_path):
    """Bytes overwritten in the middle of the deflated styles: zlib's error or a wrong
    CRC, named either way (zlib's was an internal error)."""
    path = _padded(roster, tmp_path / "padded.xlsx", "xl/styles.xml", b"</styleSheet>")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as book:
        member = book.getinfo("xl/styles.xml")
    start = member.header_offset + 30 + len(member.filename.encode()) + len(member.extra)
    middle = start + member.compress_size // 2
    data[middle : middle + 40] = b"\xff" * 40
    path.write_bytes(bytes(data))
    _refused_as_damaged(cli, path)


def test_a_sound_workbook_passes_every_check(cli, roster):
    """The checks refuse damage, not the plain workbook the damaged ones are made from."""
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    assert cli.query("SELECT count(*) FROM students") == [(3,)]


def test_damage_to_a_part_no_value_comes_from_does_not_refuse_the_file(cli, roster, tmp_path):
    """A drawing (or a thumbnail) damaged: the students still import; only the parts
    that decide what a cell reads as are checked."""
    drawn = tmp_path / "drawn.xlsx"
    with zipfile.ZipFile(roster) as old, zipfile.ZipFile(drawn, "w") as new:
        for member in old.infolist():
            new.writestr(member.filename, old.read(member))
        new.writestr("xl/drawings/drawing1.xml", b"<xdr:wsDr>" + b" " * 100_000 + b"</xdr:wsDr>")
    path = _stored_and_damaged(cli, drawn, b"  </xdr:wsDr>", b" \t</xdr:wsDr>")
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert cli.query("SELECT count(*) FROM students") == [(3,)]


def _central_entry(data: bytes, name: str) -> int:
    """Where the archive's directory entry for `name` starts."""
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name.encode()))
    assert at >= 0
    return at


def test_a_part_marked_encrypted_is_refused_in_one_line(cli, roster, tmp_path):
    data = bytearray(roster.read_bytes())
    entry = _central_entry(bytes(data), "xl/workbook.xml")
    data[entry + 8] |= 1  # the directory's flag: encrypted
    path = tmp_path / "flagged.xlsx"
    path.write_bytes(bytes(data))
    _refused_as_damaged(cli, path, "加密")


def test_a_part_stated_in_a_method_it_is_not_written_in_is_refused_in_one_line(
    cli, roster, tmp_path
):
    """bzip2 (12) stated for a deflated part: bz2 raises OSError."""
    data = bytearray(roster.read_bytes())
    with zipfile.ZipFile(roster) as book:
        local = book.getinfo("xl/workbook.xml").header_offset
    entry = _central_entry(bytes(data), "xl/workbook.xml")
    data[local + 8 : local + 10] = data[entry + 10 : entry + 12] = (12).to_bytes(2, "little")
    path = tmp_path / "bzip2.xlsx"
    path.write_bytes(bytes(data))
    _refused_as_damaged(cli, path)


def test_an_ods_whose_mimetype_is_damaged_is_refused_in_one_line(cli, tmp_path):
    path = tmp_path / "mimetype.ods"
    data = (DATA / "lo_roster.ods").read_bytes()
    path.write_bytes(_damaged(data, b"application/vnd.oasis", b"applicatiom/vnd.oasis"))
    _refused_as_damaged(cli, path)


def test_a_truncated_xls_that_panics_the_reader_is_refused_in_one_line(cli, tmp_path):
    """The reader's Rust code panics on this cut (pyo3 raises a BaseException after
    printing the panic to the process's stderr): one line, no traceback, no panic text.
    Run as its own process: the panic is written to the process's stderr itself."""
    path = tmp_path / "cut.xls"
    path.write_bytes((DATA / "lo_roster.xls").read_bytes()[:6630])
    done = subprocess.run(
        [sys.executable, "-m", "xcert", "--db", str(tmp_path / "x.db"), "import", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [done.stderr.strip()], done.stderr
    assert "cut.xls" in done.stderr and "xls" in done.stderr and "panicked" not in done.stderr
    assert not (tmp_path / "x.db").exists()
    _refused_as_damaged(cli, path, "xls")  # in process too


def test_a_date_out_of_any_calendar_is_refused_in_one_line(cli, tmp_path):
    """A date-formatted cell holding -1e308 days panics the reader's date code."""
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["学号", "姓名", "入学日期"])
    sheet.append(["1", "甲", -1e308])
    sheet["C2"].number_format = "yyyy-mm-dd"
    path = tmp_path / "far.xlsx"
    book.save(path)
    _refused_as_damaged(cli, path, "名单")


def test_what_the_reader_writes_to_stderr_is_kept_unless_it_panicked(capfd):
    """Kept quiet only for a panic (xcert says the one line); anything else the reader
    writes to the process's stderr reaches it after the call."""
    with guard.quiet_panics():
        os.write(2, b"a note of the reader's\n")
    assert capfd.readouterr().err == "a note of the reader's\n"

    class PanicException(BaseException):  # as pyo3 names a Rust panic
        pass

    with pytest.raises(PanicException), guard.quiet_panics():
        os.write(2, b"thread '<unnamed>' panicked at src/cfb.rs:305:41:\n")
        raise PanicException("slice index")
    assert capfd.readouterr().err == ""
    os.write(2, b"after\n")
    assert capfd.readouterr().err == "after\n"  # stderr is stderr again


def test_a_bug_of_xcerts_own_is_not_called_the_files_damage(roster, monkeypatch):
    """Only what the archive's readers raise is damage; an error in xcert's own checks
    stays an internal error to report (found by review)."""

    def broken(path, archive, members):
        return members[0].no_such_attribute

    monkeypatch.setattr(zip_checks, "check_shared_strings", broken)
    with pytest.raises(AttributeError):
        sheets.read_workbook(roster)


@pytest.mark.parametrize(
    "field, offset, value",
    [
        ("method", 10, 1),  # shrink: zipfile does not read it
        ("version", 6, 121),  # "version needed to extract" 12.1
        ("flags", 8, 0x40),  # strong encryption
    ],
)
def test_a_part_zipfile_cannot_read_is_damage_not_an_internal_error(
    cli, roster, tmp_path, field, offset, value
):
    """zipfile's NotImplementedError is a RuntimeError: it was taken for the encrypted
    case's and let through (found by fuzzing)."""
    data = bytearray(roster.read_bytes())
    entry = _central_entry(bytes(data), "xl/workbook.xml")
    data[entry + offset : entry + offset + 2] = value.to_bytes(2, "little")
    path = tmp_path / f"{field}.xlsx"
    path.write_bytes(bytes(data))
    _refused_as_damaged(cli, path)


def test_shared_strings_declaring_billions_are_refused_before_the_reader(cli, tmp_path):
    """The reader reserves room for the declared count at once: 4,294,967,295 aborted
    the process (found by fuzzing)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["学号", "姓名", "班级"])
    book.active.append(["1", "甲", "22数控1"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)
    path = tmp_path / "declared.xlsx"
    with zipfile.ZipFile(plain) as old, zipfile.ZipFile(path, "w") as new:
        for member in old.infolist():
            new.writestr(member.filename, old.read(member))
        new.writestr(
            "xl/sharedStrings.xml",
            '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml'
            '/2006/main" count="1" uniqueCount="4294967295"><si><t>甲</t></si></sst>',
        )
    _refused_as_damaged(cli, path, "4,294,967,295")
