"""The selection notice (选拔结果公示, `render selection`) and the exam-day sign-in sheet
(考生签到表, `render sign-in`) of a session: goldens, xlsx read back, what a posted list
shows and hides, the tie rule stated in every format (issue 20)."""

from __future__ import annotations

import re
import sqlite3
import subprocess

import pytest
from openpyxl import load_workbook
from test_sessions import ROSTER, TIED, TURNING, add_session, choose, registered, scores

from xcert.office import ties

from conftest import NEEDS_CHROMIUM, check_golden, make_id, print_to_pdf

# 23数控1 (5 enrolled → 3 places): 90, 80, then two at 70 for the last place; 缺考 is no
# candidate. 23数控2 (7 → 5): 95, 85, three at 75 fill it exactly. 23模具1 (1 → 1).
FIRST = [
    ["230101", "一班1", "23数控1", 90],
    ["230102", "一班2", "23数控1", 80],
    ["230103", "一班3", "23数控1", 70],
    ["230104", "一班4", "23数控1", 70],
    ["230105", "一班5", "23数控1", "缺考"],
    [230201, "二班1", "23数控2", 95],
    ["230202", "二班2", "23数控2", 85],
    ["230203", "二班3", "23数控2", 75],
    ["230204", "二班4", "23数控2", 75],
    ["230205", "二班5", "23数控2", 75],
    ["230206", "二班6", "23数控2", 60],
    ["230207", "二班7", "23数控2", 50],
    ["230301", "模具独苗", "23模具1", 40],
]
SECOND = [
    ["230103", "一班3", "23数控1", 88],
    ["230104", "一班4", "23数控1", 76],
    ["230105", "一班5", "23数控1", 65],
]


@pytest.fixture
def school(make_school):
    return make_school(roster=ROSTER, school_name="示例学校", certificates=[TURNING])


@pytest.fixture
def selected(school, xlsx):
    """A session (site, capacity 20) whose first selection held a tie for the retest, and
    the retest that settled it."""
    session = add_session(school, "--site", "数控实训中心", "--capacity-per-day", "20")
    first = choose(school, session, scores(xlsx, FIRST), "--ties", "retest")
    assert first.exit_code == 0, first.output
    second = choose(school, session, scores(xlsx, SECOND, "复测.xlsx"), "--retest")
    assert second.exit_code == 0, second.output
    return school, session


def render(cli, *args):
    result = cli("render", *args, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_the_notice_and_the_sign_in_sheet_match_their_golden_files(selected, tmp_path, fmt):
    cli, session = selected
    for name, extra in (("selection", []), ("sign-in", ["--photo"] if fmt == "html" else [])):
        out = tmp_path / f"{name}.{fmt}"
        render(cli, name, "--session", session, *extra, "-o", out)
        check_golden(f"{name}.{fmt}", out.read_text(encoding="utf-8"))


def test_the_notice_shows_each_rounds_groups_line_and_tie(selected):
    cli, session = selected
    text = render(cli, "selection", "--session", session).stdout
    assert text.startswith("# 2026年数控车铣加工职业技能等级证书（中级）考核选拔结果公示")
    assert "以各组在读学生人数为基数，按60%的比例选拔（名额向上取整）" in text
    assert "同分处理：" + ties.RULES["retest"] in text
    assert "| 23数控1 | 5 | 3 | 0 | 4 | 2 | 80 | 70分2人，待复测 |" in text
    assert "| 23数控2 | 7 | 5 | 0 | 7 | 5 | 75 | 无 |" in text
    assert "## 23数控1（在读5人，名额3人，分数线80分）" in text
    # equal scores at one rank, the tied with their score and the rule's outcome
    assert "| 3 | 一班3 | 23数控1 | 23\\*\\*03 | 70 | 并列待复测 |" in text
    assert "| 3 | 一班4 | 23数控1 | 23\\*\\*04 | 70 | 并列待复测 |" in text
    assert "| 3 | 二班3 | 23数控2 | 23\\*\\*03 | 75 | 入选 |" in text
    assert "分数线上并列70分2人争1个名额，都暂不入选，待第二次选拔" in text
    # the retest: its own summary and list
    assert "## 第二次选拔（复测）情况（分数线上同分待复测）" in text
    assert "## 23数控1（第二次选拔，在读5人，名额3人，分数线88分）" in text
    assert "| 1 | 一班3 | 23数控1 | 23\\*\\*03 | 88 | 入选 |" in text
    assert "公示期：" in text and "联系人：" in text
    assert text.rstrip().endswith("示例学校\n\n2026年11月20日")


def test_a_posted_notice_masks_student_numbers_and_hides_scores_below_the_line(selected):
    cli, session = selected
    text = render(cli, "selection", "--session", session).stdout
    for number in ("230101", "230207", "230301"):  # no full 学号
        assert number not in text
    for seq in range(11, 32):  # no ID number, whole or in part past its first 2
        assert make_id("20080101", f"{seq:03d}")[2:] not in text
    below = next(line for line in text.splitlines() if "二班7" in line)
    assert below == "|  | 二班7 | 23数控2 | 23\\*\\*07 |  | 未入选 |"  # no rank, no score
    assert "50" not in below and "60" not in next(
        line for line in text.splitlines() if "二班6" in line
    )


@pytest.mark.parametrize("rule", ties.TIES)
def test_every_format_of_the_notice_names_the_rule(school, xlsx, tmp_path, rule):
    session = add_session(school)
    assert choose(school, session, scores(xlsx, TIED), "--ties", rule).exit_code == 0
    label = f"分数线上同分{ties.LABELS[rule]}"
    md = render(school, "selection", "--session", session).stdout
    assert ties.RULES[rule] in md and label in md
    html = tmp_path / "n.html"
    render(school, "selection", "--session", session, "-o", html)
    assert ties.RULES[rule] in html.read_text(encoding="utf-8")
    book = tmp_path / "n.xlsx"
    render(school, "selection", "--session", session, "-o", book)
    first = load_workbook(book).worksheets[0]
    printed = [c.value for row in first.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(ties.RULES[rule] in text for text in printed) and label in first.title
    tie = {"number": "75分5人，按学号先后", "all": "75分5人，全部入选", "retest": "75分5人，待复测"}
    assert [c.value for c in first[_header_row(first) + 1]][-1] == tie[rule]


def _header_row(sheet) -> int:
    """The row the printed sheet repeats on every page: its header."""
    first, last = sheet.print_title_rows.replace("$", "").split(":")
    assert first == last
    return int(first)


def test_the_notice_in_xlsx_keeps_numbers_as_numbers(selected, tmp_path):
    cli, session = selected
    out = tmp_path / "公示.xlsx"
    render(cli, "selection", "--session", session, "-o", out)
    book = load_workbook(out)
    summary = book.worksheets[0]
    # row 1 the title, row 2 the school and date, then the notice's opening, the header
    header = _header_row(summary)
    assert summary.cell(3, 1).value.startswith("根据学校1+X证书制度试点工作实施方案")
    assert [c.value for c in summary[header]][:3] == ["组", "在读人数（人）", "名额（人）"]
    row = [c.value for c in summary[header + 1]]
    assert row[:7] == ["23数控1", 5, 3, 0, 4, 2, 80]
    assert all(isinstance(v, int) for v in row[1:6]) and isinstance(row[6], (int, float))
    group = next(s for s in book.worksheets if s.title.startswith("23数控1（"))
    top = [c.value for c in group[4]]
    assert top == [1, "一班1", "23数控1", "23**01", 90, "入选"]
    assert isinstance(top[0], int) and isinstance(top[4], (int, float))
    assert group.cell(4, 4).data_type == "s"  # a 学号 stays text
    assert len(book.worksheets) == 2 + 3 + 1  # two summaries, three groups, one retested
    last = book.worksheets[-1]
    closing = [r[0] for r in last.iter_rows(values_only=True) if r and r[0]][-2:]
    assert closing[0].startswith("公示期：") and "反映" in closing[1]  # as written, no 注：


def test_the_sign_in_sheet_lists_the_registered_by_class_then_number(selected, tmp_path):
    cli, session = selected
    text = render(cli, "sign-in", "--session", session).stdout
    assert text.startswith("# 数控车铣加工职业技能等级证书（中级）考生签到表")
    assert "- 考核日期：2026.12.12" in text and "- 考点：数控实训中心" in text
    assert "| 序号 | 姓名 | 班级 | 学号 | 身份证号 | 签到 |" in text
    numbers = re.findall(r"^\| \d+ \| [^|]+ \| [^|]+ \| (\d+) \|", text, re.M)
    assert numbers == registered(cli, session)  # 23数控1, 23数控2, 23模具1, by 学号
    first_id = make_id("20080101", "011")
    assert first_id not in text
    masked = first_id[:2] + "\\*" * 14 + first_id[-2:]
    assert f"| 1 | 一班1 | 23数控1 | 230101 | {masked} |  |" in text
    assert "照片" not in text
    assert f"应考{len(numbers)}人" in text
    out = tmp_path / "签到.xlsx"
    render(cli, "sign-in", "--session", session, "--photo", "-o", out)
    sheet = load_workbook(out).active
    assert [sheet.cell(r, 1).value for r in (3, 4)] == [  # the sheet's facts above it
        "证书：数控车铣加工职业技能等级证书（中级）",
        "考核日期：2026.12.12",
    ]
    first = _header_row(sheet)
    assert [c.value for c in sheet[first]] == [
        "序号",
        "姓名",
        "班级",
        "学号",
        "身份证号",
        "照片",
        "签到",
    ]
    rows = range(first + 1, first + 1 + len(numbers))
    assert [sheet.cell(r, 1).value for r in rows] == list(range(1, len(numbers) + 1))
    assert (
        sheet.cell(first + 1, 4).data_type == "s"
        and sheet.cell(first + 1, 5).value == first_id[:2] + "*" * 14 + first_id[-2:]
    )
    assert sheet.column_dimensions["G"].width >= 20  # room to sign
    # rows tall enough for a one-inch photo (30 mm) with --photo
    assert all(sheet.row_dimensions[r].height >= 30 * 72 / 25.4 - 0.1 for r in rows)


@pytest.mark.parametrize(
    "args, message",
    [
        (["pass-rates", "--session", "1"], "只用于 selection、sign-in"),
        (["selection"], "selection 需要 --session"),
        (["sign-in"], "sign-in 需要 --session"),
        (["selection", "--session", "1", "--photo"], "只用于 sign-in"),
        (["selection", "--session", "1", "--class", "23数控1"], "不用这个选项"),
        (["selection", "--session", "0"], "不是有效的编号"),
    ],
)
def test_render_session_option_mistakes_exit_2(school, args, message):
    add_session(school)
    result = school("render", *args)
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_a_session_without_a_selection_or_registrations_is_refused_clearly(school):
    session = add_session(school)
    none = school("render", "selection", "--session", session)
    assert none.exit_code == 1 and "还没有做过选拔" in none.stderr
    empty = school("render", "sign-in", "--session", session)
    assert empty.exit_code == 1 and "还没有人报名" in empty.stderr
    missing = school("render", "sign-in", "--session", "99")
    assert missing.exit_code == 1 and "没有第99场考试" in missing.stderr


def test_a_selection_logged_before_sizes_were_kept_says_its_sizes_are_counted_now(school, xlsx):
    session = add_session(school)
    assert choose(school, session, scores(xlsx, FIRST)).exit_code == 0
    conn = sqlite3.connect(school.db)  # as the log kept it before issue 20
    conn.execute("""UPDATE imports SET options = '{"group": "class", "quota": "60%"}'""")
    conn.commit()
    conn.close()
    text = render(school, "selection", "--session", session).stdout
    assert "早于 xcert 记录各组人数" in text
    assert "| 23数控1 | 5 | 3 | 0 | 4 | 3 | 70 | 无 |" in text  # by 学号, as it chose then
    assert "同分处理：" + ties.RULES["number"] in text


def test_an_undone_selection_leaves_no_notice(school, xlsx):
    session = add_session(school)
    assert choose(school, session, scores(xlsx, FIRST)).exit_code == 0
    write = school.query("SELECT max(id) FROM imports")[0][0]
    assert school("undo", str(write)).exit_code == 0
    result = school("render", "selection", "--session", session)
    assert result.exit_code == 1 and "还没有做过选拔" in result.stderr


@NEEDS_CHROMIUM
@pytest.mark.parametrize("name", ["selection", "sign-in"])
def test_the_notice_and_the_sheet_print_to_a4(selected, tmp_path, name):
    cli, session = selected
    html = tmp_path / f"{name}.html"
    render(cli, name, "--session", session, "-o", html)
    pdf = tmp_path / f"{name}.pdf"
    print_to_pdf(html, pdf)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info
    expected = {
        "selection": ["考核选拔结果公示", "并列待复测", "分数线80分", "公示期"],
        "sign-in": ["考生签到表", "一班1", "签到", "监考员签名"],
    }[name]
    for fragment in expected:
        assert fragment in text, fragment


@pytest.mark.parametrize("name", ["selection", "sign-in"])
def test_the_notice_and_the_sheet_in_word_hold_what_markdown_holds(selected, tmp_path, name):
    """`--format docx`: the opening lines, every table as xlsx gets it, the closing lines;
    the sign-in rows tall enough to sign, and no full ID number or 学号."""
    from docx import Document

    from xcert.output import render as reports
    from xcert.output.tables import cell_text

    cli, session = selected
    out = tmp_path / f"{name}.docx"
    render(cli, name, "--session", session, "-o", out)
    doc = Document(str(out))
    conn = sqlite3.connect(cli.db)
    try:
        sheets = reports.render(conn, name, "xlsx", reports.Options(session=int(session)))
    finally:
        conn.close()
    assert isinstance(sheets, reports.Sheets)
    tables = list(sheets.tables)
    assert len(doc.tables) == len(tables)
    for grid, table in zip(doc.tables, tables, strict=True):
        cells = [[cell.text for cell in row.cells] for row in grid.rows]
        assert cells == [list(table.header), *([cell_text(c) for c in r] for r in table.rows)]
    text = "\n".join(p.text for p in doc.paragraphs)
    md = render(cli, name, "--session", session).stdout
    for line in re.findall(r"^[^#|>\n-].+$", md, re.M):  # the notice's own sentences
        if "<!--" not in line and "：" in line:
            assert line.strip() in text, line
    if name == "sign-in":
        heights = {row.height.mm for row in doc.tables[0].rows[1:]}
        assert heights and min(heights) >= 9.9
    assert make_id("20080101", "011") not in text + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
