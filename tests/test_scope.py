"""Figures of part of the school and of a span of years (SPEC 3, "Scope"): --major,
--department, --class, --from, --to on `stats` and `render`, on a school whose every
figure is counted by hand below."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from conftest import AUTOCAD, DRAWING, check_golden

CNC = {"name": "数控车铣加工职业技能等级证书", "kind": "1+X"}
SHOP = {"name": "网店运营推广职业技能等级证书", "kind": "1+X"}

# Two departments, two majors, six classes. 22数控1 is 数控技术应用 with no 系部 filled
# in, so the major and its department differ by that class. Everyone not withdrawn has
# graduated (毕业): cohorts 2023-2025 all graduated before the frozen clock's 2026.
#
#   机械部 数控技术应用  20数控1 (2023届): 方一 方二 方三 方四(退学) 方五
#                        21数控1 (2024届): 石一 石二 石三
#                        21数控2 (2024届): 田一 田二
#   (no 系部) 数控技术应用 22数控1 (2025届): 闵一 闵二
#   商贸部 电子商务      20电商1 (2023届): 商一 商二 商三
#                        21电商1 (2024届): 柯一 柯二 柯三(休学)
ROSTER = [["学号", "姓名", "班级", "专业", "系部", "届别", "学籍状态"]] + [
    [no, name, klass, major, department, cohort, status]
    for klass, major, department, cohort, students in (
        ("20数控1", "数控技术应用", "机械部", 2023, ["N01 方一", "N02 方二", "N03 方三", "N04 方四 退学", "N05 方五"]),
        ("21数控1", "数控技术应用", "机械部", 2024, ["N11 石一", "N12 石二", "N13 石三"]),
        ("21数控2", "数控技术应用", "机械部", 2024, ["N21 田一", "N22 田二"]),
        ("22数控1", "数控技术应用", None, 2025, ["N31 闵一", "N32 闵二"]),
        ("20电商1", "电子商务", "商贸部", 2023, ["E01 商一", "E02 商二", "E03 商三"]),
        ("21电商1", "电子商务", "商贸部", 2024, ["E11 柯一", "E12 柯二", "E13 柯三 休学"]),
    )
    for no, name, *rest in (s.split() for s in students)
    for status in [rest[0] if rest else "毕业"]
]  # fmt: skip
RESULTS = [  # under RESULT_COLUMNS: 学号, 证书名称, 等级, 考核日期, 考核结果
    # 2022
    ["N01", "机械制图", "初级", "2022-06-18", "合格"],
    ["N02", "机械制图", "初级", "2022-06-18", "不合格"],
    ["N03", "机械制图", "初级", "2022-06-18", "缺考"],
    ["N04", "机械制图", "初级", "2022-06-18", "合格"],  # withdrawn later: still tested
    ["E01", "网店运营推广职业技能等级证书", "初级", "2022-11-12", "合格"],
    ["E02", "网店运营推广职业技能等级证书", "初级", "2022-11-12", "不合格"],
    # 2023
    ["N02", "机械制图", "初级", "2023-06-17", "合格"],
    ["N11", "机械制图", "初级", "2023-06-17", "合格"],
    ["E11", "网店运营推广职业技能等级证书", "初级", "2023-11-11", "合格"],
    ["E12", "网店运营推广职业技能等级证书", "初级", "2023-11-11", "合格"],
    ["E13", "网店运营推广职业技能等级证书", "初级", "2023-11-11", "缺考"],
    # 2024
    ["N12", "数控车铣加工职业技能等级证书", "初级", "2024-05-20", "不合格"],
    ["N13", "数控车铣加工职业技能等级证书", "初级", "2024-05-20", "合格"],
    ["N21", "数控车铣加工职业技能等级证书", "初级", "2024-05-20", "合格"],
    ["N31", "机械制图", "初级", "2024-06-15", "合格"],
    ["N32", "机械制图", "初级", "2024-06-15", "缺考"],
    ["E03", "网店运营推广职业技能等级证书", "初级", "2024-11-09", "合格"],  # after 2023届
]
AWARDS = [  # under AWARD_COLUMNS: 学号, 工种, 等级, 鉴定时间, 发证日期, 证书签领人
    ["N05", "机械设计工程师 (AutoCAD)", None, "2022.5-6", "2022.9.28", "学习委员"],
    ["N11", "机械工程制图职业技能等级证书", "初级", "2023.6", "2023.9.1", None],
    ["N21", "数控车铣加工职业技能等级证书", "初级", "2024.5", "2024.8.1", "田一"],
    ["E01", "网店运营推广职业技能等级证书", "初级", "2022.11", "2023.1.10", None],
]
TARGETS = [
    {"year": 2022, "participants": 4, "pass_rate": "80%", "certificates": 2},
    {"year": 2023, "participants": 5, "pass_rate": "90%", "certificates": 2},
]

# Counted by hand from the rows above. Pass rates: (year, tested, passed, absent), 1+X
# results only; dual certificate: (cohort, graduates, certified), a pass result or an
# award dated in the cohort's year or earlier (商三's pass of 2024 is too late for 2023届).
SCHOOL = "school"
COUNTS = {
    SCHOOL: (
        [(2022, 5, 3, 1), (2023, 4, 4, 1), (2024, 5, 4, 1)],
        [(2023, 7, 4), (2024, 7, 5), (2025, 2, 1)],
    ),
    "数控技术应用": (
        [(2022, 3, 2, 1), (2023, 2, 2, 0), (2024, 4, 3, 1)],
        [(2023, 4, 3), (2024, 5, 3), (2025, 2, 1)],
    ),
    "电子商务": ([(2022, 2, 1, 0), (2023, 2, 2, 1), (2024, 1, 1, 0)], [(2023, 3, 1), (2024, 2, 2)]),
    "机械部": ([(2022, 3, 2, 1), (2023, 2, 2, 0), (2024, 3, 2, 0)], [(2023, 4, 3), (2024, 5, 3)]),
    "21数控1": ([(2023, 1, 1, 0), (2024, 2, 1, 0)], [(2024, 3, 2)]),
}
COUNTS["商贸部"] = COUNTS["电子商务"]  # the one department of the one major
SCOPES = [  # (arguments, counts, the span kept: table 1 years and table 2 cohorts)
    ([], SCHOOL, None),
    (["--major", "数控技术应用"], "数控技术应用", None),
    (["--major", "电子商务"], "电子商务", None),
    (["--department", "机械部"], "机械部", None),
    (["--department", "商贸部"], "商贸部", None),
    (["--class", "21数控1"], "21数控1", None),
    (["--from", "2023", "--to", "2024"], SCHOOL, (2023, 2024)),
    (["--major", "数控技术应用", "--from", "2023", "--to", "2024"], "数控技术应用", (2023, 2024)),
    (["--department", "机械部", "--from", "2022", "--to", "2022"], "机械部", (2022, 2022)),
    (["--from", "2024"], SCHOOL, (2024, 2025)),
    (["--to", "2023"], SCHOOL, (2000, 2023)),
]


@pytest.fixture
def school(make_school):
    return make_school(
        examples=("site.toml",),  # the school's name and its 2023 plan
        roster=ROSTER,
        certificates=[DRAWING, AUTOCAD, CNC, SHOP],
        targets=TARGETS,
        results=RESULTS,
        awards=AWARDS,
    )


def stats_json(cli, *args):
    result = cli("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def kept(rows, span):
    return [r for r in rows if span is None or span[0] <= r[0] <= span[1]]


@pytest.mark.parametrize(
    "args, counts, span", SCOPES, ids=[" ".join(args) or "school" for args, _, _ in SCOPES]
)
def test_every_figure_matches_the_hand_count_of_its_scope(school, args, counts, span):
    data = stats_json(school, *args)
    pass_rows, dual_rows = COUNTS[counts]
    assert [(r["year"], r["tested"], r["passed"], r["absent"]) for r in data["pass_rates"]] == kept(
        pass_rows, span
    )
    for r in data["pass_rates"]:
        assert r["pass_rate"] == round(r["passed"] / r["tested"], 4)
    assert [(r["cohort"], r["graduates"], r["certified"]) for r in data["dual_certificate"]] == (
        kept(dual_rows, span)
    )
    for r in data["dual_certificate"]:
        assert r["rate"] == round(r["certified"] / r["graduates"], 4)


def test_the_two_majors_add_up_to_the_school():
    """The hand counts themselves: each student is in one major."""
    school_pass, school_dual = COUNTS[SCHOOL]
    (cnc_pass, cnc_dual), (shop_pass, shop_dual) = COUNTS["数控技术应用"], COUNTS["电子商务"]
    for year, *figures in school_pass:
        parts = [row[1:] for row in cnc_pass + shop_pass if row[0] == year]
        assert [sum(column) for column in zip(*parts, strict=True)] == figures
    for cohort, *figures in school_dual:
        parts = [row[1:] for row in cnc_dual + shop_dual if row[0] == cohort]
        assert [sum(column) for column in zip(*parts, strict=True)] == figures


def test_json_names_the_scope_and_null_when_not_given(school):
    assert stats_json(school)["scope"] == {
        "school": None,
        "major": None,
        "department": None,
        "class": None,
        "from": None,
        "to": None,
    }
    data = stats_json(
        school, "--major", "数控", "--class", "21数控1", "--from", "2023", "--to", "2024"
    )
    assert data["scope"] == {
        "school": None,
        "major": "数控技术应用",
        "department": None,
        "class": "21数控1",
        "from": 2023,
        "to": 2024,
    }
    assert stats_json(school, "--department", "商贸", "--to", "2023")["scope"] == {
        "school": None,
        "major": None,
        "department": "商贸部",
        "class": None,
        "from": None,
        "to": 2023,
    }


def test_a_major_and_a_class_together_count_the_class(school):
    data = stats_json(school, "--major", "数控技术应用", "--class", "21数控1")
    assert [(r["year"], r["tested"], r["passed"]) for r in data["pass_rates"]] == [
        (2023, 1, 1),
        (2024, 2, 1),
    ]
    nobody = stats_json(school, "--major", "电子商务", "--class", "21数控1")
    assert nobody["pass_rates"] == [] and nobody["dual_certificate"] == []


def test_year_is_the_span_of_that_one_year(school):
    assert stats_json(school, "--year", "2023") == stats_json(
        school, "--from", "2023", "--to", "2023"
    )
    data = stats_json(school, "--major", "数控", "--year", "2024")
    assert [(r["year"], r["tested"], r["passed"], r["absent"]) for r in data["pass_rates"]] == [
        (2024, 4, 3, 1)
    ]
    assert [(r["cohort"], r["graduates"]) for r in data["dual_certificate"]] == [(2024, 5)]


def test_cohort_picks_table_2_on_its_own_beside_a_span(school):
    data = stats_json(
        school, "--major", "数控", "--from", "2022", "--to", "2023", "--cohort", "2025"
    )
    assert [r["year"] for r in data["pass_rates"]] == [2022, 2023]
    assert [(r["cohort"], r["graduates"], r["certified"]) for r in data["dual_certificate"]] == [
        (2025, 2, 1)
    ]


def test_targets_are_the_schools_and_left_out_for_part_of_it(school):
    """School: 2022 target 4 people, 80 %, 2 certificates; actual 5, 60.0 %, 2 (制图, 网店).
    2023: 5 people, 90 %, 2; actual 4, 100 %, 2. A major's figures are not the school's."""
    targets = stats_json(school)["targets"]
    assert [
        (t["year"], t["participants"], t["participants_met"], t["pass_rate_met"], t["certificates"])
        for t in targets
    ] == [(2022, 5, True, False, 2), (2023, 4, False, True, 2)]
    assert [t["year"] for t in stats_json(school, "--from", "2023", "--to", "2024")["targets"]] == [
        2023
    ]
    for args in (["--major", "数控"], ["--department", "机械部"], ["--class", "20数控1"]):
        assert stats_json(school, *args)["targets"] == []
        table = school("stats", *args).stdout
        assert "绩效目标与实际" not in table and "注：绩效目标是全校的目标" in table
    assert "注：" not in school("stats").stdout
    # no target in the span: nothing left out, nothing to say
    assert "注：" not in school("stats", "--major", "数控", "--year", "2024").stdout


def test_every_format_of_stats_carries_the_scoped_figures(school, tmp_path):
    args = ["--major", "数控", "--from", "2023", "--to", "2024"]
    table = school("stats", *args).stdout
    for fragment in (
        "数控技术应用专业1+X 考证情况统计",
        "2024年",
        "75.0%",
        "数控技术应用专业双证毕业率",
        "2024届",
        "60.0%",
    ):
        assert fragment in table
    assert "2022年" not in table and "2025届" not in table
    markdown = school("stats", *args, "--format", "md").stdout
    for line in (
        "### 数控技术应用专业1+X 考证情况统计",
        "| 2023年 | 2 | 2 | 0 | 100.0% |",
        "| 2024年 | 4 | 3 | 1 | 75.0% |",
        "### 数控技术应用专业双证毕业率",
        "| 2023届 | 4 | 3 | 75.0% |",
        "| 2024届 | 5 | 3 | 60.0% |",
        "> 注：绩效目标是全校的目标",
    ):
        assert line in markdown
    result = school("stats", *args, "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["数控技术应用专业1+X 考证情况统计"]
    assert ["2024年", "4", "3", "1", "75.0%"] in rows and ["2024届", "5", "3", "60.0%"] in rows
    assert "注：绩效目标是全校的目标" in result.stderr
    out = tmp_path / "数控.xlsx"
    result = school("stats", *args, "-o", out)
    assert result.exit_code == 0 and "注：绩效目标是全校的目标" in result.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["数控技术应用专业1+X 考证情况统计", "数控技术应用专业双证毕业率"]
    cells = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    assert ["2024年", 4, 3, 1, 0.75] in cells
    cells = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert ["2023届", 4, 3, 0.75] in cells and ["2024届", 5, 3, 0.6] in cells


def test_a_closed_span_keeps_a_row_for_each_of_its_years(school):
    """21数控1 has no result in 2022 and no 2023届: the rows say so (0, —)."""
    args = ["--class", "21数控1", "--from", "2022", "--to", "2024", "--format", "md"]
    markdown = school("stats", *args).stdout
    assert "| 2022年 | 0 | 0 | 0 | — |\n| 2023年 | 1 | 1 | 0 | 100.0% |" in markdown
    assert "| 2022届 | 0 | 0 | — |\n| 2023届 | 0 | 0 | — |\n| 2024届 | 3 | 2 | 66.7% |" in markdown
    by_cert = school("stats", *args, "--by", "certificate").stdout
    assert "| 2022年 | — | 0 | 0 | 0 | — |" in by_cert
    assert "| 2024年 | 数控车铣加工职业技能等级证书 | 2 | 1 | 0 | 50.0% |" in by_cert
    data = stats_json(school, *args[:-2])  # JSON: the figures themselves, no padding
    assert [r["year"] for r in data["pass_rates"]] == [2023, 2024]


@pytest.mark.parametrize(
    "what, args, names",
    [
        ("tested", ["--major", "数控", "--year", "2022"], ["方一", "方二", "方四"]),
        ("passed", ["--class", "20数控1"], ["方一", "方二", "方四"]),
        ("absent", [], ["方三", "柯三", "闵二"]),
        ("absent", ["--department", "机械部"], ["方三"]),
        ("absent", ["--major", "数控", "--from", "2023"], ["闵二"]),
        ("graduates", ["--class", "21数控1"], ["石一", "石二", "石三"]),
        ("certified", ["--department", "商贸"], ["商一", "柯一", "柯二"]),
        (
            "uncertified",
            ["--major", "数控", "--from", "2023", "--to", "2024"],
            ["方三", "石二", "田二"],
        ),
        ("uncertified", ["--major", "电子商务", "--cohort", "2023"], ["商二", "商三"]),
    ],
)
def test_the_people_behind_a_scoped_figure_in_every_format(school, tmp_path, what, args, names):
    data = json.loads(school("stats", "--list", what, "--format", "json", *args).stdout)
    assert [p["name"] for p in data] == names
    table = school("stats", "--list", what, *args).stdout
    markdown = school("stats", "--list", what, "--format", "markdown", *args).stdout
    text = school("stats", "--list", what, "--format", "csv", *args).stdout
    for name in names:
        assert name in table and name in markdown and name in text
    out = tmp_path / "list.xlsx"
    assert school("stats", "--list", what, *args, "-o", out).exit_code == 0
    # under the title and the school and date; any notes after the table
    header, *rows = list(load_workbook(out).worksheets[0].iter_rows(values_only=True))[2:]
    listed = [row[header.index("姓名")] for row in rows]
    assert [name for name in listed if name is not None] == names


def test_a_scoped_list_names_its_scope_in_its_title(school):
    table = school("stats", "--list", "uncertified", "--major", "数控", "--cohort", "2024").stdout
    assert "数控技术应用专业未获得技能证书的毕业生（2人）" in table


@pytest.mark.parametrize(
    "option, typed, stored",
    [
        ("--major", "数控", "数控技术应用"),  # the one major it begins
        ("--major", "数控技术应用专业", "数控技术应用"),  # as the seed writes a major
        ("--major", " 数控 技术应用 ", "数控技术应用"),  # cleaned: spaces do not count
        ("--department", "机械", "机械部"),
        ("--class", "20数控1班", "20数控1"),
        ("--class", "２０数控１", "20数控1"),  # full-width digits folded
        ("--class", "20数", "20数控1"),
    ],
)
def test_a_name_matches_as_the_catalogue_matches_certificates(school, option, typed, stored):
    key = {"--major": "major", "--department": "department", "--class": "class"}[option]
    assert stats_json(school, option, typed)["scope"][key] == stored


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--class", "21数控"],
            "--class：「21数控」可以指多个班级：21数控1、21数控2；请写得更完整",
        ),
        (
            ["--class", "2"],
            "「2」可以指多个班级：20数控1、20电商1、21数控1、21数控2、21电商1、22数控1",
        ),
        (["--major", "会计"], "--major：没有专业「会计」；已有的专业：数控技术应用、电子商务"),
        (["--department", "信息"], "--department：没有系部「信息」；已有的系部：商贸部、机械部"),
        (["--class", "99无此班"], "没有班级「99无此班」；已有的班级：20数控1、"),
    ],
)
def test_an_ambiguous_or_unknown_name_is_a_usage_error_naming_the_candidates(school, args, message):
    for command in (["stats"], ["stats", "--list", "tested"], ["render", "pass-rates"]):
        result = school(*command, *args)
        assert result.exit_code == 2 and result.stdout == ""
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("用法错误：") and message in lines[0]


def test_an_exact_name_wins_over_one_it_begins(make_school):
    roster = [
        ["学号", "姓名", "班级", "专业", "届别"],
        ["1", "甲", "20数控1", "数控技术应用", 2023],
        ["2", "乙", "20数控10", "数控技术应用", 2023],
        ["3", "丙", "20数控10", "数控技术应用", 2023],
        ["4", "丁", "23UI1", "UI设计", 2026],
    ]
    cli = make_school(roster=roster)
    assert [r["graduates"] for r in stats_json(cli, "--class", "20数控1")["dual_certificate"]] == [
        1
    ]
    assert [r["graduates"] for r in stats_json(cli, "--class", "20数控10")["dual_certificate"]] == [
        2
    ]
    assert stats_json(cli, "--major", "ui")["scope"]["major"] == "UI设计"  # case folded


def test_one_class_written_two_ways_counts_as_one(make_school):
    roster = [
        ["学号", "姓名", "班级", "届别"],
        ["1", "甲", "20数控1", 2023],
        ["2", "乙", "20数控1班", 2023],
        ["3", "丙", "20电商1", 2023],
    ]
    data = stats_json(make_school(roster=roster), "--class", "20数控1")
    assert data["dual_certificate"][0]["graduates"] == 2


def test_a_long_list_of_candidates_is_cut(make_school):
    roster = [["学号", "姓名", "班级", "届别"]] + [
        [str(n), f"学生{n}", f"21电商{n}", 2024] for n in range(10, 35)
    ]
    result = make_school(roster=roster)("stats", "--class", "21电商")
    assert result.exit_code == 2
    assert "21电商10、21电商11、" in result.stderr and "21电商29等25个" in result.stderr
    assert "21电商30" not in result.stderr


def test_a_roster_without_majors_says_so(make_school, roster_rows):
    roster = [[c for i, c in enumerate(row) if i != 5] for row in roster_rows]  # no 专业
    result = make_school(roster=roster)("stats", "--major", "数控")
    assert result.exit_code == 2 and "没有专业「数控」：学生名单里没有填写专业" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["stats", "--year", "2023", "--from", "2022"], "--year 和 --from 不能同时用"),
        (["stats", "--year", "2023", "--to", "2023"], "--year 和 --to 不能同时用"),
        (["stats", "--from", "2024", "--to", "2022"], "--from 2024 在 --to 2022 之后"),
        (["stats", "--from", "1999"], "--from：1999 不是合理的年份"),
        (
            ["render", "pass-rates", "--year", "2023", "--from", "2022"],
            "--year 和 --from 不能同时用",
        ),
        (
            ["render", "dual-certificate", "--cohort", "2023", "--to", "2023"],
            "--cohort 和 --to 不能同时用",
        ),
        (
            ["render", "sign-list", "--class", "20数控1", "--year", "2022", "--from", "2022"],
            "不能同时用",
        ),
        (["render", "site-application", "--major", "数控"], "site-application 不用这个选项"),
        (["render", "site-application", "--from", "2022"], "site-application 不用这个选项"),
        (
            ["render", "sign-list", "--from", "2022"],
            "sign-list 需要 --class（或 --major、--department）",
        ),
    ],
)
def test_a_span_with_a_year_or_a_misplaced_option_is_a_usage_error(school, args, message):
    result = school(*args)
    assert result.exit_code == 2 and message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["stats", "--cohort", "10000"],
        ["stats", "--cohort", "0"],
        ["stats", "--year", "0", "--format", "json"],
        ["stats", "--cohort", "12345", "--list", "uncertified"],
        ["render", "dual-certificate", "--cohort", "10000"],
        ["render", "pass-rates", "--year", "-1"],
    ],
)
def test_a_year_or_cohort_no_school_has_is_a_usage_error(school, args):
    """A mistyped 20023 is one line naming the option, never an internal error."""
    result = school(*args)
    assert result.exit_code == 2 and "不是合理的" in result.stderr, result.output
    assert "内部错误" not in result.output and result.stderr.count("\n") == 1


# --- render -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, title, rows",
    [
        (
            ["--major", "数控", "--from", "2022", "--to", "2023"],
            "数控技术应用专业2022-2023年1+X考证情况统计表",  # the seed's table 1
            ["| 2022年 | 3 | 2 | 1 | 66.7% |", "| 2023年 | 2 | 2 | 0 | 100.0% |"],
        ),
        (
            ["--department", "商贸部"],
            "商贸部1+X考证情况统计表",
            [
                "| 2022年 | 2 | 1 | 0 | 50.0% |",
                "| 2023年 | 2 | 2 | 1 | 100.0% |",
                "| 2024年 | 1 | 1 | 0 | 100.0% |",
            ],
        ),
        (
            ["--class", "21数控1", "--year", "2024"],
            "21数控1班2024年1+X考证情况统计表",
            ["| 2024年 | 2 | 1 | 0 | 50.0% |"],
        ),
        (["--from", "2024"], "2024年以来1+X考证情况统计表", ["| 2024年 | 5 | 4 | 1 | 80.0% |"]),
        (["--to", "2022"], "截至2022年1+X考证情况统计表", ["| 2022年 | 5 | 3 | 1 | 60.0% |"]),
        (
            [],
            "1+X考证情况统计表",
            [
                "| 2022年 | 5 | 3 | 1 | 60.0% |",
                "| 2023年 | 4 | 4 | 1 | 100.0% |",
                "| 2024年 | 5 | 4 | 1 | 80.0% |",
            ],
        ),
    ],
)
def test_pass_rates_report_of_a_scope(school, args, title, rows):
    text = school("render", "pass-rates", *args).stdout
    table = text.split("## 按证书")[0]
    assert text.splitlines()[0] == f"# {title}"
    assert "示例职业技术学校" in text.splitlines()[2]  # the school and date line as before
    body = [line for line in table.splitlines() if line.startswith("| 20")]
    assert body == rows


@pytest.mark.parametrize(
    "args, title, rows",
    [
        (
            ["--major", "数控", "--cohort", "2023"],
            "2023年毕业学生数控技术应用专业双证毕业情况统计表",  # the seed's table 2
            ["| 2023届 | 4 | 3 | 75.0% |"],
        ),
        (
            ["--department", "商贸"],
            "毕业学生商贸部双证毕业情况统计表",
            ["| 2023届 | 3 | 1 | 33.3% |", "| 2024届 | 2 | 2 | 100.0% |"],
        ),
        (
            ["--class", "21数控1"],
            "毕业学生21数控1班双证毕业情况统计表",
            ["| 2024届 | 3 | 2 | 66.7% |"],
        ),
        (
            ["--from", "2024", "--to", "2025"],
            "2024-2025年毕业学生双证毕业情况统计表",
            ["| 2024届 | 7 | 5 | 71.4% |", "| 2025届 | 2 | 1 | 50.0% |"],
        ),
        (["--year", "2023"], "2023年毕业学生双证毕业情况统计表", ["| 2023届 | 7 | 4 | 57.1% |"]),
    ],
)
def test_dual_certificate_report_of_a_scope(school, args, title, rows):
    text = school("render", "dual-certificate", *args).stdout
    assert text.splitlines()[0] == f"# {title}"
    assert [line for line in text.splitlines() if line.startswith("| 20")] == rows


@pytest.mark.parametrize(
    "args, title, names",
    [
        (["--class", "20数控1"], "数控技术应用专业20数控1班考证签领名单", ["方五"]),
        (
            ["--class", "20数控1班", "--year", "2022"],
            "数控技术应用专业2022年20数控1班考证签领名单",
            ["方五"],
        ),
        (["--major", "数控"], "数控技术应用专业考证签领名单", ["方五", "石一", "田一"]),
        (
            ["--major", "数控", "--from", "2023", "--to", "2024"],
            "数控技术应用专业2023-2024年考证签领名单",
            ["石一", "田一"],
        ),
        (["--department", "商贸"], "商贸部考证签领名单", ["商一"]),
        (
            ["--department", "机械部", "--class", "21数控2"],
            "机械部数控技术应用专业21数控2班考证签领名单",
            ["田一"],
        ),
    ],
)
def test_sign_list_of_a_class_a_major_a_department_a_span(school, args, title, names):
    text = school("render", "sign-list", *args).stdout
    assert text.splitlines()[0] == f"# {title}"
    rows = [
        line.split(" | ")
        for line in text.splitlines()
        if line.startswith("| ") and "---" not in line
    ]
    assert [row[2] for row in rows[1:]] == names
    assert f"共{len(names)}张证书" in text


def test_sign_list_of_a_group_without_certificates_says_whose(school):
    result = school("render", "sign-list", "--department", "商贸", "--year", "2022")
    assert result.exit_code == 1
    assert "错误：系部「商贸部」没有2022年的发证记录（先导入发证签领名单）" in result.stderr
    result = school("render", "sign-list", "--class", "21数控1", "--from", "2024", "--to", "2025")
    assert "班级「21数控1」没有2024-2025年的发证记录" in result.stderr


def test_plan_of_a_scope_keeps_its_budget_and_leaves_the_schools_targets_out(school):
    """The 2023 plan: earlier years are 2022 only. School: 2 certificates (制图, 网店),
    5 tested, 3 passed; 数控技术应用: 1 (制图), 3 tested, 2 passed."""
    whole = school("render", "plan", "--year", "2023").stdout
    assert "| 2022年 | 2 | 5 | 3 | 60.0% |" in whole and "| 1+X 考证人数 | 不少于5人 |" in whole
    text = school("render", "plan", "--year", "2023", "--major", "数控").stdout
    assert (
        "# 数控技术应用专业2023年现代职业教育质量提升计划专项资金 1+X 证书制度试点项目建设实施方案"
        in text.splitlines()
    )
    assert "| 2022年 | 1 | 3 | 2 | 66.7% |" in text
    assert "| 合计 |  |  | 415,688 |" in text
    assert "不少于5人" not in text and "> 注：绩效目标是全校的目标" in text
    text = school("render", "plan", "--year", "2023", "--department", "商贸").stdout
    assert "| 2022年 | 1 | 2 | 1 | 50.0% |" in text
    text = school("render", "plan", "--year", "2023", "--class", "21数控1").stdout
    assert "| — | — | — | — | — |" in text  # 21数控1 sat nothing before 2023
    text = school("render", "plan", "--year", "2023", "--from", "2023").stdout
    assert "| — | — | — | — | — |" in text and "不少于5人" in text  # the school's own


def test_rendered_xlsx_of_a_scope_names_it(school, tmp_path):
    out = tmp_path / "数控.xlsx"
    args = ["--major", "数控", "--from", "2022", "--to", "2023", "-o", out]
    assert school("render", "pass-rates", *args).exit_code == 0
    sheet = load_workbook(out).worksheets[0]
    assert sheet["A1"].value == "数控技术应用专业2022-2023年1+X考证情况统计表"  # the report's
    assert [c.value for c in sheet[4]] == ["2022年", 3, 2, 1, 2 / 3]  # the exact fraction


@pytest.mark.parametrize(
    "name, args",
    [
        ("pass-rates", ["--major", "数控", "--from", "2022", "--to", "2023"]),
        ("dual-certificate", ["--major", "数控", "--cohort", "2023"]),
    ],
)
@pytest.mark.parametrize("fmt", ["md", "html"])
def test_scoped_reports_match_their_golden_files(school, tmp_path, name, args, fmt):
    out = tmp_path / f"{name}.{fmt}"
    result = school("render", name, *args, "--date", "2024-01-15", "-o", out)
    assert result.exit_code == 0, result.output
    check_golden(f"{name}-major.{fmt}", out.read_text(encoding="utf-8"))
