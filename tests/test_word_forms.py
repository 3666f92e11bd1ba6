"""The plan and the site application in Word: the same headings, fields and notes as the
seed (the lists of test_seed_forms), the budget's merged cells, opinion boxes tall enough
for a seal, the school and date to sign, and the documents as LibreOffice prints them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from test_seed_forms import SEED_FORM, SEED_PLAN, missing_in_order

from conftest import NEEDS_OFFICE, office_to_pdf

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture
def school(make_school):
    return make_school(
        examples=("roster.xlsx", "catalogue.toml", "results.xlsx", "site.toml", "teachers.xlsx")
    )


def _docx(cli, tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / f"{name}.docx"
    result = cli("render", name, *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def reading_order(doc) -> str:
    """The document's text as read: paragraphs and table cells in order, a merged cell
    once, one line each."""
    lines = []
    for child in doc.element.body.iterchildren():
        if child.tag == f"{W}p":
            lines.append("".join(t.text or "" for t in child.iter(f"{W}t")))
        elif child.tag == f"{W}tbl":
            for cell in child.iter(f"{W}tc"):
                lines.append(
                    "\n".join(
                        "".join(t.text or "" for t in p.iter(f"{W}t")) for p in cell.iter(f"{W}p")
                    )
                )
    return "\n".join(lines)


def test_the_plan_in_word_has_the_seeds_headings_and_its_signature(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "plan", "--year", "2023")))
    text = reading_order(doc)
    assert missing_in_order(text, SEED_PLAN) == []
    assert "达成" not in text
    issuer, number, _rule, title = doc.paragraphs[:4]
    assert issuer.text == "示例职业技术学校" and str(issuer.runs[0].font.color.rgb) == "C00000"
    assert number.text == "示职办〔2022〕18号"
    assert title.style.name == "Title" and "专项资金 1+X 证书制度试点项目建设实施方案" in title.text
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["一、项目建设的必要性"] == "Heading 1" and styles["1. 制度保障"] == "Heading 2"
    school_line, date_line = doc.paragraphs[-2:]
    assert (school_line.text, date_line.text) == ("示例职业技术学校", "2022年11月18日")
    assert school_line.alignment == date_line.alignment == 2  # right
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert "资金需求" in " ".join(captions) and "设备采购清单" in " ".join(captions)
    budget = next(t for t in doc.tables if t.cell(0, 0).text == "总项目名称")
    assert budget.cell(1, 0)._tc is budget.cell(4, 0)._tc  # 总项目名称 over its four rows
    assert budget.cell(2, 1)._tc is budget.cell(3, 1)._tc  # 1+X 证书考核 over its two
    assert budget.cell(2, 1).text == "1+X 证书考核（75,688元）"


def test_the_site_application_in_word_is_the_seeds_form(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "site-application")))
    text = reading_order(doc)
    form = text.split("附：")[0]
    assert missing_in_order(form, SEED_FORM) == []
    assert doc.paragraphs[0].text == "附件 1-3"
    assert doc.paragraphs[1].text == "机械工程制图职业技能等级证书\n“1+X”考点申报表"
    grid = doc.tables[0]
    assert len(grid.columns) == 6
    assert grid.cell(0, 1)._tc is grid.cell(0, 5)._tc  # 单位名称's value across the form
    rooms = next(i for i, row in enumerate(grid.rows) if row.cells[1].text == "场地情况")
    assert grid.cell(rooms, 0)._tc is grid.cell(rooms + 1, 0)._tc  # 场地和设备情况
    # the introduction keeps its two lines as two paragraphs
    intro = next(row.cells[1] for row in grid.rows if row.cells[0].text == "单位简介")
    assert len(intro.paragraphs) == 2 and intro.paragraphs[1].text.startswith("学校成立")
    for label, date in (
        ("申请单位意见", "2022年9月18日"),
        ("培训评价组织审批意见", "　　年　　月　　日"),
    ):
        row = next(r for r in grid.rows if r.cells[0].text == label)
        assert round(row.height.mm) >= 42 and "<w:cantSplit" in row._tr.xml
        box = row.cells[1]
        assert [p.text for p in box.paragraphs][-2:] == [
            "负责人签字：　　　　　　　　（单位盖章）",
            date,
        ]
        assert box.paragraphs[-1].alignment == 2 and box.vertical_alignment == 3  # right, foot
    assert (
        "4. 如有任何疑问请与示例培训评价组织甲联系。联系人：赵示例，电话：13800000000（微信同号）。"
        in text
    )
    # the database's figures after a page break, not on the form
    body = doc.element.body.xml
    assert body.index('w:type="page"') < body.index("附：本校机械工程制图")
    assert doc.tables[-1].cell(1, 0).text == "2022年" and len(doc.tables) == 2


def test_the_forms_in_a_word_dossier_keep_their_layout(school, tmp_path):
    doc = Document(str(_docx(school, tmp_path, "dossier", "--year", "2023")))
    text = reading_order(doc)
    assert "负责人签字：　　　　　　　　（单位盖章）" in text and "七、项目建设保障机制" in text
    assert any(p.text == "2022年11月18日" for p in doc.paragraphs)
    form = next(t for t in doc.tables if t.cell(0, 0).text == "单位名称")
    assert any(row.height is not None and round(row.height.mm) >= 42 for row in form.rows)


def test_a_public_word_form_masks_the_contacts(school, tmp_path):
    text = reading_order(Document(str(_docx(school, tmp_path, "site-application", "--public"))))
    assert "13800000001" not in text and "138****0001" in text and "13800000000" not in text


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@NEEDS_OFFICE
def test_the_word_forms_print_every_field_and_their_page_numbers(school, tmp_path):
    paths = [
        _docx(school, tmp_path, "plan", "--year", "2023"),
        _docx(school, tmp_path, "site-application"),
    ]
    plan, site = office_to_pdf(*paths)
    for printed, labels in ((plan, SEED_PLAN), (site, SEED_FORM)):
        # each printed whole (a merged cell is read where LibreOffice centres it: its
        # order is the document's, checked above)
        assert [label for label in labels if _flat(label) not in _flat(printed)] == []
        pages = [page for page in printed.split("\f") if page.strip()]
        for number, page in enumerate(pages, 1):
            assert re.search(rf"—\s*{number}\s*—", page), number
    # every cell whole: each field of the form printed, its e-mail not cut
    for value in ("liaison@example.edu.cn", "0758-2000001", "13800000003"):
        assert value in site
    site_pages = [page for page in site.split("\f") if page.strip()]
    assert "附：本校" in site_pages[-1] and "负责人签字" not in site_pages[-1]
    assert "2022年11月18日" in _flat(plan.split("\f")[-2] + plan.split("\f")[-1])
