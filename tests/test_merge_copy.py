"""A school's file merged while another program writes it (SPEC 6.6, 6.8): the merge
reads one consistent snapshot of it (or, after the wait, says in one line that the
file is being written), never a torn copy reported as damaged; the hash kept for the
school is of the very bytes merged."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_merge import build_school, fingerprint, merge

from xcert.store import copy as copy_module
from xcert.store.copy import _one_line, digest_of, read_copy, snapshot

WRITER = """
import sqlite3, sys, time
path, mode = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(path, isolation_level=None, timeout=10)
if mode == "rollback":  # a rollback-journal file, its writer holding the lock
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO noise (pad) VALUES (randomblob(3000))")
elif mode == "hold":  # a write transaction begun and never committed
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO noise (pad) VALUES (randomblob(3000))")
    conn.execute("UPDATE noise_count SET n = -1")
else:  # rows written one after another, each commit checkpointed into the file
    conn.execute("PRAGMA wal_autocheckpoint = 1")
print("ready", flush=True)
end = time.monotonic() + 20
while time.monotonic() < end:
    if mode != "loop":
        time.sleep(0.05)
        continue
    conn.execute("BEGIN IMMEDIATE")
    n = conn.execute("INSERT INTO noise (pad) VALUES (randomblob(6000))").lastrowid
    conn.execute("DELETE FROM noise WHERE n < ?", (n - 40,))
    conn.execute("UPDATE noise_count SET n = ?", (n,))
    conn.execute("COMMIT")
"""


@pytest.fixture
def school(tmp_path, xlsx) -> Path:
    """One school's file, with a table a writer fills: `noise_count` always names the
    last row of `noise`, in every committed state."""
    path = build_school("甲", 1, tmp_path / "甲", xlsx)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE noise (n INTEGER PRIMARY KEY, pad BLOB)")
    conn.execute("CREATE TABLE noise_count (n INTEGER)")
    conn.execute("INSERT INTO noise_count VALUES (0)")
    conn.close()
    return path


@pytest.fixture
def writer(school) -> Iterator:
    """Starts another program writing `school` (WRITER's modes); stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(mode: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(school), mode],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in started:
        proc.kill()
        proc.wait()


def consistent(copy: Path) -> tuple[str, int, int | None]:
    """quick_check, and the writer's counter beside its last row, of a snapshot."""
    conn = sqlite3.connect(copy)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        count = conn.execute("SELECT n FROM noise_count").fetchone()[0]
        last = conn.execute("SELECT max(n) FROM noise").fetchone()[0]
        return check, count, last
    finally:
        conn.close()


def rows_of(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def parts(copy: Path) -> list[Path]:
    return [p for p in (copy, copy.with_name(copy.name + "-wal")) if p.exists()]


def test_a_school_written_row_after_row_is_merged_from_one_snapshot(school, writer, tmp_path):
    writer("loop")
    for round in range(4):
        folder = tmp_path / f"snap{round}"
        folder.mkdir()
        copy, digest = snapshot(school, folder)
        assert digest == digest_of(parts(copy))  # the hash is of the bytes merged
        check, count, last = consistent(copy)
        assert check == "ok" and count == (last or 0)
    for round in range(5):  # unguarded copies read about one in five of these as damaged
        result = merge(tmp_path / f"province{round}.db", school)
        assert result.exit_code == 0, result.output
        assert "损坏" not in result.output and "示例甲职业学校" in result.stdout


def test_the_hash_kept_is_of_the_copy_merged(school, writer, tmp_path, monkeypatch):
    taken: list[str] = []

    def recorded(path: Path, folder: Path) -> tuple[Path, str]:
        copy, digest = snapshot(path, folder)
        taken.append(digest_of(parts(copy)))  # before the copy is opened and migrated
        return copy, digest

    monkeypatch.setattr(copy_module, "snapshot", recorded)
    writer("loop")
    with read_copy(school) as copy:
        assert [copy.sha256] == taken
    province = tmp_path / "province.db"
    assert merge(province, school).exit_code == 0
    assert rows_of(province, "SELECT source_sha256 FROM schools") == [(taken[-1],)]


def test_an_open_write_transaction_is_neither_merged_nor_waited_for(school, writer, tmp_path):
    writer("hold")
    folder = tmp_path / "snap"
    folder.mkdir()
    copy, _ = snapshot(school, folder)
    assert consistent(copy) == ("ok", 0, None)  # the last commit, not the open write
    result = merge(tmp_path / "province.db", school)
    assert result.exit_code == 0 and "示例甲职业学校" in result.stdout


def test_a_writer_holding_the_file_past_the_wait_is_one_line(school, writer, tmp_path, monkeypatch):
    monkeypatch.setattr(copy_module, "WAIT_SECONDS", 0.3)
    writer("rollback")
    province = tmp_path / "province.db"
    result = merge(province, school)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and str(school) in lines[0] and "正在被其他程序写入" in lines[0]
    assert "请稍后再合并" in lines[0] and "损坏" not in result.stderr
    assert not province.exists() or rows_of(province, "SELECT 1 FROM schools") == []


def test_a_quiet_school_is_copied_as_it_is_and_left_as_it_was(school, tmp_path):
    before = fingerprint(school), sorted(p.name for p in school.parent.iterdir())
    folder = tmp_path / "snap"
    folder.mkdir()
    copy, digest = snapshot(school, folder)
    assert copy.read_bytes() == school.read_bytes()
    assert digest == digest_of(parts(school))  # as earlier versions hashed it: "unchanged"
    province = tmp_path / "province.db"
    assert merge(province, school).exit_code == 0
    again = merge(province, school)
    assert again.exit_code == 0 and "未改动" in again.stdout
    assert (fingerprint(school), sorted(p.name for p in school.parent.iterdir())) == before


def test_a_folder_is_named_as_a_folder(tmp_path):
    folder = tmp_path / "甲.db"
    folder.mkdir()
    result = merge(tmp_path / "province.db", folder)
    assert result.exit_code == 1
    line = result.stderr.strip().splitlines()[0]
    assert str(folder) in line and "文件夹" in line and "不存在" not in line


def test_a_damaged_file_is_one_line(school, tmp_path):
    damaged = tmp_path / "damaged.db"
    data = bytearray(school.read_bytes())
    size = int.from_bytes(data[16:18], "big")
    for page in range(2, len(data) // size, 2):  # every other page's header
        data[page * size : page * size + 12] = b"\x0d\xff\xff\xff\xff" + b"\x07" * 7
    damaged.write_bytes(bytes(data))
    result = merge(tmp_path / "province.db", damaged)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and "damaged.db" in lines[0] and "损坏" in lines[0]


def test_sqlites_report_of_damage_is_one_line():
    report = "*** in database main ***\nPage 84 is never used\nPage 85 is never used"
    assert _one_line(report) == "Page 84 is never used；Page 85 is never used"
    assert len(_one_line("x\n" * 500)) <= 160
