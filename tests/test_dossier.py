"""The dossier (`render dossier`): a cover, the contents, each report a chapter, tables
numbered 表 1, 表 2… across the document and named by number where their chapter
starts; in HTML and Word, printed by Chromium and LibreOffice."""

from __future__ import annotations

import re
import subprocess

import pytest
from docx import Document

from conftest import (
    EXAMPLE_FILES,
    NEEDS_CHROMIUM,
    NEEDS_OFFICE,
    office_to_pdf,
    print_to_pdf,
)


@pytest.fixture
def school(make_school):
    return make_school(examples=EXAMPLE_FILES)


def _numbers(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"表 (\d+)　", text)]


def test_an_html_dossier_has_a_cover_contents_and_chapters_in_the_seeds_order(school, tmp_path):
    out = tmp_path / "汇编.html"
    result = school("render", "dossier", "--year", "2023", "-o", out)
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert '<section class="cover">' in html and "1+X证书制度试点工作材料汇编" in html
    assert html.count("<!doctype") == 1 and html.count("</body>") == 1  # chapters: bodies
    contents = html[html.index("目　录") : html.index('<section class="chapter">')]
    chapters = re.findall(r'<h2 class="chapter">(.+?)、(.+?)</h2>', html)
    assert [number for number, _ in chapters] == ["一", "二", "三", "四", "五"]
    titles = [title for _, title in chapters]
    assert "1+X考证情况统计表" in titles[0] and "双证毕业情况统计表" in titles[1]
    assert "考点申报表" in titles[2] and "实施方案" in titles[3] and "绩效自评" in titles[4]
    for _, title in chapters:
        assert title in contents
    # every table captioned once, numbered from 1 without a gap, in document order
    numbers = _numbers(html)
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 5
    # each chapter names its own tables, and the contents name them too
    for section in html.split('<section class="chapter">')[1:]:
        own = _numbers(section)
        named = re.search(r"本章数据见(.+?)。", section)
        assert named is not None and named.group(1) == "、".join(f"表 {n}" for n in own)
        assert named.group(1) in contents


def test_the_reports_option_chooses_the_chapters_and_their_order(school, tmp_path):
    out = tmp_path / "d.html"
    result = school(
        "render", "dossier", "--reports", "plan,pass-rates", "--year", "2023", "-o", out
    )
    assert result.exit_code == 0, result.output
    chapters = re.findall(r'<h2 class="chapter">.+?、(.+?)</h2>', out.read_text(encoding="utf-8"))
    assert len(chapters) == 2 and "实施方案" in chapters[0] and "考证情况" in chapters[1]


def test_a_default_chapter_without_its_data_is_left_out_with_a_note(school, tmp_path):
    """Without --year there is no plan: the dossier says so instead of a blank chapter."""
    out = tmp_path / "d.html"
    assert school("render", "dossier", "--class", "20数控1", "-o", out).exit_code == 0
    html = out.read_text(encoding="utf-8")
    assert "实施方案" not in re.findall(r'<h2 class="chapter">(.+?)</h2>', html)
    assert "考证签领名单" in html  # sign-list joins when a class is given


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--reports", "plan"], 1, "汇编的「plan」一章：plan 需要 --year"),
        (["--reports", "pass-rates,nosuch"], 2, "不认识的报表：nosuch"),
        (["--reports", "dossier"], 2, "不认识的报表：dossier"),
        (["--format", "xlsx", "-o", "d.xlsx"], 2, "dossier 只有 html、docx 格式"),
    ],
)
def test_a_dossier_that_cannot_be_made_says_why(school, tmp_path, args, code, message):
    out = tmp_path / "d.html"
    argv = args if "-o" in args else [*args, "-o", out]
    result = school("render", "dossier", *argv)
    assert result.exit_code == code and message in result.stderr
    assert not out.exists()


def test_reports_is_an_option_of_the_dossier_only(school):
    result = school("render", "pass-rates", "--reports", "plan")
    assert result.exit_code == 2 and "只用于 dossier" in result.stderr


def _word(school, tmp_path, *args):
    out = tmp_path / "汇编.docx"
    result = school("render", "dossier", *args, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_a_word_dossier_numbers_its_tables_and_names_them_in_the_contents(school, tmp_path):
    doc = Document(str(_word(school, tmp_path, "--year", "2023", "--class", "20数控1")))
    texts = [p.text for p in doc.paragraphs]
    assert texts[texts.index("目　录") - 1 - 6 - 1] == ""  # the cover's blank lines
    assert any("1+X证书制度试点工作材料汇编" in t for t in texts[:8])
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert _numbers("\n".join(captions)) == list(range(1, len(captions) + 1))
    forms = [t for t in doc.tables if t.cell(0, 0).text == "单位名称"]  # a form is no table
    assert len(captions) == len(doc.tables) - len(forms) and len(forms) == 1
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("一、") and headings[1].startswith("二、")
    start = texts.index("目　录") + 1
    for offset, heading in enumerate(headings):
        assert texts[start + offset].startswith(heading)
    intros = [t for t in texts if t.startswith("本章数据见")]
    assert intros[0] == "本章数据见表 1、表 2。"
    assert doc.sections[0].different_first_page_header_footer  # no number on the cover


@NEEDS_OFFICE
def test_a_word_dossier_prints_with_page_numbers_after_the_cover(school, tmp_path):
    (text,) = office_to_pdf(_word(school, tmp_path, "--year", "2023", "--class", "20数控1"))
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) >= 3
    assert not re.search(r"—\s*1\s*—", pages[0])  # the cover
    for number, page in enumerate(pages[1:], 2):
        assert re.search(rf"—\s*{number}\s*—", page), number
    assert "目" in pages[1] and "本章数据见表1、表2。" in re.sub(r"\s+", "", text)


@NEEDS_CHROMIUM
def test_an_html_dossier_prints_each_chapter_from_a_new_page(school, tmp_path):
    html = tmp_path / "d.html"
    school("render", "dossier", "--year", "2023", "-o", html)
    pdf = tmp_path / "d.pdf"
    print_to_pdf(html, pdf)
    text = subprocess.run(
        ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = [page for page in text.split("\f") if page.strip()]
    assert "工作材料汇编" in re.sub(r"\s+", "", pages[0]) and "目" in pages[1]
    chapters = re.findall(r'<h2 class="chapter">(.+?)</h2>', html.read_text(encoding="utf-8"))
    assert len(chapters) >= 4
    flat = [re.sub(r"\s+", "", page) for page in pages]
    starts = []
    for chapter in chapters:  # each chapter's heading opens a page of its own
        heading = re.sub(r"\s+", "", chapter)
        page = next(i for i, text in enumerate(flat) if i > 1 and heading in text)
        first_line = next(line for line in pages[page].splitlines() if line.strip())
        assert re.sub(r"\s+", "", first_line) in heading, (chapter, first_line)
        starts.append(page)
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_a_dossier_asked_for_on_screen_says_to_give_a_file(school):
    result = school("render", "dossier")
    assert result.exit_code == 2
    assert "dossier 要写成文件：用 -o 指定（html、docx），例如 -o dossier.html" in result.stderr
