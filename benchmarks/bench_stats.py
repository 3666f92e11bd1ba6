"""Benchmark `xcert stats --format json` on 1,000,000 results over 200,000 students.

Prints the time of the whole command (as a process, best of 10) beside the same SQL run
bare in sqlite3 from a minimal Python process (interpreter start included), and their
ratio. Targets (issue 6): the command ≤ 0.5 s and ≤ 1.5× the bare run.

    .venv/bin/python benchmarks/bench_stats.py [--students 200000] [--results 1000000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from xcert.figures import stats  # noqa: E402
from xcert.store import schema, writes  # noqa: E402
from xcert.store.connect import transaction  # noqa: E402

OUT = ROOT / "benchmarks" / "out"


def build(path: Path, students: int, results: int) -> None:
    """A database shaped like a large school's: 6 cohorts, 12 certificates, 300 sessions."""
    rng = random.Random(6)
    conn = schema.open_db(path)
    with transaction(conn):
        writes.log_write(conn, "bench", "benchmark data")  # the journal files rows under it
        conn.executemany(
            "INSERT INTO students (id, student_no, name, class_code, major, department, cohort, status)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    f"S{i:08d}",
                    f"学生{i}",
                    f"{20 + i % 6}数控{i % 40}",
                    f"专业{i % 12}",
                    f"系部{i % 5}",
                    2023 + i % 6,
                    "dropped_out" if i % 50 == 0 else "enrolled",
                )
                for i in range(1, students + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO certificates (id, name, kind) VALUES (?, ?, ?)",
            ((c, f"证书{c}职业技能等级证书", "1+X" if c <= 8 else "other") for c in range(1, 13)),
        )
        first = dt.date(2020, 1, 6)
        sessions = [
            (
                s,
                1 + s % 12,
                ("初级", "中级", "高级")[s % 3],
                (first + dt.timedelta(weeks=s)).isoformat(),
            )
            for s in range(1, 301)
        ]
        conn.executemany(
            "INSERT INTO sessions (id, certificate_id, level, date_start, date_end) VALUES (?, ?, ?, ?, ?)",
            ((s, c, lvl, d, d) for s, c, lvl, d in sessions),
        )
        pairs = set()
        while len(pairs) < results:
            pairs.add((rng.randrange(1, students + 1), rng.randrange(1, 301)))
        year_of = {s: int(d[:4]) for s, _, _, d in sessions}
        conn.executemany(
            "INSERT INTO results (student_id, session_id, outcome, exam_year) VALUES (?, ?, ?, ?)",
            (
                (st, se, rng.choice(("pass", "pass", "pass", "fail", "absent")), year_of[se])
                for st, se in pairs
            ),
        )
        conn.executemany(
            "INSERT INTO awards (student_id, certificate_id, issued_on) VALUES (?, ?, ?)",
            ((i, 9 + i % 4, f"{2021 + i % 6}-06-30") for i in range(1, students + 1, 3)),
        )
        conn.execute(
            "INSERT INTO targets (year, participants, pass_rate, certificates) VALUES (2024, 300, 0.9, 6)"
        )
    conn.execute("ANALYZE")
    conn.close()


def best(command: list[str], runs: int = 10) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return min(times)


BARE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
for sql in sys.argv[2:]:
    conn.execute(sql).fetchall()
"""


def bare_statements(path: Path) -> list[str]:
    """The SQL `xcert stats` runs, captured from the figures functions themselves."""
    import sqlite3

    captured: list[str] = []
    conn = sqlite3.connect(path)
    conn.set_trace_callback(
        lambda sql: (
            captured.append(sql) if sql.lstrip().upper().startswith(("SELECT", "WITH")) else None
        )
    )
    stats.figures(conn)
    conn.close()
    return captured


def compile_package() -> None:
    """Byte-compile xcert as `pip install .` does: the editable development install
    otherwise recompiles every module on every run when PYTHONDONTWRITEBYTECODE is set."""
    import compileall

    import xcert

    compileall.compile_dir(Path(xcert.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200_000)
    parser.add_argument("--results", type=int, default=1_000_000)
    args = parser.parse_args()
    compile_package()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"stats-v3-{args.students}-{args.results}.db"
    if not path.exists():
        started = time.perf_counter()
        build(path, args.students, args.results)
        print(f"built {path.name} in {time.perf_counter() - started:.1f} s")
    xcert = Path(sys.executable).parent / "xcert"
    command = best([str(xcert), "--db", str(path), "stats", "--format", "json"])
    statements = bare_statements(path)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(BARE)
    bare = best([sys.executable, fh.name, str(path), *statements])
    interpreter = best([sys.executable, "-c", "pass"])
    print(f"{'students / results:':45}{args.students:,} / {args.results:,}")
    print(
        f"{'xcert stats --format json (best of 10):':45}{command:.3f} s   target <= 0.5 s  {'PASS' if command <= 0.5 else 'FAIL'}"
    )
    print(
        f"{'bare sqlite3, same SQL, + interpreter start:':45}{bare:.3f} s   (interpreter alone {interpreter:.3f} s)"
    )
    ratio = command / bare
    print(
        f"{'command / bare:':45}{ratio:.2f}     target <= 1.5  {'PASS' if ratio <= 1.5 else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
