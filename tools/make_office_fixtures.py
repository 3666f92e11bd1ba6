"""Regenerate the office-format test fixtures in tests/data/ (fictional students only).

Run: .venv/bin/python tools/make_office_fixtures.py
Needs LibreOffice (`soffice` on PATH). Writes:

    tests/data/lo_roster.xlsx          saved by LibreOffice Calc (not openpyxl)
    tests/data/lo_roster.xls           Excel 97-2003 (BIFF8), saved by LibreOffice
    tests/data/lo_roster.ods           OpenDocument, saved by LibreOffice
    tests/data/lo_roster_expected.json what an import of any of them should yield
    tests/data/hostile/*.xlsx          tiny hostile files (see tests/data/hostile_files.py;
                                       the zip bomb is ~1 MB, so tests build it instead)

The source workbook is written with openpyxl into a temporary directory, converted to
.ods by LibreOffice, and the .ods converted to .xlsx and .xls, so every committed
roster file really was written by LibreOffice (checked: docProps/app.xml of the xlsx).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "tests" / "data"))
from hostile_files import (  # noqa: E402
    make_entity_bomb,
    make_not_a_workbook,
    make_truncated,
    make_word_document,
)

from xcert.clean.idcard import check_digit  # noqa: E402

DATA = ROOT / "tests" / "data"
HOSTILE = DATA / "hostile"
SHEET = "21电商2"
TITLE = "电子商务专业2021级21电商2班花名册"
HEADERS = ["序号", "学号", "姓名", "性别", "身份证号", "班级", "专业", "入学年份"]
MAJOR = "电子商务"
REGION = "440000"  # a province-level code only: no real county, no real person

# Invented names; birth date (2006) and sequence code -> a GB 11643-valid ID number.
STUDENTS = [
    ("林嘉禾", "20060315", "021"),
    ("陈思语", "20060708", "046"),
    ("黄志远", "20061122", "013"),
    ("吴雨桐", "20060204", "088"),
    ("郑浩宇", "20060930", "057"),
    ("许若溪", "20061216", "062"),
]
MAX_FIXTURE_BYTES = 50 * 1024
MAX_HOSTILE_BYTES = 100 * 1024


def students() -> list[dict[str, str]]:
    rows = []
    for index, (name, born, seq) in enumerate(STUDENTS, start=1):
        body = REGION + born + seq
        rows.append(
            {
                "student_no": f"20210601{index:02d}",
                "name": name,
                "gender": "男" if int(seq[-1]) % 2 else "女",
                "id_number": body + check_digit(body),
                "class_code": SHEET,
            }
        )
    return rows


def write_source(path: Path, expected: list[dict[str, str]]) -> None:
    wb = Workbook()
    wb.properties.creator = "xcert test fixtures"
    ws = wb.active
    ws.title = SHEET
    ws.append([TITLE])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(HEADERS)
    for index, student in enumerate(expected, start=1):
        ws.append(
            [
                index,
                int(student["student_no"]),  # a number, as clerks' sheets usually have it
                student["name"],
                student["gender"],
                student["id_number"],  # text: 18 digits would lose precision as a number
                student["class_code"],
                MAJOR,
                2021,
            ]
        )
        ws.cell(row=ws.max_row, column=5).number_format = "@"
    for column, width in zip("ABCDEFGH", (6, 13, 10, 6, 21, 10, 10, 10), strict=True):
        ws.column_dimensions[column].width = width
    note = wb.create_sheet("说明")
    note["A1"] = "本表为虚构测试数据，学生姓名与身份证号均为编造，不对应任何真实人员。"
    wb.save(path)


def convert(source: Path, target: str, outdir: Path, profile: Path) -> Path:
    """LibreOffice-convert `source` with filter spec `target` (e.g. "xls:MS Excel 97")."""
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        shutil.which("soffice") or "soffice",
        f"-env:UserInstallation={profile.as_uri()}",  # own profile: no clash with a running LO
        "--headless",
        "--norestore",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(source),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    result = outdir / f"{source.stem}.{target.split(':', 1)[0]}"
    if not result.exists():
        raise SystemExit(f"LibreOffice did not write {result}")
    return result


def check_written_by_libreoffice(xlsx: Path) -> None:
    with zipfile.ZipFile(xlsx) as archive:
        app = archive.read("docProps/app.xml").decode("utf-8")
    if "LibreOffice" not in app:
        raise SystemExit(f"{xlsx} was not written by LibreOffice: {app[:200]}")


def main() -> None:
    expected = students()
    DATA.mkdir(parents=True, exist_ok=True)
    HOSTILE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xcert-fixtures-") as tmp_name:
        tmp = Path(tmp_name)
        profile = tmp / "lo-profile"
        source = tmp / "src" / "lo_roster.xlsx"
        source.parent.mkdir()
        write_source(source, expected)
        ods = convert(source, "ods", tmp / "ods", profile)
        xlsx = convert(ods, "xlsx:Calc MS Excel 2007 XML", tmp / "xlsx", profile)
        xls = convert(ods, "xls:MS Excel 97", tmp / "xls", profile)
        check_written_by_libreoffice(xlsx)
        if xls.read_bytes()[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise SystemExit(f"{xls} is not an OLE2 (BIFF8) file")
        for produced in (xlsx, xls, ods):
            shutil.copyfile(produced, DATA / produced.name)

    (DATA / "lo_roster_expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )

    make_not_a_workbook(HOSTILE / "not_a_workbook.xlsx")
    make_truncated(HOSTILE / "truncated.xlsx", DATA / "lo_roster.xlsx")
    make_word_document(HOSTILE / "word_docx.xlsx")
    make_entity_bomb(HOSTILE / "entity_bomb.xlsx")
    # Same bomb, but the DOCTYPE starts past the first 8 KB of the member.
    make_entity_bomb(HOSTILE / "entity_bomb_late_doctype.xlsx", prolog_padding=8192)

    for path in sorted(DATA.glob("lo_roster*")):
        size = path.stat().st_size
        if size > MAX_FIXTURE_BYTES:
            raise SystemExit(f"{path} is {size} bytes, over {MAX_FIXTURE_BYTES}")
        print(f"{size:>8}  {path.relative_to(ROOT)}")
    for path in sorted(HOSTILE.iterdir()):
        size = path.stat().st_size
        if size > MAX_HOSTILE_BYTES:
            raise SystemExit(f"{path} is {size} bytes, over {MAX_HOSTILE_BYTES}")
        print(f"{size:>8}  {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
