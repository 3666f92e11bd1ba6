"""The teachers behind the pilot (issue 19, SPEC 3 "Teachers"): a teachers' sheet detected by
its headers and imported by the rules of a roster (cleaning, identity, all or nothing,
re-import, undo); `xcert teachers`; 人 and 人次 per certificate in `stats` and the plan;
ID numbers and phones never shown; an older database upgraded."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from xcert.read.headers import detect_kind, find_header
from xcert.resources import bundled
from xcert.store import connect, schema
from xcert.store.triggers import create_triggers

from conftest import AUTOCAD, DRAWING, Cli, make_id

CNC = {
    "name": "数控车铣加工职业技能等级证书",
    "kind": "1+X",
    "aliases": ["数控车铣加工"],
    "levels": ["初级", "中级", "高级"],
}
ID1, ID2 = make_id("19800101", "011"), make_id("19850202", "022")
PHONE1, PHONE2 = "13800000001", "13800000002"
HEADER = [
    "工号",
    "姓名",
    "所属部门",
    "身份证号",
    "手机号",
    "角色",
    "证书名称",
    "等级",
    "取得日期",
    "证书编号",
]
# Six teachers of three roles and three certificates; T01 has two roles in one cell, T02
# two roles in two rows, T03 examines at two levels (1人, 2人次).
ROWS = [
    ["T01", "钱一", "机械部", ID1, PHONE1, "培训师、考评员", "机械制图", "初级", "2021.6", "KP01"],
    ["T02", "孙二", "机械部", ID2, PHONE2, "培训师", "机械制图", "初级", "2021.6", None],
    ["T02", "孙二", "机械部", None, None, "考评员", "机械制图", "中级", "2022.7", "KP02"],
    ["T03", "李三", "机械部", None, None, "考评员", "机械制图", "初级", "2021.6", "KP03"],
    ["T03", "李三", "机械部", None, None, "考评员", "机械制图", "中级", "2022.7", "KP04"],
    ["T04", "周四", "机械部", None, None, "培训师", "数控车铣加工", "中级", "2022.11", None],
    ["T04", "周四", "机械部", None, None, "持证教师", "机械制图", "高级", "2020.12", None],
    ["T05", "吴五", "信息部", None, None, "持证教师", "数控车铣加工", "中级", "2020", None],
    ["T05", "吴五", "信息部", None, None, "持证", "AutoCAD", None, "2019.3", None],
    ["T06", "郑六", "教务处", None, None, "督导员", None, None, None, None],
]
AUTOCAD_ALIASED = {**AUTOCAD, "aliases": ["AutoCAD"]}


@pytest.fixture
def school(make_school):
    return make_school(certificates=[DRAWING, CNC, AUTOCAD_ALIASED])


@pytest.fixture
def staffed(school, xlsx):
    result = school("import", xlsx("师资.xlsx", {"师资": [HEADER, *ROWS]}))
    assert result.exit_code == 0, result.output
    return school


def stats_json(cli: Cli, *args: object) -> dict:
    result = cli("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_certificate(data: dict) -> dict[str, tuple[int, ...]]:
    keys = ("trainers", "trainer_person_times", "examiners", "examiner_person_times")
    keys += ("holders", "holder_person_times")
    return {row["certificate"]: tuple(row[k] for k in keys) for row in data["teachers"]}


def total(data: dict) -> tuple[int, ...]:
    return tuple(data["teachers_total"].values())


DRAWING_NAME, CNC_NAME = DRAWING["name"], CNC["name"]


# --- the sheet and its kind ---------------------------------------------------------------


def test_a_teachers_sheet_is_detected_and_imported_with_every_role(staffed):
    assert staffed.query("SELECT count(*) FROM teachers") == [(6,)]
    roles = staffed.query(
        "SELECT t.staff_no, tr.role, c.name, tr.level, tr.obtained_on, tr.certificate_no"
        " FROM teacher_roles tr JOIN teachers t ON t.id = tr.teacher_id"
        " LEFT JOIN certificates c ON c.id = tr.certificate_id ORDER BY tr.id"
    )
    assert len(roles) == 11
    assert roles[:2] == [
        ("T01", "trainer", DRAWING_NAME, "初级", "2021-06", "KP01"),
        ("T01", "examiner", DRAWING_NAME, "初级", "2021-06", "KP01"),
    ]
    assert ("T06", "supervisor", None, None, None, None) in roles
    assert ("T05", "holder", AUTOCAD["name"], None, "2019-03", None) in roles
    # a teacher's ID number and phone, given on their first row only
    assert staffed.query("SELECT id_number, phone FROM teachers WHERE staff_no = 'T02'") == [
        (ID2, PHONE2)
    ]


def test_the_import_report_names_the_kind_and_the_headers(school, xlsx):
    result = school("import", xlsx("师资.xlsx", {"师资": [HEADER, *ROWS]}), "--dry-run")
    assert result.exit_code == 0, result.output
    assert (
        "工作表「师资」：师资，表头在第1行（工号、姓名、所属部门→部门、身份证号、手机号、角色、"
        "证书名称、等级、取得日期、证书编号），10行数据" in result.stdout
    )
    assert "将新增 10，将更新 0，未变 0，拒绝 0" in result.stdout
    assert school.query("SELECT count(*) FROM teachers") == [(0,)]


@pytest.mark.parametrize(
    "headers, kind",
    [
        (["工号", "姓名", "角色", "证书", "等级"], "teachers"),
        (["职工号", "姓名", "所属部门"], "teachers"),
        (["姓名", "角色", "证书名称", "取得日期"], "teachers"),
        (["序号", "教师姓名", "部门", "证书名称", "等级"], "teachers"),
        (["工号", "姓名", "证书名称", "等级", "发证日期"], "teachers"),  # not awards
        (["学号", "姓名", "部门", "班级"], "roster"),  # 部门 is a student's 系部 there
        (["学号", "姓名", "身份证号", "班级", "手机号"], "roster"),
        (["学号", "姓名", "工号", "证书名称"], None),  # a student's and a teacher's: not guessed
        (["工号", "姓名", "证书名称", "考核结果"], None),
        (["姓名", "证件号码", "证书名称", "等级", "证书编号"], "awards"),  # no teacher's column
    ],
)
def test_the_kind_comes_from_headers_only_a_teachers_sheet_has(headers, kind):
    header = find_header([headers])
    assert header is not None
    assert detect_kind(header.fields(), header.headers.values()) == kind


def test_a_workbook_with_a_roster_and_a_teachers_sheet_imports_both(school, xlsx):
    roster = [["学号", "姓名", "班级", "系部"], ["2021010101", "陈晓明", "21数控1", "机械部"]]
    path = xlsx("学校.xlsx", {"学生": roster, "师资": [HEADER, *ROWS[:3]]})
    result = school("import", path)
    assert result.exit_code == 0, result.output
    assert "工作表「学生」：花名册" in result.stdout and "工作表「师资」：师资" in result.stdout
    assert school.query("SELECT name FROM students") == [("陈晓明",)]
    assert school.query("SELECT name FROM teachers ORDER BY staff_no") == [("钱一",), ("孙二",)]


def test_a_sheet_without_a_role_column_takes_its_role_from_its_name(school, xlsx):
    rows = [["工号", "姓名", "证书名称", "等级"], ["T07", "冯七", "机械制图", "中级"]]
    path = xlsx(
        "名单.xlsx",
        {"考评员名单": rows, "Sheet1": [*rows[:1], ["T08", "陈八", "数控车铣加工", "高级"]]},
    )
    assert school("import", path).exit_code == 0
    assert school.query(
        "SELECT t.staff_no, tr.role FROM teacher_roles tr JOIN teachers t ON t.id = tr.teacher_id"
        " ORDER BY t.staff_no"
    ) == [("T07", "examiner"), ("T08", "holder")]


@pytest.mark.parametrize(
    "row, message",
    [
        (["T09", "冯九", "机械部", "培训师", None, None], "培训师要写明是哪种证书"),
        (["T09", "冯九", "机械部", None, "机械制图", "初级"], "写了证书、等级，但角色为空"),
        (["T09", "冯九", "机械部", "班主任", "机械制图", None], "无法识别的角色「班主任」"),
        (["T09", "冯九", "机械部", "培训师", "数控车铣加工", "特级"], "无法识别的等级"),
        (["T09", "冯九", "机械部", "考评员", "机械制图", "2021年"], "无法识别的等级"),
        (["T09", "冯九", None, "培训师", "机械制图", None], "工号、身份证号、部门至少要有一项"),
    ],
)
def test_a_row_that_cannot_be_a_role_is_refused_and_nothing_is_written(school, xlsx, row, message):
    if "工号、身份证号" in message:
        row = [None, *row[1:]]
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级"]
    result = school("import", xlsx("师资.xlsx", {"师资": [header, row]}))
    assert result.exit_code == 1
    assert message in result.stderr
    assert school.query("SELECT count(*) FROM teachers") == [(0,)]


def test_a_level_the_catalogue_does_not_list_is_refused(school, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级"]
    levels = {**CNC, "levels": ["中级"]}
    school("import", _catalogue(school, xlsx, [levels]))
    result = school(
        "import",
        xlsx(
            "师资.xlsx",
            {"师资": [header, ["T1", "冯九", "机械部", "培训师", "数控车铣加工", "高级"]]},
        ),
    )
    assert result.exit_code == 1 and "没有高级" in result.stderr


def _catalogue(school, xlsx, certificates):
    from conftest import catalogue_toml

    path = Path(school.db).parent / "目录.toml"
    path.write_text(catalogue_toml(certificates=certificates), encoding="utf-8")
    return path


# --- identity ---------------------------------------------------------------------------


def test_a_later_file_finds_teachers_by_id_number_or_name_and_department(staffed, xlsx):
    header = ["姓名", "部门", "身份证号", "角色", "证书名称", "等级"]
    rows = [
        ["钱一", "机械部", ID1, "持证教师", "数控车铣加工", "高级"],  # by ID number
        ["李三", "机械部", None, "培训师", "机械制图", "中级"],  # by name + department
        ["新人", "机械部", None, "培训师", "机械制图", "初级"],  # nobody: a new teacher
    ]
    result = staffed("import", xlsx("补充.xlsx", {"补充": [header, *rows]}))
    assert result.exit_code == 0, result.output
    assert staffed.query("SELECT count(*) FROM teachers") == [(7,)]
    assert staffed.query(
        "SELECT t.staff_no, t.name FROM teacher_roles tr JOIN teachers t ON t.id = tr.teacher_id"
        " WHERE tr.created_import = 3 ORDER BY tr.id"
    ) == [("T01", "钱一"), ("T03", "李三"), (None, "新人")]


@pytest.mark.parametrize(
    "rows, message",
    [
        (  # one teacher, two phones: both rows
            [
                ["T09", "冯九", "机械部", "13800000009", "培训师"],
                ["T09", "冯九", "机械部", "13800000010", "考评员"],
            ],
            "与第3行是同一教师，但「手机号」不同；请保留正确的一行",
        ),
        (
            [["T01", "钱壹", "机械部", None, None]],
            "工号对应的教师在数据库里是「钱一」，不是「钱壹」",
        ),
        ([["T01", "钱一", "信息部", PHONE2, None]], None),  # a move and a new phone: an update
    ],
)
def test_rows_that_disagree_about_a_teacher_are_refused(staffed, xlsx, rows, message):
    header = ["工号", "姓名", "部门", "手机号", "角色", "证书名称"]
    body = [[*r, "机械制图" if r[4] else None] for r in rows]
    result = staffed("import", xlsx("改.xlsx", {"改": [header, *body]}))
    if message is None:
        assert result.exit_code == 0, result.output
        assert staffed.query("SELECT department, phone FROM teachers WHERE staff_no = 'T01'") == [
            ("信息部", PHONE2)
        ]
        return
    assert result.exit_code == 1
    assert message in result.stderr


def test_an_id_number_another_teacher_holds_is_refused_naming_them(staffed, xlsx):
    header = ["工号", "姓名", "部门", "身份证号"]
    result = staffed("import", xlsx("改.xlsx", {"改": [header, ["T03", "李三", "机械部", ID1]]}))
    assert result.exit_code == 1
    assert "身份证号已属于数据库中的教师（钱一，工号 T01），不是本行工号的教师" in result.stderr
    assert ID1 not in result.output


def test_two_teachers_of_one_name_and_department_need_a_key(school, xlsx):
    header = ["工号", "姓名", "部门"]
    school(
        "import",
        xlsx("a.xlsx", {"a": [header, ["T1", "王芳", "机械部"], ["T2", "王芳", "机械部"]]}),
    )
    result = school(
        "import",
        xlsx(
            "b.xlsx",
            {"b": [["姓名", "部门", "角色", "证书名称"], ["王芳", "机械部", "培训师", "机械制图"]]},
        ),
    )
    assert result.exit_code == 1
    assert "部门「机械部」有2名同名教师「王芳」，请写上工号或身份证号" in result.stderr


def test_two_rows_giving_one_role_differently_are_both_refused(school, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级", "取得日期"]
    rows = [
        ["T1", "冯九", "机械部", "考评员", "机械制图", "初级", "2021.6"],
        ["T1", "冯九", "机械部", "考评员", "机械制图", "初级", "2022.6"],
        ["T1", "冯九", "机械部", "考评员", "机械制图", "初级", None],  # agrees with both
        ["T2", "陈十", "机械部", "培训师", "机械制图", "初级", "2021.6"],
    ]
    path = xlsx("师资.xlsx", {"师资": [header, *rows]})
    result = school("import", path)
    assert result.exit_code == 1
    assert "与第3行是同一角色，但「取得日期」不同" in result.stderr
    skipped = school(
        "import", path, "--skip-invalid", "--rejects", Path(school.db).parent / "退回.xlsx"
    )
    assert skipped.exit_code == 0, skipped.output
    assert school.query("SELECT staff_no FROM teachers ORDER BY staff_no") == [("T1",), ("T2",)]
    assert school.query("SELECT count(*) FROM teacher_roles") == [(2,)]  # row 4's, row 5's
    back = load_workbook(Path(school.db).parent / "退回.xlsx").active
    # the reason, then the row as read: 工号, 姓名 …
    assert [row[4:6] for row in back.iter_rows(min_row=2, values_only=True)] == [
        ("T1", "冯九"),
        ("T1", "冯九"),
    ]


def test_a_blank_level_where_two_are_stored_is_refused_until_it_names_one(staffed, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级", "取得日期"]
    path = xlsx(
        "改.xlsx", {"改": [header, ["T03", "李三", "机械部", "考评员", "机械制图", None, "2023.1"]]}
    )
    result = staffed("import", path)
    assert result.exit_code == 1
    assert f"数据库里已有这名教师的考评员 {DRAWING_NAME}（初级、中级），请写明等级" in result.stderr
    named = xlsx(
        "改2.xlsx", {"改": [header, ["T03", "李三", "机械部", "考评员", "机械制图", "高级", None]]}
    )
    assert staffed("import", named).exit_code == 0  # another level: another 人次
    assert by_certificate(stats_json(staffed))[DRAWING_NAME][2:4] == (3, 5)


def test_a_staff_list_without_roles_stores_the_teachers_alone(school, xlsx):
    header = ["工号", "教师姓名", "所属部门", "手机号"]
    rows = [["T1", "冯九", "机械部", "13800000009"], ["T2", "陈十", "信息部", "一三八"]]
    result = school("import", xlsx("教职工.xlsx", {"教职工": [header, *rows]}))
    assert result.exit_code == 0, result.output
    assert "电话号码应为11位手机号" in result.stdout  # a warning: the row stays
    assert school.query("SELECT staff_no, phone FROM teachers ORDER BY staff_no") == [
        ("T1", "13800000009"),
        ("T2", None),
    ]
    listed = school("teachers").stdout
    assert "师资名单（2人，0人次）" in listed


def test_the_same_row_twice_is_imported_once_with_a_note(school, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级"]
    row = ["T1", "冯九", "机械部", "考评员", "机械制图", "初级"]
    result = school("import", xlsx("师资.xlsx", {"师资": [header, row, row]}))
    assert result.exit_code == 0, result.output
    assert "第3行：与第2行重复（同一教师），只导入一次" in result.stdout
    assert "新增 1，更新 0，未变 0" in result.stdout
    assert school.query("SELECT count(*) FROM teacher_roles") == [(1,)]


# --- again, corrected, undone -----------------------------------------------------------


def test_importing_the_list_again_changes_nothing(staffed, xlsx):
    before = staffed.dump()
    path = xlsx("师资（副本）.xlsx", {"副本": [HEADER, *ROWS], "说明": [["本表由教务处整理"]]})
    again = staffed("import", path)
    assert again.exit_code == 0, again.output
    assert "新增 0，更新 0，未变 10" in again.stdout
    assert staffed.dump() == before


def test_a_corrected_list_updates_and_says_what_it_changes_masked(staffed, xlsx):
    rows = [list(r) for r in ROWS]
    rows[0][4] = "139 0000 0009"  # T01's phone
    rows[2][8] = "2022.8"  # T02's 考评员 date
    rows[3][9] = None  # a blank erases nothing
    result = staffed("import", xlsx("师资（改）.xlsx", {"师资": [HEADER, *rows]}))
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 2，未变 8" in result.stdout
    lines = [line.strip() for line in result.stdout.splitlines() if line.startswith("    ")]
    assert lines == [
        "T01 钱一 手机号 138****0001 → 139****0009",
        f"T02 孙二 考评员 {DRAWING_NAME}（中级） 取得日期 2022.7 → 2022.8",
    ]
    assert PHONE1 not in result.output
    assert staffed.query("SELECT count(*) FROM teacher_roles WHERE certificate_no = 'KP03'") == [
        (1,)
    ]


def test_undo_takes_an_import_of_teachers_back_exactly(staffed, xlsx):
    def everything() -> list[tuple]:
        return staffed.query("SELECT * FROM teachers ORDER BY id") + staffed.query(
            "SELECT * FROM teacher_roles ORDER BY id"
        )

    before = everything()
    rows = [list(r) for r in ROWS]
    rows[0][4] = "13900000009"  # an update
    rows[2][8] = "2022.8"  # a role's update
    rows.append(["T07", "冯七", "机械部", None, None, "培训师", "机械制图", "高级", None, None])
    assert staffed("import", xlsx("改.xlsx", {"改": [HEADER, *rows]})).exit_code == 0
    assert everything() != before
    undone = staffed("undo", "3")
    assert undone.exit_code == 0, undone.output
    assert "删除教师角色1行、教师1行" in undone.stdout
    assert everything() == before
    first = staffed("undo", "2")  # and the first import: no teacher left
    assert first.exit_code == 0, first.output
    assert staffed.query("SELECT count(*) FROM teachers") == [(0,)]
    assert staffed("teachers").stdout.startswith("还没有教师")


def test_undo_of_a_teachers_import_is_refused_while_a_later_one_builds_on_it(staffed, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称", "等级"]
    later = xlsx("补.xlsx", {"补": [header, ["T06", "郑六", "教务处", "考务人员", None, None]]})
    assert staffed("import", later).exit_code == 0
    refused = staffed("undo", "2")
    assert refused.exit_code == 1 and "第3次" in refused.stderr


def test_undo_forget_leaves_no_teachers_id_number_in_the_file(staffed):
    assert staffed("undo", "2", "--forget").exit_code == 0
    wal = Path(f"{staffed.db}-wal")
    raw = staffed.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert ID1.encode() not in raw and PHONE1.encode() not in raw


# --- xcert teachers ---------------------------------------------------------------------


def test_teachers_lists_every_role_with_people_and_person_times(staffed):
    result = staffed("teachers")
    assert result.exit_code == 0, result.output
    assert "师资名单（6人，11人次）" in result.stdout
    cells = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in result.stdout.splitlines()
        if line.startswith("│")
    ]
    assert cells[0] == ["T01", "钱一", "机械部", "培训师", DRAWING_NAME, "初级", "2021.6", "KP01"]
    assert cells[-1] == ["T06", "郑六", "教务处", "督导员", "", "", "", ""]
    for secret in (ID1, ID2, PHONE1, PHONE2):
        assert secret not in result.stdout


def test_teachers_filters_by_role_and_certificate(staffed):
    data = json.loads(
        staffed("teachers", "--role", "考评员", "--cert", "机械制图", "--format", "json").stdout
    )
    assert [(r["staff_no"], r["level"], r["certificate_no"]) for r in data] == [
        ("T01", "初级", "KP01"),
        ("T02", "中级", "KP02"),
        ("T03", "初级", "KP03"),
        ("T03", "中级", "KP04"),
    ]
    assert set(data[0]) == {
        "staff_no",
        "name",
        "department",
        "role",
        "certificate",
        "level",
        "obtained_on",
        "certificate_no",
    }
    assert data[0]["role"] == "examiner" and data[0]["obtained_on"] == "2021.6"
    title = staffed("teachers", "--role", "考评员", "--cert", "机械制图").stdout.splitlines()[0]
    assert title.strip() == f"{DRAWING_NAME}考评员名单（3人，4人次）"
    several = staffed("teachers", "--role", "督导员、考务人员").stdout
    assert "督导员、考务人员名单（1人，1人次）" in several


def test_teachers_as_csv_and_xlsx(staffed, tmp_path):
    csv_text = staffed("teachers", "--format", "csv").stdout
    assert csv_text.startswith(
        "\ufeff师资名单（6人，11人次）\n工号,姓名,部门,角色,证书,等级,取得日期,证书编号\n"
    )
    out = tmp_path / "师资名单.xlsx"
    result = staffed("teachers", "-o", out)
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "师资名单（6人，11人次）"  # the title row, then the school and date
    assert rows[2][:4] == ("工号", "姓名", "部门", "角色") and len(rows) == 2 + 12


@pytest.mark.parametrize(
    "args, code, says",
    [
        (["--role", "班主任"], 2, "无法识别的角色「班主任」"),
        (["--cert", "焊工"], 1, "证书目录里没有「焊工」"),
        (["--format", "json", "-o", "x.xlsx"], 2, "-o 只用于 --format xlsx"),
    ],
)
def test_teachers_refuses_clearly(staffed, args, code, says):
    result = staffed("teachers", *args)
    assert result.exit_code == code and says in result.stderr


def test_teachers_says_when_none_match(staffed):
    assert staffed("teachers", "--role", "持证教师", "--cert", "数控车铣加工").exit_code == 0
    assert (
        staffed("teachers", "--role", "督导员", "--cert", "数控车铣加工").stdout.strip()
        == "没有符合条件的教师"
    )


# --- the figures ------------------------------------------------------------------------


def test_stats_counts_people_and_person_times_per_certificate_as_counted_by_hand(staffed):
    data = stats_json(staffed)
    # 机械工程制图: trainers T01 T02; examiners T01, T02 (中级), T03 (初级, 中级); holder T04.
    # 数控车铣加工: trainer T04; holder T05. AutoCAD is not 1+X.
    assert by_certificate(data) == {
        CNC_NAME: (1, 1, 0, 0, 1, 1),
        DRAWING_NAME: (2, 2, 3, 4, 1, 1),
    }
    # the total counts T04 once as a trainer of two certificates' sum (T01 T02 T04), and
    # T04 and T05 as holders
    assert total(data) == (3, 3, 3, 4, 2, 2)


def test_all_kinds_and_a_year_change_what_counts(staffed):
    data = stats_json(staffed, "--all-kinds")
    assert by_certificate(data)[AUTOCAD["name"]] == (0, 0, 0, 0, 1, 1)
    assert total(data) == (3, 3, 3, 4, 2, 3)  # T05 holds two: 2人, 3人次
    # by the end of 2021: T04's 2022 training and both 2022 examiners drop out
    data = stats_json(staffed, "--year", "2021")
    assert by_certificate(data) == {
        CNC_NAME: (0, 0, 0, 0, 1, 1),
        DRAWING_NAME: (2, 2, 2, 2, 1, 1),
    }


def test_stats_prints_the_teachers_table_in_every_format(staffed, tmp_path):
    table = staffed("stats").stdout
    assert "1+X 师资情况" in table and "培训师（人次）" in table
    markdown = staffed("stats", "--format", "markdown").stdout
    assert "### 1+X 师资情况" in markdown
    assert f"| {DRAWING_NAME} | 2 | 2 | 3 | 4 | 1 | 1 |" in markdown
    assert "| 合计 | 3 | 3 | 3 | 4 | 2 | 2 |" in markdown
    csv_text = staffed("stats", "--format", "csv").stdout
    assert (
        "证书,培训师（人）,培训师（人次）,考评员（人）,考评员（人次）,持证教师（人）,持证教师（人次）"
        in csv_text
    )
    out = tmp_path / "统计.xlsx"
    assert staffed("stats", "-o", out).exit_code == 0
    sheet = load_workbook(out)["1+X 师资情况"]
    assert [c.value for c in sheet[5]] == [DRAWING_NAME, 2, 2, 3, 4, 1, 1]  # header on row 3


def test_a_guessed_certificate_in_the_teachers_figure_is_named(staffed, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称"]
    robot = "工业机器人操作与运维职业技能等级证书"  # not in the catalogue: guessed 1+X
    staffed("import", xlsx("补.xlsx", {"补": [header, ["T06", "郑六", "教务处", "培训师", robot]]}))
    data = stats_json(staffed)
    assert robot in by_certificate(data)
    assert any(
        w.startswith("师资情况中以下证书的类型是推测的") and robot in w for w in data["warnings"]
    )


def test_without_teachers_stats_has_no_teachers_table_and_empty_json(school):
    assert "师资" not in school("stats").stdout
    data = stats_json(school)
    assert data["teachers"] == [] and total(data) == (0, 0, 0, 0, 0, 0)


def test_the_plan_shows_its_certificates_teachers(make_school, xlsx):
    cli = make_school(examples=("catalogue.toml", "site.toml"))
    assert cli("import", xlsx("师资.xlsx", {"师资": [HEADER, *ROWS]})).exit_code == 0
    text = cli("render", "plan", "--year", "2023").stdout
    section = text[text.index("**师资情况**") : text.index("## 三、")]  # in 二、可行性
    assert "| 机械工程制图职业技能等级证书 | 2 | 2 | 3 | 4 | 1 | 1 |" in section
    assert "| 数控车铣加工职业技能等级证书 | 1 | 1 | 0 | 0 | 1 | 1 |" in section
    assert "人次：每名教师每种证书每个等级的角色各算一次" in section


def test_the_plan_lists_a_certificate_without_teachers_as_zero(make_school):
    text = make_school(examples=("catalogue.toml", "site.toml"))(
        "render", "plan", "--year", "2023"
    ).stdout
    assert "| 机械工程制图职业技能等级证书 | 0 | 0 | 0 | 0 | 0 | 0 |" in text


def test_the_bundled_example_reports_as_the_seed_does(make_school):
    cli = make_school(examples=("catalogue.toml", "teachers.xlsx"))
    drawing = by_certificate(stats_json(cli))["机械工程制图职业技能等级证书"]
    assert drawing[:2] == (5, 5)  # 培训师共5人
    assert drawing[3] == 5  # 5人次 examiners


# --- privacy and the schema ---------------------------------------------------------------


def test_an_id_number_in_a_teachers_sheet_is_never_shown(school, xlsx):
    bad = ID1[:-1] + ("0" if ID1[-1] != "0" else "1")  # a wrong check digit
    header = ["工号", "姓名", "部门", "身份证号"]
    rows = [["T1", "冯九", "机械部", bad], [ID2, "陈十", "机械部", None]]  # an ID in 工号
    result = school("import", xlsx("师资.xlsx", {"师资": [header, *rows]}))
    assert result.exit_code == 1 and "校验位错误" in result.stderr
    assert bad not in result.output
    assert school("import", xlsx("b.xlsx", {"b": [header, rows[1]]})).exit_code == 0
    for fmt in ("table", "json", "csv"):
        assert ID2 not in school("teachers", "--format", fmt).stdout
    assert ID2 not in school("log").stdout


def test_an_older_database_upgrades_and_its_teachers_import_is_journalled(tmp_path, xlsx):
    path = tmp_path / "旧.db"
    conn = connect.connect(path)
    with connect.transaction(conn):  # the database as version 7 left it
        for migration in schema.MIGRATIONS[:7]:
            migration(conn)
        create_triggers(conn)
        conn.execute("PRAGMA user_version = 7")
        conn.execute("INSERT INTO students (student_no, name) VALUES ('2021010101', '陈晓明')")
    conn.close()
    cli = Cli(path)
    upgraded = cli("init")
    assert upgraded.exit_code == 0
    assert f"已从版本 7 升级到 {schema.SCHEMA_VERSION}" in upgraded.stdout
    assert cli.query("SELECT name FROM students") == [("陈晓明",)]
    assert list(tmp_path.glob("旧.db.v7-*.bak"))
    triggers = {
        name for (name,) in cli.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert {"journal_teachers_update", "journal_teacher_roles_delete"} <= triggers
    header = ["工号", "姓名", "部门", "角色", "证书名称"]
    assert (
        cli(
            "import",
            xlsx("师资.xlsx", {"师资": [header, ["T1", "冯九", "机械部", "培训师", "机械制图"]]}),
        ).exit_code
        == 0
    )
    assert cli("undo", "1").exit_code == 0
    assert cli.query("SELECT count(*) FROM teachers") == [(0,)]
    assert (
        sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    )


def test_a_guessed_certificate_merged_into_the_catalogue_takes_its_teachers(school, xlsx):
    header = ["工号", "姓名", "部门", "角色", "证书名称"]
    school(
        "import",
        xlsx("师资.xlsx", {"师资": [header, ["T1", "冯九", "机械部", "培训师", "工业机器人"]]}),
    )
    robot = {
        "name": "工业机器人操作与运维职业技能等级证书",
        "kind": "1+X",
        "aliases": ["工业机器人"],
    }
    result = school("import", _catalogue(school, xlsx, [robot]))
    assert result.exit_code == 0, result.output
    assert school.query(
        "SELECT c.name FROM teacher_roles tr JOIN certificates c ON c.id = tr.certificate_id"
    ) == [(robot["name"],)]


def test_the_bundled_example_is_fictional_and_not_in_the_demo():
    from xcert.cli import demo_steps

    assert "teachers.xlsx" not in demo_steps.EXAMPLE_FILES
    sheet = load_workbook(bundled("examples") / "teachers.xlsx")["师资名单"]
    ids = [row[4] for row in sheet.iter_rows(min_row=3, values_only=True) if row[4]]
    assert ids and all(str(i).startswith("440000") for i in ids)


def test_a_scoped_figure_says_its_teachers_are_the_whole_schools(staffed, xlsx):
    roster = [["学号", "姓名", "班级", "专业"], ["2021010101", "陈晓明", "21数控1", "数控技术应用"]]
    assert staffed("import", xlsx("花名册.xlsx", {"21数控1": roster})).exit_code == 0
    whole = staffed("stats")
    assert "师资情况是全校的" not in whole.output
    for scope in (["--major", "数控"], ["--class", "21数控1"]):
        result = staffed("stats", *scope)
        assert result.exit_code == 0 and "注：师资情况是全校的" in result.output, scope
        assert by_certificate(stats_json(staffed, *scope)) == by_certificate(stats_json(staffed))
