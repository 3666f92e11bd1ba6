"""The import's shortcuts give what the careful way gives.

A large roster is cleaned column by column: a column already in clean form passes
as it is (`clean.settled`), only rows that may be blank, a note or refused are looked
at one by one (`_suspect_rows`), and a first import whose rows are all different
students goes to the database without the identity rule's matching (`resolve`).
Each test imports the same messy workbook with a shortcut turned off and expects the
same database and the same report, word for word.
"""

from __future__ import annotations

import pytest

from xcert.clean import cells as clean
from xcert.ingest import columns
from xcert.office import students

from conftest import make_id

TITLE = "信息技术系2022级学生花名册（虚构数据）"


def _lower_x_id() -> str:
    """An ID number whose check digit is X, written with a lower-case x."""
    number = next(n for seq in range(100) if (n := make_id("20070404", f"{seq:03d}")).endswith("X"))
    return number[:-1] + "x"


def _messy_sheet() -> list[list[object]]:
    header = [
        "学号",
        "姓名",
        "性别",
        "身份证号",
        "班级",
        "专业",
        "入学年份",
        "届别",
        "状态",
        "手机号",
    ]
    return [
        [TITLE],
        header,
        [
            "2022030101",
            "周文",
            "男",
            make_id("20070101", "011"),
            "22计网1",
            "计算机网络技术",
            2022,
            None,
            "在读",
            "13800000001",
        ],
        [
            2022030102.0,
            "吴 思远",
            None,
            make_id("20070202", "021"),
            "22计网1",
            "计算机网络技术",
            2022,
            None,
            None,
            "13800000002",
        ],
        [
            "２０２２０３０１０３",
            "郑雅婷",
            "男",
            make_id("20070303", "022"),
            "22计网1",
            "计算机网络技术",
            None,
            None,
            "在读",
            None,
        ],
        [None] * 10,
        header,  # the header again on the second printed page
        [
            "2022030104",
            "冯?明",
            "男",
            _lower_x_id(),
            "22计网1",
            "计算机网络技术",
            2022,
            2025,
            "毕业",
            "13800000004",
        ],
        [
            "2022030105",
            "何晨曦",
            "女",
            make_id("20070505", "042")[:-1] + "0",
            "22计网1",
            "计算机网络技术",
            2022,
            None,
            "在读",
            "13800000005",
        ],
        [
            "2022030106",
            None,
            "女",
            make_id("20070606", "042"),
            "22计网1",
            "计算机网络技术",
            2022,
            None,
            "在读",
            None,
        ],
        [None, "苏一鸣", None, None, None, None, None, None, None, None],
        [
            "2022030107",
            "罗嘉怡",
            "女",
            None,
            None,
            "计算机网络技术",
            None,
            None,
            "退学",
            "0755-12345678",
        ],
        ["合计", "合计", "合计", "合计", "合计", "合计", "合计", "合计", "合计", "合计"],
        ["注：以上信息由班主任核对"],
    ]


def _clean_sheet() -> list[list[object]]:
    rows: list[list[object]] = [["学号", "姓名", "身份证号", "班级", "专业", "入学年份", "手机号"]]
    for i in range(1, 31):
        rows.append(
            [
                f"20230402{i:02d}",
                "陈林黄张李王"[i % 6] + "子涵浩然宇轩"[i % 5] + ("梓" if i % 2 else ""),
                make_id(f"2008{i % 12 + 1:02d}{i % 27 + 1:02d}", f"{i:03d}"),
                "23电商2" if i % 3 else "23电商1",
                "电子商务",
                2023 if i % 4 else None,  # then the class code gives the year
                f"1390000{i:04d}",
            ]
        )
    return rows


@pytest.fixture
def messy(xlsx):
    return xlsx("paths.xlsx", {"22计网1": _messy_sheet(), "23电商": _clean_sheet()})


def _every_row_suspect(fields, values, failing_rows, lead, lead_header, required=None):
    return set(range(len(values[lead])))


SHORTCUTS_OFF = {
    "no settled columns": (clean, "settled", lambda cleaner, cells: False),
    "every row looked at": (columns, "suspect_rows", _every_row_suspect),
    "identity rule always": (students, "all_distinct", lambda numbers, ids: False),
}


def _import(cli, path, *extra):
    result = cli("import", path, "--skip-invalid", *extra)
    assert result.exit_code == 0, result.output
    return (
        result.stdout,
        result.stderr,
        cli.students(),
        cli.query(
            "SELECT student_no, cohort_derived, created_import, updated_import FROM students"
            " ORDER BY student_no, name"
        ),
    )


@pytest.mark.parametrize("off", SHORTCUTS_OFF)
def test_each_shortcut_gives_what_the_careful_way_gives(tmp_path, messy, monkeypatch, off):
    from conftest import Cli

    first, second = Cli(tmp_path / "fast.db"), Cli(tmp_path / "careful.db")
    for made in (first, second):  # two databases in one folder: each made on purpose
        assert made("init").exit_code == 0
    fast = _import(first, messy)
    module, name, stand_in = SHORTCUTS_OFF[off]
    monkeypatch.setattr(module, name, stand_in)
    careful = _import(second, messy)
    assert careful == fast


def test_the_messy_workbook_says_what_it_should(cli, messy):
    """So that the comparison above compares something: every kind of row is there."""
    stdout, stderr, rows, flags = _import(cli, messy)
    assert "新增 35，" in stdout and "拒绝 3" in stdout
    for expected in (
        "只有一个值的行（像是备注或合计），已忽略",  # the 注 and 合计 rows
        "姓名含「?」或「[ ]」",
        "性别「男」与身份证号（女）不符",
        "校验位错误",
        "姓名为空",
        "无法确定是哪位学生",
    ):
        assert expected in stdout + stderr, expected
    by_no = {row[0]: row for row in rows}
    assert by_no["2022030102"][1:3] == ("吴思远", "男")  # number-typed 学号, derived gender
    assert by_no["2022030103"][8] == 2025  # full-width 学号; cohort from the class code
    assert by_no["2022030104"][3].endswith("X")  # the lower-case x, upper-cased
    assert (by_no["2022030104"][8], by_no["2022030104"][10]) == (2025, "graduated")
    assert by_no["2022030107"][8] is None  # no year anywhere: no cohort
    assert by_no["2023040201"][2] == "男" and by_no["2023040201"][10] == "enrolled"
    derived = {no: flag for no, flag, _, _ in flags}
    assert derived["2022030101"] == 1 and derived["2022030104"] == 0


def test_a_first_clean_roster_skips_the_identity_matching(cli, xlsx, monkeypatch):
    def no_resolve(*args, **kwargs):
        raise AssertionError("resolve was called for all-different students")

    monkeypatch.setattr(students, "resolve", no_resolve)
    result = cli("import", xlsx("clean.xlsx", {"S": _clean_sheet()}))
    assert result.exit_code == 0, result.output
    assert len(cli.students()) == 30


def test_duplicates_in_a_first_import_still_go_through_the_identity_rule(cli, xlsx):
    rows = _clean_sheet()
    rows.append(list(rows[5]))  # the same student twice
    result = cli("import", xlsx("dup.xlsx", {"S": rows}))
    assert result.exit_code == 0, result.output
    assert "与第6行重复（同一学生），只导入一次" in result.stdout
    assert len(cli.students()) == 30


def test_ids_and_phones_in_other_scripts_digits_are_refused_or_warned_not_a_crash(cli, tmp_path):
    number = make_id("20070101", "011")
    arabic = number[:16] + "\u0661" + number[17]  # str.isdigit() is true for ١
    phone = "1380000\u0661\u0661\u0661\u0661"
    csv = tmp_path / "r.csv"
    csv.write_text(
        f"学号,姓名,身份证号,手机号\n2022030101,周文,{arabic},13800000001\n"
        f"2022030102,吴思远,{make_id('20070202', '021')},{phone}\n",
        encoding="utf-8",
    )
    result = cli("import", csv)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "前17位须为数字" in result.stderr  # an ID number: refused
    assert "第3行 D列「手机号」" in result.stdout and "电话号码应为" in result.stdout  # a warning
    assert cli.students() == []


def test_the_bulk_load_gives_back_the_page_cache(db_path):
    from xcert.store import schema as store_schema
    from xcert.store import writes
    from xcert.store.connect import transaction

    conn = store_schema.open_db(db_path)
    schema = "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'students' ORDER BY name"
    objects = conn.execute(schema).fetchall()
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    with transaction(conn), writes.bulk_load(conn, "students"):
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -writes.BULK_CACHE_KIB
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == before
    with pytest.raises(RuntimeError), transaction(conn), writes.bulk_load(conn, "students"):
        raise RuntimeError("a load that fails")
    assert conn.execute("PRAGMA cache_size").fetchone()[0] == before
    conn.execute("PRAGMA cache_size = -200000")  # already more: left as it is
    with transaction(conn), writes.bulk_load(conn, "students"):
        assert conn.execute("PRAGMA cache_size").fetchone()[0] == -200000
    assert conn.execute(schema).fetchall() == objects  # indexes and triggers all back
    conn.close()


@pytest.mark.parametrize("count", [49, 50, 5051])
def test_every_row_arrives_whatever_the_count(cli, xlsx, count):
    """New students go in ROWS_PER_INSERT at a time, the rest one by one."""
    rows = [["学号", "姓名", "班级", "入学年份"]]
    rows += [
        [f"2021{i:06d}", "陈林黄张李王"[i % 6] + "晓明", "21数控1", 2021] for i in range(count)
    ]
    result = cli("import", xlsx("n.xlsx", {"S": rows}))
    assert result.exit_code == 0, result.output
    stored = cli.query("SELECT student_no, name, cohort, status FROM students ORDER BY id")
    assert stored == [(r[0], r[1], 2024, "enrolled") for r in rows[1:]]
