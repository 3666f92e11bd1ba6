"""Roster import through the CLI, with real workbooks written in fixtures."""

from __future__ import annotations

import json

from openpyxl import load_workbook

from conftest import make_id

TITLE = "数控技术应用专业2021级21数控1班学生花名册"


def test_title_rows_merged_class_cells_and_counts(cli, xlsx, roster_rows):
    rows = [[TITLE], ["制表：班主任"], *roster_rows]
    for row in rows[4:]:
        row[4] = None  # merged down from the first student's class cell
    path = xlsx("roster.xlsx", {"21数控1": rows}, merges={"21数控1": ["A1:I1", "E4:E6"]})
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "表头在第3行" in result.stdout and "新增 3" in result.stdout
    assert [s[4] for s in cli.students()] == ["21数控1"] * 3


def test_every_recognised_sheet_is_imported_and_others_are_noted(cli, xlsx, roster_rows):
    other = [["学号", "姓名", "班级"], ["2022020201", "周文", "22电商2"]]
    path = xlsx("two.xlsx", {"A": roster_rows, "B": other, "说明": [["虚构数据"]]})
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert len(cli.students()) == 4
    assert "「说明」：未找到表头" in result.stdout


def test_sheet_option_imports_only_that_sheet(cli, xlsx, roster_rows):
    other = [["学号", "姓名", "班级"], ["2022020201", "周文", "22电商2"]]
    path = xlsx("two.xlsx", {"A": roster_rows, "B": other})
    assert cli("import", path, "--sheet", "B").exit_code == 0
    assert [s[1] for s in cli.students()] == ["周文"]
    result = cli("import", path, "--sheet", "C")
    assert result.exit_code == 1 and "没有名为「C」的工作表" in result.stderr


def test_hidden_sheets_are_skipped(cli, xlsx, roster_rows):
    path = xlsx(
        "h.xlsx",
        {"A": roster_rows, "下拉选项": [["姓名", "班级"], ["x", "y"]]},
        hidden=["下拉选项"],
    )
    result = cli("import", path)
    assert "隐藏工作表" in result.stdout and len(cli.students()) == 3


def test_english_and_variant_headers(cli, xlsx):
    rows = [
        [
            "student_no",
            "name",
            "gender",
            "id_number",
            "class",
            "major",
            "department",
            "cohort",
            "phone",
            "status",
        ],
        [
            "S001",
            "Li Ming",
            "M",
            make_id(seq="111"),
            "21数控1",
            "CNC",
            "机械部",
            "2024",
            "13800001111",
            "enrolled",
        ],
    ]
    assert cli("import", xlsx("en.xlsx", {"S": rows})).exit_code == 0
    assert cli.students()[0] == (
        "S001",
        "Li Ming",
        "男",
        make_id(seq="111"),
        "21数控1",
        "CNC",
        "机械部",
        None,
        2024,
        "13800001111",
        "enrolled",
    )


def test_student_numbers_stored_as_numbers_match_the_same_students_as_text(cli, xlsx, roster_rows):
    assert cli("import", xlsx("text.xlsx", {"S": roster_rows})).exit_code == 0
    as_numbers = [list(r) for r in roster_rows]
    for row in as_numbers[1:]:
        row[0] = int(row[0])
        row[8] = "13900009999"
    result = cli("import", xlsx("numbers.xlsx", {"S": as_numbers}))
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 3" in result.stdout
    assert {s[0] for s in cli.students()} == {"2021010101", "2021010102", "2021010103"}


def test_gbk_csv_is_read_and_its_encoding_named(cli, tmp_path, roster_rows):
    path = tmp_path / "班级名单.csv"
    path.write_bytes("\n".join(",".join(str(c) for c in r) for r in roster_rows).encode("gbk"))
    result = cli("import", path)
    assert result.exit_code == 0, result.output
    assert "GB18030/GBK" in result.stdout
    assert [s[1] for s in cli.students()] == ["陈晓明", "林小雨", "黄子轩"]


def test_utf8_bom_and_utf8_csv(cli, tmp_path, roster_rows):
    text = "\n".join(",".join(str(c) for c in r) for r in roster_rows)
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = cli("import", bom)
    assert "UTF-8 (BOM)" in result.stdout and len(cli.students()) == 3
    plain = tmp_path / "plain.csv"
    plain.write_bytes(text.replace("陈晓明", "陈晓明").encode())
    result = cli("import", plain)
    assert "编码 UTF-8，" in result.stdout


def test_tab_separated_text_saved_as_unicode_text(cli, tmp_path, roster_rows):
    path = tmp_path / "unicode.txt"
    path.write_bytes(
        "\r\n".join("\t".join(str(c) for c in r) for r in roster_rows).encode("utf-16")
    )
    assert cli("import", path).exit_code == 0
    assert len(cli.students()) == 3


def test_content_decides_format_not_extension(cli, xlsx, tmp_path, roster_rows):
    real = xlsx("roster.xlsx", {"S": roster_rows})
    disguised = tmp_path / "roster.csv"
    disguised.write_bytes(real.read_bytes())
    result = cli("import", disguised)
    assert result.exit_code == 0 and "（xlsx" in result.stdout


def test_bad_check_digit_is_rejected_with_row_and_column_and_nothing_written(
    cli, xlsx, roster_rows
):
    good = roster_rows[2][3]
    roster_rows[2][3] = good[:17] + ("1" if good[17] != "1" else "2")
    result = cli("import", xlsx("bad.xlsx", {"21数控1": roster_rows}))
    assert result.exit_code == 1
    assert "bad.xlsx 工作表「21数控1」 第3行 D列「身份证号」" in result.stderr
    assert "校验位错误" in result.stderr and "没有写入任何数据" in result.stderr
    assert roster_rows[2][3] not in result.output  # the full number is never echoed
    assert cli.query("SELECT count(*) FROM students") == [(0,)]
    assert cli.query("SELECT count(*) FROM imports") == [(0,)]


def test_every_problem_is_listed_not_just_the_first(cli, xlsx, roster_rows):
    roster_rows[1][3] = roster_rows[1][3][:17] + ("0" if roster_rows[1][3][17] != "0" else "1")
    roster_rows[2][1] = ""
    roster_rows[3][7] = "明年"
    result = cli("import", xlsx("bad.xlsx", {"S": roster_rows}))
    assert result.exit_code == 1
    for fragment in ("第2行", "第3行", "第4行", "校验位错误", "姓名为空", "入学年份"):
        assert fragment in result.stderr
    assert "发现3处问题" in result.stderr


def test_id_number_that_lost_digits_as_an_excel_number(cli, xlsx, roster_rows):
    roster_rows[1][3] = float(roster_rows[1][3][:17] + "0")
    result = cli("import", xlsx("lost.xlsx", {"S": roster_rows}))
    assert result.exit_code == 1 and "已丢失" in result.stderr


def test_identical_duplicate_rows_are_imported_once_with_a_note(cli, xlsx, roster_rows):
    rows = [*roster_rows, list(roster_rows[1])]
    result = cli("import", xlsx("dup.xlsx", {"S": rows}))
    assert result.exit_code == 0
    assert "与第2行重复" in result.stdout and len(cli.students()) == 3


def test_conflicting_rows_for_one_student_are_both_invalid(cli, xlsx, roster_rows):
    twin = list(roster_rows[1])
    twin[5] = "模具制造技术"
    result = cli("import", xlsx("conflict.xlsx", {"S": [*roster_rows, twin]}))
    assert result.exit_code == 1
    assert "与第2行是同一学生，但「专业」不同" in result.stderr
    assert cli.students() == []


def test_one_id_number_under_two_student_numbers_is_invalid(cli, xlsx, roster_rows):
    roster_rows[2][3] = roster_rows[1][3]
    roster_rows[2][2] = "男"
    result = cli("import", xlsx("same-id.xlsx", {"S": roster_rows}))
    assert result.exit_code == 1 and "身份证号与第2行" in result.stderr


def test_skip_invalid_writes_the_rest_and_rejects_lists_them(cli, xlsx, roster_rows, tmp_path):
    roster_rows[2][3] = "44000020060202999"  # 17 characters
    out = tmp_path / "rejects.xlsx"
    result = cli(
        "import", xlsx("mixed.xlsx", {"S": roster_rows}), "--skip-invalid", "--rejects", out
    )
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.stdout and "拒绝 1" in result.stdout
    assert len(cli.students()) == 2
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("文件", "工作表", "行号", "拒绝原因", "学号")
    assert rows[1][:3] == ("mixed.xlsx", "S", 3) and "18位" in rows[1][3]
    # SPEC 5.3 (changed on purpose): the rejects workbook gives the clerk's own row back
    # exactly as read, so the wrong digit can be seen and fixed; the terminal still masks.
    assert rows[1][7] == "44000020060202999"
    assert "44000020060202999" not in result.output and "44*************99" in result.output
    assert cli.query("SELECT rows_added, rows_rejected FROM imports") == [(2, 1)]


def test_rejects_without_skip_invalid_still_writes_nothing(cli, xlsx, roster_rows, tmp_path):
    roster_rows[2][7] = "不详"  # 入学年份 (a wrong gender is a warning: test_warnings.py)
    out = tmp_path / "r.xlsx"
    result = cli("import", xlsx("m.xlsx", {"S": roster_rows}), "--rejects", out)
    assert result.exit_code == 1 and out.exists() and cli.students() == []


def test_reimport_of_same_file_changes_nothing(cli, xlsx, roster_rows):
    path = xlsx("r.xlsx", {"S": roster_rows})
    assert cli("import", path).exit_code == 0
    before = cli.dump()
    result = cli("import", path)
    assert result.exit_code == 0
    assert "完全相同" in result.stdout
    assert cli.dump() == before
    assert cli.query("SELECT count(*) FROM imports") == [(2,)]


def test_reimport_after_other_changes_reconciles_instead_of_skipping(cli, xlsx, roster_rows):
    path = xlsx("r.xlsx", {"S": roster_rows})
    cli("import", path)
    changed = [list(r) for r in roster_rows]
    changed[1][5] = "模具制造技术"
    cli("import", xlsx("r2.xlsx", {"S": changed}))
    result = cli("import", path)
    assert "更新 1，未变 2" in result.stdout
    assert cli.students()[0][5] == "数控技术应用"


def test_corrected_file_updates_what_changed_and_records_the_old_values(cli, xlsx, roster_rows):
    cli("import", xlsx("r.xlsx", {"S": roster_rows}))
    roster_rows[2][8] = "13900000000"
    result = cli("import", xlsx("r-fixed.xlsx", {"S": roster_rows}))
    assert "新增 0，更新 1，未变 2" in result.stdout
    assert cli.students()[1][9] == "13900000000"
    journal = cli.query("SELECT table_name, op, old FROM journal WHERE op != 'insert'")
    assert [(t, op, json.loads(old)["phone"]) for t, op, old in journal] == [
        ("students", "update", "13800002222")
    ]


def test_blank_cells_never_erase_stored_values(cli, xlsx, roster_rows):
    cli("import", xlsx("r.xlsx", {"S": roster_rows}))
    slim = [[r[0], r[1]] for r in roster_rows]
    result = cli("import", xlsx("slim.xlsx", {"S": slim}))
    assert "未变 3" in result.stdout and cli.students()[0][9] == "13800001111"


def test_cohort_from_stated_cohort_enrolment_year_or_class_code(cli, xlsx):
    rows = [
        ["学号", "姓名", "班级", "入学年份", "届别"],
        ["1", "甲同学", "20数控1", "", "2024届"],
        ["2", "乙同学", "20数控1", "2021", ""],
        ["3", "丙同学", "20数控1", "", ""],
        ["4", "丁同学", "数控班", "", ""],
    ]
    result = cli("import", xlsx("c.xlsx", {"S": rows}))
    assert result.exit_code == 0, result.output
    assert [s[8] for s in cli.students()] == [2024, 2024, 2023, None]


def test_program_years_option_changes_derived_cohorts(cli, xlsx):
    rows = [["学号", "姓名", "班级"], ["1", "甲同学", "21高职1"]]
    cli("import", xlsx("c.xlsx", {"S": rows}), "--program-years", "5")
    assert cli.students()[0][8] == 2026


def test_derived_cohort_does_not_override_a_stated_one(cli, xlsx):
    cli(
        "import",
        xlsx(
            "a.xlsx", {"S": [["学号", "姓名", "班级", "届别"], ["1", "甲同学", "20数控1", "2024"]]}
        ),
    )
    result = cli(
        "import", xlsx("b.xlsx", {"S": [["学号", "姓名", "班级"], ["1", "甲同学", "20数控1"]]})
    )
    assert "未变 1" in result.stdout and cli.students()[0][8] == 2024


def test_dry_run_reports_counts_and_writes_nothing(cli, xlsx, roster_rows):
    result = cli("import", xlsx("r.xlsx", {"S": roster_rows}), "--dry-run")
    assert result.exit_code == 0
    assert "将新增 3" in result.stdout and "没有写入任何数据" in result.stdout
    assert cli.students() == [] and cli.query("SELECT count(*) FROM imports") == [(0,)]


def test_status_words_and_unknown_status(cli, xlsx):
    rows = [
        ["学号", "姓名", "班级", "学籍状态"],
        ["1", "甲", "20数控1", "退学"],
        ["2", "乙", "20数控1", "休学"],
        ["3", "丙", "20数控1", "毕业"],
        ["4", "丁", "20数控1", ""],
    ]
    cli("import", xlsx("s.xlsx", {"S": rows}))
    assert [s[10] for s in cli.students()] == ["dropped_out", "suspended", "graduated", "enrolled"]
    result = cli("import", xlsx("t.xlsx", {"S": [rows[0], ["5", "戊", "20数控1", "失踪"]]}))
    assert result.exit_code == 1 and "无法识别的学籍状态" in result.stderr


def test_messy_cells_are_cleaned_like_a_clerk_would(cli, xlsx):
    number = make_id(seq="555")
    rows = [
        ["学 号", "姓　名", "身份证号码*", "班级"],
        ["\u200b２０２１０１\u200b", " 陈  晓明 ", number[:17] + number[17].lower(), " 21数控1 "],
    ]
    assert cli("import", xlsx("m.xlsx", {"S": rows})).exit_code == 0
    assert cli.students()[0][:5] == (
        "202101",
        "陈晓明",
        "男" if int(number[16]) % 2 else "女",
        number,
        "21数控1",
    )


def test_rare_character_placeholder_is_a_warning_not_an_error(cli, xlsx):
    rows = [["学号", "姓名", "班级"], ["1", "王[喆]", "20数控1"], ["2", "李?", "20数控1"]]
    result = cli("import", xlsx("w.xlsx", {"S": rows}))
    assert result.exit_code == 0 and result.stdout.count("生僻字") == 2
    assert len(cli.students()) == 2


def test_fifteen_digit_id_is_stored_upgraded(cli, xlsx):
    rows = [["姓名", "身份证号", "班级"], ["老学员", "440000860315123", "86进修"]]
    cli("import", xlsx("old.xlsx", {"S": rows}))
    assert cli.students()[0][3].startswith("44000019860315123")


def test_identity_falls_back_to_id_then_class_and_name(cli, xlsx):
    number = make_id(seq="777")
    cli("import", xlsx("a.xlsx", {"S": [["姓名", "班级"], ["陈晓明", "21数控1"]]}))
    cli(
        "import",
        xlsx("b.xlsx", {"S": [["姓名", "班级", "身份证号"], ["陈 晓明", "21数控1", number]]}),
    )
    cli(
        "import",
        xlsx("c.xlsx", {"S": [["学号", "姓名", "身份证号"], ["2021010101", "陈晓明", number]]}),
    )
    assert cli.students() == [
        (
            "2021010101",
            "陈晓明",
            "男" if int(number[16]) % 2 else "女",
            number,
            "21数控1",
            None,
            None,
            None,
            2024,
            None,
            "enrolled",
        )
    ]


def test_two_students_of_one_name_in_a_class_make_a_name_only_row_ambiguous(cli, xlsx):
    rows = [["学号", "姓名", "班级"], ["1", "王芳", "21数控1"], ["2", "王芳", "21数控1"]]
    cli("import", xlsx("a.xlsx", {"S": rows}))
    result = cli(
        "import",
        xlsx("b.xlsx", {"S": [["姓名", "班级", "手机号"], ["王芳", "21数控1", "13800001111"]]}),
    )
    assert result.exit_code == 1 and "2名同名学生" in result.stderr


def test_id_number_already_belonging_to_another_student_is_refused(cli, xlsx, roster_rows):
    cli("import", xlsx("a.xlsx", {"S": roster_rows}))
    rows = [
        roster_rows[0],
        ["2021010199", "新同学", "男", roster_rows[1][3], "21数控1", "", "", 2021, ""],
    ]
    result = cli("import", xlsx("b.xlsx", {"S": rows}))
    assert (
        result.exit_code == 1 and "已属于数据库中的学生（陈晓明，学号 2021010101）" in result.stderr
    )


def test_note_rows_at_the_bottom_are_ignored_with_a_note(cli, xlsx, roster_rows):
    rows = [*roster_rows, [], ["制表人：王老师"], ["合计", "合计", "合计", "合计"]]
    result = cli("import", xlsx("n.xlsx", {"S": rows}, merges={"S": ["A7:D7"]}))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("像是备注或合计") == 2 and len(cli.students()) == 3


def test_header_repeated_on_every_printed_page_is_skipped(cli, xlsx, roster_rows):
    rows = [*roster_rows[:2], roster_rows[0], *roster_rows[2:]]
    result = cli("import", xlsx("p.xlsx", {"S": rows}))
    assert result.exit_code == 0 and len(cli.students()) == 3


def test_each_import_is_recorded_with_file_hash_and_counts(cli, xlsx, roster_rows):
    import hashlib

    path = xlsx("r.xlsx", {"S": roster_rows})
    cli("import", path)
    (row,) = cli.query(
        "SELECT kind, file_name, sha256, rows_added, rows_updated, rows_rejected, started_at FROM imports"
    )
    assert row[:6] == ("roster", "r.xlsx", hashlib.sha256(path.read_bytes()).hexdigest(), 3, 0, 0)
    assert row[6]


def test_several_files_are_one_transaction(cli, xlsx, roster_rows, tmp_path):
    good = xlsx("good.xlsx", {"S": roster_rows})
    bad = tmp_path / "bad.csv"
    bad.write_text("学号,姓名,班级\n9,,21数控1\n", encoding="utf-8")
    result = cli("import", good, bad)
    assert result.exit_code == 1 and cli.students() == []


def test_results_of_a_student_missing_from_the_roster_are_refused(cli, xlsx):
    rows = [["姓名", "班级", "证书名称", "考核结果"], ["陈晓明", "21数控1", "机械工程制图", "合格"]]
    result = cli("import", xlsx("r.xlsx", {"S": rows}))
    assert result.exit_code == 1 and "找不到这名学生" in result.stderr


def test_rejects_may_not_overwrite_an_input_file(cli, xlsx, roster_rows):
    roster_rows[2][2] = "不详"
    path = xlsx("r.xlsx", {"S": roster_rows})
    before = path.read_bytes()
    cli("init")
    result = cli("import", path, "--skip-invalid", "--rejects", path)
    assert result.exit_code == 1 and "会把它覆盖" in result.stderr
    assert path.read_bytes() == before and cli.students() == []


def test_rejects_into_a_folder_is_refused_before_importing(cli, xlsx, roster_rows, tmp_path):
    (tmp_path / "d.xlsx").mkdir()
    cli("init")
    result = cli(
        "import",
        xlsx("r.xlsx", {"S": roster_rows}),
        "--skip-invalid",
        "--rejects",
        tmp_path / "d.xlsx",
    )
    assert result.exit_code == 1 and "文件夹" in result.stderr and cli.students() == []


def test_no_rejects_file_when_nothing_was_rejected(cli, xlsx, roster_rows, tmp_path):
    out = tmp_path / "rej.xlsx"
    result = cli("import", xlsx("r.xlsx", {"S": roster_rows}), "--rejects", out)
    assert result.exit_code == 0 and not out.exists() and "没有被拒绝的行" in result.stdout


def test_header_repeated_with_a_full_width_space_is_skipped_too(cli, xlsx):
    rows = [
        ["学号", "姓　名", "班级"],
        ["1", "甲", "23汽修1"],
        ["学号", "姓　名", "班级"],
        ["2", "乙", "23汽修1"],
    ]
    result = cli("import", xlsx("p.xlsx", {"S": rows}))
    assert result.exit_code == 0 and [s[1] for s in cli.students()] == ["甲", "乙"]


def test_a_second_column_for_one_field_is_reported_as_unused(cli, xlsx):
    rows = [["学号", "学籍号", "姓名", "班级"], ["1", "G440000200601011234", "甲", "23汽修1"]]
    result = cli("import", xlsx("d.xlsx", {"S": rows}))
    assert "重复的列未使用：学籍号（已用「学号」）" in result.stdout


def test_bad_birth_date_message_does_not_reveal_the_digits(cli, xlsx):
    bad = "44000020080230" + "123"
    from xcert.clean.idcard import check_digit

    rows = [["学号", "姓名", "身份证号", "班级"], ["1", "甲", bad + check_digit(bad), "23汽修1"]]
    result = cli("import", xlsx("b.xlsx", {"S": rows}))
    assert result.exit_code == 1 and "出生日期" in result.stderr and "20080230" not in result.output


def test_bulk_load_into_an_empty_table_keeps_its_unique_indexes(cli, xlsx):
    import sqlite3

    import pytest

    rows = [["学号", "姓名", "班级"]] + [
        [f"2021{i:06d}", f"学生{i}", "21数控1"] for i in range(6000)
    ]
    path = xlsx("big.xlsx", {"S": rows})
    indexes = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'students'"
    assert cli("import", path, "--dry-run").exit_code == 0
    expected = {
        ("students_student_no",),
        ("students_id_number",),
        ("students_cohort",),
        ("students_created",),
        ("students_person",),  # a province's (migration 12): no entries in a school's file
    }
    assert set(cli.query(indexes)) == expected
    assert cli("import", path).exit_code == 0
    assert set(cli.query(indexes)) == expected
    assert cli.query("PRAGMA integrity_check") == [("ok",)]
    # the journal's insert trigger, set aside for the bulk load, is back
    trigger = "SELECT count(*) FROM sqlite_master WHERE name = 'journal_students_insert'"
    assert cli.query(trigger) == [(1,)]
    conn = sqlite3.connect(cli.db)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO students (student_no, name) VALUES ('2021000001', 'x')")
    conn.close()
    assert cli("undo", "1").exit_code == 0 and cli.query("SELECT count(*) FROM students") == [(0,)]


def test_rejects_file_never_turns_a_cell_into_a_formula(cli, tmp_path):
    source = tmp_path / "f.csv"  # a CSV: openpyxl would store these cells as formulas
    source.write_text(  # refused for its 入学年份 (a wrong phone alone is a warning)
        '学号,姓名,班级,手机号,入学年份\n=1+1,"=HYPERLINK(""x"")",@SUM(A1),-123,-1\n',
        encoding="utf-8",
    )
    out = tmp_path / "rej.xlsx"
    cli("import", source, "--rejects", out)
    sheet = load_workbook(out).active
    cells = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))][4:9]
    assert [c.value for c in cells] == ["=1+1", '=HYPERLINK("x")', "@SUM(A1)", "-123", "-1"]
    assert all(c.data_type == "s" for c in cells)


# One identity rule for the file's own rows and the stored students (review findings).

X = make_id("20060101", "011")


def _sheet(*rows):
    return {"S": [["学号", "姓名", "身份证号", "班级", "手机号"], *rows]}


def test_rows_tied_by_class_and_name_that_disagree_are_refused_in_any_database(cli, xlsx):
    rows = _sheet(
        ["2021001", "陈晓明", None, "21数控1", "13800001111"],
        [None, "陈晓明", X, "21数控1", "13900002222"],
    )
    path = xlsx("r1.xlsx", rows)
    empty = cli("import", path)
    assert empty.exit_code == 1 and "「手机号」不同" in empty.stderr
    cli("import", xlsx("other.xlsx", _sheet(["2021999", "别人", None, "21数控9", None])))
    stored = cli("import", path)
    assert stored.exit_code == 1 and "「手机号」不同" in stored.stderr


def test_rows_tied_through_a_stored_student_that_disagree_are_refused(cli, xlsx):
    cli("import", xlsx("a.xlsx", _sheet(["2021001", "陈晓明", X, "21数控1", "13800000000"])))
    rows = _sheet(
        ["2021001", "陈晓明", None, "21数控1", "13800001111"],
        [None, "陈晓明", X, "21数控1", "13900002222"],
    )
    result = cli("import", xlsx("b.xlsx", rows))
    assert result.exit_code == 1 and "「手机号」不同" in result.stderr
    assert cli.students()[0][9] == "13800000000"


def test_an_id_number_claimed_by_two_student_numbers_through_a_merge_is_a_row_error(cli, xlsx):
    rows = _sheet(
        ["2021001", "陈晓明", None, "21数控1", None],
        ["2021001", "陈晓明", X, "21数控1", None],
        ["2021002", "林小雨", X, "21数控1", None],
    )
    result = cli("import", xlsx("r3.xlsx", rows), "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "内部错误" not in result.output and "第4行" in result.stderr
    assert [s[:4] for s in cli.students()] == [("2021001", "陈晓明", "男", X)]


def test_a_blank_student_number_is_not_a_different_one(cli, xlsx):
    rows = _sheet(
        ["2021001", "陈晓明", X, "21数控1", None], [None, "陈晓明", X, "21数控1", "13800001111"]
    )
    result = cli("import", xlsx("r4.xlsx", rows))
    assert result.exit_code == 0, result.output
    assert cli.students() == [
        ("2021001", "陈晓明", "男", X, "21数控1", None, None, None, 2024, "13800001111", "enrolled")
    ]


def test_every_row_of_a_disagreeing_student_is_refused_and_counted(cli, xlsx, tmp_path):
    rows = _sheet(
        ["2021001", "甲", None, "21数控1", "13800000001"],
        ["2021001", "甲", None, "21数控1", "13800000002"],
        ["2021001", "甲", None, "21数控1", "13800000001"],
    )
    out = tmp_path / "rej.xlsx"
    result = cli("import", xlsx("r14.xlsx", rows), "--skip-invalid", "--rejects", out)
    assert "新增 0" in result.stdout and "拒绝 3" in result.stdout
    assert [r[2] for r in load_workbook(out).active.iter_rows(min_row=2, values_only=True)] == [
        2,
        3,
        4,
    ]


def test_reimport_after_other_imports_changes_nothing_when_rows_agree(cli, xlsx):
    rows = _sheet(
        [None, "陈晓明", None, "21数控1", "13800001111"],
        ["2021001", "陈晓明", None, "21数控1", None],
    )
    path = xlsx("r6.xlsx", rows)
    assert cli("import", path).exit_code == 0
    cli("import", xlsx("other.xlsx", _sheet(["2021999", "别人", None, "21数控9", None])))
    before = cli.dump()
    result = cli("import", path)
    assert "更新 0，未变 1" in result.stdout and cli.dump() == before


def test_reimport_shortcut_never_hides_problems_or_warnings(cli, xlsx, roster_rows):
    sheets = {
        "名单": roster_rows,
        "成绩": [
            ["姓名", "班级", "证书名称", "考核结果"],
            ["张不在", "21数控1", "机械工程制图", "合格"],
        ],
    }
    path = xlsx("r5.xlsx", sheets)
    assert cli("import", path).exit_code == 1
    assert cli("import", path, "--skip-invalid").exit_code == 0
    again = cli("import", path)
    assert again.exit_code == 1 and "找不到这名学生" in again.stderr
    warned = xlsx("w.xlsx", {"S": [["学号", "姓名", "班级"], ["1", "王[喆]", "20数控1"]]})
    cli("import", warned)
    assert "生僻字" in cli("import", warned).stdout


def test_failed_multi_file_import_lists_problems_of_every_file(cli, xlsx):
    first = xlsx(
        "a.xlsx",
        _sheet(
            ["2021001", "陈晓明", X, "21数控1", None], ["2021002", "林小雨", "123", "21数控1", None]
        ),
    )
    second = xlsx("b.xlsx", _sheet(["2021009", "黄子轩", X, "21数控1", None]))
    result = cli("import", first, second)
    assert result.exit_code == 1
    assert "a.xlsx" in result.stderr and "b.xlsx 工作表「S」 第2行" in result.stderr


def test_a_gender_read_from_the_id_number_never_overrides_a_stated_one(cli, xlsx):
    cli(
        "import",
        xlsx(
            "a.xlsx",
            {"S": [["学号", "姓名", "性别", "班级"], ["2021001", "陈晓明", "女", "21数控1"]]},
        ),
    )
    result = cli(
        "import", xlsx("b.xlsx", {"S": [["学号", "姓名", "身份证号"], ["2021001", "陈晓明", X]]})
    )
    assert result.exit_code == 0 and cli.students()[0][2] == "女"


def test_csv_with_a_title_line_above_a_tab_separated_header(cli, tmp_path):
    path = tmp_path / "r10.csv"
    path.write_text("21数控1班名单\n学号\t姓名\t班级\n2021001\t陈晓明\t21数控1\n", encoding="utf-8")
    assert cli("import", path).exit_code == 0 and len(cli.students()) == 1


def test_student_number_exported_as_text_with_a_decimal_point(cli, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text("学号,姓名,班级\n2021010101,陈晓明,21数控1\n", encoding="utf-8")
    second.write_text(
        "学号,姓名,班级,手机号\n2021010101.0,陈晓明,21数控1,13800001111\n", encoding="utf-8"
    )
    cli("import", first)
    assert "更新 1" in cli("import", second).stdout and len(cli.students()) == 1


def test_an_id_number_alone_on_a_row_is_a_student_row_and_never_shown_in_full(cli, xlsx):
    rows = [
        ["学号", "姓名", "身份证号", "班级", "手机号"],
        ["2021001", "陈晓明", None, "21数控1", None],
        [None, None, X, None, None],
        ["2021002", "林小雨", None, "21数控1", X],
    ]
    result = cli("import", xlsx("r7.xlsx", {"S": rows}))
    assert result.exit_code == 1 and X not in result.output
    assert "姓名为空" in result.stderr


def test_rejects_give_id_numbers_back_as_read_and_only_there(cli, xlsx, tmp_path):
    # SPEC 5.3 changed on purpose: the --rejects workbook is the clerk's own rows given
    # back exactly as read (was: masked). Every other output still masks them.
    rows = [
        ["学号", "姓名", "身份证号", "证件号码", "监护人身份证号", "班级", "入学年份"],
        ["2021001", "陈晓明", X, X, make_id("19800101", "123"), "21数控1", "去年"],
        ["2021002", None, None, None, None, "21数控1", "2021"],
    ]
    out = tmp_path / "rej.xlsx"
    result = cli("import", xlsx("r8.xlsx", {"S": rows}), "--rejects", out)
    sheet = load_workbook(out).active
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert got[0][4:] == ["2021001", "陈晓明", X, X, make_id("19800101", "123"), "21数控1", "去年"]
    assert all(c.data_type == "s" for c in next(sheet.iter_rows(min_row=2, max_row=2))[4:])
    assert "含完整身份证号" in result.stdout
    for number in (X, make_id("19800101", "123")):
        assert number not in result.output
        assert number not in cli("log").output and number not in cli("find", "陈晓明").output


def test_rejects_from_several_sheets_keep_their_own_headers(cli, xlsx, tmp_path):
    a = xlsx("a.xlsx", {"S": [["学号", "姓名", "班级"], ["1", None, "21数控1"]]})
    b = xlsx(
        "b.xlsx",
        {"T": [["姓名", "学号", "班级"], ["林小雨", "2", "21数控1"], [None, "3", "21数控1"]]},
    )
    out = tmp_path / "rej.xlsx"
    cli("import", a, b, "--skip-invalid", "--rejects", out)
    book = load_workbook(out)
    assert book.sheetnames == ["a-S", "b-T"]
    assert [c.value for c in book["b-T"][1]][4:7] == ["姓名", "学号", "班级"]


def test_dry_run_writes_no_rejects_file(cli, xlsx, tmp_path):
    out = tmp_path / "rej.xlsx"
    result = cli(
        "import",
        xlsx("a.xlsx", {"S": [["学号", "姓名", "班级"], ["1", None, "21数控1"]]}),
        "--dry-run",
        "--rejects",
        out,
    )
    assert not out.exists() and "没有写入" in result.stdout


def test_first_import_of_distinct_rows_takes_the_same_result_as_the_general_path(
    cli, xlsx, roster_rows
):
    path = xlsx("r.xlsx", {"S": roster_rows})
    cli("import", path)
    fast = cli.students()
    other = cli.__class__(cli.db.with_name("general.db"))
    assert other("init").exit_code == 0  # a second database in the folder: made on purpose
    other("import", xlsx("seed.xlsx", {"S": [["学号", "姓名", "班级"], ["9", "别人", "20数控9"]]}))
    other("import", path)
    assert [s for s in other.students() if s[0] != "9"] == fast
    assert cli.query("SELECT cohort_derived, status FROM students") == other.query(
        "SELECT cohort_derived, status FROM students WHERE student_no != '9'"
    )


# Second review: names, sheet order, --skip-invalid stability, cohorts, masking.


def ID(n: int) -> str:
    return make_id("20050101", f"{n:03d}")


def test_an_id_match_never_renames_a_stored_student(cli, xlsx):
    head = ["姓名", "班级", "身份证号", "学籍状态"]
    cli(
        "import",
        xlsx(
            "a.xlsx",
            {"S": [head, ["李雷", "20数控1", ID(1), None], ["王芳", "20数控1", ID(2), None]]},
        ),
    )
    before = cli.dump()
    shifted = [head, ["李雷", "20数控1", ID(2), "休学"], ["王芳", "20数控1", ID(1), "在读"]]
    result = cli("import", xlsx("b.xlsx", {"S": shifted}))
    assert result.exit_code == 1 and "在数据库里是「王芳」，不是「李雷」" in result.stderr
    assert cli.dump() == before


def test_a_rename_with_both_keys_agreeing_is_accepted(cli, xlsx):
    head = ["学号", "姓名", "身份证号"]
    cli("import", xlsx("a.xlsx", {"S": [head, ["2020010101", "李雷", ID(1)]]}))
    assert (
        cli("import", xlsx("b.xlsx", {"S": [head, ["2020010101", "李磊", ID(1)]]})).exit_code == 0
    )
    assert cli.students()[0][1] == "李磊"


def test_sheet_order_does_not_decide_who_a_name_only_row_is(cli, xlsx):
    sheets = {
        "通讯录": [["姓名", "班级", "手机号"], ["李雷", "21数控1", "13800001111"]],
        "身份证": [["姓名", "身份证号"], ["李雷", ID(3)]],
        "学籍": [["学号", "姓名", "班级", "身份证号"], ["2021010102", "李雷", "21数控1", ID(3)]],
    }
    path = xlsx("s.xlsx", sheets)
    first = cli("import", path)
    assert first.exit_code == 0, first.output
    assert cli.students() == [
        (
            "2021010102",
            "李雷",
            "男",
            ID(3),
            "21数控1",
            None,
            None,
            None,
            2024,
            "13800001111",
            "enrolled",
        )
    ]
    cli("import", xlsx("other.xlsx", {"S": [["学号", "姓名", "班级"], ["9", "别人", "20数控9"]]}))
    assert cli("import", path).exit_code == 0


def test_skip_invalid_gives_the_same_result_on_a_second_run(cli, xlsx):
    rows = [
        ["学号", "姓名", "班级", "身份证号", "手机号"],
        ["2020010101", "李雷", "20数控1", None, "13800138000"],
        ["2020010101", "李雷", "20数控1", ID(2), "13900139000"],
        ["2020010102", "王芳", "20数控1", ID(2), None],
    ]
    path = xlsx("t10.xlsx", {"S": rows})
    cli("import", path, "--skip-invalid")
    after_first = cli.students()
    cli("import", xlsx("other.xlsx", {"S": [["学号", "姓名", "班级"], ["9", "别人", "20数控9"]]}))
    cli("import", path, "--skip-invalid")
    assert [s for s in cli.students() if s[0] != "9"] == after_first


def test_a_stored_enrolment_year_beats_a_cohort_from_the_class_code(cli, xlsx):
    a = xlsx(
        "a.xlsx",
        {"S": [["学号", "姓名", "班级", "入学年份"], ["2020010101", "王芳", "21数控1", 2020]]},
    )
    b = xlsx(
        "b.xlsx",
        {
            "S": [
                ["学号", "姓名", "班级", "手机号"],
                ["2020010101", "王芳", "21数控1", "13800001111"],
            ]
        },
    )
    cli("import", a)
    cli("import", b)
    assert cli.students()[0][8] == 2023
    assert "未变 1" in cli("import", a).stdout


def test_within_one_workbook_an_enrolment_year_beats_the_class_code_in_any_order(cli, xlsx):
    sheets = {
        "20数控1": [["学号", "姓名", "班级"], ["2021010101", "王芳", "20数控1"]],
        "学籍": [["学号", "姓名", "入学年份"], ["2021010101", "王芳", 2021]],
    }
    cli("import", xlsx("c.xlsx", sheets))
    assert cli.students()[0][8] == 2024


def test_ids_inside_student_numbers_notes_and_other_columns_are_masked(cli, xlsx, tmp_path):
    # Everywhere but the --rejects workbook, which gives the rows back as read (SPEC 5.3).
    rows = [
        ["学籍号", "姓名", "班级", "身份证号", "备注"],
        ["G" + ID(1), "王芳", "20数控1", ID(1), "身份证" + ID(1)],
        ["G" + ID(2), "王芳", "20数控1", ID(1), ID(2) + "（家长）"],
        ["注：李雷（身份证" + ID(4) + "）已转学"],
    ]
    out = tmp_path / "rej.xlsx"
    result = cli("import", xlsx("g.xlsx", {"S": rows}), "--skip-invalid", "--rejects", out)
    given_back = " ".join(
        str(c) for row in load_workbook(out).active.iter_rows(values_only=True) for c in row
    )
    found = cli("find", "王芳")
    for number in (ID(1), ID(2)):
        assert number not in result.output and number not in found.output
        assert number in given_back
    assert ID(4) not in result.output + found.output  # the note row: skipped, not rejected


def test_rejects_of_two_inputs_with_one_name_stay_apart(cli, xlsx, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = xlsx("a/花名册.xlsx", {"Sheet1": [["学号", "姓名", "班级"], ["1", None, "21数控1"]]})
    b = xlsx("b/花名册.xlsx", {"Sheet1": [["姓名", "学号", "班级"], [None, "2", "21数控1"]]})
    out = tmp_path / "rej.xlsx"
    cli("import", a, b, "--skip-invalid", "--rejects", out)
    assert len(load_workbook(out).sheetnames) == 2


def test_a_conflict_message_names_the_other_row_not_itself(cli, xlsx):
    rows = [["学号", "姓名", "手机号"], ["1", "甲", "13800000001"], ["1", "甲", "13800000002"]]
    result = cli("import", xlsx("c.xlsx", {"S": rows}))
    assert "第2行：与第3行是同一学生" in result.stderr
    assert "第3行：与第2行是同一学生" in result.stderr


def test_rejects_of_two_sheets_each_name_their_own_sheet(cli, xlsx, tmp_path):
    from openpyxl import load_workbook

    bad = [
        ["学号", "姓名", "班级", "届别"],
        ["1", "甲", "21数控1", "abc"],
        ["2", "乙", "21数控1", 2024],
    ]
    path = xlsx("two.xlsx", {"一班": bad, "二班": [list(r) for r in bad]})
    out = tmp_path / "rej.xlsx"
    assert cli("import", path, "--skip-invalid", "--rejects", out).exit_code == 0
    book = load_workbook(out)
    for sheet in ("一班", "二班"):
        rows = list(book[f"two-{sheet}"].iter_rows(values_only=True))
        assert [r[:2] for r in rows[1:]] == [("two.xlsx", sheet)], rows


def test_a_rows_problems_come_column_by_column(cli, tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("学号,姓名,身份证号\n1,,110105200701010120\n", encoding="utf-8")
    result = cli("import", path)
    lines = [line for line in result.stderr.splitlines() if "第2行" in line]
    assert result.exit_code == 1 and len(lines) == 2, result.stderr
    assert "B列「姓名」" in lines[0] and "C列「身份证号」" in lines[1]
