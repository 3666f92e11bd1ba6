"""Benchmark how fast and in how little memory `xcert import` refuses hostile files.

SPEC 5.1: a hostile file is refused "within bounded time and memory". The tests check
that each is refused with nothing written; this script measures how fast, as whole
processes, each file built fresh in a temporary folder by tests/data/hostile_files.py:

    .venv/bin/python benchmarks/bench_hostile.py

Prints one line per file: exit code, wall time and peak RSS (os.wait4), with PASS or
FAIL against the targets (refused with exit 1, ≤ 5 s, ≤ 300 MB). Exits 0 either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from data import hostile_files  # noqa: E402

SECONDS, MEGABYTES = 5.0, 300

FILES: dict[str, Callable[[Path], Path]] = {
    "zip bomb (1 GiB inflated)": lambda p: hostile_files.make_zip_bomb(p / "bomb.xlsx"),
    "entity bomb (10^10)": lambda p: hostile_files.make_entity_bomb(p / "laughs.xlsx"),
    "shared-string bomb (1.6 G chars)": lambda p: hostile_files.make_shared_string_bomb(
        p / "shared.xlsx"
    ),
    "ods row repeated (99 M cells)": lambda p: hostile_files.make_repeated_ods(p / "rep.ods"),
    "plain text named .xlsx": lambda p: hostile_files.make_not_a_workbook(p / "hello.xlsx"),
    "Word document named .xlsx": lambda p: hostile_files.make_word_document(p / "doc.xlsx"),
}


def refuse(path: Path, workdir: Path) -> tuple[int, float, float]:
    """Exit code, wall seconds and peak RSS in MB of one `xcert import PATH`."""
    args = [sys.executable, "-m", "xcert", "--db", str(workdir / "b.db"), "import", str(path)]
    started = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    return os.waitstatus_to_exitcode(status), elapsed, usage.ru_maxrss / 1024


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        workdir = Path(folder)
        for label, build in FILES.items():
            path = build(workdir)
            code, seconds, megabytes = refuse(path, workdir)
            ok = code == 1 and seconds <= SECONDS and megabytes <= MEGABYTES
            print(
                f"{label}: exit {code}, {seconds:.2f} s, {megabytes:.0f} MB"
                f" (targets: exit 1, ≤ {SECONDS:g} s, ≤ {MEGABYTES} MB) {'PASS' if ok else 'FAIL'}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
