"""Dates at the precision the clerk wrote them (issue 18): a month stays a month, stored,
compared and shown, and every date is printed one way (`dates.shown`: 2024.9.28, 2024.9,
2022.5-6), on the sign-off list as in the terminal."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from hypothesis import given, settings
from test_properties import _SETTINGS, written_dates

from xcert.clean import cells, dates
from xcert.resources import bundled

from conftest import DRAWING

ROSTER = [
    ["学号", "姓名", "班级", "专业", "届别"],
    ["2024010101", "甲一", "24数控1", "数控技术应用", 2024],
    ["2024010102", "乙二", "24数控1", "数控技术应用", 2024],
    ["2023010101", "丙三", "23数控1", "数控技术应用", 2023],
]
AWARDS = ["学号", "工种", "等级", "鉴定时间", "发证日期", "证书签领人", "签领日期"]
RESULTS = ["学号", "证书名称", "等级", "考核日期", "考核结果"]


@pytest.fixture
def school(make_school):
    return make_school(roster=ROSTER, certificates=[{**DRAWING, "levels": ["初级", "中级"]}])


def awards(xlsx, *rows, name="awards.xlsx"):
    return xlsx(name, {"签领": [AWARDS, *rows]})


def imported(cli, path, *args):
    result = cli("import", path, *args)
    assert result.exit_code == 0, result.output
    return result


def sign_list(cli, *args):
    result = cli("render", "sign-list", "--class", "24数控1", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_month_only_issue_date_stays_a_month_stored_and_shown(school, xlsx):
    """The issue's case: 发证日期2024年9月 was stored 2024-09-01 and printed 2024.9.1,
    beside 鉴定时间 printed as typed."""
    imported(school, awards(xlsx, ["2024010101", "机械制图", "初级", "2024年6月", "2024年9月"]))
    assert school.query("SELECT assessed_start, assessed_end, issued_on FROM awards") == [
        ("2024-06-01", "2024-06-30", "2024-09")
    ]
    text = sign_list(school)
    assert "| 2024.6 | 2024.9 |" in text and "2024.9.1" not in text
    found = school("find", "2024010101").stdout
    assert "2024.9" in found and "2024.9.1" not in found and "2024-09" not in found
    assert "2024.6" in found and "2024年6月" not in found


@pytest.mark.parametrize(
    "written, stored, shown",
    [
        ("2024.9.28", "2024-09-28", "2024.9.28"),
        ("2024年9月28日", "2024-09-28", "2024.9.28"),
        ("20240928", "2024-09-28", "2024.9.28"),
        (dt.datetime(2024, 9, 28), "2024-09-28", "2024.9.28"),
        ("2024年9月", "2024-09", "2024.9"),
        ("2024-9", "2024-09", "2024.9"),
        ("2024年", "2024", "2024"),
        (2024, "2024", "2024"),
        ("2024.9-10", "2024-09/2024-10", "2024.9-10"),
        ("2024.12-2025.1", "2024-12/2025-01", "2024.12-2025.1"),
    ],
)
def test_every_written_issue_date_is_stored_at_its_precision_and_shown_one_way(
    school, xlsx, written, stored, shown
):
    imported(school, awards(xlsx, ["2024010101", "机械制图", "初级", written, written]))
    ((issued, start, end),) = school.query(
        "SELECT issued_on, assessed_start, assessed_end FROM awards"
    )
    assert issued == stored
    span = cells.date_span(written)
    assert (start, end) == (span.start.isoformat(), span.end.isoformat())
    assert span.text == shown
    assert f"| {shown} | {shown} |" in sign_list(school)  # 鉴定时间 and 发证日期 alike


def test_a_year_filter_and_the_dual_certificate_rate_read_a_month_as_its_year(school, xlsx):
    imported(
        school,
        awards(
            xlsx,
            ["2024010101", "机械制图", "初级", None, "2024年9月"],
            ["2023010101", "机械制图", "初级", None, "2024年1月"],  # after the 2023 cohort
            ["2024010102", "机械制图", "初级", None, "2024.12-2025.1"],  # dated by its start
        ),
    )
    assert "甲一" in sign_list(school, "--year", "2024")
    assert (
        "没有2025年的发证记录"
        in school("render", "sign-list", "--class", "24数控1", "--year", "2025").stderr
    )
    data = json.loads(school("stats", "--format", "json").stdout)["dual_certificate"]
    by_cohort = {row["cohort"]: (row["graduates"], row["certified"]) for row in data}
    assert by_cohort == {2023: (1, 0), 2024: (2, 2)}


def test_signed_before_issued_is_a_warning_compared_at_the_precision_written(school, xlsx):
    path = awards(
        xlsx,
        ["2024010101", "机械制图", "初级", None, "2024年9月", "本人", "2024.8.30"],
        ["2024010102", "机械制图", "初级", None, "2024年9月", "本人", "2024.9.5"],  # in that month
        ["2023010101", "机械制图", "初级", None, "2024.9.28", "本人", "2024年9月"],
    )
    result = imported(school, path)
    warnings = [line for line in result.stdout.splitlines() if "早于发证日期" in line]
    assert warnings == [
        "  提示：awards.xlsx 工作表「签领」 第2行：签领日期 2024.8.30 早于发证日期 2024.9；请核对"
    ]
    assert school.query("SELECT signed_on FROM awards ORDER BY id") == [
        ("2024-08-30",),
        ("2024-09-05",),
        ("2024-09",),
    ]


def test_a_day_made_up_by_an_older_xcert_is_corrected_by_importing_the_list_again(school, xlsx):
    """Stored data is left alone (a made-up 2024-09-01 cannot be told from a real one);
    importing the sign-off list again puts the month back, as a logged, undoable update:
    the very same file too, read again (not "identical to import N") since the rules
    that read it changed."""
    path = awards(xlsx, ["2024010101", "机械制图", "初级", "2024.6", "2024年9月"])
    imported(school, path)
    conn = sqlite3.connect(school.db)  # as an older xcert stored it
    conn.execute("UPDATE awards SET issued_on = '2024-09-01'")
    conn.execute("UPDATE imports SET options = json_remove(options, '$.rules')")
    conn.commit()
    conn.close()
    assert "| 2024.9.1 |" in sign_list(school)
    again = imported(school, path)
    assert "更新 1" in again.stdout
    assert school.query("SELECT issued_on FROM awards") == [("2024-09",)]
    assert "| 2024.9 |" in sign_list(school)


def test_every_list_in_the_terminal_shows_a_month_session_one_way(school, xlsx):
    """A result dated 2023年6月: the session, find, stats --list, check and record all
    print 2023.6, whatever spelling made the session."""
    imported(
        school,
        xlsx(
            "r.xlsx", {"成绩": [RESULTS, ["2024010101", "机械制图", "初级", "2023年6月", "合格"]]}
        ),
    )
    assert "2023.6" in school("session", "list").stdout
    assert "2023.6" in school("find", "2024010101").stdout
    listed = json.loads(school("stats", "--list", "passed", "--format", "json").stdout)
    assert listed[0]["exam_date"] == "2023.6"
    assert "| 2023.6 |" in school("stats", "--list", "passed", "--format", "markdown").stdout
    check = json.loads(school("check", "--format", "json").stdout)
    assert check["passed_without_certificate"][0]["date"] == "2023.6"
    typed = school(
        "record",
        "2024010102",
        "--cert",
        "机械制图",
        "--level",
        "初级",
        "--date",
        "2023-6",
        "--result",
        "合格",
    )
    assert "（2023.6）" in typed.stdout
    assert school.query("SELECT count(*) FROM sessions") == [(1,)]  # 2023-6 is 2023年6月


def test_sign_and_record_echo_the_date_as_every_list_shows_it(school, xlsx):
    imported(school, awards(xlsx, ["2024010101", "机械制图", "初级", None, "2024.9.28"]))
    signed = school("sign", "--class", "24数控1", "--by", "学习委员", "--date", "2024-10-08")
    assert "于 2024.10.8 签领" in signed.stdout
    assert school.query("SELECT signed_on FROM awards") == [("2024-10-08",)]
    done = school(
        "record",
        "2024010101",
        "--cert",
        "机械制图",
        "--level",
        "初级",
        "--date",
        "2024-06-18",
        "--result",
        "合格",
    )
    assert "（2024.6.18）" in done.stdout


SITE = (bundled("examples") / "site.toml").read_text(encoding="utf-8")


def test_a_site_form_signed_in_a_month_prints_that_month_not_its_first_day(cli, tmp_path):
    path = tmp_path / "site.toml"
    (tmp_path / "plan-safeguards.md").write_bytes(  # a section of its plan, beside it
        (bundled("examples") / "plan-safeguards.md").read_bytes()
    )
    path.write_text(SITE.replace("signed_on = 2022-09-18", 'signed_on = "2022年9月"'), "utf-8")
    imported(cli, path)
    text = cli("render", "site-application").stdout
    assert "2022年9月　　日" in text and "2022年9月1日" not in text  # the day by hand
    path.write_text(SITE.replace("signed_on = 2022-09-18", 'signed_on = "2022.9-10"'), "utf-8")
    refused = cli("import", path)
    assert refused.exit_code == 1 and "是一段时间" in refused.output


@settings(max_examples=10, **_SETTINGS)
@given(written=written_dates())
def test_any_written_date_reaches_the_sign_off_list_at_its_precision(school, xlsx, written):
    """Clean → store → display through a real import and `render sign-list`, for dates
    of any precision (the same award each time: a later list corrects it)."""
    text, _precision = written
    span = cells.date_span(text)
    imported(school, awards(xlsx, ["2024010101", "机械制图", "初级", text, text, None, None]))
    stored = school.query("SELECT issued_on, assessed_start, assessed_end FROM awards")
    assert stored == [(span.iso, span.start.isoformat(), span.end.isoformat())]
    assert f"| {span.text} | {span.text} |" in sign_list(school)


def test_signing_by_hand_before_the_issue_date_is_refused_at_the_dates_precision(school, xlsx):
    imported(
        school,
        awards(
            xlsx,
            ["2024010101", "机械制图", "初级", None, "2024年9月"],
            ["2024010102", "机械制图", "初级", None, "2024.9.28"],
        ),
    )
    one = school("sign", "--student", "2024010101", "--by", "本人", "--date", "2024-09-05")
    assert one.exit_code == 0 and "注意" not in one.stdout  # within the month it was issued
    other = school("sign", "--student", "2024010102", "--by", "本人", "--date", "2024-09-05")
    assert other.exit_code == 1 and "发证日期 2024.9.28" in other.stderr
    assert school.query("SELECT signed_on FROM awards WHERE issued_on = '2024-09-28'") == [(None,)]


@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2024-09-28", None, "2024.9.28"),
        ("2024-09", None, "2024.9"),
        ("2024", None, "2024"),
        ("2022-05/2022-06", None, "2022.5-6"),
        ("2022-05-01", "2022-06-30", "2022.5-6"),  # a session's or 鉴定时间's bounds
        ("2022-11-01", "2023-01-31", "2022.11-2023.1"),
        ("2024-01-01", "2024-12-31", "2024"),
        ("2024-09-03", "2024-09-05", "2024.9.3-2024.9.5"),  # no sheet writes one
        (None, None, ""),
        ("不详", None, "不详"),  # not a date xcert wrote: as stored
    ],
)
def test_one_function_prints_every_stored_date(start, end, expected):
    assert dates.shown(start, end) == expected


@pytest.mark.parametrize(
    "stored, expected",
    [("2024-01-15", "2024年1月15日"), ("2024-09", "2024年9月"), ("2024", "2024年")],
)
def test_a_documents_own_date_line_is_written_out_at_its_precision(stored, expected):
    assert dates.formal(stored) == expected
