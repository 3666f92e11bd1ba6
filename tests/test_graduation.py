"""Graduation (SPEC 3, 6.9): table 2 counts a cohort once it has graduated by the report's
date; a cohort asked for while still in school is a projection (在校，预计); `xcert
graduate` moves a cohort's 在读 students to 毕业 as one undoable write; the summary
names cohorts past their graduation day still 在读. Counts by hand, on NOW = 2026-11-25."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3

import pytest
from openpyxl import load_workbook

from xcert.figures import graduation
from xcert.office import sites

from conftest import AUTOCAD, DRAWING, NOW, set_clock

# Four cohorts; on NOW (2026-11-25) 2024, 2025 and 2026 have graduated (1 July), 2027 not.
#   2024: G1 毕业, pass 2023 -> certified; G2 毕业, nothing; G3 退学 -> not a graduate.
#         graduates 2, certified 1.
#   2025: H1 still 在读 (the roster was never updated), nothing; H2 毕业, AutoCAD issued
#         2025-05-06 -> certified; H3 休学 -> not a graduate.  graduates 2, certified 1.
#   2026: J1 在读, pass 2026-06-20 -> certified; J2 在读, fail 2026-06-20; J3 转学.
#         graduates 2, certified 1.
#   2027: K1 在读, pass 2026-06-20; K2, K3 在读, nothing.  In school: 3, certified 1.
ROSTER = [
    ["学号", "姓名", "班级", "专业", "届别", "学籍状态"],
    ["G1", "甲一", "21数控1", "数控技术应用", 2024, "毕业"],
    ["G2", "甲二", "21数控1", "数控技术应用", 2024, "毕业"],
    ["G3", "甲三", "21数控1", "数控技术应用", 2024, "退学"],
    ["H1", "乙一", "22数控1", "数控技术应用", 2025, "在读"],
    ["H2", "乙二", "22数控1", "数控技术应用", 2025, "毕业"],
    ["H3", "乙三", "22数控1", "数控技术应用", 2025, "休学"],
    ["J1", "丙一", "23数控1", "数控技术应用", 2026, "在读"],
    ["J2", "丙二", "23数控1", "数控技术应用", 2026, "在读"],
    ["J3", "丙三", "23数控1", "数控技术应用", 2026, "转学"],
    ["K1", "丁一", "24数控1", "数控技术应用", 2027, "在读"],
    ["K2", "丁二", "24数控1", "数控技术应用", 2027, "在读"],
    ["K3", "丁三", "24数控1", "数控技术应用", 2027, "在读"],
]
RESULTS = [  # 学号, 证书名称, 等级, 考核日期, 考核结果
    ["G1", "机械制图", "初级", "2023-06-18", "合格"],
    ["J1", "机械制图", "初级", "2026-06-20", "合格"],
    ["J2", "机械制图", "初级", "2026-06-20", "不合格"],
    ["K1", "机械制图", "初级", "2026-06-20", "合格"],
]
AWARDS = [  # 学号, 工种, 等级, 鉴定时间, 发证日期, 证书签领人
    ["H2", "机械设计工程师 (AutoCAD)", None, "2025.3", "2025.5.6", "本人"],
]
GRADUATED = [
    {"cohort": 2024, "graduates": 2, "certified": 1, "rate": 0.5, "graduated": True},
    {"cohort": 2025, "graduates": 2, "certified": 1, "rate": 0.5, "graduated": True},
    {"cohort": 2026, "graduates": 2, "certified": 1, "rate": 0.5, "graduated": True},
]
IN_SCHOOL = {"cohort": 2027, "graduates": 3, "certified": 1, "rate": 0.3333, "graduated": False}


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER,
        school_name="示例学校",
        certificates=[DRAWING, AUTOCAD],
        results=RESULTS,
        awards=AWARDS,
    )


def graduation_day(cli, day: str) -> None:
    """The site profile's [school] graduation_day."""
    path = cli.db.with_name("school.toml")
    path.write_text(f'[school]\nname = "示例学校"\ngraduation_day = "{day}"\n', encoding="utf-8")
    assert cli("import", path).exit_code == 0


def dual(cli, *args) -> list[dict]:
    result = cli("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["dual_certificate"]


def markdown(cli, *args) -> str:
    result = cli("stats", "--format", "markdown", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


# --- table 2 and the report's date -------------------------------------------------------


def test_table_2_counts_only_cohorts_graduated_by_today(school):
    assert dual(school) == GRADUATED
    text = markdown(school)
    assert "| 2026届 | 2 | 1 | 50.0% |" in text
    assert "2027届" not in text and "在校" not in text


def test_a_cohort_in_school_asked_for_is_a_projection_never_under_graduates(school):
    assert dual(school, "--cohort", "2027") == [IN_SCHOOL]
    text = markdown(school, "--cohort", "2027")
    assert "### 双证毕业率（在校，预计）" in text
    assert "| 在校学生（预计） | 在校生人数（人） | 获得技能证人数（人） | 预计双证毕业率 |" in text
    assert "| 2027届 | 3 | 1 | 33.3% |" in text
    assert "毕业学生" not in text
    assert "> 注：2027届在校，预计 2027.7.1 毕业（按 2026.11.25 计）" in text
    # --year asks for the cohort of that year too
    assert dual(school, "--year", "2027") == [IN_SCHOOL]
    # a graduated cohort asked for is no projection
    assert dual(school, "--cohort", "2026") == GRADUATED[2:]
    assert "| 毕业学生 |" in markdown(school, "--cohort", "2026")


def test_either_side_of_the_graduation_day(school, monkeypatch):
    before, on = ("--date", "2026-06-30"), ("--date", "2026-07-01")
    assert dual(school, *before) == GRADUATED[:2]
    assert dual(school, *on) == GRADUATED
    assert dual(school, "--cohort", "2026", *before) == [{**GRADUATED[2], "graduated": False}]
    assert "（在校，预计）" in markdown(school, "--cohort", "2026", *before)
    # the clock itself, without --date
    set_clock(monkeypatch, dt.datetime(2027, 6, 30, 23, 59))
    assert [row["cohort"] for row in dual(school)] == [2024, 2025, 2026]
    set_clock(monkeypatch, dt.datetime(2027, 7, 1, 0, 0))
    assert dual(school)[-1] == {**IN_SCHOOL, "graduated": True}


def test_the_site_profile_sets_the_day_a_cohort_graduates(school):
    graduation_day(school, "06-20")
    assert dual(school, "--date", "2026-06-19") == GRADUATED[:2]
    assert dual(school, "--date", "2026-06-20") == GRADUATED
    text = markdown(school, "--cohort", "2027")
    assert "预计 2027.6.20 毕业" in text
    conn = sqlite3.connect(school.db)
    assert graduation.as_of(conn).graduation_day(2027) == sites.graduation_day(conn, 2027)
    assert graduation.as_of(conn, dt.date(2026, 6, 20)).last_cohort == 2026
    assert graduation.as_of(conn, dt.date(2026, 6, 19)).last_cohort == 2025
    conn.close()


def test_every_stats_format_says_projection(school, tmp_path):
    table = school("stats", "--cohort", "2027").stdout
    assert "双证毕业率（在校，预计）" in table and "注：2027届在校，预计" in table
    assert "毕业学生" not in table
    text = school("stats", "--cohort", "2027", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["双证毕业率（在校，预计）"] in rows and ["2027届", "3", "1", "33.3%"] in rows
    assert any(row and row[0].startswith("注：2027届在校，预计") for row in rows)
    out = tmp_path / "统计.xlsx"
    assert school("stats", "--cohort", "2027", "-o", out).exit_code == 0
    sheet = load_workbook(out)["双证毕业率（在校，预计）"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "在校学生（预计）" in cells and "毕业学生" not in cells
    assert any(str(c).startswith("注：2027届在校，预计") for c in cells)


def test_the_students_behind_table_2_follow_the_same_rule(school):
    result = school("stats", "--list", "graduates", "--format", "json")
    assert {p["cohort"] for p in json.loads(result.stdout)} == {2024, 2025, 2026}
    listed = school("stats", "--list", "graduates", "--cohort", "2027").stdout
    assert "2027届在校学生（在校，预计，3人）" in listed
    listed = school("stats", "--list", "graduates", "--cohort", "2026").stdout
    assert "毕业生（2人）" in listed


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_render_dual_certificate_by_the_reports_date(school, tmp_path, fmt):
    out = tmp_path / f"表2.{fmt}"

    def render(*args: str) -> str:
        result = school("render", "dual-certificate", *args, "-o", out)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")

    text = render()
    assert "2026届" in text and "2027届" not in text
    text = render("--date", "2026-06-30")
    assert "2025届" in text and "2026届" not in text
    text = render("--cohort", "2027")
    assert "2027届学生双证情况统计表（在校，预计）" in text and "毕业学生" not in text
    assert "2027届在校，预计 2027.7.1 毕业" in text
    text = render("--cohort", "2026", "--date", "2026-06-30")
    assert "2026届学生双证情况统计表（在校，预计）" in text
    text = render("--cohort", "2026", "--date", "2026-07-01")
    # the seed's title for a graduated cohort (main's scope work): 2026年毕业学生…
    assert "2026年毕业学生双证毕业情况统计表" in text and "在校" not in text


def test_render_xlsx_of_a_projection_says_so(school, tmp_path):
    out = tmp_path / "表2.xlsx"
    assert school("render", "dual-certificate", "--cohort", "2027", "-o", out).exit_code == 0
    (sheet,) = load_workbook(out).worksheets
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert sheet.title == "双证毕业率（在校，预计）" and "毕业学生" not in cells
    assert cells[0] == "2027届学生双证情况统计表（在校，预计）"  # the title row, as the report


# --- xcert graduate ------------------------------------------------------------------------


def statuses(cli) -> dict[str, str]:
    return dict(cli.query("SELECT student_no, status FROM students"))


def writes(cli) -> int:
    return cli.query("SELECT count(*) FROM imports")[0][0]


def test_graduate_dry_run_says_what_it_would_do_and_changes_nothing(school):
    before, logged = school.dump(), writes(school)
    result = school("graduate", "--cohort", "2026", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout == "（试运行，未写入）将把2026届在读的2名学生改为毕业；转学1人保持不变\n"
    assert school.dump() == before and writes(school) == logged


def test_graduate_moves_only_the_enrolled_and_undo_restores_exactly(school):
    columns = "SELECT * FROM students ORDER BY id"
    before = school.query(columns)
    result = school("graduate", "--cohort", "2026")
    assert result.exit_code == 0, result.output
    write_id = school.query("SELECT max(id) FROM imports")[0][0]
    assert result.stdout == (
        f"已把2026届在读的2名学生改为毕业；转学1人保持不变"
        f"（第{write_id}次写入，可用 xcert undo {write_id} 撤销）\n"
    )
    now = statuses(school)
    assert (now["J1"], now["J2"], now["J3"]) == ("graduated", "graduated", "transferred")
    assert (now["H1"], now["K1"]) == ("enrolled", "enrolled")  # other cohorts untouched
    assert school.query("SELECT kind, rows_updated FROM imports WHERE id = ?", [write_id]) == [
        ("graduate", 2)
    ]
    assert "毕业" in school("log", "--limit", "1").stdout
    assert dual(school) == GRADUATED  # 在读 or 毕业: a graduate either way
    undone = school("undo", str(write_id))
    assert undone.exit_code == 0, undone.output
    assert school.query(columns) == before


def test_graduate_refuses_a_cohort_before_its_graduation_day(school, monkeypatch):
    before, logged = school.dump(), writes(school)
    refused = school("graduate", "--cohort", "2027")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("错误：2027届在 2027.7.1 毕业")
    assert "2026.11.25 还没到这一天" in refused.stderr
    early = school("graduate", "--cohort", "2026", "--date", "2026-06-30")
    assert early.exit_code == 1 and "2026.6.30 还没到这一天" in early.stderr
    future = school("graduate", "--cohort", "2027", "--date", "2027-07-01")
    assert future.exit_code == 2 and "还没到" in future.stderr
    month = school("graduate", "--cohort", "2026", "--date", "2026-07")
    assert month.exit_code == 2 and "请写具体哪一天" in month.stderr
    assert school.dump() == before and writes(school) == logged
    graduation_day(school, "06-20")
    assert school("graduate", "--cohort", "2026", "--date", "2026-06-20").exit_code == 0
    set_clock(monkeypatch, dt.datetime(2027, 7, 1, 8, 0))
    assert school("graduate", "--cohort", "2027").exit_code == 0
    assert statuses(school)["K3"] == "graduated"


def test_graduate_a_cohort_with_nobody_enrolled_or_nobody_at_all(school):
    logged = writes(school)
    done = school("graduate", "--cohort", "2024")
    assert done.exit_code == 0
    assert done.stdout == "2024届没有学籍状态是在读的学生，无需改动（毕业2人、退学1人）\n"
    assert writes(school) == logged  # nothing to write: no write logged
    nobody = school("graduate", "--cohort", "2020")
    assert nobody.exit_code == 1
    assert "数据库里没有2020届的学生" in nobody.stderr
    assert school("graduate", "--cohort", "1999").exit_code == 2


# --- the summary ---------------------------------------------------------------------------


def test_the_summary_names_cohorts_past_their_day_still_enrolled(school, tmp_path):
    def warnings() -> list[str]:
        result = school("summary", "--output-dir", tmp_path, "--format", "md", "--since", "7d")
        assert result.exit_code == 0, result.output
        text = (tmp_path / f"summary-{NOW.date().isoformat()}.md").read_text(encoding="utf-8")
        return [line for line in text.splitlines() if "xcert graduate" in line]

    assert warnings() == [
        "- 2025届已于 2025.7.1 毕业，仍有1名学生的学籍状态是在读；"
        "核对后运行 xcert graduate --cohort 2025 把他们改为毕业",
        "- 2026届已于 2026.7.1 毕业，仍有2名学生的学籍状态是在读；"
        "核对后运行 xcert graduate --cohort 2026 把他们改为毕业",
    ]
    assert school("graduate", "--cohort", "2026").exit_code == 0
    assert [line.split("已于")[0] for line in warnings()] == ["- 2025届"]
    assert school("graduate", "--cohort", "2025").exit_code == 0
    assert warnings() == []


# --- under a scope (SPEC 3, "Scope"): the same rule -----------------------------------------

# The school above, with a second major beside 数控技术应用: 电子商务.
#   2026: E1 在读, pass 2026-06-20 -> certified.  2027: E2 在读, nothing.
# School-wide 2026届 3, 2; 2027届 in school 4, 1.
TWO_MAJORS = [
    *ROSTER,
    ["E1", "戊一", "23电商1", "电子商务", 2026, "在读"],
    ["E2", "戊二", "24电商1", "电子商务", 2027, "在读"],
]


@pytest.fixture
def two_majors(make_school):
    return make_school(
        roster=TWO_MAJORS,
        school_name="示例学校",
        certificates=[DRAWING, AUTOCAD],
        results=[*RESULTS, ["E1", "机械制图", "初级", "2026-06-20", "合格"]],
        awards=AWARDS,
    )


def test_a_majors_table_2_counts_its_cohorts_graduated_by_the_date(two_majors):
    assert dual(two_majors, "--major", "数控") == GRADUATED
    assert dual(two_majors)[-1] == {**GRADUATED[2], "graduates": 3, "certified": 2, "rate": 0.6667}
    text = markdown(two_majors, "--major", "电子")
    assert "### 电子商务专业双证毕业率" in text and "| 2026届 | 1 | 1 | 100.0% |" in text
    assert "2027届" not in text and "在校" not in text
    # the day decides under a scope too
    assert dual(two_majors, "--major", "电子", "--date", "2026-06-30") == []
    assert dual(two_majors, "--major", "数控", "--date", "2026-06-30") == GRADUATED[:2]


def test_a_majors_cohort_in_school_is_a_projection_of_the_majors_students(two_majors, tmp_path):
    assert dual(two_majors, "--major", "数控", "--cohort", "2027") == [IN_SCHOOL]
    assert dual(two_majors, "--cohort", "2027") == [{**IN_SCHOOL, "graduates": 4, "rate": 0.25}]
    text = markdown(two_majors, "--major", "电子", "--cohort", "2027")
    assert "### 电子商务专业双证毕业率（在校，预计）" in text
    assert "| 2027届 | 1 | 0 | 0.0% |" in text and "毕业学生" not in text
    assert "> 注：2027届在校，预计 2027.7.1 毕业（按 2026.11.25 计）" in text
    listed = two_majors("stats", "--major", "电子", "--cohort", "2027", "--list", "graduates")
    assert "电子商务专业2027届在校学生（在校，预计，1人）" in listed.stdout
    listed = two_majors("stats", "--major", "数控", "--list", "graduates", "--format", "json")
    assert {p["cohort"] for p in json.loads(listed.stdout)} == {2024, 2025, 2026}
    out = tmp_path / "表2.md"
    args = ("render", "dual-certificate", "--major", "数控", "--cohort", "2027", "-o", out)
    assert two_majors(*args).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "# 2027届学生数控技术应用专业双证情况统计表（在校，预计）" in text
    assert "| 2027届 | 3 | 1 | 33.3% |" in text and "毕业学生" not in text


# --- a span of years over a cohort still in school ------------------------------------------

SPAN_NOTE = "注：2027-2028届在校（按 2026.11.25 计），不列入双证毕业率；2027届预计 2027.7.1 毕业"


def test_a_span_keeps_rows_only_for_its_cohorts_graduated_by_the_date(school, monkeypatch):
    # 2023届 has nobody: graduated, so a 0 row; 2027届 and 2028届 in school: no row, a note
    assert dual(school, "--from", "2023", "--to", "2028") == GRADUATED
    text = markdown(school, "--from", "2023", "--to", "2028")
    assert "| 毕业学生 |" in text and "| 2023届 | 0 | 0 | — |" in text
    assert "| 2026届 | 2 | 1 | 50.0% |" in text
    assert "| 2027届" not in text and "| 2028届" not in text
    assert f"> {SPAN_NOTE}" in text
    assert SPAN_NOTE in school("stats", "--from", "2023", "--to", "2028").stdout
    csv_text = school("stats", "--from", "2023", "--to", "2028", "--format", "csv").stdout
    assert SPAN_NOTE in csv_text
    # on 2027-07-01 the 2027届 has graduated: its row, and only the 2028届 in the note
    set_clock(monkeypatch, dt.datetime(2027, 7, 1, 8, 0))  # a report's date has come
    on = ("--date", "2027-07-01")
    assert [r["cohort"] for r in dual(school, "--from", "2026", "--to", "2028", *on)] == [
        2026,
        2027,
    ]
    later = markdown(school, "--from", "2026", "--to", "2028", *on)
    assert "注：2028届在校（按 2027.7.1 计），不列入双证毕业率；2028届预计 2028.7.1 毕业" in later
    set_clock(monkeypatch, NOW)
    # a span within the graduated cohorts has no note; an open one lists the graduated only
    assert "在校" not in markdown(school, "--from", "2024", "--to", "2026")
    assert dual(school, "--from", "2025") == GRADUATED[1:]
    assert "在校" not in markdown(school, "--from", "2025")
    # a span of in-school cohorts only: no row at all, never one under 毕业学生
    assert dual(school, "--from", "2027", "--to", "2028") == []
    text = markdown(school, "--from", "2027", "--to", "2028")
    assert "| — | — | — | — |" in text and f"> {SPAN_NOTE}" in text


def test_a_span_of_one_year_asks_for_that_cohort_as_year_and_cohort_do(school):
    assert dual(school, "--from", "2027", "--to", "2027") == [IN_SCHOOL]
    assert "### 双证毕业率（在校，预计）" in markdown(school, "--from", "2027", "--to", "2027")


def test_the_students_behind_a_span_follow_the_same_rule(school):
    listed = school("stats", "--from", "2025", "--to", "2028", "--list", "graduates")
    assert "毕业生（4人）" in listed.stdout and "2027届" not in listed.stdout
    data = school(
        "stats", "--from", "2025", "--to", "2028", "--list", "uncertified", "--format", "json"
    )
    assert {p["cohort"] for p in json.loads(data.stdout)} == {2025, 2026}


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_render_dual_certificate_of_a_span_over_a_cohort_in_school(school, tmp_path, fmt):
    out = tmp_path / f"表2.{fmt}"
    result = school("render", "dual-certificate", "--from", "2025", "--to", "2028", "-o", out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "2025-2028年毕业学生双证毕业情况统计表" in text
    assert "2025届" in text and "2026届" in text
    assert "2027届" not in text.replace("2027届预计", "")  # only in the note
    assert SPAN_NOTE in text


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--date", "2030-01-01", "--cohort", "2027"],
        ["render", "dual-certificate", "--date", "2030-01-01"],
        ["render", "pass-rates", "--date", "2026-11-26"],
    ],
)
def test_a_report_date_still_to_come_is_refused(school, args):
    """A 届 in school counted as graduated by a day to come would be signed as fact."""
    result = school(*args)
    assert result.exit_code == 2 and "还没到（今天是 2026.11.25）" in result.stderr
    assert "毕业学生" not in result.stdout
