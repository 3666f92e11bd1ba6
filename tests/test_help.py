"""What a clerk reads of the command line itself is Chinese (issue 18): every `--help`,
on a wide and an 80-column terminal and off one, with no English of Click's or Typer's
and an example; an unknown command named in Chinese; and a reader that stops early
(`xcert … | head -1`) ends the output quietly, exit 0."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from rich.cells import cell_len
from typer.testing import CliRunner

from xcert.cli import app


def command_paths() -> list[tuple[str, ...]]:
    """`()`, `("import",)`, `("session",)`, `("session", "add")` …: every help there is."""
    found: list[tuple[str, ...]] = []

    def walk(command, path: tuple[str, ...]) -> None:
        found.append(path)
        if hasattr(command, "list_commands"):
            ctx = command.context_class(command)
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), (*path, name))

    walk(typer.main.get_command(app), ())
    return found


PATHS = command_paths()
COMMAND_WORDS = sorted({word for path in PATHS for word in path}, key=len, reverse=True)

# Each as the environment says it: rich reads TTY_COMPATIBLE and COLUMNS, xcert too.
QUIET = {"TERMINAL_WIDTH": None, "FORCE_COLOR": None, "NO_COLOR": None, "PY_COLORS": None}
MODES = {
    "wide terminal": {**QUIET, "TTY_COMPATIBLE": "1", "TERM": "xterm-256color", "COLUMNS": "200"},
    "80-column terminal": {
        **QUIET,
        "TTY_COMPATIBLE": "1",
        "TERM": "xterm-256color",
        "COLUMNS": "80",
    },
    "plain": {**QUIET, "TTY_COMPATIBLE": "0"},
}

# Click's and Typer's own words: none may show, whole or cut by a wrapped line.
ENGLISH_OF_THEIRS = (
    "Usage",
    "Options",
    "Commands",
    "Arguments",
    "Show this",
    "and exit",
    "default:",
    "required",
    "env var",
    "deprecated",
    "dynamic",
    "Aborted",
    "Error",
    "Try ",
    "Did you mean",
    "OPTIONS",
    "COMMAND",
    "ARGS",
    "INTEGER",
    "TEXT",
    "FLOAT",
    "<int",
    "<str",
    "<path",
    "<float",
    "<text",
    "<file",
    "range",
    "<=x",
    "x<=",
    "x>=",
    "x<",
    "x>",
)

# What may be English in a help: a command line (`xcert render --list`), an option and
# its metavar, a file name or path; and these words of the office's, one at a time.
COMMAND_LINE = re.compile(rf"\bxcert(?: (?:{'|'.join(map(re.escape, COMMAND_WORDS))})\b)*")
NOT_PROSE = re.compile(
    r"(?<![\w-])--?[A-Za-z][\w-]*"  # an option: --dry-run, -o
    r"|<[^<>\s][^<>]*>|\{\w+\}(?:\.\.\.)?|\[\w+\]"  # a metavar: <整数 1–8>, {files}..., [name]
    r"|[\w./~-]*\.[A-Za-z]{2,5}\b|(?:/[\w.-]+)+/?"  # a file or a folder: ./xcert.db, /mnt/u盘/
)
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]*(?:[ \t]+[A-Za-z][A-Za-z'’]*)+")
ALLOWED_RUNS: set[str] = set()  # none needed so far: keep it small and explicit


def render_help(path: tuple[str, ...], mode: str) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env=MODES[mode])
    assert result.exit_code == 0, (path, mode, result.output)
    text = result.output
    if mode != "plain":
        assert "\x1b[" in text, f"{mode}: rich did not draw for a terminal"
    return re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)


def english_left(text: str) -> list[str]:
    """Runs of two or more English words outside command lines, options, metavars,
    file names and the examples (例：…), line by line as the clerk sees them."""
    found = []
    for line in text.splitlines():
        line = re.sub(r"[│╭╮╰╯─]", " ", line)
        line = line.split("例：", 1)[0]
        line = NOT_PROSE.sub(" ", COMMAND_LINE.sub(" ", line))
        found += [run for run in ENGLISH_RUN.findall(line) if run not in ALLOWED_RUNS]
    return found


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "xcert")
def test_every_help_is_chinese_with_an_example(path, mode):
    text = render_help(path, mode)
    theirs = [phrase for phrase in ENGLISH_OF_THEIRS if phrase in text]
    assert not theirs, f"xcert {' '.join(path)} --help ({mode}) shows {theirs}:\n{text}"
    english = english_left(text)
    assert not english, f"xcert {' '.join(path)} --help ({mode}) has English {english}:\n{text}"
    assert "例：xcert" in text, f"xcert {' '.join(path)} --help has no example"


def test_the_help_shows_chinese_panels_types_defaults_and_ranges():
    text = render_help(("import",), "plain")
    assert "用法：xcert import [选项] {files}..." in text
    for shown in ("╭─ 参数 ─", "╭─ 选项 ─", "<路径>", "[必填]", "显示此帮助并退出"):
        assert shown in text, shown
    assert re.search(r"--program-years +<整数 1–8> .*\[默认：3\]", text)
    target = render_help(("target", "set"), "plain")
    assert "<整数，不小于 0>" in target and "<整数>" in target
    top = render_help((), "plain")
    assert "用法：xcert [选项] 命令 [参数]..." in top and "╭─ 命令 ─" in top


def test_a_help_is_whole_lines_in_a_pipe_and_fits_an_80_column_terminal():
    plain = render_help(("session", "add"), "plain")
    assert (
        "例：xcert session add --cert 数控车铣加工 --level 中级 --date 2026-12-12 --capacity"
        in plain
    )
    assert max(map(cell_len, plain.splitlines())) == 200  # columns, a Chinese character 2
    narrow = render_help(("session", "add"), "80-column terminal")
    assert max(map(cell_len, narrow.splitlines())) == 80


@pytest.mark.parametrize("path", PATHS, ids=lambda path: " ".join(path) or "xcert")
def test_no_help_is_cut_short_on_an_80_column_terminal(path):
    """Chinese has no spaces to wrap at: an option's help folds onto the next line, it is
    never cut with "…" (stats --list lost graduates, certified and uncertified)."""
    narrow = render_help(path, "80-column terminal")
    assert "…" not in narrow.replace("...", "")
    if path == ("stats",):
        folded = "".join(line.strip("│ ") for line in narrow.splitlines())
        assert "graduates、certified、uncertified" in folded


def test_a_typer_that_drew_help_before_leaves_no_english_or_width_behind():
    """typer.rich_utils is drawn with xcert's words and this run's width, whatever an
    earlier help in the same process (or another program's Typer) left in it."""
    from typer import rich_utils

    rich_utils.OPTIONS_PANEL_TITLE = "Options"
    rich_utils.MAX_WIDTH = 60
    text = render_help(("log",), "plain")
    assert "╭─ 选项 ─" in text and max(map(cell_len, text.splitlines())) == 200


@pytest.mark.parametrize(
    "args, says",
    [
        (["stat"], "没有命令 'stat'；是不是要用 stats"),
        (["imprt", "x.xlsx"], "没有命令 'imprt'；是不是要用 import？"),
        (["session", "lst"], "没有命令 'lst'；是不是要用 list？（xcert session -h 查看用法）"),
        (["target", "sett"], "没有命令 'sett'；是不是要用 set？（xcert target -h 查看用法）"),
        (["export", "registration"], "是不是要用 registrations？"),
    ],
)
def test_an_unknown_command_is_one_chinese_line_with_what_was_meant(cli, args, says):
    result = cli(*args, db=False)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("用法错误：") and says in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Did you mean" not in result.stderr


def test_an_unknown_command_with_nothing_like_it_suggests_nothing(cli):
    result = cli("qqqqq", db=False)
    assert result.stderr == "用法错误：没有命令 'qqqqq'（xcert -h 查看用法）\n"


# --- a reader that stops early -------------------------------------------------------

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux
# Python's own buffering, as cron and a shell run it (unbuffered, a write the reader
# leaves in the middle of ends short and silent, and nothing more is tried)
BUFFERED = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}


def first_line_then_close(argv: list[str], cwd: Path) -> tuple[str, int, str, int]:
    """Run `xcert ARGV | head -1` with a real pipe: read one line, close our end, and
    the rest of the output meets a reader that has gone. The pipe holds only a page
    (its size is returned), so an output longer than that and the line is still being
    written when the reader goes."""
    read_end, write_end = os.pipe()
    holds = fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    proc = subprocess.Popen(
        [sys.executable, "-m", "xcert", *argv],
        stdout=write_end,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=BUFFERED,
    )
    os.close(write_end)
    line = b""
    with os.fdopen(read_end, "rb", buffering=0) as reader:
        while not line.endswith(b"\n"):
            byte = reader.read(1)
            if not byte:
                break
            line += byte
    _, stderr = proc.communicate(timeout=120)
    return line.decode("utf-8"), proc.returncode, stderr.decode("utf-8", "replace"), holds


def whole_output(argv: list[str], cwd: Path) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "xcert", *argv],
        cwd=cwd,
        env=BUFFERED,
        capture_output=True,
        check=True,
    )
    return run.stdout.decode("utf-8")


@pytest.fixture
def office(cli, tmp_path):
    """A database whose log and lists are long: one import of 40 rosters (a write each),
    a cohort of 400."""
    files = []
    for n in range(40):
        rows = "".join(f"20{n:02d}{i:06d},学生{n}-{i},21数控1,2024\n" for i in range(10))
        files.append(tmp_path / f"花名册{n:02d}.csv")
        files[-1].write_text("学号,姓名,班级,届别\n" + rows, encoding="utf-8")
    assert cli("import", *files).exit_code == 0
    return cli.db


@pytest.mark.parametrize(
    "argv",
    [
        ["--help"],
        ["import", "--help"],
        ["log", "--limit", "100"],
        ["stats", "--list", "graduates", "--cohort", "2024"],
        ["stats", "--list", "graduates", "--cohort", "2024", "--format", "json"],
    ],
    ids=lambda argv: " ".join(argv),
)
def test_a_reader_that_stops_after_one_line_ends_the_output_quietly(office, tmp_path, argv):
    command = ["--db", str(office), *argv]
    full = whole_output(command, tmp_path)
    line, code, stderr, holds = first_line_then_close(command, tmp_path)
    assert line == full.splitlines(keepends=True)[0]
    assert len(full.encode("utf-8")) > holds + len(line.encode("utf-8")) + 1024, (
        "the output fits in the pipe: the reader's going was not tested"
    )
    assert code == 0 and stderr == "", stderr
