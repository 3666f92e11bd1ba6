"""The figures of SPEC 3 on a database whose right answers are known by construction."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from conftest import AUTOCAD, DRAWING, catalogue_toml, make_id, set_clock

# Cohort 2023 (class 20数控1): 6 students.
#   A: pass 1+X 2022, award AutoCAD 2022      -> certified (twice)
#   B: fail 1+X 2022                          -> not certified
#   C: absent 1+X 2022                        -> not certified
#   D: award AutoCAD issued 2024 (after 2023) -> not certified
#   E: withdrawn (退学), pass 1+X 2022        -> not a graduate
#   F: award without any date                 -> certified (undated counts)
# Cohort 2024 (class 21数控1): 2 students.
#   G: pass 1+X 2023 (guessed kind)          -> certified
#   H: pass other-kind certificate 2023       -> certified (any kind counts)
# Pass rates, 1+X only: 2022 tested 3 (A, B, E), passed 2, absent 1 -> 0.6667.
#   2023: G's guessed "物流管理职业技能等级证书" is 1+X: tested 1, passed 1 -> 1.0.
ROSTER = [
    ["学号", "姓名", "班级", "专业", "系部", "届别", "学籍状态", "身份证号"],
    ["A01", "甲一", "20数控1", "数控技术应用", "机械部", 2023, "毕业", make_id("20050101", "011")],
    ["A02", "乙二", "20数控1", "数控技术应用", "机械部", 2023, "毕业", None],
    ["A03", "丙三", "20数控1", "数控技术应用", "机械部", 2023, "毕业", None],
    ["A04", "丁四", "20数控1", "数控技术应用", "机械部", 2023, "毕业", None],
    ["A05", "戊五", "20数控1", "数控技术应用", "机械部", 2023, "退学", None],
    ["A06", "己六", "20数控1", "数控技术应用", "机械部", 2023, "毕业", None],
    ["B01", "庚七", "21数控1", "模具制造技术", "机械部", 2024, "在读", None],
    ["B02", "辛八", "21数控1", "模具制造技术", "机械部", 2024, "在读", None],
]
RESULTS = [  # under RESULT_COLUMNS: 学号, 证书名称, 等级, 考核日期, 考核结果
    ["A01", "机械制图", "初级", "2022-06-18", "合格"],
    ["A02", "机械制图", "初级", "2022-06-18", "不合格"],
    ["A03", "机械制图", "初级", "2022-06-18", "缺考"],
    ["A05", "机械制图", "初级", "2022-06-18", "合格"],
    ["B01", "物流管理职业技能等级证书", "初级", "2023-05-20", "合格"],
    ["B02", "机械设计工程师 (AutoCAD)", None, "2023-05-20", "合格"],
]
AWARDS = [  # under AWARD_COLUMNS: 学号, 工种, 等级, 鉴定时间, 发证日期, 证书签领人
    ["A01", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", "学习委员"],
    ["A04", "机械设计工程师 (AutoCAD)", None, "2024.3", "2024.5.6", None],
    ["A06", "数控技术工程师", None, None, None, None],
]
CERTIFICATES = [DRAWING, AUTOCAD, {"name": "数控技术工程师", "kind": "other"}]
TARGETS = [{"year": 2022, "participants": 3, "pass_rate": "90%", "certificates": 2}]
CATALOGUE = catalogue_toml(certificates=CERTIFICATES, targets=TARGETS)  # for hand-built databases


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER,
        certificates=CERTIFICATES,
        targets=TARGETS,
        results=RESULTS,
        awards=AWARDS,
    )


def stats_json(cli, *args):
    result = cli("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_pass_rates_per_exam_year_count_1x_only(school):
    data = stats_json(school)
    assert data["pass_rates"] == [
        {"year": 2022, "tested": 3, "passed": 2, "absent": 1, "pass_rate": 0.6667},
        {"year": 2023, "tested": 1, "passed": 1, "absent": 0, "pass_rate": 1.0},
    ]


def test_all_kinds_counts_other_certificates_too(school):
    rows = stats_json(school, "--all-kinds")["pass_rates"]
    assert rows[1] == {"year": 2023, "tested": 2, "passed": 2, "absent": 0, "pass_rate": 1.0}


def test_dual_certificate_rate_per_cohort(school):
    data = stats_json(school)
    assert data["dual_certificate"] == [
        {"cohort": 2023, "graduates": 5, "certified": 2, "rate": 0.4, "graduated": True},
        {"cohort": 2024, "graduates": 2, "certified": 2, "rate": 1.0, "graduated": True},
    ]


def test_year_restricts_both_tables_and_cohort_picks_independently(school):
    data = stats_json(school, "--year", "2023")
    assert [r["year"] for r in data["pass_rates"]] == [2023]
    assert [r["cohort"] for r in data["dual_certificate"]] == [2023]
    assert stats_json(school, "--year", "2030")["dual_certificate"] == []
    data = stats_json(school, "--year", "2022", "--cohort", "2023")
    assert [r["year"] for r in data["pass_rates"]] == [2022]
    assert data["dual_certificate"][0]["cohort"] == 2023


@pytest.mark.parametrize(
    "by, key, expected",
    [
        (
            "certificate",
            "certificate",
            [
                (2022, "机械工程制图职业技能等级证书", 3, 2),
                (2023, "物流管理职业技能等级证书", 1, 1),
            ],
        ),
        ("level", "level", [(2022, "初级", 3, 2), (2023, "初级", 1, 1)]),
        ("class", "class", [(2022, "20数控1", 3, 2), (2023, "21数控1", 1, 1)]),
        ("major", "major", [(2022, "数控技术应用", 3, 2), (2023, "模具制造技术", 1, 1)]),
        ("department", "department", [(2022, "机械部", 3, 2), (2023, "机械部", 1, 1)]),
    ],
)
def test_breakdowns_carry_their_key(school, by, key, expected):
    rows = stats_json(school, "--by", by)["pass_rates"]
    assert [(r["year"], r[key], r["tested"], r["passed"]) for r in rows] == expected


def test_targets_against_actual(school):
    (target,) = stats_json(school, "--year", "2022")["targets"]
    assert target == {
        "year": 2022,
        "participants_target": 3,
        "participants": 3,
        "participants_met": True,
        "passed": 2,
        "pass_rate_target": 0.9,
        "pass_rate": 0.6667,
        "pass_rate_met": False,
        "certificates_target": 2,
        "certificates": 1,
        "certificates_met": False,
    }


def test_target_set_changes_only_what_it_names(school):
    assert school("target", "set", "--year", "2022", "--pass-rate", "0.6").exit_code == 0
    (target,) = stats_json(school, "--year", "2022")["targets"]
    assert (target["participants_target"], target["pass_rate_target"], target["pass_rate_met"]) == (
        3,
        0.6,
        True,
    )
    assert school("target", "set", "--year", "2022").exit_code == 2
    assert school("target", "set", "--year", "2022", "--pass-rate", "abc").exit_code == 2
    assert school("target", "set", "--year", "1999", "--participants", "3").exit_code == 2


def test_guessed_kind_carries_a_warning_naming_the_certificate(school):
    data = stats_json(school)
    assert any("物流管理职业技能等级证书" in w for w in data["warnings"])
    table = school("stats")
    assert "类型是推测的" in table.stdout and "物流管理职业技能等级证书" in table.stdout
    assert stats_json(school, "--year", "2022")["warnings"] == []


def test_rates_over_zero_people_are_null_and_a_dash(cli, xlsx, monkeypatch):
    cli(
        "import",
        xlsx(
            "r.xlsx",
            {
                "S": [
                    ["学号", "姓名", "届别", "学籍状态"],
                    ["1", "甲", 2030, "退学"],
                    ["2", "乙", 2031, "在读"],
                ]
            },
        ),
    )
    cli(
        "import",
        xlsx(
            "x.xlsx",
            {
                "S": [
                    ["学号", "证书名称", "考核日期", "考核结果"],
                    ["2", "机械工程制图职业技能等级证书", "2024-01-01", "缺考"],
                ]
            },
        ),
    )
    data = stats_json(cli)
    assert data["pass_rates"] == [
        {"year": 2024, "tested": 0, "passed": 0, "absent": 1, "pass_rate": None}
    ]
    assert data["dual_certificate"] == []  # 2031届 is still in school: not in table 2
    set_clock(monkeypatch, dt.datetime(2031, 7, 1, 9, 0))  # the 2031届's day has come
    graduated = stats_json(cli, "--date", "2031-07-01")["dual_certificate"]
    assert {"cohort": 2031, "graduates": 1, "certified": 0, "rate": 0.0, "graduated": True} in (
        graduated
    )
    assert "—" in cli("stats").stdout


def test_table_markdown_and_csv_carry_the_same_figures(school):
    table = school("stats").stdout
    for fragment in (
        "1+X 考证情况统计",
        "2022年",
        "66.7%",
        "双证毕业率",
        "2023届",
        "40.0%",
        "绩效目标与实际",
        "未达成",
    ):
        assert fragment in table
    markdown = school("stats", "--format", "markdown").stdout
    assert "| 2022年 | 3 | 2 | 1 | 66.7% |" in markdown and "| 2023届 | 5 | 2 | 40.0% |" in markdown
    assert school("stats", "--format", "md").stdout == markdown  # as render spells it
    text = school("stats", "--format", "csv").stdout
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["2022年", "3", "2", "1", "66.7%"] in rows and ["2023届", "5", "2", "40.0%"] in rows


@pytest.mark.parametrize(
    "what, args, names",
    [
        ("tested", ["--year", "2022"], ["甲一", "乙二", "戊五"]),
        ("passed", ["--year", "2022"], ["甲一", "戊五"]),
        ("absent", [], ["丙三"]),
        ("graduates", ["--cohort", "2023"], ["甲一", "乙二", "丙三", "丁四", "己六"]),
        ("certified", ["--cohort", "2023"], ["甲一", "己六"]),
        ("uncertified", ["--cohort", "2023"], ["乙二", "丙三", "丁四"]),
    ],
)
def test_the_students_behind_each_figure_in_every_format(school, what, args, names):
    data = json.loads(school("stats", "--list", what, "--format", "json", *args).stdout)
    assert [p["name"] for p in data] == names
    table = school("stats", "--list", what, *args).stdout
    markdown = school("stats", "--list", what, "--format", "markdown", *args).stdout
    text = school("stats", "--list", what, "--format", "csv", *args).stdout
    for name in names:
        assert name in table and name in markdown and name in text


def test_lists_mask_id_numbers(school):
    number = make_id("20050101", "011")
    for fmt in ("table", "json", "csv", "markdown"):
        out = school("stats", "--list", "graduates", "--format", fmt).stdout
        if fmt == "markdown":  # as a reader sees it: 44\*\*… is 44**…
            out = out.replace("\\*", "*")
        assert number not in out and number[:2] + "*" * 14 + number[-2:] in out


def test_bad_options_are_usage_errors(school):
    assert school("stats", "--by", "colour").exit_code == 2
    assert school("stats", "--list", "everyone").exit_code == 2
    assert school("stats", "--format", "pdf").exit_code == 2


def test_stats_on_the_demo_database_prints_both_tables(tmp_path):
    from conftest import Cli

    Cli(tmp_path / "x.db")("demo", tmp_path / "demo", db=False)
    result = Cli(tmp_path / "demo" / "xcert.db")("stats")
    assert (
        result.exit_code == 0
        and "1+X 考证情况统计" in result.stdout
        and "双证毕业率" in result.stdout
    )


def test_percentages_round_once_from_the_exact_fraction():
    from xcert.figures.stats import percent

    assert [percent(15, 19), percent(4, 21), percent(1, 26), percent(14, 17), percent(1, 16)] == [
        "78.9%",
        "19.0%",
        "3.8%",
        "82.4%",
        "6.3%",
    ]
    assert percent(0, 0) == "—"


def test_a_target_is_met_only_by_the_exact_rate(cli, xlsx, tmp_path):
    toml = tmp_path / "t.toml"
    toml.write_text(
        CATALOGUE + '\n[[target]]\nyear = 2023\npass_rate = "66.67%"\n', encoding="utf-8"
    )
    cli(
        "import",
        xlsx(
            "r.xlsx",
            {
                "S": [
                    ["学号", "姓名", "届别"],
                    ["1", "甲", 2024],
                    ["2", "乙", 2024],
                    ["3", "丙", 2024],
                ]
            },
        ),
    )
    cli("import", toml)
    rows = [
        ["学号", "证书名称", "考核日期", "考核结果"],
        ["1", "机械制图", "2023-06-01", "合格"],
        ["2", "机械制图", "2023-06-01", "合格"],
        ["3", "机械制图", "2023-06-01", "不合格"],
    ]
    cli("import", xlsx("x.xlsx", {"S": rows}))
    (target,) = stats_json(cli, "--year", "2023")["targets"]
    assert target["pass_rate"] == 0.6667 and target["pass_rate_met"] is False


def test_an_award_across_a_year_end_is_dated_by_its_start_like_a_result(cli, xlsx, tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text(CATALOGUE, encoding="utf-8")
    cli("import", toml)
    cli(
        "import",
        xlsx("r.xlsx", {"S": [["学号", "姓名", "届别"], ["1", "甲", 2023], ["2", "乙", 2023]]}),
    )
    cli(
        "import",
        xlsx(
            "x.xlsx",
            {
                "S": [
                    ["学号", "证书名称", "考核日期", "考核结果"],
                    ["1", "机械制图", "2023.11-2024.1", "合格"],
                ]
            },
        ),
    )
    cli(
        "import",
        xlsx(
            "a.xlsx",
            {
                "S": [
                    ["学号", "工种", "鉴定时间", "发证日期"],
                    ["2", "数控技术工程师", "2023.11-2024.1", None],
                ]
            },
        ),
    )
    assert stats_json(cli, "--cohort", "2023")["dual_certificate"][0]["certified"] == 2
    listed = json.loads(cli("stats", "--list", "passed", "--format", "json").stdout)
    assert listed[0]["exam_date"] == "2023.11-2024.1"


def test_empty_tables_show_a_dash_row_in_csv_too(make_school):
    cli = make_school(roster=ROSTER)  # nobody examined yet: no pass-rate row at all
    text = cli("stats", "--format", "csv").stdout
    assert ["—", "—", "—", "—", "—"] in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_a_year_or_cohort_asked_for_keeps_its_row_with_zeros(school):
    """`stats --year 2030`: the rows say 2030, with 0 people and a rate of —, not a row of
    dashes without a label; the JSON stays the figures themselves (no rows)."""
    markdown = school("stats", "--year", "2030", "--format", "markdown").stdout
    assert "| 2030年 | 0 | 0 | 0 | — |" in markdown
    assert "| 2030届 | 0 | 0 | — |" in markdown
    text = school("stats", "--cohort", "2030", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert ["2030届", "0", "0", "—"] in rows and ["—", "—", "—", "—"] not in rows
    table = school("stats", "--year", "2021").stdout
    assert "2021年" in table and "2021届" in table
    data = stats_json(school, "--year", "2030")
    assert data["pass_rates"] == [] and data["dual_certificate"] == []
    by = school("stats", "--year", "2030", "--by", "class", "--format", "markdown").stdout
    assert "| 2030年 | — | 0 | 0 | 0 | — |" in by


def test_a_target_without_results_yet_is_not_judged(school):
    assert (
        school(
            "target", "set", "--year", "2027", "--participants", "30", "--pass-rate", "90%"
        ).exit_code
        == 0
    )
    (target,) = stats_json(school, "--year", "2027")["targets"]
    assert target["participants"] == 0
    assert (target["participants_met"], target["pass_rate_met"], target["certificates_met"]) == (
        None,
        None,
        None,
    )
    markdown = school("stats", "--year", "2027", "--format", "markdown").stdout
    assert "| 2027年 | 1+X 考证人数 | 30 | 0 | — |" in markdown
    assert "未达成" not in markdown


def test_a_certificate_nobody_sat_is_not_counted_as_examined(cli, xlsx, tmp_path):
    toml = tmp_path / "t.toml"
    toml.write_text(CATALOGUE + "\n[[target]]\nyear = 2021\ncertificates = 1\n", encoding="utf-8")
    cli("import", toml)
    cli("import", xlsx("r.xlsx", {"S": [["学号", "姓名", "届别"], ["1", "甲", 2022]]}))
    cli(
        "import",
        xlsx(
            "x.xlsx",
            {
                "S": [
                    ["学号", "证书名称", "考核日期", "考核结果"],
                    ["1", "机械制图", "2021-06-01", "缺考"],
                ]
            },
        ),
    )
    (target,) = stats_json(cli, "--year", "2021")["targets"]
    assert target["certificates"] == 0 and target["certificates_met"] is False
