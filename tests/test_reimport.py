"""A corrected file imported again says what it changes, one line per row and field,
masked as every output is (issue 18): students, results and awards, in --dry-run too."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from conftest import DRAWING, make_id

A, B = make_id("20060101", "011"), make_id("20060202", "022")
ROSTER = [
    ["学号", "姓名", "身份证号", "班级", "手机号", "学籍状态"],
    ["202001003", "陈锦曦", A, "20数控1", "13800000001", "在读"],
    ["202001004", "林晓雨", B, "20数控1", "13800000002", "在读"],
    ["202001005", "黄子轩", None, "20数控1", "13800000003", "在读"],
]
RESULTS = [
    ["学号", "姓名", "证书名称", "等级", "考核日期", "理论成绩", "考核结果"],
    ["202001003", "陈锦曦", "机械制图", "初级", "2023-06-18", 55, "不合格"],
    ["202001004", "林晓雨", "机械制图", "初级", "2023-06-18", 80, "合格"],
]
AWARDS = [
    ["学号", "姓名", "证书名称", "等级", "鉴定时间", "发证日期", "证书编号"],
    ["202001004", "林晓雨", "机械制图", "初级", "2023.6", "2023-08-01", "A0001"],
]


@pytest.fixture
def school(make_school):
    return make_school(roster=ROSTER, certificates=[DRAWING])


def corrected(rows, *edits):
    """A copy of `rows` with (row, column, value) edits, as a clerk's corrected file."""
    copy = [list(r) for r in rows]
    for row, col, value in edits:
        copy[row][col] = value
    return copy


def change_lines(output: str) -> list[str]:
    return [line.strip() for line in output.splitlines() if line.startswith("    ")]


def test_a_corrected_roster_lists_each_changed_field_masked(school, xlsx):
    rows = corrected(
        ROSTER,
        (1, 4, "139 0000 0002"),  # a phone, typed with spaces
        (2, 1, "林小雨"),  # a name: 学号 and ID number both match, so a real rename
        (2, 5, "休学"),
    )
    path = xlsx("花名册（改）.xlsx", {"20数控1": rows})
    before = school.dump()
    dry = school("import", path, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert school.dump() == before
    assert "将新增 0，将更新 2，未变 1" in dry.stdout and "将更改3处：" in dry.stdout
    assert change_lines(dry.stdout) == [
        "202001003 陈锦曦 手机号 138****0001 → 139****0002",
        "202001004 林小雨 姓名 林晓雨 → 林小雨",
        "202001004 林小雨 学籍状态 在读 → 休学",
    ]
    done = school("import", path)
    assert done.exit_code == 0 and "更改3处：" in done.stdout
    assert change_lines(done.stdout) == change_lines(dry.stdout)
    assert school.query("SELECT phone FROM students WHERE student_no = '202001003'") == [
        ("13900000002",)
    ]


def test_an_id_number_change_is_masked_and_says_when_the_mask_hides_it(school, xlsx):
    # Fixing the middle digits of an ID number (birth date) leaves the masked form alike.
    fixed = make_id("20060128", "011")
    assert (A[-2:], fixed[-2:]) == ("15", "15")
    rows = corrected(ROSTER, (1, 2, fixed), (1, 4, "13811110001"))
    result = school("import", xlsx("r.xlsx", {"S": rows}))
    assert change_lines(result.stdout) == [
        "202001003 陈锦曦 身份证号 44**************15 → 44**************15（未显示的部分不同）",
        "202001003 陈锦曦 手机号 138****0001 → 138****0001（未显示的部分不同）",
    ]
    assert A not in result.output and fixed not in result.output


def test_corrected_results_and_awards_list_their_changes(school, xlsx):
    assert school("import", xlsx("成绩.xlsx", {"成绩": RESULTS})).exit_code == 0
    assert school("import", xlsx("发证.xlsx", {"发证": AWARDS})).exit_code == 0
    results = corrected(RESULTS, (1, 5, 65), (1, 6, "合格"))
    awards = corrected(AWARDS, (1, 6, "A0002"), (1, 4, "2023.5-6"))
    dry = school(
        "import",
        xlsx("成绩2.xlsx", {"成绩": results}),
        xlsx("发证2.xlsx", {"发证": awards}),
        "--dry-run",
    )
    assert dry.exit_code == 0, dry.output
    drawing = "机械工程制图职业技能等级证书（初级）"
    assert change_lines(dry.stdout) == [
        f"202001003 陈锦曦 {drawing} 2023.6.18 理论成绩 55 → 65",
        f"202001003 陈锦曦 {drawing} 2023.6.18 考核结果 不合格 → 合格",
        f"202001004 林晓雨 {drawing} 鉴定时间 2023.6 → 2023.5-6",
        f"202001004 林晓雨 {drawing} 证书编号 A0001 → A0002",
    ]
    assert school.query("SELECT outcome FROM results ORDER BY id") == [("fail",), ("pass",)]


def test_a_blank_cell_changes_nothing_and_a_filled_one_shows_the_blank(school, xlsx):
    rows = corrected(ROSTER, (1, 4, None), (3, 2, make_id("20060303", "031")))
    result = school("import", xlsx("r.xlsx", {"S": rows}))
    assert change_lines(result.stdout) == [
        "202001005 黄子轩 性别 （空） → 男",  # derived from the ID number, a change too
        "202001005 黄子轩 身份证号 （空） → 44**************12",
    ]


def test_a_huge_correction_shows_the_first_lines_and_counts_the_rest(cli, xlsx):
    header = ["学号", "姓名", "班级", "手机号"]
    first = [[f"2020{i:05d}", f"学生{i}", "20数控1", f"138{i:08d}"] for i in range(130)]
    assert cli("import", xlsx("a.xlsx", {"S": [header, *first]})).exit_code == 0
    again = [[*r[:3], f"139{i:08d}"] for i, r in enumerate(first)]
    result = cli("import", xlsx("b.xlsx", {"S": [header, *again]}))
    lines = change_lines(result.stdout)
    assert "更改130处：" in result.stdout and len(lines) == 51
    assert lines[0] == "202000000 学生0 手机号 138****0000 → 139****0000"
    assert lines[49].startswith("202000049 ") and lines[-1] == "…另有80处更改"


def test_a_file_that_changes_nothing_lists_nothing(school, xlsx):
    result = school("import", xlsx("same.xlsx", {"S": ROSTER}))
    assert "未变 3" in result.stdout and "更改" not in result.stdout


def test_the_rejects_workbook_corrected_imports_again(cli, xlsx, tmp_path):
    good, mistyped = make_id("20060303", "031"), make_id("20060404", "041")
    wrong = mistyped[:-1] + ("0" if mistyped[-1] != "0" else "1")
    rows = [
        ["学号", "姓 名", "身份证号码", "班级", "联系电话", "备注"],
        ["2021010101", "陈晓明", A, "21数控1", "13800001111", None],
        ["2021010102", "林小雨", wrong, "21数控1", "13800002222", "-转专业"],
        [2021010103, "黄子轩", good[:-2], "21数控1", "1380000", "@班主任核对"],
    ]
    out = tmp_path / "被拒绝.xlsx"
    first = cli(
        "import", xlsx("花名册.xlsx", {"21数控1": rows}), "--skip-invalid", "--rejects", out
    )
    assert first.exit_code == 0 and "新增 1" in first.stdout and "拒绝 2" in first.stdout
    assert wrong not in first.output and "含完整身份证号" in first.stdout
    book = load_workbook(out)
    sheet = book.active
    given = [[c.value for c in row] for row in sheet.iter_rows()]
    assert given[0] == ["文件", "工作表", "行号", "拒绝原因", *rows[0]]
    assert given[1][:3] == ["花名册.xlsx", "21数控1", 3] and "校验位" in given[1][3]
    # Every cell as read: the full ID number, the 学号 Excel stored as a number as text,
    # a cell that would start a formula as text.
    assert given[1][4:] == ["2021010102", "林小雨", wrong, "21数控1", "13800002222", "-转专业"]
    assert given[2][4:] == ["2021010103", "黄子轩", good[:-2], "21数控1", "1380000", "@班主任核对"]
    cells = list(sheet.iter_rows(min_row=2, max_row=3))
    assert {cells[r][c].data_type for r in (0, 1) for c in (4, 6, 9)} == {"s"}
    assert cells[0][9].quotePrefix and cells[1][9].quotePrefix  # shown as typed, never run
    sheet["G2"], sheet["G3"] = mistyped, good  # the clerk fixes the two cells
    book.save(out)
    again = cli("import", out)
    assert again.exit_code == 0, again.output
    assert "新增 2" in again.stdout and "未识别的列：备注" in again.stdout
    assert "拒绝原因" not in again.stdout
    assert [s[3] for s in cli.students()] == [A, mistyped, good]
