"""Years before the database (SPEC 3): the site profile's [[plan.history]] fills rows of
table 1 and table 2 for years and cohorts never imported, marked as entered by hand; a
year or cohort with both sources is refused at import, naming both figures. Counts by
hand; the history's figures are the seed's (2020: 390 candidates, 166 passed; 2021: 140,
126)."""

from __future__ import annotations

import json

import pytest

from conftest import DRAWING, RESULT_COLUMNS

# Imported: cohort 2023 (class 20数控1): A1 pass 2022 -> certified; A2 fail 2022; A3 absent
# 2023. Table 1: 2022 tested 2, passed 1; 2023 tested 0, absent 1. Table 2: 2023届 3, 1.
ROSTER = [
    ["学号", "姓名", "班级", "届别", "学籍状态"],
    ["A1", "甲一", "20数控1", 2023, "毕业"],
    ["A2", "甲二", "20数控1", 2023, "毕业"],
    ["A3", "甲三", "20数控1", 2023, "毕业"],
]
RESULTS = [
    ["A1", "机械制图", "初级", "2022-06-18", "合格"],
    ["A2", "机械制图", "初级", "2022-06-18", "不合格"],
    ["A3", "机械制图", "初级", "2023-06-18", "缺考"],
]
SEED_2020 = ["汽车运用与维修", "幼儿照护", "网店运营推广", "物流管理员", "业财税融合成本管控"]
HISTORY = f"""
[[plan.history]]
year = 2020
certificate = {json.dumps(SEED_2020, ensure_ascii=False)}
participants = 390
passed = 166

[[plan.history]]
year = 2021
certificate = ["汽车运用与维修", "幼儿照护", "网店运营推广"]
participants = 140
passed = 126
cohort = 2021
graduates = 300
certified = 280
"""
TABLE_1 = [
    {
        "year": 2020,
        "tested": 390,
        "passed": 166,
        "absent": None,
        "pass_rate": 0.4256,
        "history": True,
    },
    {"year": 2021, "tested": 140, "passed": 126, "absent": None, "pass_rate": 0.9, "history": True},
    {"year": 2022, "tested": 2, "passed": 1, "absent": 0, "pass_rate": 0.5},
    {"year": 2023, "tested": 0, "passed": 0, "absent": 1, "pass_rate": None},
]
TABLE_2 = [
    {
        "cohort": 2021,
        "graduates": 300,
        "certified": 280,
        "rate": 0.9333,
        "graduated": True,
        "history": True,
    },
    {"cohort": 2023, "graduates": 3, "certified": 1, "rate": 0.3333, "graduated": True},
]


def plan(year: int = 2022, history: str = HISTORY) -> str:
    return f'[school]\nname = "示例学校"\n\n[plan]\nyear = {year}\ncertificates = ["机械工程制图"]\n{history}'


@pytest.fixture
def imported(make_school):
    return make_school(roster=ROSTER, certificates=[DRAWING], results=RESULTS)


def load(cli, text: str, name: str = "site.toml"):
    path = cli.db.with_name(name)
    path.write_text(text, encoding="utf-8")
    return cli("import", path)


@pytest.fixture
def school(imported):
    result = load(imported, plan())
    assert result.exit_code == 0, result.output
    return imported


def stats_json(cli, *args) -> dict:
    result = cli("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


NOTE_1 = "2020年、2021年是手工录入的历史数据（考点资料的 plan.history），不是由导入的数据统计的"


def test_history_rows_stand_beside_imported_ones_in_stats(school):
    data = stats_json(school)
    assert data["pass_rates"] == TABLE_1
    assert data["dual_certificate"] == TABLE_2
    assert stats_json(school, "--year", "2020")["pass_rates"] == TABLE_1[:1]
    assert stats_json(school, "--cohort", "2021")["dual_certificate"] == TABLE_2[:1]
    text = school("stats", "--format", "markdown").stdout
    assert "| 2020年 | 390 | 166 | — | 42.6% |" in text
    assert "| 2022年 | 2 | 1 | 0 | 50.0% |" in text
    assert f"> 注：{NOTE_1}，缺考人数不详（—）" in text
    assert "| 2021届 | 300 | 280 | 93.3% |" in text
    assert "> 注：2021届是手工录入的历史数据" in text
    assert f"注：{NOTE_1}" in school("stats").stdout
    assert f"注：{NOTE_1}" in school("stats", "--format", "csv").stdout


def test_breakdowns_and_all_kinds_have_no_history_to_add(school):
    by = stats_json(school, "--by", "certificate")["pass_rates"]
    assert [r["year"] for r in by] == [2022, 2023]
    assert [r["year"] for r in stats_json(school, "--all-kinds")["pass_rates"]] == [2022, 2023]


def test_a_target_of_a_history_year_is_judged_by_the_history(school):
    set_target = school(
        "target", "set", "--year", "2021", "--participants", "100", "--pass-rate", "90%",
        "--certificates", "3",
    )  # fmt: skip
    assert set_target.exit_code == 0
    (target,) = stats_json(school, "--year", "2021")["targets"]
    assert (target["participants"], target["passed"], target["certificates"]) == (140, 126, 3)
    assert target["participants_met"] and target["pass_rate_met"] and target["certificates_met"]


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_history_rows_in_the_reports(school, tmp_path, fmt):
    def render(*args: str) -> str:
        out = tmp_path / f"report.{fmt}"
        result = school("render", *args, "-o", out)
        assert result.exit_code == 0, result.output
        return out.read_text(encoding="utf-8")

    rates = render("pass-rates")
    assert NOTE_1 in rates and "390" in rates and "2022年" in rates
    dual = render("dual-certificate")
    assert "2021届是手工录入的历史数据" in dual and "300" in dual and "2023届" in dual
    plan_text = render("plan", "--year", "2022")
    assert NOTE_1 in plan_text
    if fmt == "md":
        assert "| 2020年 | 5 | 390 | 166 | 42.6% |" in plan_text
        assert "| 2021年 | 3 | 140 | 126 | 90.0% |" in plan_text


def test_xlsx_carries_the_note(school, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "表1.xlsx"
    assert school("render", "pass-rates", "-o", out).exit_code == 0
    cells = [c for row in load_workbook(out).worksheets[0].iter_rows(values_only=True) for c in row]
    assert f"注：{NOTE_1}，缺考人数不详（—）" in cells


# --- the refusals: one source for a year or a cohort ----------------------------------------


def test_a_site_profile_whose_history_has_an_imported_year_or_cohort_is_refused(imported):
    before = imported.dump()
    history = HISTORY.replace("year = 2021", "year = 2022").replace(
        "cohort = 2021", "cohort = 2023"
    )
    result = load(imported, plan(history=history))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "site.toml：2022年既有考点资料里手工录入的历史数据（考证140人，通过126人），"
        "又有导入的成绩（考证2人，通过1人）；同一年的数字只能有一个来源："
        "删去 [[plan.history]] 里的2022年后重新导入考点资料，或不导入2022年的成绩",
        "site.toml：2023届既有考点资料里手工录入的历史数据（毕业生300人，获得技能证280人），"
        "又有导入的学生（毕业生3人，获得技能证1人）；同一届的数字只能有一个来源："
        "删去 [[plan.history]] 里的2023届后重新导入考点资料，或不导入2023届的学生",
        "错误：site.toml：2处年份或届别的数字会有两个来源，没有写入任何数据；改正后重新导入",
    ]
    assert imported.dump() == before
    dry = imported("import", imported.db.with_name("site.toml"), "--dry-run")
    assert dry.exit_code == 1 and "2处年份或届别的数字会有两个来源" in dry.stderr


def test_results_of_a_history_year_are_refused(school, xlsx):
    before = school.dump()
    path = xlsx(
        "2020.xlsx", {"成绩": [RESULT_COLUMNS, ["A1", "机械制图", "初级", "2020-06-18", "合格"]]}
    )
    result = school("import", path)
    assert result.exit_code == 1
    assert (
        "2020.xlsx：2020年既有考点资料里手工录入的历史数据（考证390人，通过166人），"
        "又有导入的成绩（考证1人，通过1人）" in result.stderr
    )
    assert school.dump() == before
    skipping = school("import", path, "--skip-invalid")  # not a row's fault: still refused
    assert skipping.exit_code == 1 and school.dump() == before
    by_hand = school(
        "record", "A1", "--cert", "机械制图", "--level", "初级", "--date", "2021-06-01",
        "--result", "合格",
    )  # fmt: skip
    assert by_hand.exit_code == 1
    assert "2021年既有考点资料里手工录入的历史数据（考证140人，通过126人）" in by_hand.stderr
    assert school.dump() == before


def test_a_roster_of_a_history_cohort_is_refused(school, xlsx):
    before = school.dump()
    path = xlsx(
        "2021届.xlsx", {"名单": [["学号", "姓名", "班级", "届别"], ["B1", "乙一", "18数控1", 2021]]}
    )
    result = school("import", path)
    assert result.exit_code == 1
    assert "2021届既有考点资料里手工录入的历史数据（毕业生300人，获得技能证280人）" in result.stderr
    assert "又有导入的学生（毕业生1人，获得技能证0人）" in result.stderr
    assert school.dump() == before


def test_two_plans_may_repeat_the_history_but_not_disagree(school):
    assert load(school, plan(2023), "plan2023.toml").exit_code == 0  # the same history again
    assert stats_json(school)["pass_rates"] == TABLE_1
    before = school.dump()
    other = load(school, plan(2024, HISTORY.replace("passed = 166", "passed = 170")), "p.toml")
    assert other.exit_code == 1
    assert (
        "p.toml [[plan.history]] 2020年：2020年的历史数据在2022年的实施方案里是考证390人，通过166人，"
        "在2024年的实施方案里是考证390人，通过170人" in other.stderr
    )
    assert school.dump() == before
    # both plans corrected in one import: agreed again by its end
    corrected = HISTORY.replace("passed = 166", "passed = 167")
    for year in (2022, 2023):
        school.db.with_name(f"fix{year}.toml").write_text(plan(year, corrected), encoding="utf-8")
    both = school(
        "import", school.db.with_name("fix2022.toml"), school.db.with_name("fix2023.toml")
    )
    assert both.exit_code == 0, both.output
    assert stats_json(school, "--year", "2020")["pass_rates"][0]["passed"] == 167


def test_undoing_the_site_profile_takes_its_history_away(school):
    write_id = school.query("SELECT max(id) FROM imports")[0][0]
    assert school("undo", str(write_id)).exit_code == 0
    assert [r["year"] for r in stats_json(school)["pass_rates"]] == [2022, 2023]


@pytest.mark.parametrize(
    "entry, problem",
    [
        (
            'year = 2020\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 11',
            "第1项 [[plan.history]]（2020年） passed 值「11」：比考证人数（10）还多",
        ),
        (
            "year = 2020\nparticipants = 10\npassed = 1",
            "第1项 [[plan.history]]（2020年） certificate：缺少这一项（试点证书名称，几种证书写成列表）",
        ),
        (
            'year = 20\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 1',
            "第1项 [[plan.history]] year 值「20」：应为年份，如 2020",
        ),
        (
            'year = 2020\ncertificate = "幼儿照护"\nparticipants = -1\npassed = 0',
            "第1项 [[plan.history]]（2020年） participants 值「-1」：应为非负整数（考证人数）",
        ),
        (
            'year = 2020\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 1\ncohort = 2020\n'
            "graduates = 5",
            "第1项 [[plan.history]]（2020年）：写了 cohort、graduates 就要同时写 certified"
            "（这一届的双证毕业情况）",
        ),
        (
            'year = 2020\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 1\ncohort = 2020\n'
            "graduates = 5\ncertified = 6",
            "第1项 [[plan.history]]（2020年） certified 值「6」：比毕业生人数（5）还多",
        ),
        (
            'year = 2020\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 1\nrate = 0.1',
            "第1项 [[plan.history]]（2020年）：不认识的键 rate",
        ),
    ],
)
def test_every_problem_of_the_history_one_per_line(imported, entry, problem):
    result = load(imported, plan(history=f"\n[[plan.history]]\n{entry}\n"))
    assert result.exit_code == 1
    assert f"site.toml {problem}" in result.stderr.splitlines()


def test_a_year_of_a_certificate_or_a_cohort_twice_in_one_plan(imported):
    entry = (
        '[[plan.history]]\nyear = 2020\ncertificate = "幼儿照护"\nparticipants = 10\npassed = 1\n'
    )
    entry += "cohort = 2020\ngraduates = 5\ncertified = 1\n"
    result = load(imported, plan(history=f"\n{entry}\n{entry}"))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert "site.toml 第2项 [[plan.history]]：2020年的「幼儿照护」已在第1项写过" in lines
    assert "site.toml 第2项 [[plan.history]]：2020届已在第1项写过" in lines


def test_the_students_behind_a_history_figure_are_not_in_the_database(school):
    listed = school("stats", "--year", "2020", "--list", "tested")
    assert listed.exit_code == 0
    assert "（0人）" in listed.stdout
    assert (
        "注意：2020年是手工录入的历史数据（考点资料的 plan.history），没有学生名单" in listed.stdout
    )
    cohort = school("stats", "--cohort", "2021", "--list", "graduates", "--format", "csv")
    assert "2021届是手工录入的历史数据" in cohort.stderr
    assert "注意" not in school("stats", "--year", "2022", "--list", "tested").stdout


# --- the history under a scope: the whole school's, within a span -----------------------------


def test_a_group_leaves_the_history_out(school, tmp_path):
    data = stats_json(school, "--class", "20数控1")
    assert data["pass_rates"] == TABLE_1[2:]  # no 2020, 2021: the class's results only
    assert data["dual_certificate"] == TABLE_2[1:]  # no 2021届
    text = school("stats", "--class", "20数控1", "--format", "markdown").stdout
    assert "手工录入" not in text and "390" not in text
    assert stats_json(school, "--class", "20数控1", "--year", "2020")["pass_rates"] == []
    assert stats_json(school, "--class", "20数控1", "--cohort", "2021")["dual_certificate"] == []
    listed = school("stats", "--class", "20数控1", "--year", "2020", "--list", "tested")
    assert "（0人）" in listed.stdout and "手工录入" not in listed.stdout
    for args in (("pass-rates",), ("dual-certificate",), ("plan", "--year", "2022")):
        out = tmp_path / "report.md"
        result = school("render", *args, "--class", "20数控1", "-o", out)
        assert result.exit_code == 0, result.output
        report = out.read_text(encoding="utf-8")
        assert "手工录入" not in report and "390" not in report and "300" not in report


def test_a_span_keeps_the_history_within_it(school, tmp_path):
    data = stats_json(school, "--from", "2021", "--to", "2022")
    assert data["pass_rates"] == TABLE_1[1:3]
    # 2022届 has no students: no row in JSON, a row of 0 in the table (below)
    assert data["dual_certificate"] == TABLE_2[:1]
    text = school("stats", "--from", "2021", "--to", "2022", "--format", "markdown").stdout
    assert (
        "> 注：2021年是手工录入的历史数据（考点资料的 plan.history），不是由导入的数据统计的"
        in text
    )
    assert "2020年" not in text and "| 2021届 | 300 | 280 | 93.3% |" in text
    assert "| 2022届 | 0 | 0 | — |" in text
    later = stats_json(school, "--from", "2022")
    assert later["pass_rates"] == TABLE_1[2:] and later["dual_certificate"] == TABLE_2[1:]
    assert [r["year"] for r in stats_json(school, "--to", "2020")["pass_rates"]] == [2020]
    listed = school("stats", "--from", "2020", "--to", "2022", "--list", "tested")
    assert "注意：2020年、2021年是手工录入的历史数据" in listed.stdout
    listed = school("stats", "--from", "2021", "--to", "2023", "--list", "graduates")
    assert "注意：2021届是手工录入的历史数据" in listed.stdout
    out = tmp_path / "plan.md"
    assert school("render", "plan", "--year", "2022", "--from", "2021", "-o", out).exit_code == 0
    plan_text = out.read_text(encoding="utf-8")
    assert "| 2021年 | 3 | 140 | 126 | 90.0% |" in plan_text and "2020年" not in plan_text
