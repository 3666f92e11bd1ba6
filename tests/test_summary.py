"""The nightly summary (SPEC 6.6): golden files, same bytes for the same data, --since,
unattended runs (no TTY, empty environment), waiting for a busy database."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from xcert import clock
from xcert.clean.dates import shown
from xcert.output import summary

from conftest import EXAMPLE_FILES, NOW, check_golden, set_clock

DAY = "2026-11-25"


@pytest.fixture
def office(make_school):
    """The examples imported in March, then a day's work on 24 November 2026."""
    cli = make_school(examples=EXAMPLE_FILES)
    for args in (
        ("target", "set", "--year", "2026", "--participants", "3", "--pass-rate", "90%"),
        (
            "record",
            "2021020101",
            "--cert",
            "机械工程制图",
            "--level",
            "初级",
            "--result",
            "合格",
            "--date",
            "2026-06-20",
        ),
        (
            "record",
            "2021020102",
            "--cert",
            "机械工程制图",
            "--level",
            "初级",
            "--result",
            "不合格",
            "--date",
            "2026-06-20",
        ),
        ("sign", "--student", "202001013", "--by", "梁鸣志"),
        (
            "session",
            "add",
            "--cert",
            "机械工程制图",
            "--level",
            "中级",
            "--date",
            "2026-12-12",
            "--site",
            "机械工程制图考点",
            "--capacity-per-day",
            "40",
            "--days",
            "2",
        ),
        ("register", "--session", "4", "--student", "2021020103", "--student", "2021020104"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    conn = sqlite3.connect(cli.db)
    conn.execute("UPDATE imports SET started_at = '2026-03-02T09:00:00' WHERE id <= 5")
    conn.execute(
        "UPDATE imports SET started_at = '2026-11-24T1' || (id - 6) || ':30:00' WHERE id > 5"
    )
    conn.execute(
        "INSERT INTO students (name, class_code, status) VALUES ('无届别', '25数控1', 'enrolled')"
    )
    conn.commit()
    conn.close()
    return cli


def run(cli, tmp_path, *args):
    result = cli("summary", "--output-dir", tmp_path, "--date", DAY, *args)
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_summary_matches_its_golden_file(office, tmp_path, fmt):
    run(office, tmp_path, "--since", "2026-11-24", "--format", fmt)
    check_golden(f"summary.{fmt}", (tmp_path / f"summary-{DAY}.{fmt}").read_text(encoding="utf-8"))


def test_same_data_gives_the_same_bytes_and_a_second_run_reuses_the_day(office, tmp_path):
    first = run(office, tmp_path)
    md = (tmp_path / f"summary-{DAY}.md").read_bytes()
    html = (tmp_path / f"summary-{DAY}.html").read_bytes()
    assert "summary-2026-11-25.md" in first.stdout and "summary-2026-11-25.html" in first.stdout
    run(office, tmp_path)  # the same day again: the same start, the same files
    assert (tmp_path / f"summary-{DAY}.md").read_bytes() == md
    assert (tmp_path / f"summary-{DAY}.html").read_bytes() == html
    assert "2026-11-24 " in md.decode()  # 24 hours before the end of the day: the first run


def test_the_next_summary_starts_where_the_last_one_ended(office, tmp_path, monkeypatch):
    run(office, tmp_path)
    conn = sqlite3.connect(office.db)
    ended = dt.datetime.fromisoformat(summary.last_run(conn)["until"])
    conn.close()
    assert ended == NOW  # the end of that day, or now if that is earlier
    set_clock(monkeypatch, NOW + dt.timedelta(days=1))  # cron, the next evening
    result = office("summary", "--output-dir", tmp_path)
    since = ended.isoformat(sep=" ", timespec="minutes")
    assert f"自 {since} 起" in result.stdout
    text = (tmp_path / "summary-2026-11-26.md").read_text(encoding="utf-8")
    assert f"## 1. 自 {since} 以来的写入\n\n无。" in text


@pytest.mark.parametrize(
    "since, start",
    [
        ("24h", dt.datetime(2026, 11, 24, 23, 59, 59, 999999)),
        ("7d", dt.datetime(2026, 11, 18, 23, 59, 59, 999999)),
        ("2026-11-01", dt.datetime(2026, 11, 1)),
        ("2026-11-01 08:30", dt.datetime(2026, 11, 1, 8, 30)),
        ("2026-11-01T08:30", dt.datetime(2026, 11, 1, 8, 30)),
    ],
)
def test_since_forms(since, start):
    until = dt.datetime.combine(dt.date(2026, 11, 25), dt.time.max)
    assert summary.parse_since(since, until) == start


def test_a_wrong_since_format_or_date_is_a_usage_mistake_and_a_missing_folder_a_refusal(
    office, tmp_path
):
    for args, code in (
        (("--since", "yesterday"), 2),
        (("--format", "pdf"), 2),
        (("--date", "2026-11-31"), 2),
        (("--output-dir", tmp_path / "no"), 1),
    ):
        result = office("summary", "--output-dir", tmp_path, *args)
        assert result.exit_code == code and result.stderr.count("\n") == 1, result.output
    assert f"错误：输出文件夹「{tmp_path / 'no'}」不存在" in result.stderr
    assert not list(tmp_path.glob("summary-*"))


def test_a_schools_summary_template_is_used_and_its_mistake_is_one_line(office, tmp_path):
    """The templates are compiled while the sections are counted; a school's own one is
    used as before, and its mistake still comes out as the one line naming it."""
    own = tmp_path / "模板"
    own.mkdir()
    (own / "summary.md").write_text("# 本校日报 {{ title }}\n", encoding="utf-8")
    out = tmp_path / "日报"
    out.mkdir()
    run(office, out, "--templates", own, "--format", "md,html")
    assert (out / f"summary-{DAY}.md").read_text(encoding="utf-8").startswith("# 本校日报 1+X")
    assert "<h2>1. " in (out / f"summary-{DAY}.html").read_text(encoding="utf-8")
    (own / "summary.md").write_text("# {{ title \n", encoding="utf-8")
    result = office("summary", "--output-dir", out, "--date", DAY, "--templates", own)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1, result.output
    assert "summary.md" in result.stderr and "Traceback" not in result.output


def test_quiet_prints_nothing(office, tmp_path):
    assert run(office, tmp_path, "--quiet").stdout == ""


def test_writes_of_the_window_and_what_they_added(office, tmp_path):
    run(office, tmp_path, "--since", "2026-03-01", "--format", "md")
    text = (tmp_path / f"summary-{DAY}.md").read_text(encoding="utf-8")
    assert "新增学生44人；新增考试成绩30条（合格27，不合格2，缺考1）；新增证书14本。" in text


def nightly(cli, folder) -> list[str]:
    """The summary as cron runs it: its own process."""
    return [
        sys.executable,
        "-m",
        "xcert",
        "--db",
        str(cli.db),
        "summary",
        "--output-dir",
        str(folder),
        "--date",
        DAY,
    ]


def test_summary_runs_from_cron_with_an_empty_environment_and_no_terminal(office, tmp_path):
    env = {"PATH": os.path.dirname(sys.executable)} if os.name == "nt" else {}
    env[clock.ENV] = os.environ[clock.ENV]  # the day this test stands for; nothing else
    result = subprocess.run(
        nightly(office, tmp_path),
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    out = result.stdout.decode("utf-8")
    assert "已写日报" in out and "\x1b[" not in out  # no colour, no progress bar
    assert (tmp_path / f"summary-{DAY}.html").exists()
    missing = subprocess.run(
        [sys.executable, "-m", "xcert", "--db", str(tmp_path / "none.db"), "summary"],
        env=env,
        capture_output=True,
    )
    assert missing.returncode == 1
    assert missing.stderr.decode("utf-8").count("\n") == 1 and b"Traceback" not in missing.stderr


def test_a_summary_during_an_import_waits_and_succeeds(office, tmp_path):
    conn = sqlite3.connect(office.db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")  # a clerk's import holds the write lock
    conn.execute("INSERT INTO students (name) VALUES ('导入中')")

    committed = []

    def finish():
        time.sleep(1.5)
        committed.append(time.monotonic())
        conn.execute("COMMIT")

    writer = threading.Thread(target=finish)
    writer.start()
    proc = subprocess.run(
        nightly(office, tmp_path),
        capture_output=True,
    )
    finished = time.monotonic()
    writer.join()
    conn.close()
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert committed and finished > committed[0]  # it waited for the lock instead of failing


def test_term_start():
    assert summary.term_start(dt.date(2026, 11, 25)) == dt.date(2026, 8, 1)
    assert summary.term_start(dt.date(2026, 3, 1)) == dt.date(2026, 2, 1)
    assert summary.term_start(dt.date(2026, 1, 10)) == dt.date(2025, 8, 1)


def test_one_off_runs_leave_the_nightly_memory_alone(office, tmp_path):
    run(office, tmp_path, "--format", "md")
    nightly = (tmp_path / f"summary-{DAY}.md").read_bytes()
    conn = sqlite3.connect(office.db)
    remembered = summary.last_run(conn)
    conn.close()
    other = tmp_path / "other"
    other.mkdir()
    assert office("summary", "--output-dir", other, "--since", "7d").exit_code == 0
    assert office("summary", "--output-dir", other, "--date", "2026-11-20").exit_code == 0
    conn = sqlite3.connect(office.db)
    assert summary.last_run(conn) == remembered
    conn.close()
    run(office, tmp_path, "--format", "md")
    assert (tmp_path / f"summary-{DAY}.md").read_bytes() == nightly


def test_a_summary_that_cannot_be_written_is_one_line_and_leaves_no_part_file(office, tmp_path):
    (tmp_path / f"summary-{DAY}.md").mkdir()  # in the way, as a full or read-only disk would be
    result = office("summary", "--output-dir", tmp_path, "--date", DAY, "--format", "md")
    assert result.exit_code == 1 and "无法写入" in result.stderr and "内部错误" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("summary")) == [
        f"summary-{DAY}.md"
    ]


@pytest.mark.parametrize("since", ["2026-11-24T08:00Z", "2026-11-24T08:00+08:00", "0x10h"])
def test_since_with_a_time_zone_or_nonsense_is_refused(since):
    with pytest.raises(summary.XcertError):
        summary.parse_since(since, dt.datetime(2026, 11, 25))


def test_a_day_or_a_start_still_to_come_is_refused_and_not_remembered(office, tmp_path):
    """A summary of a day to come, or of writes since a moment to come, cannot be true:
    a usage mistake, no file, and the nightly run's memory untouched."""
    run(office, tmp_path, "--format", "md")
    conn = sqlite3.connect(office.db)
    remembered = summary.last_run(conn)
    conn.close()
    tomorrow = (NOW + dt.timedelta(days=1)).date().isoformat()
    later_today = (NOW + dt.timedelta(hours=1)).isoformat(sep=" ", timespec="minutes")
    other = tmp_path / "other"
    other.mkdir()
    for args, message in (
        (
            ("--date", tomorrow),
            f"--date「{tomorrow}」还没到（今天是 {shown(NOW.date().isoformat())}）",
        ),
        (("--date", "2027-01-01"), "还没到"),
        (("--since", tomorrow), "是将来的时间"),
        (("--since", later_today), "是将来的时间"),
        (("--date", "2026-11-20", "--since", "2026-11-22"), "晚于 2026-11-20 这天日报的结束"),
    ):
        result = office("summary", "--output-dir", other, *args)
        assert result.exit_code == 2 and message in result.stderr, result.stderr
        assert result.stderr.count("\n") == 1
    assert not list(other.iterdir())
    conn = sqlite3.connect(office.db)
    assert summary.last_run(conn) == remembered
    conn.close()
    today = office("summary", "--output-dir", other, "--date", NOW.date(), "--since", "2026-11-25")
    assert today.exit_code == 0, today.output


def test_data_warnings_list_every_certificate_whose_kind_was_guessed(office, tmp_path):
    """数控技术工程师 came in only on the sign-off list (no results): `xcert certs` marks
    it 其他（推测）, so the summary says so too, and how to settle it."""
    run(office, tmp_path, "--format", "md")
    text = (tmp_path / f"summary-{DAY}.md").read_text(encoding="utf-8")
    quality = text.split("数据提醒")[1]
    assert "数控技术工程师（推测为其他证书）" in quality
    assert "xcert import 证书目录.toml" in quality and "没有需要处理的数据问题" not in quality
    catalogue = tmp_path / "目录.toml"
    catalogue.write_text(
        '[[certificate]]\nname = "数控技术工程师"\nkind = "其他"\n', encoding="utf-8"
    )
    assert office("import", catalogue).exit_code == 0
    run(office, tmp_path, "--format", "md", "--since", "1h")
    text = (tmp_path / f"summary-{DAY}.md").read_text(encoding="utf-8")
    assert "推测" not in text.split("数据提醒")[1]


def test_a_summary_replaces_its_own_file_of_the_day_never_a_clerks(office, tmp_path):
    run(office, tmp_path, "--format", "md")
    run(office, tmp_path, "--format", "md", "--since", "1h")  # its own: replaced
    mine = tmp_path / f"summary-{DAY}.html"
    mine.write_text("<p>班主任自己的笔记</p>\n", encoding="utf-8")
    result = office("summary", "--output-dir", tmp_path, "--date", DAY)
    assert result.exit_code == 1 and "不是 xcert 写的文件" in result.stderr
    assert mine.read_text(encoding="utf-8") == "<p>班主任自己的笔记</p>\n"


def test_a_word_summary_holds_the_same_sections_and_the_same_bytes_twice(office, tmp_path):
    """`--format docx`: the sections as headings (一、…), each table as the Markdown
    copy has it, signed as xcert's, and the same data gives the same bytes (cron)."""
    from docx import Document

    run(office, tmp_path, "--since", "2026-11-24", "--format", "md,docx")
    path = tmp_path / f"summary-{DAY}.docx"
    first = path.read_bytes()
    run(office, tmp_path, "--since", "2026-11-24", "--format", "docx")
    assert path.read_bytes() == first
    doc = Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    md = (tmp_path / f"summary-{DAY}.md").read_text(encoding="utf-8")
    md_headings = re.findall(r"^## \d+\. (.+)$", md, re.M)
    assert [h.split("、", 1)[1] for h in headings] == md_headings
    assert headings[0].startswith("一、") and len(doc.tables) >= 4
    assert doc.core_properties.author == "xcert" == doc.core_properties.last_modified_by
    writes = doc.tables[0]
    assert [c.text for c in writes.rows[0].cells][:3] == ["编号", "时间", "操作"]
