"""Reports: golden Markdown and HTML, xlsx read back, escaping, printing to A4 PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import AUTOCAD, DRAWING, NEEDS_CHROMIUM, check_golden, print_to_pdf

ROSTER = [
    ["学号", "姓名", "班级", "专业", "届别", "学籍状态"],
    ["A01", "甲一", "20数控1", "数控技术应用", 2023, "毕业"],
    ["A02", "乙二", "20数控1", "数控技术应用", 2023, "毕业"],
    ["A03", "丙三", "20数控1", "数控技术应用", 2023, "退学"],
    ["A04", "<script>alert(1)</script>", "20数控1", "数控技术应用", 2023, "毕业"],
    ["A05", '=HYPERLINK("x")', "20数控1", "数控技术应用", 2023, "毕业"],
]
RESULTS = [  # under RESULT_COLUMNS: 学号, 证书名称, 等级, 考核日期, 考核结果
    ["A01", "机械制图", "初级", "2022-06-18", "合格"],
    ["A02", "机械制图", "初级", "2022-06-18", "不合格"],
    ["A04", "机械制图", "初级", "2023-06-18", "合格"],
]
AWARDS = [  # under AWARD_COLUMNS: 学号, 工种, 等级, 鉴定时间, 发证日期, 证书签领人
    ["A01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", "学习委员"],
    ["A04", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None],
    ["A05", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None],
]


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER,
        roster_csv=True,  # the =HYPERLINK name must arrive as text, not as a formula
        school_name="示例职业技术学校",
        certificates=[DRAWING, AUTOCAD],
        results=RESULTS,
        awards=AWARDS,
    )


REPORTS = [("pass-rates", []), ("dual-certificate", []), ("sign-list", ["--class", "20数控1"])]


@pytest.mark.parametrize("name, args", REPORTS)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_reports_match_their_golden_files(school, tmp_path, name, args, fmt):
    out = tmp_path / f"{name}.{fmt}"
    result = school("render", name, *args, "--date", "2024-01-15", "-o", out)
    assert result.exit_code == 0, result.output
    check_golden(f"{name}.{fmt}", out.read_text(encoding="utf-8"))


def test_a_missing_golden_file_fails_instead_of_being_written(monkeypatch):
    import conftest

    monkeypatch.setattr(conftest, "UPDATE_GOLDEN", False)
    with pytest.raises(AssertionError, match="missing"):
        check_golden("no-such-report.md", "# 表\n")
    assert not (conftest.GOLDEN / "no-such-report.md").exists()


def test_markdown_goes_to_stdout_without_o(school):
    result = school("render", "pass-rates", "--date", "2024-01-15")
    assert result.exit_code == 0 and "| 2022年 | 2 | 1 | 0 | 50.0% |" in result.stdout


def test_figures_are_the_same_as_stats(school):
    import json

    data = json.loads(school("stats", "--format", "json").stdout)
    text = school("render", "pass-rates").stdout
    for row in data["pass_rates"]:
        assert f"| {row['year']}年 | {row['tested']} | {row['passed']} |" in text
    dual = school("render", "dual-certificate").stdout
    row = data["dual_certificate"][0]
    assert f"| {row['cohort']}届 | {row['graduates']} | {row['certified']} |" in dual


def test_html_escapes_names_and_is_self_contained(school, tmp_path):
    out = tmp_path / "sign.html"
    school("render", "sign-list", "--class", "20数控1", "-o", out)
    html = out.read_text(encoding="utf-8")
    assert (
        "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    )
    assert (
        "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
        and "https://" not in html
    )
    assert "<style>" in html and "@page" in html and "Noto Sans CJK SC" in html


def test_rate_reports_carry_an_svg_chart_with_numbers(school, tmp_path):
    out = tmp_path / "pr.html"
    school("render", "pass-rates", "-o", out)
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "50.0%</text>" in html and "100.0%</text>" in html


def test_xlsx_reads_back_with_text_cells_and_no_formula(school, tmp_path):
    out = tmp_path / "sign.xlsx"
    assert school("render", "sign-list", "--class", "20数控1", "-o", out).exit_code == 0
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "数控技术应用专业20数控1班考证签领名单"
    assert rows[2] == ("序号", "班号", "姓名", "工种", "等级", "鉴定时间", "发证日期", "证书签领人")
    names = [r[2] for r in rows[3:6]]
    assert names == ["甲一", "<script>alert(1)</script>", '=HYPERLINK("x")']
    cell = sheet.cell(row=6, column=3)
    assert cell.data_type == "s" and cell.value.startswith("=")
    assert sheet.column_dimensions["D"].width >= 20  # 工种 fits its longest name
    assert sheet.freeze_panes == "A4"
    pr = tmp_path / "pr.xlsx"
    school("render", "pass-rates", "-o", pr)
    book = load_workbook(pr)
    assert list(book.active.iter_rows(values_only=True))[3] == ("2022年", 2, 1, 0, 0.5)
    assert book.active.cell(row=4, column=5).number_format == "0.0%"


def test_every_rate_and_count_in_xlsx_is_a_number_whatever_its_header(school, tmp_path):
    """Cells are typed where the figures are made, not guessed back from the header: the
    dual-certificate rate (header 双证毕业率（技能、毕业证）) is a percentage too."""
    out = tmp_path / "dual.xlsx"
    assert school("render", "dual-certificate", "-o", out).exit_code == 0
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[3]]  # under the title and the school and date
    rows = [[c for c in row] for row in sheet.iter_rows(min_row=4) if row[1].value is not None]
    assert rows, "the example school has a cohort"
    for row in rows:
        graduates, rate = row[header.index("毕业生人数（人）")], row[-1]
        assert isinstance(graduates.value, int)
        assert isinstance(rate.value, float) and rate.number_format == "0.0%"


def test_a_schools_own_template_overrides_the_built_in_one(school, tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "sign-list.md").write_text(
        "{{ school }}：{{ title }}（{{ tables[0].rows|length }} 人）\n", encoding="utf-8"
    )
    result = school("render", "sign-list", "--class", "20数控1", "--templates", own)
    assert result.stdout == "示例职业技术学校：数控技术应用专业20数控1班考证签领名单（3 人）\n"
    assert (
        "| 毕业学生 |" in school("render", "dual-certificate", "--templates", own).stdout
    )  # others built in


@pytest.mark.parametrize(
    "attack",
    [
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ tables.append(1) }}",
    ],
)
def test_a_schools_template_runs_sandboxed(school, tmp_path, attack):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "pass-rates.md").write_text(attack + "\n", encoding="utf-8")
    result = school("render", "pass-rates", "--templates", own)
    assert result.exit_code == 1 and "uid=" not in result.output
    assert "不允许" in result.stderr and result.stderr.count("\n") == 1


def test_a_broken_template_is_one_clear_line(school, tmp_path):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "pass-rates.md").write_text("{% if %}\n", encoding="utf-8")
    result = school("render", "pass-rates", "--templates", own)
    assert (
        result.exit_code == 1
        and "模板 pass-rates.md" in result.stderr
        and "Traceback" not in result.output
    )


@pytest.mark.parametrize(
    "template, says",
    [
        (  # syntax: Jinja cannot read it
            "标题\n{% if %}\n",
            "模板 pass-rates.md 第2行：这里缺少表达式（变量或值）（这一行：{% if %}）",
        ),
        (
            "{% for table in tables %}\n{{ table.title }}\n",
            "模板 pass-rates.md 第2行：模板结束了，还有块没有结束，缺少 {% endfor %}",
        ),
        ("{% 表格 %}\n", "模板 pass-rates.md 第1行：不认识的标签「表格」（这一行：{% 表格 %}）"),
        (  # an undefined variable, attribute, filter
            "第一行\n{{ 学校 }}\n",
            "模板 pass-rates.md 第2行：用了不存在的变量或函数「学校」",
        ),
        ("\n\n{{ title.subtitle }}\n", "模板 pass-rates.md 第3行：用了不存在的属性「subtitle」"),
        (
            "a\nb\n{{ title | bold }}\n",
            "模板 pass-rates.md 第3行：没有名为「bold」的过滤器（这一行：{{ title | bold }}）",
        ),
        (
            "{% if not public %}\n{{ title | bold }}\n{% endif %}\n",
            "模板 pass-rates.md 第2行：没有名为「bold」的过滤器",
        ),
        (  # the sandbox
            "x\n{{ tables.append(1) }}\n",
            "模板 pass-rates.md 第2行：出于安全不允许访问「append」；模板只能读报表里的数据",
        ),
        (
            "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n",
            "模板 pass-rates.md 第1行：出于安全不允许访问「__init__」；模板只能读报表里的数据",
        ),
        (  # in a template it includes: that one is named
            '标题\n{% include "part.md" %}\n',
            "模板 part.md 第3行：用了不存在的变量或函数「签名」",
        ),
        (
            '{% include "missing.md" %}\n',
            "模板 pass-rates.md 第1行：找不到它用到的模板「missing.md」",
        ),
    ],
)
def test_a_template_error_is_one_chinese_line_naming_file_and_line(
    school, tmp_path, template, says
):
    own = tmp_path / "mine"
    own.mkdir()
    (own / "pass-rates.md").write_text(template, encoding="utf-8")
    (own / "part.md").write_text("{{ title }}\n\n{{ 签名 }}\n", encoding="utf-8")
    out = tmp_path / "统计.md"
    result = school("render", "pass-rates", "--templates", own, "-o", out)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"错误：{says}\n"
    assert not out.exists()  # nothing written


def test_a_mistake_in_a_built_in_template_a_school_extends_says_so(tmp_path):
    from xcert.output.template_errors import _where
    from xcert.resources import bundled

    own, built_in = tmp_path / "mine", bundled("templates")
    where = _where(str(built_in / "base.html"), "pass-rates.html", 7, [own, built_in])
    assert where == "模板 base.html 第7行（自带模板）"
    assert _where(str(own / "a.md"), "a.md", 2, [own, built_in]) == "模板 a.md 第2行"


def test_render_list_names_every_report(cli):
    result = cli("render", "--list", db=False)
    for name in ("pass-rates", "dual-certificate", "sign-list"):
        assert name in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["nothing"], "没有名为「nothing」的报表"),
        (["sign-list"], "需要 --class"),
        (["pass-rates", "--format", "html"], "需要用 -o"),
        (["pass-rates", "-o", "x.pdf"], "看出格式"),
        (["pass-rates", "--format", "xlsx", "-o", "x.html"], "不一致"),
        (["pass-rates", "--cohort", "2023"], "不用这个选项"),
        (["site-application", "--class", "20数控1"], "不用这个选项"),
        (["sign-list", "--class", "99无此班"], "没有班级「99无此班」"),
        (["pass-rates", "--date", "2024-01"], "具体哪一天"),
        ([], "请给出报表名"),
    ],
)
def test_render_usage_errors_exit_2(school, args, message):
    result = school("render", *args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["sign-list", "--class", "20数控1", "--year", "2019"],
            "班级「20数控1」没有2019年的发证记录",
        ),
    ],
)
def test_render_refuses_clearly(school, args, message):
    result = school("render", *args)
    assert result.exit_code == 1 and message in result.stderr


def test_templates_and_examples_are_in_the_built_wheel(tmp_path):
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in (
        "xcert/templates/base.html",
        "xcert/templates/sign-list.md",
        "xcert/examples/roster.xlsx",
    ):
        assert name in names


@NEEDS_CHROMIUM
@pytest.mark.parametrize(
    "name, args, pages",
    [("pass-rates", [], 1), ("dual-certificate", [], 1), ("sign-list", ["--class", "20数控1"], 1)],
)
def test_html_prints_to_a4_pdf_with_its_figures(school, tmp_path, name, args, pages):
    html = tmp_path / f"{name}.html"
    school("render", name, *args, "-o", html)
    pdf = tmp_path / f"{name}.pdf"
    print_to_pdf(html, pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    import re

    assert int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)) == pages
    assert "(A4)" in info
    expected = {
        "pass-rates": ["50.0%", "2022"],
        "dual-certificate": ["2023", "75.0%"],
        "sign-list": ["甲一", "2022.9.28"],
    }[name]
    for fragment in expected:
        assert fragment in text


def test_every_csv_cell_that_would_start_a_formula_is_neutralised(school):
    """OWASP CSV injection: names like =HYPERLINK("x") reach a CSV as text Excel shows."""
    import csv
    import io

    text = school("stats", "--list", "graduates", "--format", "csv").stdout
    cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
    assert '\'=HYPERLINK("x")' in cells
    formulas = [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert not [c for c in formulas if not re.fullmatch(r'="[0-9]+"', c)]  # see below


def test_csv_keeps_leading_zeros_as_excel_opens_it(make_school):
    roster = [
        ["学号", "姓名", "班级", "届别", "学籍状态"],
        ["00123", "甲", "20数控1", 2023, "毕业"],
    ]
    school = make_school(roster=roster, roster_csv=True)
    text = school("stats", "--list", "graduates", "--format", "csv").stdout
    assert '"=""00123"""' in text  # the cell ="00123": Excel shows the text 00123


def test_a_caption_built_from_a_schools_data_is_guarded_in_xlsx(make_school, tmp_path):
    roster = [
        ["学号", "姓名", "班级", "专业", "届别"],
        ["B01", "甲一", "20数控1", "=A3&", 2023],
    ]
    awards = [["B01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None]]
    school = make_school(roster=roster, roster_csv=True, certificates=[AUTOCAD], awards=awards)
    out = tmp_path / "sign.xlsx"
    assert school("render", "sign-list", "--class", "20数控1", "-o", out).exit_code == 0
    caption = load_workbook(out).active["A1"]
    assert caption.value.startswith("=A3&") and caption.data_type == "s" and caption.quotePrefix


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm"])
def test_render_never_writes_over_the_database(school, suffix):
    target = f"{school.db}{suffix}"
    before = Path(target).read_bytes() if Path(target).exists() else None
    result = school("render", "pass-rates", "--format", "md", "-o", target)
    assert result.exit_code == 1 and "数据库文件" in result.stderr
    assert (Path(target).read_bytes() if Path(target).exists() else None) == before
    assert school("stats").exit_code == 0  # the database still opens


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx", "docx"])
def test_render_replaces_its_own_earlier_file_and_says_so(school, tmp_path, fmt):
    out = tmp_path / f"统计.{fmt}"
    assert school("render", "pass-rates", "-o", out).exit_code == 0
    assert "已替换" not in school("render", "pass-rates", "-o", tmp_path / f"b.{fmt}").stdout
    result = school("render", "pass-rates", "-o", out)
    assert result.exit_code == 0 and "已替换原有的文件" in result.stdout


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx", "docx"])
def test_render_never_writes_over_a_file_xcert_did_not_write(school, tmp_path, xlsx, fmt):
    """The clerk's own 统计.xlsx (made in Excel: openpyxl here), or a text file, stays."""
    out = xlsx("统计.xlsx", {"S": [["自己的表"]]}) if fmt == "xlsx" else tmp_path / f"统计.{fmt}"
    if fmt == "docx":  # a clerk's own Word file (python-docx here, Word or WPS at school)
        from docx import Document

        own = Document()
        own.add_paragraph("自己写的总结")
        own.save(str(out))
    elif fmt != "xlsx":
        out.write_text("旧内容 <!-- xcert --> 不在最后一行\n正文", encoding="utf-8")
    before = out.read_bytes()
    result = school("render", "pass-rates", "-o", out)
    assert result.exit_code == 1 and "不是 xcert 写的文件" in result.stderr
    assert out.read_bytes() == before


@pytest.mark.parametrize("fmt", ["md", "html", "xlsx", "docx"])
def test_render_never_writes_over_its_own_file_once_someone_changed_it(school, tmp_path, fmt):
    """A sign-off list signed by hand, a report with a line added: no longer xcert's."""
    out = tmp_path / f"统计.{fmt}"
    assert school("render", "pass-rates", "-o", out).exit_code == 0
    if fmt == "xlsx":  # saved again by a person (Excel records who saved it, and when)
        from openpyxl import load_workbook

        book = load_workbook(out)
        book.active["A1"] = "改过的标题"
        book.properties.lastModifiedBy = "张老师"
        book.save(out)
    elif fmt == "docx":  # Word records who saved it last, as Excel does
        from docx import Document

        doc = Document(str(out))
        doc.add_paragraph("已核对")
        doc.core_properties.last_modified_by = "张老师"
        doc.save(str(out))
    else:
        text = out.read_text(encoding="utf-8")
        out.write_text(text.replace("2022年", "2022年（已核对）", 1), encoding="utf-8")
    before = out.read_bytes()
    result = school("render", "pass-rates", "-o", out)
    assert result.exit_code == 1 and "不是 xcert 写的文件" in result.stderr
    assert out.read_bytes() == before


def test_markdown_carries_a_schools_text_as_text(make_school):
    """A title built from 专业 and 班级, and every cell: no HTML, no formatting, no link."""
    roster = [
        ["学号", "姓名", "班级", "专业", "届别"],
        ["C01", "*甲*", "22<b>1", "**粗体**[x](http://a)", 2023],
    ]
    awards = [["C01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None]]
    school = make_school(roster=roster, roster_csv=True, certificates=[AUTOCAD], awards=awards)
    text = school("render", "sign-list", "--class", "22<b>1").stdout
    title = text.splitlines()[0]
    assert "<b>" not in text and "&lt;b&gt;" in title
    assert "\\*\\*粗体\\*\\*\\[x\\](http://a)" in title and "\\*甲\\*" in text


def test_a_class_without_certificates_is_named_without_an_empty_time_phrase(make_school):
    roster = [["学号", "姓名", "班级", "届别"], ["B01", "甲一", "22模具1", 2025]]
    result = make_school(roster=roster)("render", "sign-list", "--class", "22模具1")
    assert result.exit_code == 1
    assert "错误：班级「22模具1」没有发证记录（先导入发证签领名单）" in result.stderr


@pytest.mark.parametrize(
    "klass, major, year, title",
    [
        ("2021级电商2班", "电子商务", None, "电子商务专业2021级电商2班考证签领名单"),
        ("2021级电商2班", "电子商务专业", "2022", "电子商务专业2022年2021级电商2班考证签领名单"),
        ("20数控1", "数控技术应用", "2022", "数控技术应用专业2022年20数控1班考证签领名单"),
        ("20数控1", None, None, "20数控1班考证签领名单"),
    ],
)
def test_sign_list_title_says_ban_and_zhuanye_once(make_school, klass, major, year, title):
    roster = [["学号", "姓名", "班级", "专业", "届别"], ["B01", "甲一", klass, major, 2023]]
    awards = [["B01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", None]]
    school = make_school(roster=roster, certificates=[AUTOCAD], awards=awards)
    text = school(
        "render", "sign-list", "--class", klass, *(["--year", year] if year else [])
    ).stdout
    assert text.splitlines()[0] == f"# {title}"


@pytest.mark.parametrize(
    "args, row",
    [
        (["dual-certificate", "--cohort", "2030"], "| 2030届 | 0 | 0 | — |"),
        (["pass-rates", "--year", "2030"], "| 2030年 | 0 | 0 | 0 | — |"),
    ],
)
def test_a_report_of_an_empty_year_keeps_its_label(school, tmp_path, args, row):
    text = school("render", *args).stdout
    assert row in text and "| — | — |" not in text.split("## 按证书")[0]
    out = tmp_path / "r.xlsx"
    assert school("render", *args, "-o", out).exit_code == 0
    cells = [c.value for c in load_workbook(out).worksheets[0][4]]  # the header's on row 3
    assert cells[0] == row.split(" | ")[0].lstrip("| ") and cells[1] == 0
