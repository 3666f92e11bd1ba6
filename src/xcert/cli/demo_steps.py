"""The demo: a fresh database in a folder, built from the bundled examples."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from xcert import clock
from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.figures import stats
from xcert.figures.scope import Group, Scope, Span
from xcert.ingest import scores as score_files
from xcert.ingest.report import ImportOptions, ImportOutcome
from xcert.ingest.run import run_import
from xcert.office import graduate as graduation_office
from xcert.office import groups, search, selection, sessions
from xcert.office.graduate import Graduation
from xcert.office.search import StudentRecords, StudentRow
from xcert.office.selection import Selection
from xcert.outfiles import DATABASE_SUFFIXES, check_target
from xcert.output import render, summary
from xcert.output import tables as output
from xcert.output.tables import Table
from xcert.resources import bundled
from xcert.store import schema

# In this order: students first, then the catalogue, then what refers to both.
EXAMPLE_FILES = (
    "roster.xlsx",
    "roster-gbk.csv",
    "site.toml",
    "catalogue.toml",
    "results.xlsx",
    "sign-off.xlsx",
)
SAMPLE_STUDENT = "202001001"
SAMPLE_CLASS = "20数控1"


@dataclass
class DemoResult:
    db_path: Path
    options: ImportOptions
    outcome: ImportOutcome
    sample: StudentRow  # one example student with results and a certificate, for `find`
    records: StudentRecords
    reports: list[Path]
    selection: Selection | None = None  # the example classes' candidates
    major_rates: Table | None = None  # seed table 1 of one major
    graduated: Graduation | None = None  # the oldest cohort past its graduation day


def run(db_path: Path, files: list[Path], command: str | None = None) -> DemoResult:
    """Build the demo database from the bundled examples (`prepare` gives both);
    `command` is what the write log records."""

    schema.init(db_path)  # made on purpose, whatever else the folder holds (a backup)
    conn = schema.open_db(db_path, command=command)
    try:
        mark(conn)
        options = ImportOptions()
        outcome = run_import(conn, files, options)
        sample = search.find_one(conn, SAMPLE_STUDENT)
        history = search.student_records(conn, sample.id)
        chosen = select_candidates(conn)
        graduated = graduate_oldest(conn)
        rates = major_table(conn)
        reports = render_reports(conn, db_path.parent, chosen.session.id)
        reports += write_summary(conn, db_path.parent)
    finally:
        conn.close()
    return DemoResult(db_path, options, outcome, sample, history, reports, chosen, rates, graduated)


SELECTION_SCORES = "selection-scores.xlsx"


def graduate_oldest(conn: sqlite3.Connection) -> Graduation | None:
    """The oldest cohort past its graduation day with students still 在读 graduates, as
    the office does each July; a later one stays for the summary to remind of."""
    today = clock.today()
    late = graduation_office.overdue(conn, today)
    return graduation_office.graduate(conn, late[0][0], today) if late else None


def select_candidates(conn: sqlite3.Connection) -> Selection:
    """A session on the next 12 December, and the top 60 % of each example class chosen
    for it by the example selection test (seed 004)."""

    today = clock.today()
    day = dt.date(today.year, 12, 12)
    if day < today:
        day = dt.date(today.year + 1, 12, 12)
    added = sessions.add(
        conn, "数控车铣加工", "中级", clean.date_span(day.isoformat()), "数控实训中心", 10, 2
    )
    return score_files.select(
        conn,
        added.session.id,
        bundled("examples") / SELECTION_SCORES,
        "class",
        selection.parse_quota("60%"),
    )


SAMPLE_MAJOR = "数控技术应用"
SAMPLE_YEARS = (2022, 2023)


@dataclass(frozen=True)
class DemoReport:
    """One report the demo files beside its database: `stem`.md, .html (and .xlsx)."""

    stem: str
    name: str
    options: dict
    major: str | None = None  # a report of one major, as seed table 1 is
    of_session: bool = False  # a report of the session the demo selected for

    def files(self, folder: Path) -> list[tuple[str, Path]]:
        formats = render.REPORTS[self.name].formats
        return [(fmt, folder / f"{self.stem}.{fmt}") for fmt in formats]


REPORTS = (
    DemoReport("pass-rates", "pass-rates", {}),
    DemoReport(f"pass-rates-{SAMPLE_MAJOR}", "pass-rates", {}, major=SAMPLE_MAJOR),
    DemoReport("dual-certificate", "dual-certificate", {}),
    DemoReport("sign-list", "sign-list", {"class_code": SAMPLE_CLASS}),
    DemoReport("site-application", "site-application", {}),
    DemoReport("plan", "plan", {"year": 2023}),
    DemoReport("self-assessment", "self-assessment", {"year": 2023}),
    DemoReport("dossier", "dossier", {"year": 2023}),
    DemoReport("selection", "selection", {}, of_session=True),
    DemoReport("sign-in", "sign-in", {}, of_session=True),
)


def report_files(folder: Path) -> list[Path]:
    """Every file the demo's reports write beside its database."""
    return [path for report in REPORTS for _, path in report.files(folder)]


def major_scope(conn: sqlite3.Connection, major: str) -> Scope:
    """One major over the examples' exam years, as seed table 1 is drawn up."""
    spellings = groups.match(conn, "major", major)
    return Scope((Group("major", spellings[0], spellings),), Span(*SAMPLE_YEARS))


def major_table(conn: sqlite3.Connection) -> Table:
    """Seed table 1 of the sample major, to show in the terminal."""
    figures = stats.figures(conn, scope=major_scope(conn, SAMPLE_MAJOR))
    return output.tables(figures)[0]


def render_reports(conn: sqlite3.Connection, folder: Path, session: int) -> list[Path]:
    """Each report, as a school would file it, beside the demo database; the selection
    notice and sign-in sheet of `session`."""

    written = []
    for report in REPORTS:
        options = dict(report.options)
        if report.major is not None:
            options["scope"] = major_scope(conn, report.major)
        if report.of_session:
            options["session"] = session
        for fmt, path in report.files(folder):
            asked = render.Options(**options)
            render.write(path, render.render(conn, report.name, fmt, asked))
            written.append(path)
    return written


def write_summary(conn: sqlite3.Connection, folder: Path) -> list[Path]:
    """Tonight's summary, as cron would write it: the demo's imports are its news."""

    span = summary.window(conn, since=None, day=None, now=clock.now())
    return summary.write(conn, span, folder, list(summary.FORMATS))


def prepare(folder: Path) -> tuple[Path, list[Path]]:
    """Make `folder`, drop an earlier demo database there, return (db path, example files)."""
    if folder.exists() and not folder.is_dir():
        raise XcertError(f"「{folder}」已存在且不是文件夹")
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "xcert.db"
    if db_path.exists() and not _is_demo(db_path):
        raise XcertError(
            f"{db_path} 已存在，而且不是演示数据库；演示不会覆盖它，请换一个文件夹，如 xcert demo xcert-demo"
        )
    for report in report_files(folder):  # the clerk's own files of these names stay
        check_target(report, option="演示报表", database=db_path)
    for suffix in DATABASE_SUFFIXES:
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    examples = bundled("examples")
    files = [examples / name for name in EXAMPLE_FILES]
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise XcertError(f"找不到自带的示例文件：{'、'.join(missing)}（安装不完整？）")
    return db_path, files


def mark(conn: sqlite3.Connection) -> None:
    """Label the database as the demo's, so that the next demo may replace it."""
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('demo', '1')")


def _is_demo(db_path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None
