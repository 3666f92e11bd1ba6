"""Global options, init, find, demo, and bad input that must never show a traceback."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import zipfile

import pytest

from xcert import __version__
from xcert.store.schema import SCHEMA_VERSION

from conftest import Cli, make_id


def test_version(cli):
    result = cli("--version", db=False)
    assert result.exit_code == 0 and __version__ in result.stdout


def test_init_creates_the_database_and_is_harmless_to_repeat(cli, db_path):
    first = cli("init")
    assert first.exit_code == 0 and "已创建" in first.stdout
    second = cli("init")
    assert second.exit_code == 0 and "已是最新" in second.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_connections_enforce_foreign_keys_and_wait_when_busy(db_path):
    from xcert.store import schema

    conn = schema.open_db(db_path)
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_database_from_env_var_then_default_file(tmp_path, monkeypatch, xlsx, roster_rows):
    monkeypatch.chdir(tmp_path)
    plain = Cli(tmp_path / "unused.db")
    path = xlsx("r.xlsx", {"S": roster_rows})
    assert (
        plain("import", path, db=False, env={"XCERT_DB": str(tmp_path / "env.db")}).exit_code == 0
    )
    assert (tmp_path / "env.db").exists()
    assert plain("init", db=False, env={"XCERT_DB": ""}).exit_code == 0
    assert (tmp_path / "xcert.db").exists()


def test_a_file_that_is_not_a_database_is_refused(cli, db_path):
    db_path.write_text("hello")
    result = cli("init")
    assert result.exit_code == 1 and "不是 xcert 数据库" in result.stderr


def test_newer_schema_is_refused_not_downgraded(cli, db_path):
    cli("init")
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    result = cli("init")
    assert result.exit_code == 1 and "请升级 xcert" in result.stderr


def test_find_by_name_number_class_and_id_shows_only_masked_ids(cli, xlsx, roster_rows):
    cli("import", xlsx("r.xlsx", {"S": roster_rows}))
    number = roster_rows[1][3]
    for query in ("陈晓", "2021010101", number, number[:17] + number[17].lower()):
        result = cli("find", query)
        assert result.exit_code == 0 and "陈晓明" in result.stdout, query
        assert number not in result.stdout
        assert number[:2] + "*" * 14 + number[-2:] in result.stdout
    assert cli("find", "21数控1").stdout.count("21数控1") == 3
    missing = cli("find", "不存在的人")
    assert missing.exit_code == 1 and "没有找到" in missing.stdout


def test_find_without_a_database_says_how_to_start(cli):
    result = cli("find", "陈")
    assert result.exit_code == 1 and "xcert init" in result.stderr


def test_demo_builds_a_database_from_the_bundled_examples(tmp_path):
    folder = tmp_path / "demo"
    result = Cli(tmp_path / "x.db")("demo", folder, db=False)
    assert result.exit_code == 0, result.output
    assert "GB18030/GBK" in result.stdout and "拒绝 0" in result.stdout
    conn = sqlite3.connect(folder / "xcert.db")
    assert conn.execute("SELECT count(*) FROM students").fetchone()[0] >= 40
    cohorts = {c for (c,) in conn.execute("SELECT DISTINCT cohort FROM students")}
    assert None not in cohorts
    assert conn.execute("SELECT count(*) FROM results").fetchone()[0] == 28
    assert conn.execute("SELECT count(*), count(signed_by) FROM awards").fetchone() == (14, 11)
    assert "陈锦曦（202001001）的证书" in result.stdout
    # a selection on the example classes: 60 % of each class's enrolled students
    assert conn.execute("SELECT count(*) FROM registrations").fetchone()[0] == 18
    assert "按选拔成绩为下一场考试选考生" in result.stdout
    # one major's table 1, as the seed draws it up: on the screen and as a report
    assert "stats --major 数控技术应用 --from 2022 --to 2023" in result.stdout
    assert "数控技术应用专业1+X 考证情况统计" in result.stdout
    report = (folder / "pass-rates-数控技术应用.md").read_text(encoding="utf-8")
    assert report.startswith("# 数控技术应用专业2022-2023年1+X考证情况统计表")
    assert "| 2022年 | 13 | 12 | 1 | 92.3% |" in report
    again = Cli(tmp_path / "x.db")("demo", folder, db=False)
    assert again.exit_code == 0
    kinds = [k for (k,) in conn.execute("SELECT kind FROM imports ORDER BY id")]
    assert len(kinds) == 9 and kinds[-3:] == ["session", "select", "graduate"]
    # the oldest cohort past its graduation day graduates; the next is left to the summary
    assert "graduate --cohort 2024" in result.stdout and "已把2024届在读的" in result.stdout
    statuses = dict(conn.execute("SELECT status, count(*) FROM students WHERE cohort = 2024"))
    assert "enrolled" not in statuses and statuses["graduated"] > 0
    summary = next(folder.glob("summary-*.md")).read_text(encoding="utf-8")
    assert "xcert graduate --cohort 2025" in summary


@pytest.fixture
def bad_files(tmp_path, xlsx):
    good = xlsx("good.xlsx", {"S": [["学号", "姓名", "班级"], ["1", "甲", "20数控1"]]})
    files = {}
    files["empty"] = tmp_path / "empty.xlsx"
    files["empty"].write_bytes(b"")
    files["text_named_xlsx"] = tmp_path / "notes.xlsx"
    files["text_named_xlsx"].write_text("hello, world\nthis is not a roster\n")
    files["truncated"] = tmp_path / "truncated.xlsx"
    files["truncated"].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    files["binary"] = tmp_path / "random.xls"
    files["binary"].write_bytes(bytes(range(256)) * 64)
    files["ole_garbage"] = tmp_path / "garbage.xls"
    files["ole_garbage"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    files["pdf"] = tmp_path / "scan.xlsx"
    files["pdf"].write_bytes(b"%PDF-1.7\n...")
    files["plain_zip"] = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(files["plain_zip"], "w") as z:
        z.writestr("readme.txt", "hi")
    files["header_only_unknown"] = xlsx("unknown.xlsx", {"S": [["甲", "乙", "丙"], [1, 2, 3]]})
    files["directory"] = tmp_path / "a-folder"
    files["directory"].mkdir()
    files["missing"] = tmp_path / "missing.xlsx"
    files["html_as_xls"] = tmp_path / "platform.xls"
    files["html_as_xls"].write_text(
        "<html><body><table><tr><td>姓名</td></tr></table></body></html>"
    )
    files["latin1_csv"] = tmp_path / "latin.csv"
    files["latin1_csv"].write_bytes("姓名,班级\n".encode() + b"\x81\x30\xff\xfe\xfd\n")
    return files


@pytest.mark.parametrize(
    "kind",
    [
        "empty",
        "text_named_xlsx",
        "truncated",
        "binary",
        "ole_garbage",
        "pdf",
        "plain_zip",
        "header_only_unknown",
        "directory",
        "missing",
        "html_as_xls",
        "latin1_csv",
    ],
)
def test_bad_files_get_one_clear_line_and_exit_1(cli, bad_files, kind):
    result = cli("import", bad_files[kind])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert bad_files[kind].name in result.stderr
    assert cli.query("SELECT count(*) FROM students") == [(0,)]


def test_header_only_file_imports_nothing_and_says_so(cli, xlsx):
    result = cli("import", xlsx("h.xlsx", {"S": [["学号", "姓名", "班级"]]}))
    assert result.exit_code == 0 and "0行数据" in result.stdout and "新增 0" in result.stdout


def test_rejects_needs_an_xlsx_name(cli, xlsx, roster_rows):
    result = cli("import", xlsx("r.xlsx", {"S": roster_rows}), "--rejects", "out.csv")
    assert result.exit_code == 2 and ".xlsx" in result.stderr  # a usage mistake
    assert not cli.db.exists()  # refused before anything was opened


def test_unknown_kind_is_a_usage_error_and_a_forced_kind_needs_its_columns(cli, xlsx, roster_rows):
    path = xlsx("r.xlsx", {"S": roster_rows})
    result = cli("import", path, "--kind", "grades")
    assert result.exit_code == 2 and "grades" in result.stderr
    result = cli("import", path, "--kind", "results")
    assert result.exit_code == 1 and "考核成绩表缺少「证书名称」列" in result.stderr


def test_usage_errors_exit_2(cli):
    assert cli("import").exit_code == 2
    assert cli("import", "x.xlsx", "--program-years", "0").exit_code == 2


@pytest.mark.parametrize(
    "args, says",
    [
        (["render", "foo"], "没有名为「foo」的报表"),
        (["stats", "--year"], "--year 后面要写一个值"),
        (["stats", "--by", "x"], "--by：「x」不可用"),
        (["nosuch"], "没有命令 'nosuch'"),
        (["import"], "缺少 FILES"),
        (["log", "--limit", "0"], "不是合理的条数"),
        (["undo", "abc"], "WRITE_ID：「abc」不是整数"),
        (
            ["import", "x.csv", "--program-years", "0"],
            "--program-years：0 不在允许的范围内（1 到 8）",
        ),
        (["target", "set", "--year", "2026", "--participants", "-3"], "（不小于 0）"),
    ],
)
def test_usage_errors_are_one_chinese_line(cli, args, says):
    result = cli(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith("用法错误：") and says in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Usage:" not in result.stderr
    assert "is not" not in result.stderr  # no English of Click's left


def test_an_options_own_message_does_not_name_it_twice(cli):
    result = cli("session", "add", "--cert", "数控车铣加工", "--date", "明天")
    assert result.exit_code == 2 and result.stderr.count("--date：") == 1, result.stderr


def test_full_id_number_never_reaches_the_terminal(cli, xlsx):
    number = make_id(seq="901")
    rows = [
        ["学号", "姓名", "身份证号", "班级"],
        ["1", "甲", number, "20数控1"],
        ["1", "甲", number, "20数控2"],
    ]
    result = cli("import", xlsx("r.xlsx", {"S": rows}))
    assert result.exit_code == 1 and number not in result.output


def test_python_dash_m_runs_the_cli(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "xcert", "--db", str(tmp_path / "m.db"), "init"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "已创建数据库" in result.stdout


@pytest.mark.parametrize("argv", [["--help"], ["stats", "--format", "json"]])
def test_start_up_leaves_the_heavy_libraries_unimported(tmp_path, argv):
    """Start-up is a benchmark figure (issues 4, 6); this guards what it depends on:
    readers, writers, templates and pydantic (Typer 0.29+) load only when a command needs them."""
    import subprocess
    import sys

    db = tmp_path / "s.db"
    subprocess.run([sys.executable, "-m", "xcert", "--db", str(db), "init"], check=True)
    probe = (
        "import sys\n"
        "from xcert.cli import main\n"
        f"sys.argv = ['xcert', '--db', {str(db)!r}, *{argv!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('pydantic', 'openpyxl', 'jinja2', 'python_calamine', 'sqlite_utils')\n"
        "print('LOADED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "LOADED []" in result.stdout, result.stdout[-300:] + result.stderr[-300:]


def test_debug_shows_the_traceback_and_nothing_else_does(cli, tmp_path):
    missing = tmp_path / "nope.xlsx"
    plain = cli("import", missing)
    assert plain.exit_code == 1 and "Traceback" not in plain.output
    from xcert.errors import XcertError

    with pytest.raises(XcertError):
        cli("--debug", "import", missing)


def test_no_progress_bar_when_not_on_a_terminal(cli, xlsx):
    rows = [["学号", "姓名", "班级"]] + [
        [f"2021{i:06d}", f"学生{i}", "21数控1"] for i in range(3000)
    ]
    assert cli("init").exit_code == 0
    result = cli("import", xlsx("big.xlsx", {"S": rows}))
    assert result.exit_code == 0 and result.stderr == ""
    assert "新增 3000" in result.stdout


def test_progress_bar_appears_on_a_terminal_only_for_thousands_of_rows(monkeypatch):
    from xcert.cli import imports as cli_module

    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: False, raising=False)
    with cli_module._progress() as update:
        assert update is None
    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: True, raising=False)
    progress = cli_module._progress()
    with progress as update:
        update(10, 100)
        assert progress.bar is None
        update(3000, 6000)
        assert progress.bar is not None
        assert progress.bar.tasks[0].completed == 3000


@pytest.mark.parametrize(
    ("env", "tty"), [({"TTY_COMPATIBLE": "0"}, True), ({"FORCE_COLOR": "1"}, False)]
)
def test_progress_bar_follows_the_same_terminal_test_as_the_output(monkeypatch, env, tty):
    from xcert.cli import imports as cli_module

    for key in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(cli_module.sys.stderr, "isatty", lambda: tty, raising=False)
    progress = cli_module._progress()
    with progress as update:
        if not tty:  # FORCE_COLOR: a terminal for rich, so a bar, on a real Console
            update(3000, 6000)
            assert progress.bar is not None
        else:  # TTY_COMPATIBLE=0: not a terminal, so no bar
            assert update is None


def _run_unbuffered_off(command: str, tmp_path) -> subprocess.CompletedProcess:
    """A shell line with Python's own buffering (no PYTHONUNBUFFERED), as cron runs it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    xcert = f"{sys.executable} -m xcert --db {tmp_path / 'o.db'}"
    return subprocess.run(
        ["bash", "-c", command.replace("XCERT", xcert)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )


def test_report_and_problems_keep_their_order_in_one_log(tmp_path):
    (tmp_path / "bad.csv").write_text("学号,姓名,届别\n1,张三,abc\n", encoding="utf-8")
    run = _run_unbuffered_off(
        "XCERT init >/dev/null; XCERT import bad.csv --dry-run > log 2>&1", tmp_path
    )
    lines = (tmp_path / "log").read_text(encoding="utf-8").splitlines()
    assert run.returncode == 1, lines  # a problem: exit 1, nothing written
    assert lines[0].startswith("bad.csv（csv") and "拒绝 1" in lines[2]
    assert "届别应为年份" in lines[3] and lines[4].startswith("试运行")


def test_a_reader_that_stops_early_gets_no_python_noise(tmp_path):
    run = _run_unbuffered_off("XCERT init > /dev/null; XCERT render --list | true", tmp_path)
    assert run.stderr == "" and "Exception" not in run.stdout


def test_a_reader_that_stops_early_does_not_change_what_the_import_does(tmp_path):
    """`| head -1` closes stdout: the import still writes, its problems still reach stderr,
    and its exit code is still its own (0 written, 1 refused)."""
    rows = "".join(f"2021{i:06d},学生{i},21数控1\n" for i in range(3000))
    (tmp_path / "good.csv").write_text("学号,姓名,班级\n" + rows, encoding="utf-8")
    (tmp_path / "bad.csv").write_text("学号,姓名,届别\n1,张三,abc\n", encoding="utf-8")
    _run_unbuffered_off("XCERT init", tmp_path)
    good = _run_unbuffered_off("XCERT import good.csv | head -1; exit ${PIPESTATUS[0]}", tmp_path)
    assert good.returncode == 0 and good.stderr == ""
    stored = sqlite3.connect(tmp_path / "o.db").execute("SELECT count(*) FROM students")
    assert stored.fetchone()[0] == 3000
    bad = _run_unbuffered_off("XCERT import bad.csv | true; exit ${PIPESTATUS[0]}", tmp_path)
    assert bad.returncode == 1 and "届别应为年份" in bad.stderr and "Exception" not in bad.stderr
    table = _run_unbuffered_off("XCERT log | true; exit ${PIPESTATUS[0]}", tmp_path)
    assert table.returncode == 0 and table.stderr == ""  # rich's own pipe handling set aside
    (tmp_path / "mixed.csv").write_text(
        "学号,姓名,届别\n2,李四,abc\n3,王五,2024\n4,赵六,2024\n", encoding="utf-8"
    )
    both = _run_unbuffered_off(
        "XCERT import mixed.csv --skip-invalid --rejects rej.xlsx 2>&1 | head -1;"
        " exit ${PIPESTATUS[0]}",
        tmp_path,
    )
    assert both.returncode == 0 and (tmp_path / "rej.xlsx").exists()  # stderr gone too


def test_help_width_is_this_runs_only(cli):
    assert cli("--version").exit_code == 0
    assert "TERMINAL_WIDTH" not in os.environ


def test_find_treats_wildcards_as_plain_text(cli, xlsx, roster_rows):
    cli("import", xlsx("r.xlsx", {"S": roster_rows}))
    assert cli("find", "%").exit_code == 1
    assert cli("find", "_").exit_code == 1


def test_names_with_brackets_are_shown_as_typed_not_as_markup(cli, xlsx):
    rows = [["学号", "姓名", "班级"], ["1", "张[/]三", "23汽修1"], ["2", "王[yan]明", "23汽修1"]]
    assert cli("import", xlsx("r[b].xlsx", {"S": rows})).exit_code == 0
    result = cli("find", "23汽修1")
    assert result.exit_code == 0, result.output
    assert "张[/]三" in result.stdout and "王[yan]明" in result.stdout


def test_demo_never_replaces_a_database_it_did_not_make(tmp_path, xlsx, roster_rows):
    office = tmp_path / "office"
    office.mkdir()
    real = Cli(office / "xcert.db")
    real("import", xlsx("r.xlsx", {"S": roster_rows}))
    result = Cli(tmp_path / "x.db")("demo", office, db=False)
    assert result.exit_code == 1 and "不是演示数据库" in result.stderr
    assert len(real.students()) == 3


def test_init_refuses_another_programs_sqlite_file(cli, db_path):
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE foo (x)")
    conn.commit()
    conn.close()
    result = cli("init")
    assert result.exit_code == 1 and "别的程序" in result.stderr
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == 0


def test_init_in_a_missing_folder_says_so(cli, tmp_path):
    result = cli("--db", tmp_path / "nodir" / "x.db", "init", db=False)
    assert result.exit_code == 1 and "不存在" in result.stderr


def test_find_says_when_the_list_is_cut(cli, xlsx, monkeypatch):
    from xcert.office import search

    monkeypatch.setattr(search, "MAX_SHOWN", 2)
    rows = [["学号", "姓名", "班级"]] + [[str(i), f"学生{i}", "21数控1"] for i in range(3)]
    cli("import", xlsx("r.xlsx", {"S": rows}))
    result = cli("find", "学生")
    assert "只显示前2名" in result.stdout


def test_an_import_for_a_log_loads_no_rich(tmp_path):
    """Off a terminal a command that prints only text writes it as it is: rich (a good
    part of a cron job's start-up) loads only for a table."""
    import subprocess
    import sys

    csv = tmp_path / "r.csv"
    csv.write_text("学号,姓名,班级\n2021010101,陈晓明,21数控1\n", encoding="utf-8")
    probe = (
        "import sys\n"
        "from xcert.cli import main\n"
        f"sys.argv = ['xcert', '--db', {str(tmp_path / 'r.db')!r}, 'import', {str(csv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('RICH', 'rich' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert "新增 1" in result.stdout and "RICH False" in result.stdout, result.stderr[-300:]


@pytest.mark.parametrize("env", [{}, {"FORCE_COLOR": "1"}])
def test_no_control_character_reaches_the_screen_or_the_log(cli, tmp_path, env):
    """An escape sequence in a file name or a cell would rewrite a clerk's terminal."""
    path = tmp_path / "名单\x1b[2J.csv"
    path.write_text("学号,姓名,班级\n2021010101,陈\x1b]0;x\x07晓明,21数控1\n", encoding="utf-8")
    result = cli("import", path, env=env)
    assert result.exit_code == 0, result.output
    assert "名单[2J.csv" in result.stdout
    shown = result.stdout.replace("\x1b[1m", "").replace("\x1b[0m", "")  # rich's bold
    assert "\x1b" not in shown and "\x07" not in shown
    assert cli.query("SELECT name FROM students") == [("陈]0;x晓明",)]


def test_plain_output_is_the_text_itself_and_tables_still_render(cli, xlsx, roster_rows):
    name = "名单:warning:\t第1批.xlsx"  # rich would turn :warning: into an emoji
    result = cli("import", xlsx(name, {"S": roster_rows}))
    assert result.stdout.startswith(f"{name}（xlsx，")
    assert "\x1b[" not in result.stdout
    found = cli("find", "陈晓明")
    assert "┃ 学号" in found.stdout and "\x1b[" not in found.stdout


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, False, False),
        ({}, True, True),
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": ""}, True, False),
        ({"TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"}, True, False),
        ({"TTY_COMPATIBLE": "1"}, False, True),
    ],
)
def test_terminal_detection_follows_rich(monkeypatch, env, tty, expected):
    from rich.console import Console

    from xcert.cli.console import is_terminal as _is_terminal

    class Stream:
        def isatty(self) -> bool:
            return tty

        def write(self, text: str) -> int:
            return len(text)

        def flush(self) -> None:
            pass

    for key in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert _is_terminal(Stream()) is expected
    assert Console(file=Stream()).is_terminal is expected


def test_help_in_a_pipe_is_not_cut(tmp_path):
    run = _run_unbuffered_off("XCERT render -h | cat", tmp_path)
    assert "site-application" in run.stdout and "…" not in run.stdout, run.stdout


def test_a_closed_stdout_without_a_file_is_set_aside_too(monkeypatch):
    """Under a test runner or an embedding program stdout may have no file descriptor."""
    import io

    from xcert.cli import console as cli_module

    monkeypatch.setattr(sys, "stdout", io.StringIO())
    cli_module.stream_gone()
    assert sys.stdout.name == os.devnull
    sys.stdout.write("goes nowhere\n")
    sys.stdout.close()
