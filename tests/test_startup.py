"""Start-up (issue 21): a command loads its own module and what it uses, no more. The
app's group knows each command's module by name (`app.Group.COMMANDS`); these tests
hold that list to what the modules register, and `xcert stats` into a pipe to a start
without rich, the readers, the writers or the other commands."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from xcert.cli import app
from xcert.cli.app import Group
from xcert.store import connect, schema


def _registered() -> dict[str, str]:
    """Every command and group registered on `app`, with the module that defines it."""
    typer.main.get_command(app).list_commands(None)  # a help lists them: all load
    found = {
        (c.name or c.callback.__name__): c.callback.__module__ for c in app.registered_commands
    }
    for group in app.registered_groups:
        modules = {c.callback.__module__ for c in group.typer_instance.registered_commands}
        assert len(modules) == 1, (group.name, modules)
        found[group.name] = modules.pop()
    return found


def test_every_command_is_listed_with_the_module_that_registers_it():
    expected = {name: f"xcert.cli.{module}" for name, module in Group.COMMANDS.items()}
    assert _registered() == expected


def test_a_command_runs_when_its_module_was_not_loaded_before(tmp_path):
    """A fresh process: `target set` lives in the stats module, `session list` in
    sessions; each loads on its own, and a mistyped one still gets its suggestion."""
    db = tmp_path / "x.db"
    env = {**os.environ, "XCERT_DB": str(db), "TTY_COMPATIBLE": "0"}
    run = [sys.executable, "-m", "xcert"]
    assert subprocess.run([*run, "init"], env=env, capture_output=True).returncode == 0
    done = subprocess.run(
        [*run, "target", "set", "--year", "2026", "--participants", "3"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "2026年目标已设置\n"), done.stderr
    listed = subprocess.run([*run, "session", "list"], env=env, capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    wrong = subprocess.run([*run, "stat"], env=env, capture_output=True, text=True)
    assert wrong.returncode == 2
    assert wrong.stderr.startswith("用法错误：没有命令 'stat'；是不是要用 stats"), wrong.stderr


def test_help_lists_every_command_with_its_chinese_help(tmp_path):
    env = {**os.environ, "TTY_COMPATIBLE": "0", "TERMINAL_WIDTH": "200"}
    shown = subprocess.run(
        [sys.executable, "-m", "xcert", "--help"], env=env, capture_output=True, text=True
    )
    assert shown.returncode == 0, shown.stderr
    rows = [line.strip("│ ").split(None, 1) for line in shown.stdout.splitlines()]
    listed = {row[0]: row[1] for row in rows if len(row) == 2 and row[0] in Group.COMMANDS}
    assert list(listed) == list(Group.COMMANDS)  # every one, in the office's order
    for name, text in listed.items():
        first = typer.main.get_command(app).get_command(None, name).help.split("\n")[0]
        assert text.rstrip(" │").startswith(first[:20]), (name, text)


# What a school's tables hold: ASCII, Chinese (also beyond the BMP), full-width forms,
# Chinese punctuation and units, the masks' asterisks, and the odd character a pasted
# cell brings (a combining accent, a zero-width space, an emoji, Hangul).
CELL_TEXT = st.lists(
    st.sampled_from(
        [*"abcXYZ019 .-_:/*%()[]#@", *"王李张数控一班考证合格（）：；，。、％—·•・",
         *"𠀋ＡＢ１２é①Ⅲ😀한", "e\u0301", "a\u200bb"]
    ),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(data=st.data(), columns=st.integers(1, 5))
def test_a_plain_table_is_drawn_as_rich_draws_it(data, columns):
    """Off a terminal the table is drawn without rich (start-up): line for line what
    rich drew there before, column widths included."""
    import io

    from rich.cells import cell_len
    from rich.console import Console as RichConsole

    from xcert.cli import console

    header = data.draw(st.lists(CELL_TEXT.filter(bool), min_size=columns, max_size=columns))
    row = st.lists(CELL_TEXT, min_size=columns, max_size=columns)
    rows = data.draw(st.lists(row, min_size=1, max_size=4))
    widths = console.natural_widths(header, rows, cell_len)
    assert console.natural_widths(header, rows, console.plain_width) == widths
    out = io.StringIO()
    rich = RichConsole(  # as xcert's own (cli/console.py): a cell's `:a:` is no emoji code
        file=out, width=10_000, no_color=True, highlight=False, markup=False, emoji=False
    )
    rich.print(console._boxed(None, header, rows, widths, fold=False))
    assert console.plain_box(header, rows, widths) == out.getvalue().splitlines()


def test_a_lazy_pattern_is_the_compiled_one_once_used():
    import re

    from xcert.clean.patterns import Lazy

    source = r"(\d{4})\s*年"
    lazy, compiled = Lazy(source), re.compile(source)
    text = "2022年、2023 年和二〇二四年"
    assert lazy.sub(r"\1", text) == compiled.sub(r"\1", text)  # the first use compiles
    assert lazy.search(text).span() == compiled.search(text).span()
    assert lazy.match(text).group(1) == "2022" and lazy.fullmatch(text) is None
    assert lazy.split(text) == compiled.split(text)
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
    assert Lazy("a", re.IGNORECASE).fullmatch("A") is not None
    assert lazy.sub.__self__ is lazy.match.__self__  # compiled once, every method its own


def test_importing_the_cleaning_rules_compiles_no_pattern():
    """A regular expression of xcert's is compiled when first used, not at import: the
    CJK classes alone cost milliseconds at every start (`xcert stats` cleans nothing)."""
    probe = (
        "import re, sys\n"
        "made = []\n"
        "compile = re.compile\n"
        "def counted(*args, **kwargs):\n"
        "    made.append(sys._getframe(1).f_globals.get('__name__'))\n"
        "    return compile(*args, **kwargs)\n"
        "re.compile = counted\n"
        "import xcert.clean.cells, xcert.privacy, xcert.output.tables, xcert.office.catalogue\n"
        "print(sorted({name for name in made if name.startswith('xcert')}))\n"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert shown.stdout == "[]\n", shown.stdout + shown.stderr


# Loaded by `xcert stats` into a pipe on an empty database: none of these.
NOT_FOR_STATS = (
    "rich", "openpyxl", "jinja2", "docx", "python_calamine", "sqlite_utils",
    "xcert.cli.imports", "xcert.cli.reports", "xcert.cli.sessions", "xcert.cli.ops",
    "xcert.cli.records", "xcert.cli.students", "xcert.cli.teachers",
    "xcert.store.journal", "xcert.office.catalogue", "xcert.clean.cells",
    "xcert.store.schema", "xcert.store.migrations", "xcert.store.backup", "xcert.store.triggers",
    "xcert.outfiles",
    "csv", "decimal", "json", "hashlib", "zipfile",
)  # fmt: skip


def test_stats_into_a_pipe_loads_neither_rich_nor_the_other_commands(tmp_path):
    """The start-up of a cron job's `xcert stats > file` (issue 21): the table is drawn
    without rich, and no other command's module, reader, writer or template engine is
    loaded; its output is the table all the same."""
    db = tmp_path / "s.db"
    env = {**os.environ, "TTY_COMPATIBLE": None, "FORCE_COLOR": None}
    env = {k: v for k, v in env.items() if v is not None}
    made = subprocess.run([sys.executable, "-m", "xcert", "--db", str(db), "init"], env=env)
    assert made.returncode == 0
    probe = (
        "import sys\n"
        "from xcert.cli import main\n"
        f"sys.argv = ['xcert', '--db', {str(db)!r}, 'stats']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"loaded = [m for m in {NOT_FOR_STATS!r} if m in sys.modules]\n"
        "print('LOADED', loaded, file=sys.stderr)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True
    )  # stdout a pipe: not a terminal
    assert "LOADED []" in shown.stderr, shown.stderr[-500:]
    lines = shown.stdout.splitlines()
    assert lines[0] == "1+X 考证情况统计" and lines[1].startswith("┏━")
    assert "┃ 年份 ┃ 1+X 考证人数（人） ┃" in lines[2] and "双证毕业率" in lines


# The dataclasses `xcert stats` defines: each costs its start some tenths of a millisecond
# (Python 3.11 compiles its methods one by one), so values on its path are NamedTuples.
# These two stay dataclasses: `dataclasses.replace` changes a Problem and a Table, and a
# Table is changed in place.
STATS_DATACLASSES = ["xcert.errors.Problem", "xcert.output.tables.Table"]


def test_stats_defines_no_dataclass_but_the_two_it_needs(tmp_path):
    db = tmp_path / "s.db"
    assert subprocess.run([sys.executable, "-m", "xcert", "--db", str(db), "init"]).returncode == 0
    probe = (
        "import dataclasses, sys\n"
        "from xcert.cli import main\n"
        f"sys.argv = ['xcert', '--db', {str(db)!r}, 'stats']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "found = sorted(f'{m.__name__}.{name}' for m in list(sys.modules.values())\n"
        "    if m.__name__.startswith('xcert') for name, value in vars(m).items()\n"
        "    if dataclasses.is_dataclass(value) and value.__module__ == m.__name__)\n"
        "print('DATACLASSES', found, file=sys.stderr)\n"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert f"DATACLASSES {STATS_DATACLASSES}" in shown.stderr, shown.stderr[-500:]


def _pragmas(conn: sqlite3.Connection) -> list[object]:
    names = ("journal_mode", "foreign_keys", "busy_timeout", "synchronous", "user_version")
    return [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names]


def _set_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()


def test_a_current_database_opens_without_the_migrations_as_schema_opens_it(cli):
    """`connect.open_current` (every run but an upgrade's) gives the connection
    `schema.open_db` gives, and leaves every other file to it: an older one upgraded
    after a backup, a newer one refused, an empty or missing one named."""
    assert connect.SCHEMA_VERSION == schema.SCHEMA_VERSION  # one version, two places
    assert cli("init").exit_code == 0
    fast = connect.open_current(cli.db, "xcert stats")
    assert fast is not None and fast.command == "xcert stats"
    full = schema.open_db(cli.db, create=False, command="xcert stats")
    assert _pragmas(fast) == _pragmas(full) and fast.isolation_level is full.isolation_level
    fast.close()
    full.close()
    _set_version(cli.db, schema.SCHEMA_VERSION - 1)
    assert connect.open_current(cli.db) is None
    assert cli("stats").exit_code == 0  # upgraded, as before
    assert cli.query("PRAGMA user_version") == [(schema.SCHEMA_VERSION,)]
    assert len(list(cli.db.parent.glob(f"{cli.db.name}.v{schema.SCHEMA_VERSION - 1}-*.bak"))) == 1
    _set_version(cli.db, 999)
    assert connect.open_current(cli.db) is None
    newer = cli("stats")
    assert newer.exit_code == 1 and "请升级 xcert" in newer.stderr
    cli.db.write_bytes(b"")
    assert connect.open_current(cli.db) is None
    empty = cli("stats")
    assert empty.exit_code == 1 and "是空文件" in empty.stderr
    cli.db.unlink()
    assert connect.open_current(cli.db) is None
    assert cli("stats").exit_code == 1 and not cli.db.exists()


def test_a_process_that_skips_the_last_collections_leaves_everything_closed(tmp_path):
    """`xcert.cli.main` freezes the collector once a command has succeeded (start-up):
    what the run wrote is complete and closed without the last collections, and SQLite's
    side files are gone as after every closed connection (a connection left to the
    collector would leave them). A refused run keeps the collections: they close what
    its error left open (`summary` into a folder that is not there)."""
    db = tmp_path / "x.db"
    env = {**os.environ, "XCERT_DB": str(db), "TTY_COMPATIBLE": "0"}
    roster = tmp_path / "花名册.csv"
    roster.write_text("学号,姓名,班级\n1,林一,22数控1\n2,林二,22数控1\n", encoding="utf-8")
    twice = tmp_path / "重复.csv"
    twice.write_text("学号,姓名,班级\n3,林三,22数控1\n3,林四,22数控1\n", encoding="utf-8")
    runs = {
        ("init",): 0,
        ("import", str(roster)): 0,
        ("import", str(twice)): 1,  # the same 学号 twice: refused, nothing written
        ("target", "set", "--year", "2026", "--participants", "3"): 0,
        ("stats", "--major", "不存在"): 2,
        ("stats", "-o", str(tmp_path / "统计.xlsx")): 0,
        ("summary", "--output-dir", str(tmp_path / "日报"), "--quiet"): 1,
        ("summary", "--output-dir", str(tmp_path), "--quiet"): 0,
    }
    for args, code in runs.items():
        done = subprocess.run(
            [sys.executable, "-m", "xcert", *args], env=env, capture_output=True, text=True
        )
        assert done.returncode == code, (args, done.stderr)
        assert sorted(p.name for p in tmp_path.glob("x.db*")) == ["x.db"], args
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "统计.xlsx", read_only=True)
    sheets = book.sheetnames
    book.close()
    assert sheets == ["1+X 考证情况统计", "双证毕业率", "绩效目标与实际"]
    assert len(list(tmp_path.glob("summary-*.md"))) == 1
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM students").fetchone() == (2,)
    conn.close()
