"""The results as a table: printed, and written to benchmarks/results.md with the machine,
the date and the command that produced them."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from cases import Result
from harness import Rounds, Sample

PACKAGES = ("python-calamine", "typer", "click", "rich", "openpyxl", "jinja2", "python-docx")
QUICK_LIMIT = 3.0  # --quick fails a ratio only beyond this many times its target


@dataclass(frozen=True)
class Verdict:
    text: str
    failed: bool


def verdict(result: Result, quick: bool) -> Verdict:
    """PASS, or what missed; in quick mode only a ratio beyond 3× its target (or a failed
    run) fails, and the absolute targets (RSS, seconds) do not apply."""
    if result.error is not None:
        return Verdict("FAIL (run failed)", True)
    target, missed = result.case.target, []
    ratio = result.ratio
    judged = not quick or result.case.quick_ratio
    if target.ratio is not None and ratio is not None and ratio > target.ratio:
        if not judged:
            return Verdict("not judged at this size", False)
        missed.append("ratio")
    subject = result.subject
    if not quick and subject:
        if target.rss_mb is not None and (subject.peak_rss or 0) > target.rss_mb:
            missed.append("RSS")
        if target.seconds is not None and subject.high > target.seconds:
            missed.append("time")
    if not missed:
        return Verdict("PASS", False)
    if not quick:
        return Verdict(f"FAIL ({', '.join(missed)})", True)
    assert target.ratio is not None and ratio is not None  # quick misses only ratios
    if ratio > QUICK_LIMIT * target.ratio:
        return Verdict(f"FAIL (over {QUICK_LIMIT:g}× target)", True)
    return Verdict(f"over target (within {QUICK_LIMIT:g}×)", False)


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def spread(sample: Sample | None) -> str:
    """Median (min–max) in one unit."""
    if not sample:
        return "—"
    if sample.high < 1:
        low, high = (f"{v * 1000:.0f}" for v in (sample.low, sample.high))
    else:
        low, high = (f"{v:.2f}" for v in (sample.low, sample.high))
    return f"{seconds(sample.median)} ({low}–{high})"


def cells(result: Result, quick: bool, with_what: bool) -> list[str]:
    ratio = result.ratio
    rss = result.subject.peak_rss if result.subject else None  # None: none, or in-process
    row = [result.case.name]
    if with_what:
        row.append(result.case.what)
    return [
        *row,
        result.size,
        spread(result.yardstick),
        spread(result.subject),
        f"{ratio:.2f}×" if ratio is not None else "—",
        result.case.target.describe(),
        f"{rss:.0f} MB" if rss is not None else "—",
        verdict(result, quick).text,
    ]


HEADER = ["case", "size", "yardstick", "subject", "ratio", "target", "peak RSS", "verdict"]


def console_table(results: list[Result], quick: bool) -> str:
    """Columns padded to their widest cell."""
    rows = [HEADER, *(cells(r, quick, with_what=False) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(results: list[Result], quick: bool) -> str:
    header = [HEADER[0], "what", *HEADER[1:]]
    rows = [header, ["---"] * len(header), *(cells(r, quick, True) for r in results)]
    return "\n".join("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)


# --------------------------------------------------------------------------- the machine


def _first_line(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    except OSError:
        return None
    return None


def machine() -> list[tuple[str, str]]:
    """What the figures were measured on: they mean little without it."""
    memory = _first_line("/proc/meminfo", "MemTotal")
    ram = f"{int(memory.split()[0]) / 2**20:.1f} GB" if memory else "unknown"
    os_name = (_first_line("/etc/os-release", "PRETTY_NAME=") or platform.system()).strip('"')
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    return [
        ("CPU", _first_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown"),
        ("cores", f"{os.cpu_count()} (usable here: {len(os.sched_getaffinity(0))})"),
        ("RAM", ram),
        ("OS", f"{os_name}, kernel {platform.release()}"),
        ("Python", platform.python_version()),
        ("packages", f"{versions}, SQLite {sqlite3.sqlite_version}"),
        ("xcert", f"{_version('xcert')}, {git_commit()}"),
    ]


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def git_commit() -> str:
    """The commit measured, `+ changes` when the source differs from it."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    changed = git("status", "--porcelain", "--", "src", "templates", "pyproject.toml")
    return f"commit {commit}" + (" + uncommitted changes" if changed else "")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.2f} (1 min), {five:.2f} (5 min)"


@dataclass(frozen=True)
class Session:
    """How the table was made: when, by what command, how many rounds, how busy."""

    command: str
    started: dt.datetime
    finished: dt.datetime
    rounds: Rounds
    quick: bool
    load_before: str
    load_after: str


NOTES = """\
- Each case runs its subject and its yardstick as whole processes (interpreter start
  included), taking turns: {rounds} rounds; {short} after a warm-up round when the
  first round took under a second; {long} when it took over 30 s. Times are median
  (min–max); the ratio is of the medians. Peak RSS is the subject's largest `ru_maxrss` (os.wait4) over its
  runs. Every run is checked: exit code, rows stored, files written.
- "bare parse", the yardstick of every import: a minimal Python process that opens the
  same file with python-calamine and calls `to_python()` on each sheet (the floor any
  import pays). A case's folder and database are made ready before its runs, untimed.
- The hostile files (tests/data/hostile_files.py) have no yardstick: each refusal must
  exit 1 and write nothing, within 5 s and 300 MB.
- The machine is shared: timings vary by ±10 % or more between runs; compare ratios."""

QUICK_NOTE = """\
- **Quick mode** (`--quick`): small sizes and few rounds, a smoke test of the harness and
  of gross regressions. Only a ratio beyond 3× its target (or a failed run) fails; the
  absolute targets (peak RSS, seconds) do not apply. Not a measurement to quote."""


def document(results: list[Result], session: Session) -> str:
    """The whole results.md."""
    lines = [
        "# Benchmark results",
        "",
        "Produced by `benchmarks/run.py` (see benchmarks/README.md); do not edit by hand.",
        "",
        f"- command: `{session.command}`",
        f"- date: {session.started:%Y-%m-%d %H:%M} to {session.finished:%H:%M} (local time)",
        f"- load average: {session.load_before} before, {session.load_after} after",
        *(f"- {label}: {value}" for label, value in machine()),
        "",
        markdown_table(results, session.quick),
        "",
        "Notes:",
        "",
        NOTES.format(
            rounds=session.rounds.rounds, short=session.rounds.short, long=session.rounds.long
        ),
        *(QUICK_NOTE.splitlines() if session.quick else []),
        *(f"- `{r.case.name}`: {r.case.note}" for r in results if r.case.note),
        *(f"- `{r.case.name}` failed: {r.reason}" for r in results if r.error),
        "",
    ]
    return "\n".join(lines)
