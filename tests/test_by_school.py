"""A province's database (SPEC 6.8, issue 22): `--school` and `--by school` on `stats` and
`render`. Three fictional schools are built into their own databases through `xcert
import` and merged into a province's (tests/province.py); every school's row of the
province must be that school's own `stats`, the province's total the sum of them with a
student who moved between schools counted once, and `--school` that school's own figures.
"""

from __future__ import annotations

import functools
import json
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from province import CODES, NAMES, build_school, merge

from xcert.figures import graduates
from xcert.figures import people as people_
from xcert.figures.scope import Scope, Span
from xcert.store import schema

from conftest import NOW, Cli, check_golden, set_clock


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each school's own database by code, and the province's ("province")."""
    folder = tmp_path_factory.mktemp("province")
    with pytest.MonkeyPatch.context() as patch:
        set_clock(patch, NOW)
        schools = {code: build_school(folder / "schools", code) for code in CODES}
        merge(folder / "province.db", list(schools.values()))
    return {**schools, "province": folder / "province.db"}


@pytest.fixture
def province(built) -> Cli:
    return Cli(built["province"])


def stats(cli: Cli, *args: object) -> dict:
    done = cli("stats", "--format", "json", *args)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def rows_of(data: dict, key: str, first: str, code: str) -> dict:
    """A school's rows of `--by school` JSON by year (or cohort), without the school."""
    drop = (first, "school", "school_code")
    return {
        r[first]: {k: v for k, v in r.items() if k not in drop}
        for r in data[key]
        if r["school_code"] == code
    }


COUNTS = ("tested", "passed", "absent", "graduates", "certified")


def test_every_school_row_is_that_schools_own_figures(built, province):
    every = stats(province, "--by", "school")
    assert [s["name"] for s in every["schools"]] == NAMES  # by code
    for code in CODES:
        own = stats(Cli(built[code]))
        for key, first in (("pass_rates", "year"), ("dual_certificate", "cohort")):
            mine = rows_of(every, key, first, code)
            theirs = {r[first]: {k: v for k, v in r.items() if k != first} for r in own[key]}
            for year, row in mine.items():
                if year in theirs:
                    assert row == theirs[year], (code, key, year)
                else:  # a year the school had nothing in keeps its row: 0, —
                    assert {row[k] for k in COUNTS if k in row} == {0}, (code, key, year)
            assert set(theirs) <= set(mine)
        targets = [
            {k: v for k, v in r.items() if k not in ("school", "school_code")}
            for r in every["targets"]
            if r["school_code"] == code
        ]
        assert targets == own["targets"], code
        teachers = [r for r in every["teachers"] if r["school_code"] == code]
        assert [{**r, "school": None, "school_code": None} for r in teachers] == [
            {"school": None, "school_code": None, **own["teachers_total"]}
        ]


# Counted by hand (tests/province.py): 2024届 per school (graduates, certified).
# 第一: 方一 方二 方三 商一 商二 (方四 转学) → 5, 4 (商二 absent, nothing else)
# 第二: 车一 车二 方三 计一 (计二 退学) → 4, 2 (车一 and 计一 passed)
# 第三: 石一 石二 方四 会一 → 4, 2 (石一 passed, 会一 AutoCAD)
# The province: 方三 is one person (12 graduates, not 13); 方四 graduated from 第三
# without a certificate there but passed in 第一 in 2023: certified (9, not 8).
SCHOOL_DUAL_2024 = [(5, 4), (4, 2), (4, 2)]
PROVINCE_DUAL_2024 = (12, 9)


def test_targets_are_judged_by_1x_results_whatever_all_kinds_says(province):
    one_x = stats(province, "--by", "school")
    every = stats(province, "--by", "school", "--all-kinds")
    assert every["targets"] == one_x["targets"]
    b_2024 = [t for t in every["targets"] if (t["school_code"], t["year"]) == ("4144000002", 2024)]
    assert [(t["participants"], t["participants_met"]) for t in b_2024] == [(1, False)]
    tested = {(r["school_code"], r["year"]): r["tested"] for r in every["pass_rates"]}
    assert tested["4144000002", 2024] == 2  # the AutoCAD result counts here


def test_the_total_sums_the_results_and_counts_a_moved_student_once(province):
    every = stats(province, "--by", "school")
    for total in every["pass_rates_total"]:
        schools = [r for r in every["pass_rates"] if r["year"] == total["year"]]
        for key in ("tested", "passed", "absent"):
            assert total[key] == sum(r[key] for r in schools)
    dual = [
        (r["graduates"], r["certified"]) for r in every["dual_certificate"] if r["cohort"] == 2024
    ]
    assert dual == SCHOOL_DUAL_2024
    (total,) = [r for r in every["dual_certificate_total"] if r["cohort"] == 2024]
    assert (total["graduates"], total["certified"]) == PROVINCE_DUAL_2024
    assert sum(g for g, _ in dual) == PROVINCE_DUAL_2024[0] + 1  # 方三 in two schools
    assert sum(c for _, c in dual) == PROVINCE_DUAL_2024[1] - 1  # 方四's certificate
    whole = stats(province)  # the province without --by: the same total
    assert whole["pass_rates"] == every["pass_rates_total"]
    assert whole["dual_certificate"] == every["dual_certificate_total"]
    assert whole["scope"]["school"] is None


def test_the_people_behind_the_province_total_are_listed_once(province):
    listed = {
        what: stats(province, "--cohort", "2024", "--list", what)
        for what in ("graduates", "certified", "uncertified")
    }
    assert [len(listed[w]) for w in listed] == [12, 9, 3]
    assert {p["school"] for p in listed["graduates"]} == set(NAMES)
    shown = province("stats", "--cohort", "2024", "--list", "uncertified")
    assert (
        "┃ 序号 ┃ 学校" in shown.stdout
        and "全省（3所学校）未获得技能证书的毕业生（3人）" in shown.stdout
    )


@pytest.mark.parametrize("typed", ["4144000002", "示例第二职业学校", "示例第二", "第二职业"])
def test_school_is_that_schools_own_stats(built, province, typed):
    mine = stats(province, "--school", typed)
    own = stats(Cli(built["4144000002"]))
    assert mine.pop("scope")["school"] == "示例第二职业学校"
    own.pop("scope")
    assert mine == own
    table = province("stats", "--school", typed).stdout
    assert table.startswith("示例第二职业学校1+X 考证情况统计")


def test_school_with_a_major_is_that_schools_major(built, province):
    mine = stats(province, "--school", "4144000003", "--major", "数控")
    own = stats(Cli(built["4144000003"]), "--major", "数控")
    assert (mine["pass_rates"], mine["dual_certificate"]) == (
        own["pass_rates"],
        own["dual_certificate"],
    )
    assert mine["scope"]["major"] == "数控技术应用"


def test_by_school_in_a_schools_own_database_is_its_one_school(built):
    own = Cli(built["4144000001"])
    data = stats(own, "--by", "school")
    assert data["schools"] == [{"code": "4144000001", "name": "示例第一职业学校"}]
    assert [r["pass_rate"] for r in data["pass_rates"]] == [0.8, 1.0]
    shown = own("stats", "--by", "school").stdout
    assert "全省合计" not in shown and "│ 2023年 │ 示例第一职业学校 │" in shown


def test_by_school_prints_a_total_row_and_says_what_it_counts(province):
    shown = province("stats", "--by", "school", "--format", "markdown").stdout
    assert "### 全省（3所学校）1+X 考证情况统计（按学校）" in shown
    assert "| 2023年 | 全省合计 | 9 | 6 | 1 | 66.7% |" in shown
    assert "| 2024届 | 全省合计 | 12 | 9 | 75.0% |" in shown
    assert "> 注：全省合计是各校之和：考证人数按考核成绩计" in shown
    assert "> 注：全省数字中，同一学生（身份证号相同）在几所学校都有记录的只算一人" in shown
    assert "| 2024年 | 示例第二职业学校 | 1+X 考证人数 | 2 | 1 | 未达成 |" in shown
    assert "| 全省合计 | 2 | 2 | 1 | 2 | 0 | 0 |" in shown  # teachers
    csv = province("stats", "--by", "school", "--format", "csv")
    assert "2023年,全省合计,9,6,1,66.7%" in csv.stdout


def test_by_school_to_a_workbook(province, tmp_path):
    path = tmp_path / "各校.xlsx"
    done = province("stats", "--by", "school", "--year", "2023", "-o", path)
    assert done.exit_code == 0, done.output
    book = load_workbook(path)
    assert book.sheetnames[:2] == [
        "全省（3所学校）1+X 考证情况统计（按学校）"[:31],
        "全省（3所学校）双证毕业率（按学校）",
    ]
    cells = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    total = next(row for row in cells if "全省合计" in row)
    assert total[1:6] == ["全省合计", 9, 6, 1, pytest.approx(6 / 9)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--school", "第四职业"],
            "错误：没有学校「第四职业」；已合并的学校：示例第一职业学校（4144000001）、",
        ),
        (["--school", "示例"], "错误：「示例」可以指多所学校：示例第一职业学校（4144000001）、"),
    ],
)
def test_a_school_that_is_not_one_is_refused_in_one_line(province, args, message):
    for command in (["stats"], ["render", "pass-rates"]):
        done = province(*command, *args)
        assert done.exit_code == 1 and done.stdout == ""
        assert done.stderr.startswith(message) and done.stderr.count("\n") == 1, done.stderr


def test_school_in_a_schools_own_database_is_refused(built):
    done = Cli(built["4144000001"])("stats", "--school", "示例第一职业学校")
    assert done.exit_code == 1 and done.stderr.count("\n") == 1
    assert "只用于省级汇总数据库" in done.stderr and "这是一所学校自己的数据库" in done.stderr


# Each report with what it needs, and what `--school 第一` and `--by school` give on the
# province: 0, or the exit code and the start of the one line that refuses it.
REPORTS = {
    "pass-rates": ([], 0, 0),
    "dual-certificate": ([], 0, 0),
    "self-assessment": (["--year", "2023"], 0, 0),
    "sign-list": (["--class", "21数控1"], 0, (2, "用法错误：--by：sign-list 不用这个选项")),
    "site-application": ([], (1, "错误：考点申报表要用学校自己的考点资料"), 2),
    "plan": (["--year", "2023"], (1, "错误：1+X 证书试点实施方案要用学校自己的"), 2),
    "selection": (["--session", "1"], (1, "错误：第1场 机械工程制图"), 2),
    "sign-in": (["--session", "1"], (1, "错误：第1场 机械工程制图职业技能等级证书（初级）"), 2),
    "dossier": (["--year", "2023"], 0, 0),
}


@pytest.mark.parametrize("name", REPORTS)
@pytest.mark.parametrize("option", ["--school", "--by"])
def test_every_report_takes_school_and_the_figures_by_school(province, tmp_path, name, option):
    needs, *outcomes = REPORTS[name]
    expected = outcomes[option == "--by"]
    value = "示例第一" if option == "--school" else "school"
    out = ["-o", tmp_path / f"{name}.html"] if name == "dossier" else []
    done = province("render", name, *needs, option, value, *out)
    code, start = expected if isinstance(expected, tuple) else (expected, "")
    if code == 2:
        start = (
            start
            or f"用法错误：--by：{name} 不用这个选项（只用于 pass-rates、dual-certificate、self-assessment、dossier）"
        )
    assert done.exit_code == code, done.output
    if code:
        assert done.stderr.startswith(start) and done.stderr.count("\n") == 1, done.stderr
        assert "Traceback" not in done.output


def test_a_report_of_one_school_names_it_and_counts_its_own(province):
    shown = province("render", "dual-certificate", "--school", "4144000002", "--cohort", "2024")
    assert shown.stdout.startswith(
        "# 示例第二职业学校2024年毕业学生双证毕业情况统计表\n\n3所学校汇总　　"
    )
    assert "| 2024届 | 4 | 2 | 50.0% |" in shown.stdout
    signed = province("render", "sign-list", "--class", "21数控1", "--school", "第三")
    assert signed.stdout.startswith("# 示例第三职业学校数控技术应用专业21数控1班考证签领名单")
    assert "共1张证书" in signed.stdout


def test_a_schools_own_forms_are_not_the_provinces(province):
    for name, needs, title in (
        ("site-application", [], "考点申报表"),
        ("plan", ["--year", "2023"], "1+X 证书试点实施方案"),
    ):
        done = province("render", name, *needs)
        assert done.exit_code == 1
        assert done.stderr == (
            f"错误：{title}要用学校自己的考点资料和实施方案，省级汇总数据库里没有各校的这些资料："
            "请用学校自己的数据库生成\n"
        )


def test_a_sign_list_of_a_class_two_schools_have_asks_for_the_school(province):
    done = province("render", "sign-list", "--class", "21数控1")
    assert done.exit_code == 1
    assert done.stderr == (
        "错误：班级「21数控1」在2所学校都有发证记录：示例第一职业学校、示例第三职业学校；"
        "签领名单是一所学校的，请用 --school 指定学校\n"
    )


def test_a_session_of_another_school_is_refused(province):
    first = province.query(
        "SELECT se.id FROM sessions se JOIN schools sc ON sc.id = se.school_id"
        " WHERE sc.code = '4144000001' ORDER BY se.id LIMIT 1"
    )[0][0]
    for name in ("selection", "sign-in"):
        done = province("render", name, "--session", first, "--school", "第二职业")
        assert done.exit_code == 1
        assert done.stderr == (
            f"错误：场次 {first} 不是示例第二职业学校的（是示例第一职业学校的）；"
            "xcert session list 列出各场次\n"
        )


def test_self_assessment_of_the_province_each_school_or_one(province):
    done = province("render", "self-assessment", "--year", "2023")
    assert done.exit_code == 1 and done.stderr == (
        "错误：绩效目标是各学校的，省级汇总数据库没有全省的目标："
        "加 --by school 看各校2023年的目标，或用 --school 指定学校\n"
    )
    each = province("render", "self-assessment", "--year", "2023", "--by", "school").stdout
    assert each.startswith("# 全省（3所学校）2023年各校 1+X 证书制度试点项目绩效自评表")
    assert (  # the year and the school once over their three rows
        "|  | 示例第二职业学校 | 1+X 考证人数 | 3 | 3 | 达成 |\n"
        "|  |  | 1+X 证书通过率 | 50.0% | 33.3% | 未达成 |"
    ) in each
    one = province("render", "self-assessment", "--year", "2024", "--school", "第二职业").stdout
    assert one.startswith("# 示例第二职业学校2024年 1+X 证书制度试点项目绩效自评表")
    assert "| 2024年 | 1+X 考证人数 | 2 | 1 | 未达成 |" in one


def test_the_real_merge_gives_the_same_figures(built, tmp_path):
    """`xcert merge` of the same three schools: every figure by school as the stand-in's."""
    merged = Cli(tmp_path / "全省.db")
    done = merged("merge", *(built[code] for code in CODES), "--into", merged.db, db=False)
    assert done.exit_code == 0, done.output
    assert stats(merged, "--by", "school") == stats(Cli(built["province"]), "--by", "school")
    assert stats(merged, "--school", "第三职业") == stats(
        Cli(built["province"]), "--school", "第三职业"
    )


def test_the_rate_reports_by_school_as_filed(province, tmp_path):
    """Reviewed goldens: the province's tables with a row per school and 全省合计."""
    for name, args in (
        ("pass-rates-by-school", ["pass-rates", "--by", "school"]),
        ("dual-certificate-by-school", ["dual-certificate", "--by", "school", "--cohort", "2024"]),
    ):
        for fmt in ("md", "html"):
            out = tmp_path / f"{name}.{fmt}"
            done = province("render", *args, "--date", "2026-11-25", "-o", out)
            assert done.exit_code == 0, done.output
            check_golden(f"{name}.{fmt}", out.read_text(encoding="utf-8"))


def test_the_dossier_of_a_province(province, tmp_path):
    for fmt in ("html", "docx"):
        path = tmp_path / f"全省汇编.{fmt}"
        done = province("render", "dossier", "--by", "school", "--year", "2023", "-o", path)
        assert done.exit_code == 0, done.output
    page = (tmp_path / "全省汇编.html").read_text(encoding="utf-8")
    assert "全省（3所学校）1+X证书制度试点工作材料汇编" in page
    assert "全省（3所学校）各校1+X考证情况统计表" in page  # the span: every year
    assert "全省（3所学校）2023年各校 1+X 证书制度试点项目绩效自评表" in page
    assert page.count("全省合计") >= 2
    one = tmp_path / "第一.html"
    done = province("render", "dossier", "--school", "第一", "--year", "2023", "-o", one)
    assert done.exit_code == 0, done.output
    text = one.read_text(encoding="utf-8")
    assert "<title>示例第一职业学校1+X证书制度试点工作材料汇编</title>" in text
    assert (
        "全省合计" not in text and "示例第一职业学校2023年 1+X 证书制度试点项目绩效自评表" in text
    )
    for form in ("考点申报表", "证书试点实施方案"):  # left out, saying why
        assert f"{form}要用学校自己的考点资料和实施方案" in text


# A student row of a province, drawn: (person or None, cohort, withdrawn, first certified
# year or None, 0 for undated). Few people, so that many have rows in several schools.
STUDENT = st.tuples(
    st.sampled_from([None, "p1", "p2", "p3", "p4"]),
    st.sampled_from([2023, 2024]),
    st.booleans(),
    st.sampled_from([None, 0, 2022, 2023, 2024, 2025]),
)


@functools.cache
def _empty_province() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="xcert-province-"))
    schema.init(folder / "empty.db")
    conn = sqlite3.connect(folder / "empty.db")
    conn.execute(  # the write the schools are journalled under, as a merge's
        "INSERT INTO imports (kind, file_name, sha256, started_at)"
        " VALUES ('merge', 'x', '-', '2026-11-20T09:00:00')"
    )
    conn.executemany(
        "INSERT INTO schools (id, code, name, source_name, source_sha256, source_version,"
        " anonymised) VALUES (?, ?, ?, 'x', '-', 12, 1)",
        [(1, "A1", "甲校"), (2, "B2", "乙校")],
    )
    conn.commit()
    conn.close()
    return folder / "empty.db"


@settings(max_examples=60, deadline=None)
@given(st.lists(STUDENT, max_size=14))
def test_a_person_is_counted_once_as_the_rule_says(rows):
    """The province's graduates and certified of each cohort, by SQL (graduates.py: each
    school's rows, corrected for the people with several), against the rule counted
    person by person here; the lists of people behind them agree."""
    path = Path(tempfile.mkdtemp(prefix="xcert-moved-")) / "p.db"
    shutil.copy(_empty_province(), path)
    conn = sqlite3.connect(path)
    for number, (person, cohort, withdrawn, first) in enumerate(rows, 1):
        conn.execute(
            "INSERT INTO students (id, name, cohort, status, first_certified, school_id, person)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                f"学生{number}",
                cohort,
                "transferred" if withdrawn else "graduated",
                first,
                number % 2 + 1,
                person,
            ),
        )
    expected = {}
    for cohort in (2023, 2024):
        people: dict[object, bool] = {}
        for number, (person, c, withdrawn, first) in enumerate(rows, 1):
            if c != cohort or withdrawn:
                continue
            held = [f for p, _, _, f in rows if p == person] if person else [first]
            who = person or number
            people[who] = people.get(who, False) or any(f is not None and f <= cohort for f in held)
        if people:
            expected[cohort] = (len(people), sum(people.values()))
    scope = Scope(province=2)
    found = graduates.per_cohort(conn, Span(), scope)
    assert {c: (g, k) for c, g, k in found} == expected
    for cohort, (count, certified) in expected.items():
        listed = {
            what: people_.students_behind(conn, what, cohort=cohort, scope=scope, on=NOW.date())
            for what in ("graduates", "certified", "uncertified")
        }
        assert [len(v) for v in listed.values()] == [count, certified, count - certified]
    conn.close()
