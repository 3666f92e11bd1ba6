"""Benchmark `xcert import` on a large roster against the fastest bare reader.

Run:  .venv/bin/python benchmarks/bench_import.py [--rows N] [--keep] [--profile]

It generates (and caches in benchmarks/out/) a roster .xlsx of N fictional students
(default 100,000; 9 columns, valid GB 11643 ID numbers) and measures, each as
"label: value" on its own line:

1. bare parse: python-calamine reading the sheet into Python lists, in this process
   (best of 5) - the floor that any import must pay;
2. import: `xcert --db NEW.db import FILE` as a whole process into a fresh database
   (best of 5, each run right after a bare parse, so that a slow spell of a shared
   machine weighs on both), and its ratio to the bare parse - target <= 2.0;
3. peak RSS of that import process (ru_maxrss via os.wait4) - target <= 400 MB;
4. re-import of the unchanged file into the same database (whole process, best of 3),
   and its ratio to the bare parse                         - target <= 1.0;
5. start-up: `xcert --help` vs a minimal one-command Typer app's `--help`
   (whole processes taking turns, median of 10 runs each), and the ratio - target <= 1.3.

Every target gets PASS or FAIL beside it; the script exits 0 either way (it is a
benchmark, not a test). It exits 1 only if the import itself fails (non-zero exit
code, or the database does not hold N students), after printing the import's stderr.
`--profile` additionally times each phase of one fresh import (no profiler), then runs
one more under cProfile and prints the top 20 functions by cumulative time (and the
top 15 by own time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xcert.clean.idcard import check_digit

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"  # git-ignored: cached rosters live here
XCERT = Path(sys.executable).parent / "xcert"
GENERATOR_VERSION = 1  # bump when the generated file changes, to invalidate the cache

HEADERS = ("学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "入学年份", "手机号")
SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢何罗梁周叶苏曾彭卢邓冯钟"
GIVEN = "子涵浩然宇轩梓豪俊杰嘉怡思远欣悦家乐晓彤志明文博雅婷泽楷锦程诗琪伟健晨曦一鸣"
# (short name in the class code, major, department)
MAJORS = (
    ("数控", "数控技术应用", "机电工程系"),
    ("模具", "模具制造技术", "机电工程系"),
    ("汽修", "汽车运用与维修", "汽车工程系"),
    ("电商", "电子商务", "商贸系"),
    ("会计", "会计事务", "商贸系"),
    ("计网", "计算机网络技术", "信息技术系"),
    ("软件", "软件与信息服务", "信息技术系"),
    ("幼教", "幼儿保育", "教育系"),
)
YEARS = (2021, 2022, 2023, 2024)
REGIONS = ("440100", "440300", "440600", "441900")  # city-level codes only: no real person
STUDENTS_PER_CLASS = 45

ROUNDS = 5  # fresh imports, each after a bare parse
TARGET_IMPORT_RATIO = 2.0
TARGET_RSS_MB = 400.0
TARGET_REIMPORT_RATIO = 1.0
TARGET_STARTUP_RATIO = 1.3

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


# --------------------------------------------------------------------------- data


def roster_rows(count: int, seed: int = 20261125) -> list[list[object]]:
    """`count` fictional students: unique 学号 and ID numbers, IDs with valid check digits."""
    rng = random.Random(seed)
    rows: list[list[object]] = []
    for i in range(count):
        year = YEARS[i % len(YEARS)]
        short, major, department = MAJORS[(i // len(YEARS)) % len(MAJORS)]
        class_no = 1 + (i // (len(YEARS) * len(MAJORS) * STUDENTS_PER_CLASS))
        # Unique ID: (region, birth date, 3-digit sequence) derived from i, never repeated.
        region = REGIONS[i % len(REGIONS)]
        serial = i // len(REGIONS)
        born = dt.date(year - 16, 1, 1) + dt.timedelta(days=serial // 1000)
        seq = f"{serial % 1000:03d}"
        body = region + born.strftime("%Y%m%d") + seq
        rows.append(
            [
                f"{year}{i:07d}",  # 学号 as text
                rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
                "男" if int(seq[-1]) % 2 else "女",  # consistent with the ID's 17th digit
                body + check_digit(body),
                f"{year % 100:02d}{short}{class_no}",
                major,
                department,
                year,
                f"1380000{rng.randrange(10000):04d}",
            ]
        )
    return rows


def roster_file(count: int) -> Path:
    """The cached roster of `count` rows, generated with openpyxl write_only if missing."""
    path = OUT / f"roster-v{GENERATOR_VERSION}-{count}.xlsx"
    if path.exists():
        return path
    from openpyxl import Workbook

    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(list(HEADERS))
    for row in roster_rows(count):
        sheet.append(row)
    partial = path.with_suffix(".partial.xlsx")
    book.save(partial)
    partial.replace(path)
    print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


# --------------------------------------------------------------------------- running


@dataclass
class Run:
    seconds: float
    returncode: int
    max_rss_mb: float
    stdout: str
    stderr: str


def run_process(args: Sequence[str | Path], workdir: Path) -> Run:
    """Run one child to completion; wall time and its own peak RSS (os.wait4's rusage)."""
    out_path, err_path = workdir / "child.out", workdir / "child.err"
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("XCERT_DB", None)
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [str(a) for a in args], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen will not wait again
    rss_kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS
    return Run(
        seconds=seconds,
        returncode=proc.returncode,
        max_rss_mb=rss_kb / 1024,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


def count_students(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM students").fetchone()[0])


def fail(what: str, run: Run) -> None:
    print(f"\nFAILED: {what} (exit code {run.returncode})", file=sys.stderr)
    print("---- stdout ----\n" + run.stdout[-4000:], file=sys.stderr)
    print("---- stderr ----\n" + run.stderr[-4000:], file=sys.stderr)
    sys.exit(1)


def remove_db(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def figure(label: str, value: str, note: str = "") -> None:
    print(f"{label + ':':<44} {value}" + (f"   {note}" if note else ""), flush=True)


# --------------------------------------------------------------------------- measures


def bare_parse(path: Path) -> float:
    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    rows = (
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    )
    seconds = time.perf_counter() - started
    assert len(rows) > 1
    return seconds


def fresh_import(path: Path, db: Path, workdir: Path, rows: int) -> Run:
    remove_db(db)
    run = run_process([XCERT, "--db", db, "import", path], workdir)
    if run.returncode != 0:
        fail("xcert import into a fresh database", run)
    stored = count_students(db)
    if stored != rows:
        run.stderr += f"\n(benchmark) database holds {stored} students, expected {rows}"
        fail("xcert import stored the wrong number of students", run)
    return run


def reimport(path: Path, db: Path, workdir: Path, rows: int) -> Run:
    run = run_process([XCERT, "--db", db, "import", path], workdir)
    if run.returncode != 0:
        fail("xcert re-import of the unchanged file", run)
    stored = count_students(db)
    if stored != rows:
        run.stderr += f"\n(benchmark) database holds {stored} students, expected {rows}"
        fail("xcert re-import changed the number of students", run)
    return run


def median_runs(
    first: Sequence[str | Path], second: Sequence[str | Path], workdir: Path, times: int = 10
) -> tuple[float, float]:
    """Median seconds of two commands run in turn (after one warm-up run of each)."""
    runs: tuple[list[Run], list[Run]] = ([], [])
    for _ in range(times + 1):
        for args, done in ((first, runs[0]), (second, runs[1])):
            run = run_process(args, workdir)
            if run.returncode != 0:
                fail(" ".join(str(a) for a in args), run)
            done.append(run)
    return tuple(statistics.median(r.seconds for r in done[1:]) for done in runs)  # type: ignore[return-value]


# Wraps the import's phases with timers in a child process (no profiler overhead).
# Names that no longer exist in src/ are skipped, so the script survives refactors.
PHASE_TIMER = """
import sys, time
import xcert.ingest.run as run, xcert.ingest.plan as plan, xcert.ingest.columns as columns
import xcert.ingest.roster as roster, xcert.read.sheets as sh
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
    (sh, "_check_zip", "  zip-bomb check (sizes, XML prologs)"),
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


def phase_timings(path: Path, workdir: Path) -> None:
    """One fresh import with each phase timed (no profiler), to show where time goes."""
    db = workdir / "phases.db"
    remove_db(db)
    run = run_process([sys.executable, "-c", PHASE_TIMER, "--db", db, "import", path], workdir)
    if run.returncode != 0:
        fail("xcert import with phase timers", run)
    print(f"\nphases of one fresh import ({run.seconds:.2f} s as a whole process, no profiler):")
    for line in run.stderr.splitlines():
        if line.startswith("PHASE\t"):
            _, label, seconds = line.split("\t")
            print(f"  {label + ':':<42} {float(seconds):.3f} s")


def profile_import(path: Path, workdir: Path) -> None:
    """One fresh import under cProfile (as its own process); top 20 by cumulative time."""
    import pstats

    db, stats_file = workdir / "profile.db", workdir / "import.prof"
    remove_db(db)
    run = run_process(
        [sys.executable, "-m", "cProfile", "-o", stats_file, XCERT, "--db", db, "import", path],
        workdir,
    )
    if run.returncode != 0:
        fail("xcert import under cProfile", run)
    print(
        f"\ncProfile of one fresh import ({run.seconds:.2f} s under the profiler), top 20 by cumulative time:"
    )
    stats = pstats.Stats(str(stats_file), stream=sys.stdout).strip_dirs()
    stats.sort_stats("cumulative").print_stats(20)
    print("top 15 by own (tottime) time:")
    stats.sort_stats("tottime").print_stats(15)


# --------------------------------------------------------------------------- main


def compile_package() -> None:
    """Byte-compile xcert as `pip install .` does: the editable development install
    otherwise recompiles every module on every run when PYTHONDONTWRITEBYTECODE is set."""
    import compileall

    import xcert

    compileall.compile_dir(Path(xcert.__file__).parent, quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="students in the roster (default 100000)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument(
        "--profile", action="store_true", help="also print a cProfile top 20 of one import"
    )
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if not XCERT.exists():
        print(
            f"xcert executable not found at {XCERT}; install the package into this venv",
            file=sys.stderr,
        )
        return 1

    compile_package()
    path = roster_file(args.rows)
    workdir = Path(tempfile.mkdtemp(prefix="xcert-bench-"))
    try:
        figure("rows", f"{args.rows:,}")
        figure("file", f"{path} ({path.stat().st_size / 2**20:.1f} MB)")
        figure("python", sys.version.split()[0])

        # Parse and import take turns, so that a slow spell of a shared machine falls
        # on both sides of the ratio rather than on one.
        db = workdir / "bench.db"
        parses: list[float] = []
        imports: list[Run] = []
        for _ in range(ROUNDS):
            parses.append(bare_parse(path))
            imports.append(fresh_import(path, db, workdir, args.rows))
        parse = min(parses)
        best = min(imports, key=lambda r: r.seconds)
        ratio = best.seconds / parse
        figure(f"1. bare parse, calamine (best of {ROUNDS})", f"{parse:.3f} s")
        figure(f"2. import, fresh db (best of {ROUNDS})", f"{best.seconds:.3f} s")
        figure(
            "   import / bare parse",
            f"{ratio:.2f}",
            f"target <= {TARGET_IMPORT_RATIO}  {verdict(ratio <= TARGET_IMPORT_RATIO)}",
        )
        peak = max(r.max_rss_mb for r in imports)
        figure(
            f"3. import peak RSS (max of {ROUNDS})",
            f"{peak:.0f} MB",
            f"target <= {TARGET_RSS_MB:.0f} MB  {verdict(peak <= TARGET_RSS_MB)}",
        )

        # `db` now holds the last fresh import: import the very same file again.
        again = min(
            (reimport(path, db, workdir, args.rows) for _ in range(3)), key=lambda r: r.seconds
        )
        ratio = again.seconds / parse
        figure("4. re-import unchanged file (best of 3)", f"{again.seconds:.3f} s")
        figure(
            "   re-import / bare parse",
            f"{ratio:.2f}",
            f"target <= {TARGET_REIMPORT_RATIO}  {verdict(ratio <= TARGET_REIMPORT_RATIO)}",
        )

        app_file = workdir / "minimal_typer_app.py"
        app_file.write_text(MINIMAL_TYPER_APP, encoding="utf-8")
        xcert_help, typer_help = median_runs(
            [XCERT, "--help"], [sys.executable, app_file, "--help"], workdir
        )
        ratio = xcert_help / typer_help
        figure("5. start-up, xcert --help (median of 10)", f"{xcert_help * 1000:.0f} ms")
        figure("   minimal Typer app --help (median of 10)", f"{typer_help * 1000:.0f} ms")
        figure(
            "   xcert / minimal Typer",
            f"{ratio:.2f}",
            f"target <= {TARGET_STARTUP_RATIO}  {verdict(ratio <= TARGET_STARTUP_RATIO)}",
        )

        if args.profile:
            phase_timings(path, workdir)
            profile_import(path, workdir)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
