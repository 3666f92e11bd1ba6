"""Data an import should question without losing the student (issue 18): a wrong optional
contact or description cell is a warning, the cell left out and the row kept; an old
15-digit ID number whose birth year no student has is a warning. Each warning names
file, sheet, row, column, the value masked, and why."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from xcert.clean import idcard

from conftest import DRAWING, make_id, set_clock

CATALOGUE = (
    '[[certificate]]\nname = "机械工程制图职业技能等级证书"\nkind = "1+X"\naliases = ["机械制图"]\n'
)


def write_csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def warnings_of(result):
    return [line.strip() for line in result.stdout.splitlines() if "提示：" in line]


def test_a_wrong_phone_keeps_the_student_and_warns_where_it_is(cli, tmp_path):
    """The issue's case: `1002,乙,22会计2,123` refused the whole student."""
    roster = write_csv(
        tmp_path,
        "r.csv",
        "学号,姓名,班级,手机号\n1001,甲,22会计2,13800001111\n1002,乙,22会计2,123\n",
    )
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    assert "新增 2，更新 0，未变 0，拒绝 0" in result.stdout
    assert warnings_of(result) == [
        "提示：r.csv 工作表「r」 第3行 D列「手机号」 值「123」：电话号码应为11位手机号或带区号的"
        "固定电话；这一项不导入，这一行的其余内容照常导入"
    ]
    assert [(s[0], s[1], s[9]) for s in cli.students()] == [
        ("1001", "甲", "13800001111"),
        ("1002", "乙", None),
    ]
    assert cli.query("SELECT warnings, problems FROM imports") == [(1, 0)]


def test_the_warned_student_keeps_their_results_with_and_without_skip_invalid(cli, tmp_path, xlsx):
    roster = write_csv(tmp_path, "r.csv", "学号,姓名,班级,手机号\n1002,乙,22会计2,123\n")
    catalogue = write_csv(tmp_path, "c.toml", CATALOGUE)
    results = xlsx(
        "成绩.xlsx",
        {
            "成绩": [
                ["学号", "证书名称", "考核日期", "考核结果"],
                ["1002", "机械制图", "2024.6.1", "合格"],
            ]
        },
    )
    for args in ((), ("--skip-invalid",)):
        cli.db.unlink(missing_ok=True)
        result = cli("import", roster, catalogue, results, *args)
        assert result.exit_code == 0, result.output
        assert "拒绝 1" not in result.stdout
        assert cli.query(
            "SELECT s.student_no, r.outcome FROM results r JOIN students s ON s.id = r.student_id"
        ) == [("1002", "pass")]


def test_a_wrong_phone_in_a_warning_shows_its_length_not_its_digits(cli, tmp_path):
    """138****3800 would look like a good 11-digit mobile: the warning shows how long the
    cell is, not the number itself; a cell that is no number is shown as written."""
    roster = write_csv(
        tmp_path,
        "r.csv",
        "学号,姓名,班级,手机号\n1001,甲,22会计2,1380013800\n1002,乙,22会计2,电话待补\n",
    )
    result = cli("import", roster)
    first, second = warnings_of(result)
    assert "值「138*******（10位）」" in first and "1380013800" not in result.output
    assert "值「电话待补」" in second


def test_a_wrong_phone_does_not_erase_the_stored_one(cli, tmp_path):
    cli(
        "import",
        write_csv(tmp_path, "a.csv", "学号,姓名,班级,手机号\n1001,甲,22会计2,13800001111\n"),
    )
    result = cli(
        "import", write_csv(tmp_path, "b.csv", "学号,姓名,班级,手机号\n1001,甲,22会计2,1234\n")
    )
    assert result.exit_code == 0 and "未变 1" in result.stdout and len(warnings_of(result)) == 1
    assert cli.students()[0][9] == "13800001111"


def test_a_wrong_gender_is_a_warning_and_the_id_number_gives_it(cli, tmp_path):
    girl = make_id("20070303", "022")
    roster = write_csv(
        tmp_path,
        "r.csv",
        f"学号,姓名,班级,身份证号,性别\n1001,甲,22会计2,{girl},不详\n1002,乙,22会计2,,男生\n",
    )
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    warnings = warnings_of(result)
    assert len(warnings) == 2 and all("E列「性别」" in w for w in warnings)
    assert (
        "第2行" in warnings[0] and "值「不详」" in warnings[0] and "无法识别的性别" in warnings[0]
    )
    assert [s[2] for s in cli.students()] == ["女", None]


@pytest.mark.parametrize(
    "header, value, reason",
    [
        ("身份证号", make_id("20070303", "022")[:17] + "0", "校验位错误"),
        ("身份证号", "440000200810", "18位"),
        ("学籍状态", "在逃", "无法识别的学籍状态"),
        ("入学年份", "明年", "入学年份应为年份"),
        ("届别", "2300", "不在合理范围内"),
    ],
)
def test_identity_and_what_the_figures_count_stay_errors(cli, tmp_path, header, value, reason):
    """An invalid ID number, status, enrolment year or cohort decides who a row is or
    what the yearly figures count: the row is refused as before."""
    roster = write_csv(tmp_path, "r.csv", f"学号,姓名,班级,{header}\n1001,甲,22会计2,{value}\n")
    result = cli("import", roster)
    assert result.exit_code == 1 and reason in result.stderr
    assert cli.students() == []


def test_a_row_holding_nothing_but_a_wrong_phone_is_a_note_as_before(cli, tmp_path):
    roster = write_csv(
        tmp_path, "r.csv", "学号,姓名,班级,手机号\n1001,甲,22会计2,13800001111\n,,,电话请写全\n"
    )
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    assert "只有一个值的行" in result.stdout and "这一项不导入" not in result.stdout


def test_a_row_refused_for_another_reason_lists_its_phone_as_a_warning(cli, tmp_path):
    roster = write_csv(
        tmp_path, "r.csv", "学号,姓名,班级,手机号,入学年份\n1001,甲,22会计2,123,明年\n"
    )
    result = cli("import", roster, "--skip-invalid")
    assert result.exit_code == 0 and "拒绝 1" in result.stdout
    assert any("D列「手机号」" in w for w in warnings_of(result))
    assert cli.students() == []


# -- an old 15-digit ID number that is an 18-digit one cut short --------------------


def test_an_18_digit_number_missing_its_last_3_digits_is_accepted_with_a_warning(cli, tmp_path):
    """The issue's case: 440000200810100 read as a first-generation number, born 1920."""
    roster = write_csv(
        tmp_path,
        "r.csv",
        "学号,姓名,班级,身份证号\n1001,甲,22会计2,440000200810100\n1002,乙,22会计2,440000900315123\n",
    )
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    (warning,) = warnings_of(result)
    assert warning.startswith(
        "提示：r.csv 工作表「r」 第2行 D列「身份证号」 值「44***********00」："
    )
    assert "15位旧身份证号" in warning and "1985–2016" in warning and "漏了后3位" in warning
    assert "1920" not in result.output  # the birth date is never shown, nor its year
    assert [s[3] for s in cli.students()] == ["440000192008101000", "440000199003151238"]


def test_the_plausible_years_follow_xcerts_clock(cli, tmp_path, monkeypatch):
    """Born 1990: a student in 2026, ten years later than the youngest in 1996."""
    set_clock(monkeypatch, dt.datetime(1996, 9, 1, 9, 0))
    roster = write_csv(
        tmp_path, "r.csv", "学号,姓名,班级,身份证号\n1002,乙,22会计2,440000900315123\n"
    )
    result = cli("import", roster)
    (warning,) = warnings_of(result)
    assert "1985–1986" in warning
    assert idcard.upgraded_birth_warning("440000199003151238", dt.date(2026, 11, 25)) is None


def test_a_15_digit_number_stored_by_excel_as_a_number_is_questioned_too(cli, xlsx):
    path = xlsx(
        "r.xlsx",
        {"S": [["学号", "姓名", "班级", "身份证号"], ["1001", "甲", "22会计2", 440000200810100]]},
    )
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert any("15位旧身份证号" in w for w in warnings_of(result))


def test_results_and_sign_off_lists_question_a_cut_number_too(cli, xlsx, tmp_path):
    cli("import", write_csv(tmp_path, "c.toml", CATALOGUE))
    cli(
        "import",
        write_csv(tmp_path, "r.csv", "学号,姓名,班级,身份证号\n1001,甲,22会计2,440000200810100\n"),
    )
    rows = [
        ["身份证号", "证书名称", "考核日期", "考核结果"],
        ["440000200810100", DRAWING["name"], "2024.6.1", "合格"],
    ]
    result = cli("import", xlsx("成绩.xlsx", {"成绩": rows}))
    assert result.exit_code == 0, result.output
    assert any("A列「身份证号」" in w and "15位旧身份证号" in w for w in warnings_of(result))


def test_a_major_or_department_too_long_to_be_one_is_a_warning(cli, tmp_path):
    pasted = "数控技术应用" * 40  # 240 characters: a paragraph pasted into the cell
    roster = write_csv(
        tmp_path, "r.csv", f"学号,姓名,班级,专业,系部\n1001,甲,22会计2,{pasted},{pasted}\n"
    )
    result = cli("import", roster)
    assert result.exit_code == 0, result.output
    warnings = warnings_of(result)
    assert len(warnings) == 2 and "内容过长（240个字符）" in warnings[0]
    assert [(s[5], s[6]) for s in cli.students()] == [(None, None)]


def test_the_same_file_again_today_says_its_warnings_without_reading_it(cli, tmp_path, monkeypatch):
    """Issue 21: a file that warned, imported again unchanged, is not parsed a second time
    (its warnings were kept with the first import) and still shows every warning; on
    another day it is read again, since a warning may depend on the date."""
    roster = write_csv(
        tmp_path,
        "r.csv",
        "学号,姓名,班级,手机号\n1001,甲,22会计2,123\n1002,乙,22会计2,13800001111\n1003,丙,22会计2,456\n",
    )
    first = cli("import", roster)
    assert first.exit_code == 0, first.output
    before = cli.dump()

    def unreadable(*args, **kwargs):
        raise AssertionError("the file was parsed again")

    with monkeypatch.context() as patch:
        patch.setattr("xcert.ingest.run.read_workbook", unreadable)
        again = cli("import", roster)
    assert again.exit_code == 0, again.output
    assert "与第1次导入的文件完全相同" in again.stdout
    assert warnings_of(again) == warnings_of(first) and len(warnings_of(first)) == 2
    assert cli.dump() == before
    assert cli.query("SELECT warnings, warning_list IS NOT NULL FROM imports") == [
        (2, 1),
        (2, 1),
    ]
    set_clock(monkeypatch, dt.datetime(2026, 11, 26, 9, 0))
    next_day = cli("import", roster)
    assert "完全相同" not in next_day.stdout and "未变 3" in next_day.stdout
    assert warnings_of(next_day) == warnings_of(first)


def test_an_older_import_without_kept_warnings_is_read_again(cli, tmp_path):
    """Imports made before the warnings were kept (migration 11) hold none: the file is
    parsed again rather than said to have none."""
    roster = write_csv(tmp_path, "r.csv", "学号,姓名,班级,手机号\n1001,甲,22会计2,123\n")
    first = cli("import", roster)
    with sqlite3.connect(cli.db) as conn:
        conn.execute("UPDATE imports SET warning_list = NULL")
    conn.close()
    again = cli("import", roster)
    assert "完全相同" not in again.stdout and "未变 1" in again.stdout
    assert warnings_of(again) == warnings_of(first)
