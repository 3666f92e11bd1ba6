"""Where one `xcert import` of a generated roster spends its time: each phase timed (no
profiler), then one more run under cProfile, top 20 by cumulative time and top 15 by
own time. For finding what to optimise; the figures to quote come from run.py.

    .venv/bin/python benchmarks/profile_import.py [--rows 100000] [--variant corrected]

`--variant corrected` (or warnings) imports that copy into a database holding the plain
roster, as run.py's corrected and warnings cases do.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

import datasets
from harness import XCERT, Run, run_process

# Wraps the import's phases with timers in a child process (no profiler overhead).
# Names that no longer exist in src/ are skipped, so the script survives refactors.
PHASE_TIMER = """
import sys, time
import xcert.ingest.run as run, xcert.ingest.plan as plan, xcert.ingest.columns as columns
import xcert.ingest.roster as roster, xcert.read.sheets as sh, xcert.read.zip_checks as zc
spent = {}
def timed(module, name, label):
    original = getattr(module, name, None)
    if original is None:
        return
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] = spent.get(label, 0.0) + time.perf_counter() - started
    setattr(module, name, wrapper)
for module, name, label in [
    (run, "read_bytes", "read file bytes"),
    (run, "_identical_earlier_import", "look up identical earlier import"),
    (run, "read_workbook", "read workbook (zip check + calamine)"),
    (zc, "check_zip", "  zip-bomb check (sizes, XML prologs)"),
    (sh, "_read_calamine", "  calamine parse + merged cells"),
    (run, "plan_sheets", "find header / plan sheets"),
    (run, "sheet_columns", "clean columns, sort out odd rows"),
    (run, "roster_part", "roster rules (identity, derived values)"),
    (run, "apply_roster", "match + write to database"),
    (roster, "write_students", "  of which insert + rebuild indexes"),
]:
    timed(module, name, label)
import xcert.cli as cli
import xcert.cli.imports as cli_imports
timed(cli_imports, "print_import", "print report")
sys.argv = ["xcert", *sys.argv[1:]]
started = time.perf_counter()
try:
    cli.main()
except SystemExit as exc:
    code = exc.code or 0
else:
    code = 0
spent["whole command (after module imports)"] = time.perf_counter() - started
for label, seconds in spent.items():
    print(f"PHASE\t{label}\t{seconds:.3f}", file=sys.stderr)
sys.exit(code)
"""


def checked(run: Run, what: str) -> Run:
    if run.returncode != 0:
        print(f"FAILED: {what} (exit code {run.returncode})\n{run.stderr[-4000:]}", file=sys.stderr)
        sys.exit(1)
    return run


def ready_db(folder: Path, rows: int, variant: str) -> Path:
    """A database to import into: none yet, or one holding the plain roster."""
    db = folder / "xcert.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if variant != "plain":
        plain = datasets.roster_file(rows)
        checked(run_process([XCERT, "--db", db, "import", plain], folder), "first import")
    return db


def phase_timings(path: Path, rows: int, variant: str, folder: Path) -> None:
    """One import with each phase timed (no profiler), to show where time goes."""
    db = ready_db(folder, rows, variant)
    run = checked(
        run_process([sys.executable, "-c", PHASE_TIMER, "--db", db, "import", path], folder),
        "xcert import with phase timers",
    )
    print(f"\nphases of one import ({run.seconds:.2f} s as a whole process, no profiler):")
    for line in run.stderr.splitlines():
        if line.startswith("PHASE\t"):
            _, label, seconds = line.split("\t")
            print(f"  {label + ':':<42} {float(seconds):.3f} s")


def profile(path: Path, rows: int, variant: str, folder: Path) -> None:
    """One import under cProfile (as its own process)."""
    import pstats

    db, stats_file = ready_db(folder, rows, variant), folder / "import.prof"
    argv: list[str | Path] = [
        sys.executable,
        "-m",
        "cProfile",
        "-o",
        stats_file,
        XCERT,
        "--db",
        db,
        "import",
        path,
    ]
    run = checked(run_process(argv, folder), "xcert import under cProfile")
    print(f"\ncProfile of one import ({run.seconds:.2f} s under the profiler), top 20 cumulative:")
    stats = pstats.Stats(str(stats_file), stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(20)
    print("top 15 by own (tottime) time:")
    stats.sort_stats("tottime").print_stats(15)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="students (default 100000)")
    parser.add_argument("--variant", choices=sorted(datasets.ROSTERS), default="plain")
    args = parser.parse_args()
    path = datasets.roster_file(args.rows, args.variant)
    folder = Path(tempfile.mkdtemp(prefix="xcert-profile-"))
    try:
        phase_timings(path, args.rows, args.variant, folder)
        profile(path, args.rows, args.variant, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
