"""The reading cases: start-up against a minimal Typer app, `stats` and the nightly
summary on a million results, Word against HTML of the same report."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import datasets
from cases import Case, Plan, Sizes, Target, copy_db, exits_with_output, setup_run, wrote
from harness import XCERT, CaseFailed, Check, Command, Rounds, Run, Sample, exits, run_process

MINIMAL_TYPER_APP = '''\
import typer

app = typer.Typer()


@app.command()
def hello(name: str) -> None:
    """Say hello."""
    typer.echo(f"hello {name}")


if __name__ == "__main__":
    app()
'''


def typer_app(folder: Path) -> Path:
    path = folder / "minimal_typer_app.py"
    path.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
    return path


def prepare_stats_empty(sizes: Sizes, folder: Path) -> Plan:
    """`xcert stats` on a database with nothing in it, printing into a pipe."""
    db = folder / "xcert.db"
    setup_run([XCERT, "--db", db, "init"], folder)
    app = typer_app(folder)
    yardstick = Command(
        [sys.executable, app, "world"], folder, checks=(exits_with_output("hello world"),)
    )
    return Plan(Command([XCERT, "--db", db, "stats"], folder), yardstick, "empty database")


def prepare_help(sizes: Sizes, folder: Path) -> Plan:
    app = typer_app(folder)
    return Plan(
        Command([XCERT, "--help"], folder), Command([sys.executable, app, "--help"], folder), "—"
    )


# Runs an xcert command with every statement its connections execute written to a file.
TRACE = """\
import sqlite3, sys
out = open(sys.argv[1], "w", encoding="utf-8")
plain_connect = sqlite3.connect
def connect(*args, **kwargs):
    conn = plain_connect(*args, **kwargs)
    conn.set_trace_callback(lambda sql: out.write(sql + "\\0"))
    return conn
sqlite3.connect = connect
from xcert.cli import main
sys.argv = ["xcert", *sys.argv[2:]]
try:
    main()
finally:
    out.close()
"""

BARE_SQL = """\
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as fh:
    statements = fh.read().split("\\0")
for sql in statements:
    if sql:
        conn.execute(sql).fetchall()
print(len(statements) - 1)
"""


def queries_of(argv: list[str | Path], folder: Path) -> Path:
    """The SELECT statements the command runs (bound values inlined), one file."""
    traced = folder / "trace.sql"
    setup_run([sys.executable, "-c", TRACE, traced, *argv], folder)
    statements = [
        sql
        for sql in traced.read_text(encoding="utf-8").split("\0")
        if sql.lstrip().upper().startswith(("SELECT", "WITH"))
    ]
    if not statements:
        raise CaseFailed(f"no SELECT statement traced from {argv}")
    path = folder / "queries.sql"
    path.write_text("".join(sql + "\0" for sql in statements), encoding="utf-8")
    return path


def big_school(sizes: Sizes, folder: Path) -> Path:
    db = folder / "xcert.db"
    copy_db(datasets.stats_db(sizes.school, sizes.results), db)
    return db


def big_size(sizes: Sizes) -> str:
    return f"{sizes.results:,} results over {sizes.school:,} students"


def prepare_stats_big(sizes: Sizes, folder: Path) -> Plan:
    """`xcert stats` against the very SQL it runs, from a minimal Python process."""
    db = big_school(sizes, folder)
    queries = queries_of(["--db", db, "stats"], folder)
    count = queries.read_text(encoding="utf-8").count("\0")
    yardstick = Command(
        [sys.executable, "-c", BARE_SQL, db, queries],
        folder,
        checks=(exits_with_output(str(count)),),
    )
    return Plan(Command([XCERT, "--db", db, "stats"], folder), yardstick, big_size(sizes))


def wrote_summary(folder: Path) -> Check:
    def check(run: Run) -> None:
        written = sorted(p.suffix for p in folder.glob("summary-*"))
        if written != [".html", ".md"]:
            raise CaseFailed(f"the summary folder holds {written}, expected .html and .md", run)

    return check


def fresh_folder(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()


def prepare_summary(sizes: Sizes, folder: Path) -> Plan:
    """The nightly summary as cron runs it (README), into an empty folder each time."""
    db = big_school(sizes, folder)
    out = folder / "日报"
    subject = Command(
        [XCERT, "--db", db, "summary", "--output-dir", out, "--quiet"],
        folder,
        before=lambda: fresh_folder(out),
        checks=(exits(0), wrote_summary(out)),
    )
    return Plan(subject, Command([XCERT, "--db", db, "stats"], folder), big_size(sizes))


def render_command(db: Path, args: list[str], output: Path, folder: Path) -> Command:
    return Command(
        [XCERT, "--db", db, "render", *args, "-o", output],
        folder,
        before=lambda: output.unlink(missing_ok=True),
        checks=(exits(0), wrote(output)),
    )


def prepare_sign_list_docx(sizes: Sizes, folder: Path) -> Plan:
    db = folder / "xcert.db"
    copy_db(datasets.sign_list_db(sizes.sign_list), db)
    args = ["sign-list", "--class", "20数控1"]
    return Plan(
        render_command(db, args, folder / "签领名单.docx", folder),
        render_command(db, args, folder / "签领名单.html", folder),
        f"{sizes.sign_list:,} rows",
    )


def prepare_dossier(sizes: Sizes, folder: Path) -> Plan:
    """The dossier of the demo's database (the year the demo renders it for)."""
    setup_run([XCERT, "demo", folder / "demo"], folder)
    db = folder / "demo" / "xcert.db"
    args = ["dossier", "--year", "2023"]
    return Plan(
        render_command(db, args, folder / "汇编.docx", folder),
        render_command(db, args, folder / "汇编.html", folder),
        "the demo's database",
    )


# Times, inside one process, xcert's HTML sign-off list (query and template) against the
# same rows through a minimal Jinja template: yardstick, subject, ... after one warm-up.
IN_PROCESS = """\
import json, sys, time
from pathlib import Path
import jinja2
from xcert.figures.scope import Group, Scope
from xcert.output import render
from xcert.store import schema

BARE = jinja2.Template(
    "<table><tr><th>序号</th><th>班号</th><th>姓名</th><th>工种</th><th>等级</th>"
    "<th>鉴定时间</th><th>发证日期</th><th>证书签领人</th></tr>"
    "{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>",
    autoescape=True,
)
conn = schema.open_db(Path(sys.argv[1]), create=False)
scope = Scope((Group("class", "20数控1", ("20数控1",)),))
options = render.Options(scope=scope)
rows = render.REPORTS["sign-list"].build(conn, year=None, cohort=None, scope=scope)["tables"][0].rows
subject = lambda: render.render(conn, "sign-list", "html", options)
yardstick = lambda: BARE.render(rows=rows)
times = {"subject": [], "yardstick": []}
for timed in range(int(sys.argv[2]) + 1):
    for side, work in (("yardstick", yardstick), ("subject", subject)):
        started = time.perf_counter()
        work()
        if timed:
            times[side].append(time.perf_counter() - started)
print(json.dumps({"rows": len(rows), **times}))
"""


@dataclass
class InProcessPlan(Plan):
    """Both sides timed inside one child process (as the old bench_render.py measured):
    no interpreter start on either side, and no peak RSS of one side alone."""

    expected_rows: int = 0

    def has_yardstick(self) -> bool:
        return True

    def measure(self, rounds: Rounds, subject: Sample, yardstick: Sample | None) -> None:
        run = run_process([*self.subject.argv, str(rounds.short)], self.subject.cwd)
        if run.returncode != 0 or "Traceback" in run.stderr:
            raise CaseFailed("the in-process render failed", run)
        times = json.loads(run.stdout)
        if times["rows"] != self.expected_rows:
            raise CaseFailed(f"{times['rows']} rows rendered, expected {self.expected_rows}", run)
        subject.seconds.extend(times["subject"])
        if yardstick is not None:
            yardstick.seconds.extend(times["yardstick"])


def prepare_sign_list_html(sizes: Sizes, folder: Path) -> Plan:
    db = folder / "xcert.db"
    copy_db(datasets.sign_list_db(sizes.sign_list), db)
    probe = Command([sys.executable, "-c", IN_PROCESS, db], folder)
    return InProcessPlan(probe, None, f"{sizes.sign_list:,} rows", sizes.sign_list)


def report_cases() -> list[Case]:
    typer = "a minimal Typer app"
    return [
        Case(
            "stats-empty",
            f"`xcert stats` on an empty database vs {typer} running its command",
            Target(1.3),
            prepare_stats_empty,
        ),
        Case("help", f"`xcert --help` vs {typer}'s --help", Target(1.3), prepare_help),
        Case(
            "stats-1m",
            "`xcert stats` vs the same SQL from a minimal Python process",
            Target(1.5),
            prepare_stats_big,
            quick_ratio=False,
            note="with --quick the bare SQL takes a few ms: that ratio is start-up, not judged",
        ),
        Case(
            "summary-1m",
            "`xcert summary` (as cron runs it) vs `xcert stats` on the same database",
            Target(1.5),
            prepare_summary,
        ),
        Case(
            "sign-list-docx",
            "`xcert render sign-list`: docx vs html of the same list",
            Target(3.0),
            prepare_sign_list_docx,
        ),
        Case(
            "sign-list-html",
            "sign-list html (query + template) vs a bare Jinja render of its rows",
            Target(1.5),
            prepare_sign_list_html,
            quick_ratio=False,  # 1,000 rows: the page and the query outweigh the rows
            note="measured in-process, as the old bench_render.py did: no interpreter start on"
            " either side. The target is issue 7's, set before every cell was typeset for print"
            " (numbers kept with their units, issue 20)",
        ),
        Case(
            "dossier-docx",
            "`xcert render dossier`: docx vs html",
            Target(3.0),
            prepare_dossier,
        ),
    ]
