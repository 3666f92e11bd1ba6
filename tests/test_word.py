"""Word reports (SPEC 5.3, `--format docx`): a GB/T 9704-2012 page, the same tables as
every other format, page numbers "— 1 —", a school's own Word templates, and the
document as LibreOffice prints it."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st
from test_render import AWARDS, RESULTS, ROSTER

from xcert.output import render
from xcert.output.tables import Table, cell_text
from xcert.output.xlsx import Sheets

from conftest import AUTOCAD, DRAWING, NEEDS_OFFICE, office_to_pdf

TABLE_REPORTS = [
    ("pass-rates", []),
    ("dual-certificate", []),
    ("sign-list", ["--class", "20数控1"]),
]


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER,
        roster_csv=True,
        school_name="示例职业技术学校",
        certificates=[DRAWING, AUTOCAD],
        results=RESULTS,
        awards=AWARDS,
    )


def _docx(school, tmp_path: Path, name: str, args: list[str], *extra: str) -> Path:
    out = tmp_path / f"{name}.docx"
    result = school("render", name, *args, *extra, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def _tables(school, name: str, args: list[str]) -> list[Table]:
    """The report's tables as xcert computes them for every format."""
    conn = sqlite3.connect(school.db)
    try:
        options = {"class_code": args[1]} if args else {}
        sheets = render.render(conn, name, "xlsx", render.Options(**options))
    finally:
        conn.close()
    assert isinstance(sheets, Sheets)  # with the report's notes under its last table
    return list(sheets.tables)


def test_a_word_report_is_an_a4_page_after_gb_t_9704(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "pass-rates", [])))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin]
    assert [round(m.mm) for m in [*margins, section.right_margin]] == [37, 35, 28, 26]
    normal, title = doc.styles["Normal"], doc.styles["Title"]
    assert normal.font.size.pt == 16 and title.font.size.pt == 22  # 3号 body, 2号 title
    east_asian = normal.element.rPr.rFonts.get(qn("w:eastAsia"))
    assert east_asian == "仿宋_GB2312"
    assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    table_xml = next(
        p.blob.decode() for p in doc.part.package.iter_parts() if "fontTable" in str(p.partname)
    )
    assert re.search(r'w:name="仿宋_GB2312">.*?<w:altName w:val="仿宋"/>', table_xml)
    assert doc.paragraphs[0].text == "1+X考证情况统计表" and doc.paragraphs[0].style.name == "Title"
    assert "示例职业技术学校" in doc.paragraphs[1].text
    assert doc.core_properties.author == "xcert" == doc.core_properties.last_modified_by


def test_page_numbers_are_dashes_around_the_number_odd_right_even_left(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "pass-rates", [])))
    assert doc.settings.odd_and_even_pages_header_footer
    section = doc.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        xml = footer._element.xml
        assert "PAGE" in xml and f'<w:jc w:val="{side}"/>' in xml
        assert footer.paragraphs[0].text.startswith("— ") and footer.paragraphs[0].text.endswith(
            " —"
        )


@pytest.mark.parametrize("name, args", TABLE_REPORTS)
def test_each_word_table_holds_what_every_format_prints(school, tmp_path, name, args):
    doc = Document(str(_docx(school, tmp_path, name, args)))
    expected = _tables(school, name, args)
    assert len(doc.tables) == len(expected)
    for grid, table in zip(doc.tables, expected, strict=True):
        cells = [[cell.text for cell in row.cells] for row in grid.rows]
        assert cells[0] == list(table.header)
        assert cells[1:] == [[cell_text(c) for c in row] for row in table.rows]
        first_row = grid.rows[0]._tr.xml
        assert "<w:tblHeader" in first_row  # the header repeats on every page
        borders = grid._tbl.tblPr.xml
        assert all(f"<w:{edge} " in borders for edge in ("top", "bottom", "insideH", "insideV"))
    body = "\n".join(p.text for p in doc.paragraphs)
    for table in expected:
        for note in table.notes:
            assert f"注：{note}" in body


def test_a_table_with_several_tables_numbers_them(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "pass-rates", [])))
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert [c.split("　")[0] for c in captions] == ["表 1", "表 2"]
    assert captions[1].endswith("按证书")


def test_a_one_table_report_titled_as_its_table_has_no_second_title(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "sign-list", ["--class", "20数控1"])))
    assert not [p for p in doc.paragraphs if p.style.name == "Caption"]
    assert doc.paragraphs[0].text.endswith("考证签领名单")


def test_repeated_cells_of_a_merged_column_are_one_cell_in_word(tmp_path):
    from xcert.output import word

    doc = word.document()
    table = Table(
        "资金需求",
        ["总项目名称", "分项目", "金额（元）"],
        [
            ["试点项目", "考核设备", "334,000"],
            ["试点项目", "师资培训", "6,000"],
            ["合计", "", "340,000"],
        ],
        merged=(1,),
    )
    word.table(doc, table)
    word.save(doc, tmp_path / "m.docx")
    grid = Document(str(tmp_path / "m.docx")).tables[0]
    column = [cell.text for cell in grid.column_cells(0)]
    assert column == ["总项目名称", "试点项目", "试点项目", "合计"]  # one merged cell, read twice
    assert grid.cell(1, 0)._tc is grid.cell(2, 0)._tc
    assert grid.cell(3, 0)._tc is not grid.cell(2, 0)._tc


def test_a_schools_base_docx_keeps_its_page_and_letterhead(school, tmp_path):
    from docx.shared import Mm

    folder = tmp_path / "模板"
    folder.mkdir()
    base = Document()
    base.sections[0].left_margin = Mm(20)
    base.sections[0].header.paragraphs[0].text = "示例职业技术学校教务处"
    base.add_paragraph("这是模板里的示例正文")
    base.save(str(folder / "base.docx"))
    doc = Document(str(_docx(school, tmp_path, "pass-rates", [], "--templates", str(folder))))
    assert round(doc.sections[0].left_margin.mm) == 20
    assert doc.sections[0].header.paragraphs[0].text == "示例职业技术学校教务处"
    texts = [p.text for p in doc.paragraphs]
    assert "这是模板里的示例正文" not in texts and texts[0] == "1+X考证情况统计表"
    assert len(doc.tables) == 2


def test_a_schools_own_word_template_gets_the_reports_figures(school, tmp_path):
    folder = tmp_path / "模板"
    folder.mkdir()
    own = Document()
    own.add_paragraph("{{ school }}：{{ title }}")
    own.add_paragraph("{% for row in tables[0].rows %}{{ row[0] }}={{ row[-1] }}；{% endfor %}")
    own.save(str(folder / "pass-rates.docx"))
    out = _docx(school, tmp_path, "pass-rates", [], "--templates", str(folder))
    texts = [p.text for p in Document(str(out)).paragraphs]
    assert texts[0] == "示例职业技术学校：1+X考证情况统计表"
    assert texts[1] == "2022年=50.0%；2023年=100.0%；"
    assert Document(str(out)).core_properties.author == "xcert"


@pytest.mark.parametrize(
    "tag", ["{{ ''.__class__.__mro__ }}", "{{ tables[0].__class__.__init__.__globals__ }}"]
)
def test_a_schools_word_template_runs_sandboxed(school, tmp_path, tag):
    folder = tmp_path / "模板"
    folder.mkdir()
    own = Document()
    own.add_paragraph(tag)
    own.save(str(folder / "pass-rates.docx"))
    out = tmp_path / "p.docx"
    result = school("render", "pass-rates", "--templates", folder, "-o", out)
    assert result.exit_code == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "pass-rates.docx" in result.stderr and not out.exists()


def test_a_base_docx_that_is_not_word_is_one_line(school, tmp_path):
    folder = tmp_path / "模板"
    folder.mkdir()
    (folder / "base.docx").write_text("不是 Word 文件", encoding="utf-8")
    out = tmp_path / "p.docx"
    result = school("render", "pass-rates", "--templates", folder, "-o", out)
    assert result.exit_code == 1 and "不是可用的 Word 文件" in result.stderr
    assert not out.exists()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@NEEDS_OFFICE
def test_word_reports_print_every_cell_and_their_page_numbers(make_school, tmp_path):
    """LibreOffice prints each report: every cell whole (none cut at a line's end), the
    page numbers — 1 — on every page, the header again on a later page."""
    awards = [
        [f"B{i:02d}", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", "学习委员"]
        for i in range(1, 61)
    ]
    roster = [ROSTER[0]] + [
        [f"B{i:02d}", f"学生{i:02d}", "20数控1", "数控技术应用", 2023, "毕业"] for i in range(1, 61)
    ]
    school = make_school(
        roster=roster,
        school_name="示例职业技术学校",
        certificates=[DRAWING, AUTOCAD],
        results=[[f"B{i:02d}", "机械制图", "初级", "2022-06-18", "合格"] for i in range(1, 31)],
        awards=awards,
    )
    paths = [_docx(school, tmp_path, name, args) for name, args in TABLE_REPORTS]
    printed = dict(zip([name for name, _ in TABLE_REPORTS], office_to_pdf(*paths), strict=True))
    for name, args in TABLE_REPORTS:
        text = printed[name]
        flat = _flat(text)
        for table in _tables(school, name, args):
            for value in [*table.header, *(cell_text(c) for row in table.rows for c in row)]:
                assert _flat(value) in flat, (name, value)
        pages = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
        for number, page in enumerate(pages, 1):
            assert re.search(rf"—\s*{number}\s*—", page), (name, number)
    sign_pages = printed["sign-list"].split("\f")
    assert len([p for p in sign_pages if p.strip()]) >= 2
    assert "证书签领人" in _flat(sign_pages[1])  # the header again on page 2
    assert _flat("机械设计工程师 (AutoCAD)") in _flat(sign_pages[1])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet="数控班级2022@.abc -（）", max_size=24), min_size=3, max_size=3),
        min_size=1,
        max_size=6,
    )
)
def test_word_columns_fill_the_type_area_and_never_break_a_word_that_fits(rows):
    """Whatever the cells: the columns fill the type area exactly; when they fit, none is
    narrower than its longest unbreakable run (a masked ID number, an e-mail)."""
    from xcert.output.word_widths import Measures, _ems, _words, column_widths

    header = ["序号", "姓名", "电子邮箱"]
    widths = column_widths(Measures(header, rows), 10.5, 156.0)
    if widths is None:  # too wide at this size: the caller tries a smaller one
        widths = column_widths(Measures(header, rows), 10.5, 156.0, squeeze=True)
        assert widths is not None and abs(sum(widths) - 156.0) < 1e-6
        return
    assert abs(sum(widths) - 156.0) < 1e-6
    em = 10.5 * 0.3528
    for index, width in enumerate(widths):
        longest = max((_ems(w) for row in rows for w in _words(row[index])), default=0.0)
        assert width + 1e-6 >= longest * em + 4.5, (index, widths)


def test_a_schools_word_template_prints_data_as_text_never_as_markup(make_school, tmp_path):
    """`NAME.docx` is XML: a school named R&D <一> (or data shaped like Word markup)
    prints as typed, and adds no element to the document."""
    school = make_school(
        roster=ROSTER,
        roster_csv=True,
        school_name='R&D <一> </w:t></w:r><w:fldSimple w:instr="DATE"/><w:r><w:t>',
        certificates=[DRAWING, AUTOCAD],
        results=RESULTS,
    )
    folder = tmp_path / "模板"
    folder.mkdir()
    own = Document()
    own.add_paragraph("{{ school }}：{{ title }}")
    own.save(str(folder / "pass-rates.docx"))
    out = _docx(school, tmp_path, "pass-rates", [], "--templates", str(folder))
    doc = Document(str(out))
    assert doc.paragraphs[0].text.startswith("R&D <一> </w:t></w:r><w:fldSimple")
    assert "<w:fldSimple" not in doc.element.body.xml


def _stripped_base(folder: Path, *, keep_section: bool) -> None:
    """A base.docx as Word saves a plain letterhead: only the Normal style (Word keeps
    the styles a file uses), and, when asked, no page settings at all."""
    import zipfile

    Document().save(str(folder / "full.docx"))
    with zipfile.ZipFile(folder / "full.docx") as source:
        parts = {name: source.read(name) for name in source.namelist()}
    styles = parts["word/styles.xml"].decode()
    kept = re.sub(
        r'<w:style w:type="paragraph"(?: w:default="\d")? w:styleId="(?!Normal")[^"]*".*?</w:style>',
        "",
        styles,
        flags=re.S,
    )
    parts["word/styles.xml"] = kept.encode()
    if not keep_section:
        body = parts["word/document.xml"].decode()
        parts["word/document.xml"] = re.sub(
            r"<w:sectPr.*?</w:sectPr>", "", body, flags=re.S
        ).encode()
    with zipfile.ZipFile(folder / "base.docx", "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    (folder / "full.docx").unlink()


@pytest.mark.parametrize("keep_section", [True, False])
def test_a_base_docx_word_saved_with_few_styles_or_no_page_still_works(
    school, tmp_path, keep_section
):
    folder = tmp_path / "模板"
    folder.mkdir()
    _stripped_base(folder, keep_section=keep_section)
    doc = Document(str(_docx(school, tmp_path, "pass-rates", [], "--templates", str(folder))))
    assert doc.paragraphs[0].style.name == "Title" and len(doc.tables) == 2
    if not keep_section:  # the standard's page stands in for the one it lacks
        assert [round(m.mm) for m in (doc.sections[0].top_margin, doc.sections[0].left_margin)] == [
            37,
            28,
        ]
    out = tmp_path / "汇编.docx"
    result = school("render", "dossier", "--templates", folder, "-o", out)
    assert result.exit_code == 0, result.output


def test_a_table_without_columns_writes_no_table(tmp_path):
    from xcert.output import word

    doc = word.document()
    assert word.table(doc, Table("空", [], [])) is None
    assert not doc.tables


@pytest.mark.parametrize(
    "n, words", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (99, "九十九")]
)
def test_sections_and_chapters_are_numbered_as_chinese_documents_number_them(n, words):
    from xcert.output.tables import chinese_number

    assert chinese_number(n) == words
