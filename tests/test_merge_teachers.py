"""A teacher registered at two schools of a province (a part-time trainer) is one person
in the province's totals: the merge keeps `teachers.person`, the keyed hash of the ID
number a student has, and the province counts 人 and 人次 by it; each school's row, and a
school's own figures, count its own rows as before. A teacher without an ID number
cannot be matched: counted in each school."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from test_merge import SCHOOLS, build_school, merge, stats

from xcert.errors import XcertError
from xcert.office import province_key

from conftest import Cli, make_id

HEADER = ["工号", "姓名", "所属部门", "身份证号", "角色", "证书名称", "等级", "取得日期"]
DRAWING = SCHOOLS["甲"][2]  # the same certificate in both schools' catalogues
SHARED = make_id("19800101", "011")  # a part-time trainer of both schools


def _teachers(school: Path, xlsx, rows: list[list[object]]) -> None:
    path = xlsx(f"{school.parent.name}-师资.xlsx", {"师资": [HEADER, *rows]})
    done = Cli(school)("import", path)
    assert done.exit_code == 0, done.output


def _trainers(record: dict) -> tuple[int, int]:
    return record["trainers"], record["trainer_person_times"]


@pytest.fixture
def two(tmp_path: Path, xlsx) -> tuple[Path, Path]:
    """Schools 甲 and 乙. 钱一 (one ID number) trains in both, and examines in 乙 too;
    孙二 (no ID number) trains in both; 甲's 周三 is its own."""
    a = build_school("甲", 1, tmp_path / "a", xlsx)
    b = build_school("乙", 2, tmp_path / "b", xlsx)
    _teachers(
        a,
        xlsx,
        [
            ["T01", "钱一", "机械部", SHARED, "培训师", DRAWING, "初级", "2021.6"],
            ["T02", "孙二", "机械部", None, "培训师", DRAWING, "初级", "2021.6"],
            ["T03", "周三", "机械部", make_id("19820303", "033"), "培训师", DRAWING, "初级", None],
        ],
    )
    _teachers(
        b,
        xlsx,
        [
            ["J07", "钱一", "机电系", SHARED, "培训师", DRAWING, "初级", "2022.3"],
            ["J07", "钱一", "机电系", SHARED, "考评员", DRAWING, "初级", "2022.3"],
            ["J08", "孙二", "机电系", None, "培训师", DRAWING, "初级", "2022.3"],
        ],
    )
    return a, b


@pytest.mark.parametrize("options", [(), ("--keep-ids",)], ids=["anonymised", "keep-ids"])
def test_a_teacher_in_two_schools_is_one_person_in_the_province(two, tmp_path, options):
    a, b = two
    province = tmp_path / "province.db"
    assert merge(province, a, b, options=options).exit_code == 0
    conn = sqlite3.connect(province)
    people = conn.execute(
        "SELECT count(*), count(person), count(DISTINCT person) FROM teachers"
    ).fetchone()
    assert people == (5, 3, 2)  # 钱一 twice under one person, 孙二 twice under none
    by_school = stats(province, "--by", "school")
    rows = {r["school_code"]: r for r in by_school["teachers"]}
    # each school's row: its own rows, as its own database counts them
    for school in (a, b):
        code = SCHOOLS["甲" if school == a else "乙"][1]
        own = stats(school)["teachers_total"]
        assert {k: v for k, v in rows[code].items() if k not in ("school", "school_code")} == own
    assert _trainers(rows[SCHOOLS["甲"][1]]) == (3, 3)
    assert _trainers(rows[SCHOOLS["乙"][1]]) == (2, 2)
    # the province: 钱一 1人 1人次 as a trainer (not 2, 2), 孙二 2 (cannot be matched), 周三 1
    total = by_school["teachers_total"]
    assert _trainers(total) == (4, 4)
    assert (total["examiners"], total["examiner_person_times"]) == (1, 1)
    whole = stats(province)  # the province without --by: the same, per certificate too
    assert whole["teachers_total"] == total
    (drawing,) = whole["teachers"]
    assert _trainers(drawing) == (4, 4)
    shown = Cli(province)("stats", "--by", "school", "--format", "markdown").stdout
    assert "| 全省合计 | 4 | 4 | 1 | 1 | 0 | 0 |" in shown
    assert "同一教师（身份证号相同）在几所学校都有登记的只算一人" in shown


def test_a_schools_own_figures_are_as_before_in_the_province(two, tmp_path):
    """`--school` is that school's own figures: its teachers counted by its rows."""
    a, b = two
    province = tmp_path / "province.db"
    assert merge(province, a, b).exit_code == 0
    for key, school in (("甲", a), ("乙", b)):
        mine = stats(province, "--school", SCHOOLS[key][1])
        own = json.loads(Cli(school)("stats", "--format", "json").stdout)
        assert mine["teachers"] == own["teachers"]
        assert mine["teachers_total"] == own["teachers_total"]


def test_a_province_whose_teachers_have_a_person_needs_its_key(tmp_path):
    """Teachers kept under `person` (a school of teachers only) need the key as students
    do: without it, a later school's teachers could not be matched."""
    province = tmp_path / "province.db"
    assert Cli(province)("init").exit_code == 0
    conn = sqlite3.connect(province, isolation_level=None)
    missing = tmp_path / "province.db.key"
    assert province_key.load(conn, missing).new  # nobody kept yet: a new key
    conn.execute("INSERT INTO teachers (name, person) VALUES ('教师1-1', 'ab12')")
    with pytest.raises(XcertError, match="找不到省级密钥文件"):
        province_key.load(conn, missing)
