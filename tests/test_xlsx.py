"""xlsx a school can print and file (issue 20): the reports' and lists' sheets read back
with openpyxl (title merged over the table with the school and date, borders, exact
rates as percentages, 序号 as numbers, merged columns, notes, print titles, page
numbers), then printed to PDF by LibreOffice and read with pdftotext."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from xcert.output.reports.rates import DUAL_DEFINITION, PASS_RATE_DEFINITION
from xcert.output.tables import Heading, Table, rate
from xcert.output.xlsx import write_tables

from conftest import AUTOCAD, DRAWING, NEEDS_OFFICE, RESULT_COLUMNS, office_to_pdf

ROSTER = [
    ["学号", "姓名", "班级", "专业", "届别", "学籍状态"],
    ["D01", "甲一", "20数控1", "数控技术应用", 2023, "毕业"],
    ["D02", "乙二", "20数控1", "数控技术应用", 2023, "毕业"],
    ["D03", "丙三", "20数控1", "数控技术应用", 2023, "毕业"],
    ["D04", "=1+1", "20数控1", "数控技术应用", 2023, "退学"],
]
RESULTS = [  # 2 of 3 pass in 2022 (one absent): a rate no float or percentage holds exactly
    ["D01", "机械制图", "初级", "2022-06-18", "合格"],
    ["D02", "机械制图", "初级", "2022-06-18", "合格"],
    ["D03", "机械制图", "初级", "2022-06-18", "不合格"],
    ["D04", "机械制图", "初级", "2022-06-18", "缺考"],
]
AWARDS = [
    ["D01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", "学习委员"],
    ["D02", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None],
    ["D04", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None],
]
SCHOOL = "示例职业技术学校"
DAY = ("2024-01-15", "2024年1月15日")
REPORTS = {
    "pass-rates": ([], PASS_RATE_DEFINITION),
    "dual-certificate": ([], DUAL_DEFINITION),
    "sign-list": (["--class", "20数控1"], "共3张证书；未签领2张。"),
}


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER,
        roster_csv=True,  # the =1+1 name arrives as text
        school_name=SCHOOL,
        certificates=[DRAWING, AUTOCAD],
        results=RESULTS,
        awards=AWARDS,
    )


def _render(school, tmp_path: Path, name: str, fmt: str = "xlsx") -> Path:
    out = tmp_path / f"{name}.{fmt}"
    result = school("render", name, *REPORTS[name][0], "--date", DAY[0], "-o", out)
    assert result.exit_code == 0, result.output
    return out


def _merged(sheet) -> set[str]:
    return {str(cells) for cells in sheet.merged_cells.ranges}


def _framed(cell) -> bool:
    sides = (cell.border.left, cell.border.right, cell.border.top, cell.border.bottom)
    return all(side is not None and side.style == "thin" for side in sides)


@pytest.mark.parametrize("name", REPORTS)
def test_a_report_sheet_is_laid_out_as_a_schools_printed_table(school, tmp_path, name):
    md = _render(school, tmp_path, name, "md").read_text(encoding="utf-8")
    book = load_workbook(_render(school, tmp_path, name))
    sheet = book.worksheets[0]
    last = get_column_letter(sheet.max_column)
    title = sheet["A1"]
    assert title.value == md.splitlines()[0].removeprefix("# ")  # the report's own title
    assert title.font.b and title.alignment.horizontal == "center"
    half = get_column_letter(sheet.max_column // 2)
    assert {f"A1:{last}1", f"A2:{half}2"} <= _merged(sheet)
    assert sheet["A2"].value == SCHOOL
    assert [c.value for c in sheet[2] if c.value is not None] == [SCHOOL, DAY[1]]
    line = next(line for line in md.splitlines() if line.startswith("| "))
    assert [c.value for c in sheet[3]] == [label.strip() for label in line.strip("|").split("|")]
    table = [row for row in sheet.iter_rows(min_row=3) if row[0].value is not None]
    table = [row for row in table if not str(row[0].value).startswith("注：")]
    assert len(table) > 1 and all(_framed(cell) for row in table for cell in row)
    assert sheet.print_title_rows == "$3:$3" and sheet.freeze_panes == "A4"
    assert sheet.oddFooter.center.text == "第&P页 共&N页"
    setup = sheet.page_setup
    assert (setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage


def test_every_rate_is_the_exact_fraction_as_a_percentage(school, tmp_path):
    """2 of 3: the cell holds 2/3 (Excel shows 66.7%, and sums or averages it exactly),
    not 0.6667 nor the text 66.7%; on every sheet, dual-certificate's too."""
    passes = load_workbook(_render(school, tmp_path, "pass-rates"))
    dual = load_workbook(_render(school, tmp_path, "dual-certificate")).worksheets[0]
    rates = [sheet.cell(4, sheet.max_column) for sheet in passes.worksheets]
    rates.append(dual["D4"])
    assert [dual["A4"].value, dual["B4"].value, dual["C4"].value] == ["2023届", 3, 2]
    assert len(rates) == 3
    for cell in rates:
        assert cell.value == 2 / 3 and cell.number_format == "0.0%" and cell.data_type == "n"


def test_sign_list_numbers_its_rows_with_numbers(school, tmp_path):
    sheet = load_workbook(_render(school, tmp_path, "sign-list")).worksheets[0]
    numbers = [sheet.cell(row, 1) for row in range(4, 7)]
    assert [c.value for c in numbers] == [1, 2, 3]
    assert all(c.data_type == "n" for c in numbers)
    hostile = sheet.cell(6, 3)  # the =1+1 name: text, shown as typed, never computed
    assert hostile.value == "=1+1" and hostile.data_type == "s" and hostile.quotePrefix


@pytest.mark.parametrize("name", REPORTS)
def test_a_reports_notes_are_in_every_format(school, tmp_path, name):
    """What a reader is told under the table (the rate's definition, how many are not yet
    signed for) is in the Markdown, the HTML, the Word file and the workbook alike."""
    from docx import Document

    note = REPORTS[name][1]
    for fmt in ("md", "html"):
        assert note in _render(school, tmp_path, name, fmt).read_text(encoding="utf-8")
    document = Document(str(_render(school, tmp_path, name, "docx")))
    assert f"注：{note}" in [paragraph.text for paragraph in document.paragraphs]
    sheet = load_workbook(_render(school, tmp_path, name)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("注：")]
    assert f"注：{note}" in [c.value for c in cells]
    row = next(c.row for c in cells if c.value == f"注：{note}")
    assert f"A{row}:{get_column_letter(sheet.max_column)}{row}" in _merged(sheet)
    assert sheet.cell(row, 1).alignment.wrap_text


def test_the_lists_are_headed_by_the_school_and_the_day_of_their_figures(school, tmp_path, xlsx):
    """stats --date: the figures of that day, dated so; what the screen says of them (a
    guessed certificate's warning) under the last table."""
    guessed = ["D03", "网店运营推广职业技能等级证书", "初级", "2023-06-18", "合格"]
    assert school("import", xlsx("more.xlsx", {"成绩": [RESULT_COLUMNS, guessed]})).exit_code == 0
    out = tmp_path / "stats.xlsx"
    result = school("stats", "--date", DAY[0], "-o", out)
    assert result.exit_code == 0, result.output
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("注意：")]
    assert "网店运营推广" in warning
    book = load_workbook(out)
    for sheet in book.worksheets:
        assert [c.value for c in sheet[2] if c.value is not None] == [SCHOOL, DAY[1]]
    assert book.worksheets[0]["A1"].value == "1+X 考证情况统计"
    last = [c.value for row in book.worksheets[-1].iter_rows() for c in row]
    assert "注：" + warning.removeprefix("注意：") in last


def _write(tmp_path: Path, *tables: Table) -> Path:
    out = tmp_path / "t.xlsx"
    write_tables(out, tables, Heading(SCHOOL, DAY[1]))
    return out


def test_a_merged_column_is_merged_and_framed(tmp_path):
    """The plan's 总项目名称 over its 分项目: one cell over the rows it covers."""
    rows = [["甲项目", "设备", 10], ["甲项目", "耗材", 5], ["乙项目", "培训", 3]]
    table = Table("预算", ["总项目名称", "分项目", "金额（万元）"], rows, merged=(1,))
    sheet = load_workbook(_write(tmp_path, table)).worksheets[0]
    assert "A4:A5" in _merged(sheet) and "A6" not in str(_merged(sheet))
    assert sheet["A4"].value == "甲项目" and sheet["A5"].value is None
    assert sheet["A4"].alignment.vertical == "center"
    assert _framed(sheet["A4"]) and _framed(sheet["A6"])
    covered = sheet["A5"].border  # openpyxl reads a merged block's inner edges as none
    assert covered.left.style == covered.right.style == covered.bottom.style == "thin"


def test_an_empty_table_prints_its_header_and_a_row_of_dashes(tmp_path):
    sheet = load_workbook(_write(tmp_path, Table("空表", ["序号", "姓名"], []))).worksheets[0]
    assert [c.value for c in sheet[3]] == ["序号", "姓名"]
    assert [c.value for c in sheet[4]] == ["—", "—"] and all(_framed(c) for c in sheet[4])


def test_a_long_cell_wraps_and_its_row_grows(tmp_path):
    long = "培训评价组织" * 12  # wider than the widest column (60)
    table = Table("长", ["序号", "说明"], [[1, long], [2, "短"]], notes=["一条说明" * 40])
    sheet = load_workbook(_write(tmp_path, table)).worksheets[0]
    assert sheet.column_dimensions["B"].width == 60
    assert sheet["B4"].alignment.wrap_text and sheet.row_dimensions[4].height >= 2 * 16
    assert not sheet["B5"].alignment.wrap_text
    assert sheet.row_dimensions[6].height >= 2 * 16  # the note, over its lines


@pytest.mark.parametrize("header", [["核对项目", "条数"], ["—"]])
def test_a_long_school_name_wraps_over_a_narrow_table(tmp_path, header):
    school = "某某省某某市某某县第一职业技术学校（某某市高级技工学校）"
    out = tmp_path / "narrow.xlsx"
    write_tables(out, [Table("核对结果", header, [[0] * len(header)])], Heading(school, DAY[1]))
    sheet = load_workbook(out).worksheets[0]
    assert sheet["A2"].value.startswith(school) and sheet["A2"].alignment.wrap_text
    assert DAY[1] in " ".join(str(c.value) for c in sheet[2])
    assert sheet.row_dimensions[2].height >= 2 * 16  # on as many lines as it takes
    assert all(cells.max_col <= len(header) for cells in sheet.merged_cells.ranges)


def test_a_file_a_program_reads_back_keeps_its_header_on_the_first_row(tmp_path):
    """Without a heading (the platform's registration list, the rejected rows)."""
    out = tmp_path / "plain.xlsx"
    write_tables(out, [Table("报名", ["序号", "姓名"], [[1, "甲一"]])])
    sheet = load_workbook(out).worksheets[0]
    assert [c.value for c in sheet[1]] == ["序号", "姓名"] and sheet["A2"].value == 1
    assert not sheet.merged_cells.ranges and sheet.freeze_panes == "A2"


def _print(workbook: Path) -> tuple[list[str], Path]:
    """The workbook as LibreOffice prints it, as Excel would: each page's text (a cell
    wrapped over lines reads as one run of text), and the PDF."""
    (text,) = office_to_pdf(workbook)
    return text.split("\f")[:-1], workbook.parent / "pdf" / f"{workbook.stem}.pdf"


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@dataclass(frozen=True)
class _Page:
    """A printed page in grey (pdftoppm's PGM), to see where the table's lines run."""

    width: int
    height: int
    pixels: bytes

    @classmethod
    def of(cls, pdf: Path, number: int, dpi: int) -> _Page:
        image = pdf.parent / f"page-{number}"
        subprocess.run(
            ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(number), "-l", str(number)]
            + ["-singlefile", str(pdf), str(image)],
            check=True,
        )
        _, width, height, _, pixels = image.with_suffix(".pgm").read_bytes().split(None, 4)
        size = int(width) * int(height)
        return cls(int(width), int(height), pixels[-size:])

    def dark(self, x: int, y: int) -> bool:
        row = y * self.width
        near = self.pixels[row + max(0, x - 1) : row + min(self.width, x + 2)]
        return 0 <= y < self.height and bool(near) and min(near) < 160

    def ruled_through(self, x0: int, y0: int, x1: int, y1: int, margin: int = 4) -> bool:
        """Whether a line runs through the box: dark from above it to below it (a
        column's border), or from left of it to right of it (a row's)."""
        down, across = range(y0 - margin, y1 + margin), range(x0 - margin, x1 + margin)
        return any(
            all(self.dark(x, y) for y in down) for x in range(x0 + margin, x1 - margin)
        ) or any(all(self.dark(x, y) for x in across) for y in range(y0 + margin, y1 - margin))


def _cut(pdf: Path, dpi: int = 144) -> list[str]:
    """The words a table's ruling runs through: text cut at a cell's edge. pdftotext
    reads a cut text whole (the cut is a clip), so each word's box is looked at on the
    printed page."""
    tsv = subprocess.run(
        ["pdftotext", "-tsv", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    pages: dict[int, _Page] = {}
    scale, cut = dpi / 72, []
    for word in (row for row in reader if row["level"] == "5"):
        number = int(word["page_num"])
        if number not in pages:
            pages[number] = _Page.of(pdf, number, dpi)
        page = pages[number]
        left, top = float(word["left"]), float(word["top"])
        right, bottom = left + float(word["width"]), top + float(word["height"])
        box = [int(value * scale) for value in (left, top, right, bottom)]
        if page.ruled_through(*box):
            cut.append(word["text"])
    return cut


@NEEDS_OFFICE
@pytest.mark.parametrize("name", REPORTS)
def test_a_printed_report_shows_every_cell_whole_and_its_page_numbers(school, tmp_path, name):
    out = _render(school, tmp_path, name)
    cells = [
        str(cell.value) if not isinstance(cell.value, float) else f"{cell.value:.1%}"
        for sheet in load_workbook(out).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    pages, pdf = _print(out)
    everything = _flat("".join(pages))
    for text in cells:  # the title, school, date, header, every cell and the notes
        assert _flat(text) in everything, text
    for number, page in enumerate(pages, 1):  # a page a sheet: the reports are short
        assert f"第{number}页 共{len(pages)}页" in page and "###" not in page
    assert len(pages) == len(load_workbook(out).worksheets) and _cut(pdf) == []


@NEEDS_OFFICE
def test_a_long_printed_list_repeats_its_header_and_cuts_no_cell(tmp_path):
    long = "机械工程制图职业技能等级证书（中级）考核合格，证书待发放，请于下周到教务处签领"
    rows = [
        [i, f"学生{i}", long if i % 25 == 0 else "合格", rate(i % 13, 13)] for i in range(1, 151)
    ]
    header = ["序号", "姓名", "情况", "通过率"]
    table = Table("长名单", header, rows, notes=["名单按学号排列" * 12])
    pages, pdf = _print(_write(tmp_path, table))
    assert len(pages) >= 3
    for number, page in enumerate(pages, 1):
        assert f"第{number}页 共{len(pages)}页" in page and "###" not in page
        assert all(label in page for label in header)  # the header on every page
    everything = _flat("".join(pages))
    assert everything.count(_flat(long)) == 6 and _flat("名单按学号排列" * 12) in everything
    assert "长名单" in pages[0] and SCHOOL in pages[0] and DAY[1] in pages[0]
    assert _cut(pdf) == []  # each long cell wrapped in a row tall enough, none cut
