"""`benchmarks/run.py --quick` measures every case at small sizes and passes: each run did
its job (exit code, rows stored, files written) and no ratio is beyond 3× its target.
The figures themselves are for benchmarks/results.md, never for a test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN = ROOT / "benchmarks" / "run.py"
CASES = {
    "import",
    "reimport",
    "corrected",
    "warnings",
    "import-1m",
    "import-1m-shared",
    "results-1m",
    "stats-empty",
    "help",
    "stats-1m",
    "summary-1m",
    "sign-list-docx",
    "sign-list-html",
    "dossier-docx",
    "merge",
    "stats-by-school",
    "hostile-zip-bomb",
    "hostile-entity-bomb",
    "hostile-shared-strings",
    "hostile-ods-repeat",
    "hostile-text",
    "hostile-word",
}


def table_rows(stdout: str) -> dict[str, str]:
    """The printed table's rows by case name (the lines under its `case` header)."""
    lines = stdout.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("case "))
    rows = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        rows[line.split()[0]] = line
    return rows


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], str]:
    """One `run.py --quick` for the tests below (about half a minute): its output and the
    Markdown it wrote."""
    out = tmp_path_factory.mktemp("bench") / "results.md"
    done = subprocess.run(
        [sys.executable, RUN, "--quick", "--out", out],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return done, out.read_text(encoding="utf-8") if out.exists() else ""


def test_the_cases_are_the_issues_benchmarks():
    listed = subprocess.run(
        [sys.executable, RUN, "--list"], capture_output=True, text=True, check=True
    )
    assert {line.split()[0] for line in listed.stdout.splitlines()} == CASES


def test_quick_run_measures_every_case(quick_run):
    """Every case ran to the end, each of its runs checked, and is in both tables; the
    exit status follows the verdicts."""
    done, written = quick_run
    output = done.stdout[-6000:] + done.stderr[-6000:]
    rows = table_rows(done.stdout)
    assert set(rows) == CASES, output
    assert not [row for row in rows.values() if "run failed" in row], output
    assert done.returncode == (1 if any("FAIL" in row for row in rows.values()) else 0)
    assert "Quick mode" in written and "--quick" in written
    for name in CASES:
        assert f"| {name} |" in written


def test_quick_run_passes(quick_run, tmp_path):
    """No ratio beyond 3× its target, no run failed: `run.py --quick` exits 0. A case
    over the line is measured once more on its own before it fails the test: a busy
    machine can slow one side of a few rounds, a real regression stays over the line."""
    done, _ = quick_run
    if done.returncode == 0:
        return
    over = [name for name, row in table_rows(done.stdout).items() if "FAIL" in row]
    assert over, done.stdout[-6000:] + done.stderr[-6000:]
    again = subprocess.run(
        [sys.executable, RUN, "--quick", "--only", ",".join(over), "--out", tmp_path / "a.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert again.returncode == 0, done.stdout[-3000:] + again.stdout[-6000:] + again.stderr[-3000:]
