"""An import killed at any moment (SIGKILL: no cleanup runs) leaves the database whole,
with the import wholly present or wholly absent (SPEC 6.7)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from xcert.store.connect import connect

from conftest import make_id

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")

ROWS = 3000


def _state(db) -> tuple[int, int, str]:
    conn = sqlite3.connect(db)
    try:
        return (
            conn.execute("SELECT count(*) FROM students").fetchone()[0],
            conn.execute("SELECT count(*) FROM imports").fetchone()[0],
            conn.execute("PRAGMA integrity_check").fetchone()[0],
        )
    finally:
        conn.close()


@pytest.mark.parametrize("first_students", [False, True], ids=["wal", "rollback-journal"])
def test_an_import_killed_at_random_points_is_all_or_nothing(cli, xlsx, tmp_path, first_students):
    """Into a database holding a student (through the WAL), and as its first students
    (through the rollback journal, store/connect.py)."""
    if first_students:
        assert cli("init").exit_code == 0
        before, after = (0, 0), (ROWS, 1)
    else:
        first = [["学号", "姓名", "班级"], ["2020000001", "早到的学生", "20数控1"]]
        assert cli("import", xlsx("first.xlsx", {"S": first})).exit_code == 0
        before, after = (1, 1), (1 + ROWS, 2)
    base = tmp_path / "base.db"
    shutil.copy(cli.db, base)  # closed cleanly: everything is in the main file
    rows = [["学号", "姓名", "身份证号", "班级", "手机号"]] + [
        [
            f"2024{i:06d}",
            f"学生{i}",
            make_id("20080101", f"{i % 1000:03d}", f"44{i // 1000:02d}00"),
            "24数控1",
            None,
        ]
        for i in range(ROWS)
    ]
    big = xlsx("big.xlsx", {"S": rows})

    def start(db):
        return subprocess.Popen(
            [sys.executable, "-m", "xcert", "--db", str(db), "import", str(big)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    trial = tmp_path / "trial.db"
    shutil.copy(base, trial)
    started = time.monotonic()
    assert start(trial).wait() == 0
    whole = time.monotonic() - started
    assert _state(trial) == (*after, "ok")

    rng = random.Random(20261125)
    delays = [rng.uniform(0.0, whole) for _ in range(22)] + [whole * 3, whole * 3]
    outcomes = []
    for attempt, delay in enumerate(delays):
        db = tmp_path / f"killed{attempt}.db"
        shutil.copy(base, db)
        proc = start(db)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        students, imports, check = _state(db)
        assert check == "ok", f"attempt {attempt} ({delay:.2f} s): {check}"
        assert (students, imports) in (before, after), f"attempt {attempt} ({delay:.2f} s)"
        outcomes.append((students, imports))
    assert before in outcomes[:22] and outcomes[22:] == [after, after]
    for attempt in range(len(delays)):  # xcert opens each in WAL mode again
        conn = connect(tmp_path / f"killed{attempt}.db")
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.close()
