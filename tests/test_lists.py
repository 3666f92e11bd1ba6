"""The lists commands print (find, stats, check, session list, log, certs, select): all
of a table on a narrow terminal, every row one line off a terminal, and the same table
as xlsx with --format xlsx -o FILE (issue 18)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from rich.cells import cell_len

from conftest import AUTOCAD, DRAWING, make_id

HOSTILE = "=1+1"  # a name a spreadsheet would compute
IDS = [make_id("20060101", "011"), make_id("20060202", "022"), make_id("20050303", "033")]
ROSTER = [
    ["学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "入学年份", "学籍状态"],
    ["0021010101", "陈晓明", "男", IDS[0], "21数控1", "数控技术应用", "机械部", 2021, "在读"],
    ["0021010102", HOSTILE, "女", IDS[1], "21数控1", "数控技术应用", "机械部", 2021, "在读"],
    ["0020010101", "林小雨", "女", IDS[2], "20数控1", "数控技术应用", "机械部", 2020, "毕业"],
]
RESULTS = [  # 学号, 证书名称, 等级, 考核日期, 考核结果
    ["0021010101", "机械制图", "初级", "2024-06-18", "合格"],
    ["0021010102", "机械制图", "初级", "2024-06-18", "缺考"],
    ["0020010101", "机械制图", "初级", "2023-06-18", "不合格"],
]
AWARDS = [  # 学号, 工种, 等级, 鉴定时间, 发证日期, 证书签领人
    ["0020010101", "机械设计工程师 (AutoCAD)", None, "2023.5-6", "2023.9.28", None],
]
TARGETS = [{"year": 2024, "participants": 10, "pass_rate": "90%", "certificates": 1}]

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BOX = "┏┃┡│└┗┓┩┤┐┘┌├╇╋┳┻━─"


@pytest.fixture
def school(make_school, tmp_path, xlsx):
    cli = make_school(
        roster=ROSTER,
        roster_csv=True,  # the =1+1 name arrives as text, never as a formula
        certificates=[DRAWING, AUTOCAD],
        targets=TARGETS,
        results=RESULTS,
        awards=AWARDS,
    )
    added = cli(
        "session", "add", "--cert", "机械制图", "--level", "初级", "--date", "2026-12-20",
        "--site", "实训楼A", "--capacity-per-day", "30",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    scores = xlsx("scores.xlsx", {"S": [["学号", "成绩"], ["0021010101", 88], ["0021010102", 70]]})
    cli.scores = scores  # for select
    return cli


def on_terminal(cli, width: int, *args):
    """A command on a terminal `width` columns wide (rich reads COLUMNS), colours dropped."""
    env = {"TTY_COMPATIBLE": "1", "COLUMNS": str(width), "NO_COLOR": "1"}
    result = cli(*args, env=env)
    assert result.exit_code == 0, result.output
    return ANSI.sub("", result.stdout)


# Each command, and a value of its last column: cut off on a narrow terminal before.
COMMANDS = {
    "find": (["find", "21数控1"], "在读"),
    "stats": (["stats"], "未达成"),
    "stats --list": (["stats", "--list", "absent"], "缺考"),
    "check": (["check"], "2023.9.28"),
    "session list": (["session", "list"], "0 / 30"),
    "log": (["log"], "xcert"),
    "certs": (["certs"], "机械制图"),
    "select": (["select", "--group", "class", "--quota", "100%"], "入选"),
}


def _args(school, name: str) -> list[str]:
    args = list(COMMANDS[name][0])
    if name == "select":
        (session,) = school.query("SELECT id FROM sessions WHERE site = '实训楼A'")[0]
        args += ["--session", str(session), "--scores", str(school.scores), "--dry-run"]
    return args


@pytest.mark.parametrize("width", [80, 60])
def test_find_keeps_its_cohort_and_status_on_a_narrow_terminal(school, width):
    text = on_terminal(school, width, "find", "21数控1")
    for shown in ("届别", "状态", "2024届", "在读", "陈晓明", HOSTILE):
        assert shown in text, shown
    assert IDS[0] not in text and IDS[0][:2] + "*" * 14 + IDS[0][-2:] in text


@pytest.mark.parametrize("width", [80, 60])
def test_stats_list_keeps_the_exam_date_and_result_on_a_narrow_terminal(school, width):
    text = on_terminal(school, width, "stats", "--list", "absent")
    for shown in ("考核日期", "结果", "2024.6.18", "缺考", "0021010102"):
        assert shown in text, shown


@pytest.mark.parametrize("width", [80, 60])
@pytest.mark.parametrize("name", COMMANDS)
def test_every_table_fits_the_terminal_and_drops_no_column(school, name, width):
    """Nothing wider than the screen, no box cut at its edge, the last column there."""
    text = on_terminal(school, width, *_args(school, name))
    lines = text.splitlines()
    assert max(cell_len(line) for line in lines) <= width
    for line in lines:
        if line and line[0] in BOX:
            assert line.rstrip()[-1] in BOX, line  # a row cut at the screen's edge
    assert COMMANDS[name][1] in text


def test_a_table_too_wide_for_the_terminal_is_stacked_one_record_a_block(school):
    students = on_terminal(school, 60, "find", "21数控1").split("\n陈晓明（")[0]
    assert "学号：" in students and "状态：" in students and "┃" not in students
    assert [line for line in students.splitlines() if line.endswith(" ")] == []
    blocks = students.strip().split("\n\n")
    assert len(blocks) == 2  # the two students of 21数控1, one block each


def test_a_table_that_fits_wraps_text_but_never_an_identifier(school):
    text = on_terminal(school, 100, "find", "21数控1")
    assert "┃ 学号" in text and "学号：" not in text
    assert "数控技术应用" not in text  # the major wraps in its column …
    assert "0021010101" in text and IDS[0][:2] + "*" * 14 + IDS[0][-2:] in text  # … these never


def test_plain_output_never_wraps_a_row(school, tmp_path):
    """Off a terminal (a pipe, cron) a row is one line however long: `xcert log | cat`."""
    folder = tmp_path / ("很长的文件夹名" * 10)
    folder.mkdir()
    roster = folder / "补充名单.csv"
    roster.write_text("学号,姓名,班级\n0022010101,赵一,22模具1\n", encoding="utf-8")
    assert school("import", roster).exit_code == 0
    text = school("log").stdout
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert len(rows) == len(school.query("SELECT id FROM imports"))
    assert any(str(roster) in line for line in rows)  # the command, whole, on its row
    found = school("find", "0").stdout.split("└")[0]  # one line a row, nothing stacked
    assert "\n学号：" not in found and sum(line.startswith("│") for line in found.splitlines()) == 4


def test_find_says_at_the_top_how_many_matched_and_how_many_it_shows(cli, tmp_path):
    roster = tmp_path / "roster.csv"
    lines = ["学号,姓名,班级"] + [f"{2021000000 + i},张{i},21数控{i % 9}" for i in range(1234)]
    roster.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert cli("import", roster).exit_code == 0
    result = cli("find", "张")
    assert result.stdout.splitlines()[0] == "找到1,234名学生，显示前200名"
    assert sum(line.startswith("│") for line in result.stdout.splitlines()) == 200
    assert "-o" in result.stdout.splitlines()[-1]  # how to get them all
    out = tmp_path / "张.xlsx"
    assert cli("find", "张", "-o", out).exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    assert sheet.title == "找到1,234名学生" and sheet["A1"].value == "找到1,234名学生"
    assert sheet.max_row == 3 + 1234  # the title, the school and date, the header


def _workbook(school, tmp_path, *args):
    out = tmp_path / "out.xlsx"
    result = school(*args, "--format", "xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    assert f"已生成 {out}" in result.stdout
    return load_workbook(out)


def _cells(book):
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


HEADER_ROW = 3  # under the title and the school and date: a printed table (output/xlsx.py)


@pytest.mark.parametrize("name", [n for n in COMMANDS if n != "select"])
def test_every_table_goes_to_xlsx_safely(school, tmp_path, name):
    """The reports' writer: a printed table under its title, the school and today's date,
    frozen and repeated header, A4, text never a formula, IDs masked."""
    book = _workbook(school, tmp_path, *COMMANDS[name][0])
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A4" and sheet.print_title_rows == "$3:$3"
        assert sheet.page_setup.paperSize == 9 and sheet.page_setup.fitToWidth == 1
        assert sheet["A1"].font.b and all(cell.font.b for cell in sheet[HEADER_ROW])
        heading = " ".join(str(c.value) for c in sheet[2] if c.value is not None)
        # the school (not set in this one) and conftest.NOW, the day the list was written
        assert re.fullmatch(r"（学校名称未设置）[ \u3000]+2026年11月25日", heading), heading
        assert sheet.oddFooter.center.text == "第&P页 共&N页"
    cells = _cells(book)
    assert not any(IDS[0] in str(cell.value) for cell in cells)
    for cell in cells:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            assert cell.data_type == "s" and cell.quotePrefix, cell.value


def test_find_to_xlsx_keeps_numbers_as_text_and_names_harmless(school, tmp_path):
    sheet = _workbook(school, tmp_path, "find", "21数控1").worksheets[0]
    assert [c.value for c in sheet[HEADER_ROW]][:4] == ["学号", "姓名", "性别", "身份证号"]
    number, name, _, id_number = sheet[HEADER_ROW + 1][:4]
    assert number.value == "0021010101" and number.data_type == "s"
    assert id_number.value == IDS[0][:2] + "*" * 14 + IDS[0][-2:]
    hostile = sheet[HEADER_ROW + 2][1]
    assert hostile.value == HOSTILE and hostile.data_type == "s" and hostile.quotePrefix


def test_stats_to_xlsx_writes_rates_as_percentages(school, tmp_path):
    book = _workbook(school, tmp_path, "stats", "--year", "2024")
    assert book.sheetnames == ["1+X 考证情况统计", "双证毕业率", "绩效目标与实际"]
    rate = book["1+X 考证情况统计"]["E4"]
    assert rate.value == 1.0 and rate.number_format == "0.0%"
    assert book["1+X 考证情况统计"]["B4"].value == 1  # a count is a number
    target = book["绩效目标与实际"]["C5"]  # the pass-rate target, 90%
    assert target.value == pytest.approx(0.9) and target.number_format == "0.0%"


def test_stats_list_to_xlsx_names_the_people_behind_a_figure(school, tmp_path):
    sheet = _workbook(school, tmp_path, "stats", "--list", "absent").worksheets[0]
    header = [c.value for c in sheet[HEADER_ROW]]
    row = dict(zip(header, (c for c in sheet[HEADER_ROW + 1]), strict=True))
    assert row["序号"].value == 1 and row["学号"].value == "0021010102"
    assert row["学号"].data_type == "s" and row["考核日期"].value == "2024.6.18"
    assert row["姓名"].value == HOSTILE and row["姓名"].quotePrefix
    assert row["身份证号"].value == IDS[1][:2] + "*" * 14 + IDS[1][-2:]


def test_check_to_xlsx_counts_every_kind_then_lists_each(school, tmp_path):
    book = _workbook(school, tmp_path, "check")
    first = book.worksheets[0].iter_rows(min_row=HEADER_ROW + 1)
    counts = {row[0].value: row[1].value for row in first}
    assert counts["已合格但还没有证书"] == 1 and counts["证书未签领"] == 1
    assert counts["已报名但没有成绩"] == 0
    assert book.sheetnames[1:] == ["已合格但还没有证书：1", "证书未签领：1"]


def test_log_and_sessions_to_xlsx_keep_numbers_as_numbers(school, tmp_path):
    log = _workbook(school, tmp_path, "log").worksheets[0]
    assert isinstance(log["A4"].value, int) and isinstance(log["F4"].value, int)
    sessions = _workbook(school, tmp_path, "session", "list").worksheets[0]
    rows = [[c.value for c in row] for row in sessions.iter_rows(min_row=HEADER_ROW + 1)]
    assert [row[4:] for row in rows if row[4]] == [["实训楼A", "0 / 30", 0]]
    assert all(isinstance(row[0], int) for row in rows)


def test_o_alone_means_xlsx_and_xlsx_needs_o(school, tmp_path):
    out = tmp_path / "certs.xlsx"
    assert school("certs", "-o", out).exit_code == 0 and out.exists()
    again = school("certs", "-o", out)
    assert again.exit_code == 0 and "已替换" in again.stdout
    missing = school("certs", "--format", "xlsx")
    assert missing.exit_code == 2 and "-o" in missing.stderr
    json_ = school("log", "--format", "json", "-o", tmp_path / "log.xlsx")
    assert json_.exit_code == 2 and not (tmp_path / "log.xlsx").exists()
    csv_name = school("log", "-o", tmp_path / "log.csv")
    assert csv_name.exit_code == 2 and ".xlsx" in csv_name.stderr


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_xlsx_never_writes_over_the_database(school, suffix):
    target = Path(f"{school.db}{suffix}")
    before = target.read_bytes() if target.exists() else None
    result = school("find", "21数控1", "-o", target)
    assert result.exit_code != 0
    assert (target.read_bytes() if target.exists() else None) == before


def test_a_database_named_like_a_workbook_is_still_never_replaced(make_school, tmp_path):
    from conftest import Cli

    cli = Cli(tmp_path / "office.xlsx")
    assert cli("import", _roster_csv(tmp_path)).exit_code == 0
    before = cli.db.read_bytes()
    result = cli("certs", "-o", cli.db)
    assert result.exit_code == 1 and "数据库" in result.stderr
    assert cli.db.read_bytes() == before


def _roster_csv(tmp_path: Path) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("学号,姓名,班级\n0021010101,陈晓明,21数控1\n", encoding="utf-8")
    return path
