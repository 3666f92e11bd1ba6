"""What a benchmark case is (a subject, its yardstick, a target) and the pieces the cases
share: the sizes, the checks that a run did its job, the bare-parse yardstick."""

from __future__ import annotations

import shutil
import sqlite3
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness import (
    CaseFailed,
    Check,
    Command,
    Rounds,
    Run,
    Sample,
    no_traceback,
    run_process,
    take_turns,
)


@dataclass(frozen=True)
class Sizes:
    """How big the data is: the issue's sizes, or small ones for --quick."""

    roster: int  # the roster of cases import, reimport, corrected, warnings
    big_roster: int  # import-1m
    school: int  # students of the school that results-1m, stats-1m, summary-1m use
    results: int  # results imported (results-1m) or stored (stats-1m, summary-1m)
    sign_list: int  # rows of the sign-off list
    schools: int  # school databases merged into a province (merge)


FULL = Sizes(
    roster=100_000,
    big_roster=1_000_000,
    school=200_000,
    results=1_000_000,
    sign_list=10_000,
    schools=100,
)
# Big enough that an import's ratio is not all start-up, small enough for under a minute.
QUICK = Sizes(
    roster=20_000, big_roster=50_000, school=5_000, results=20_000, sign_list=1_000, schools=4
)


@dataclass(frozen=True)
class Target:
    """What a case must meet: a ratio of medians to its yardstick, a peak RSS of the
    subject (the largest of its runs), the seconds of its slowest run."""

    ratio: float | None = None
    rss_mb: float | None = None
    seconds: float | None = None

    def describe(self) -> str:
        parts = []
        if self.ratio is not None:
            parts.append(f"≤ {self.ratio:g}×")
        if self.seconds is not None:
            parts.append(f"≤ {self.seconds:g} s")
        if self.rss_mb is not None:
            parts.append(f"≤ {self.rss_mb:g} MB")
        return ", ".join(parts)


@dataclass
class Plan:
    """A case made ready (its data generated, its database built): what to time."""

    subject: Command
    yardstick: Command | None
    size: str

    def has_yardstick(self) -> bool:
        return self.yardstick is not None

    def measure(self, rounds: Rounds, subject: Sample, yardstick: Sample | None) -> None:
        """Fill the samples, run by run."""
        sides = [(self.subject, subject)]
        if self.yardstick is not None and yardstick is not None:
            sides.insert(0, (self.yardstick, yardstick))
        take_turns(sides, rounds)


@dataclass(frozen=True)
class Case:
    """One row of the table. `prepare` gets the sizes and the case's own empty folder
    and does the untimed work. `quick_ratio` False: at --quick's sizes the yardstick
    takes a few milliseconds, so the ratio there measures fixed work (start-up, which
    stats-empty judges; a page around a short list) and is printed but not judged."""

    name: str
    what: str
    target: Target
    prepare: Callable[[Sizes, Path], Plan]
    quick_ratio: bool = True
    group: str = ""
    note: str = ""


@dataclass
class Result:
    """A case measured, or the reason it could not be."""

    case: Case
    size: str = ""
    subject: Sample | None = None
    yardstick: Sample | None = None
    error: str | None = None  # None: every run did its job
    reason: str = ""  # the error in one line, for results.md

    @property
    def ratio(self) -> float | None:
        if not self.subject or not self.yardstick:
            return None
        return self.subject.median / self.yardstick.median


# --------------------------------------------------------------------------- shared pieces

BARE_PARSE = """\
import sys
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(sys.argv[1])
print(sum(len(book.get_sheet_by_name(name).to_python()) for name in book.sheet_names))
"""


def bare_parse(path: Path, rows: int, cwd: Path) -> Command:
    """The yardstick of every import: a minimal Python process that opens the same file
    with python-calamine and calls to_python() on each sheet."""
    return Command(
        [sys.executable, "-c", BARE_PARSE, path], cwd, checks=(exits_with_output(str(rows)),)
    )


def exits_with_output(expected: str) -> Check:
    def check(run: Run) -> None:
        if run.returncode != 0 or run.stdout.strip() != expected:
            raise CaseFailed(f"expected exit 0 printing {expected!r}", run)

    return check


def count_rows(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def holds(db: Path, table: str, expected: int) -> Check:
    """The database holds exactly `expected` rows of `table` after the run."""

    def check(run: Run) -> None:
        stored = count_rows(db, table)
        if stored != expected:
            raise CaseFailed(f"{db.name} holds {stored} {table}, expected {expected}", run)

    return check


def wrote(path: Path) -> Check:
    def check(run: Run) -> None:
        if not path.is_file() or path.stat().st_size == 0:
            raise CaseFailed(f"{path.name} was not written", run)

    return check


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def copy_db(source: Path, target: Path) -> None:
    """A database with its write-ahead log, if one was left beside it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_db(target)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def setup_run(argv: list[str | Path], cwd: Path, *checks: Check) -> Run:
    """An untimed run that builds what a case needs; it must succeed too."""
    run = run_process(argv, cwd)
    for check in (*checks, no_traceback):
        check(run)
    if run.returncode != 0:
        raise CaseFailed("a set-up run failed", run)
    return run


def rows_and_size(count: int, path: Path, unit: str = "rows") -> str:
    return f"{count:,} {unit} ({path.stat().st_size / 2**20:.1f} MB)"
