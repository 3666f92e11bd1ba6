"""Read-only jobs side by side over one snapshot (store/snapshot.py, issue 21): every
job sees the same data whatever is committed while they start or run, a write that
slips in between two connections' starts is caught by the marker and all begin again,
and the nightly summary built side by side is the summary built one job at a time."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from xcert.errors import XcertError
from xcert.output import summary
from xcert.store import schema, snapshot, writes

from conftest import NOW


def _school(path: Path, students: int = 3) -> sqlite3.Connection:
    conn = schema.open_db(path)
    _add_students(conn, students)
    return conn


def _add_students(conn: sqlite3.Connection, count: int) -> None:
    """`count` more students, as a write (the data version moves)."""
    with writes.write(conn, "hand", "学生") as done:
        first = conn.execute("SELECT coalesce(max(id), 0) FROM students").fetchone()[0] + 1
        conn.executemany(
            "INSERT INTO students (id, student_no, name) VALUES (?, ?, ?)",
            ((i, f"S{i}", f"学生{i}") for i in range(first, first + count)),
        )
        done.added = count


def _seen(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """What a job reads: the students, and the marker."""
    students = conn.execute("SELECT count(*) FROM students").fetchone()[0]
    return (students, *snapshot.marker(conn))


def _writer(path: Path) -> sqlite3.Connection:
    return schema.open_db(path, create=False)


def test_jobs_side_by_side_give_what_they_give_one_by_one(tmp_path):
    conn = _school(tmp_path / "xcert.db")
    jobs = [_seen, lambda c: c.execute("SELECT name FROM students ORDER BY id").fetchall()] * 3
    alone = snapshot.together(conn, jobs, readers=0)
    assert snapshot.together(conn, jobs, readers=3) == alone
    assert alone[0] == (3, *snapshot.marker(conn))
    assert not conn.in_transaction  # the read transaction ended


def test_every_reader_runs_a_job_in_its_own_thread(tmp_path):
    conn = _school(tmp_path / "xcert.db")
    started = threading.Barrier(3, timeout=10)  # three jobs at once, or this one fails

    def job(c: sqlite3.Connection) -> tuple[int, int, int]:
        started.wait()
        return _seen(c)

    assert snapshot.together(conn, [job] * 3, readers=2) == [(3, *snapshot.marker(conn))] * 3


def test_a_write_committed_while_the_jobs_run_is_seen_by_none(tmp_path):
    path = tmp_path / "xcert.db"
    conn = _school(path)
    before = _seen(conn)
    wrote = threading.Event()

    def write_then_read(c: sqlite3.Connection) -> tuple[int, int, int]:
        other = _writer(path)
        _add_students(other, 5)  # committed: WAL lets a writer beside the readers
        other.close()
        wrote.set()
        return _seen(c)

    def read_after(c: sqlite3.Connection) -> tuple[int, int, int]:
        assert wrote.wait(10)
        return _seen(c)

    seen = snapshot.together(conn, [write_then_read, read_after, read_after], readers=2)
    assert seen == [before] * 3
    assert _seen(conn)[0] == before[0] + 5  # the next read, outside, sees the write


def test_a_write_between_two_readers_starting_is_caught_and_all_begin_again(tmp_path, monkeypatch):
    path = tmp_path / "xcert.db"
    conn = _school(path)
    opened = []
    real = snapshot.open_reader

    def open_reader(where: Path) -> sqlite3.Connection:
        if len(opened) == 1:  # the caller and one reader have begun: a write slips in
            other = _writer(path)
            _add_students(other, 2)
            other.close()
        opened.append(where)
        return real(where)

    monkeypatch.setattr(snapshot, "open_reader", open_reader)
    seen = snapshot.together(conn, [_seen] * 4, readers=3)
    assert len(opened) > 3  # the first try was given up
    assert seen == [seen[0]] * 4 and seen[0][0] == 5  # all after the write, all alike


def test_writes_between_every_start_leave_the_jobs_to_the_callers_connection(tmp_path, monkeypatch):
    path = tmp_path / "xcert.db"
    conn = _school(path)
    real = snapshot.open_reader
    tries = []

    def open_reader(where: Path) -> sqlite3.Connection:
        tries.append(where)
        other = _writer(path)
        _add_students(other, 1)
        other.close()
        return real(where)

    monkeypatch.setattr(snapshot, "open_reader", open_reader)
    threads = []

    def job(c: sqlite3.Connection) -> tuple[int, int, int]:
        threads.append(threading.current_thread())
        return _seen(c)

    seen = snapshot.together(conn, [job] * 3, readers=2)
    assert len(tries) == snapshot.ATTEMPTS
    assert set(threads) == {threading.main_thread()}
    # the caller's last snapshot: after the writes of the tries before the last one
    assert seen == [(3 + snapshot.ATTEMPTS - 1, *seen[0][1:])] * 3
    assert _seen(conn)[0] == 3 + snapshot.ATTEMPTS


def test_a_reader_that_cannot_open_leaves_the_jobs_to_the_callers_connection(tmp_path, monkeypatch):
    conn = _school(tmp_path / "xcert.db")

    def refuse(where: Path) -> sqlite3.Connection:
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(snapshot, "open_reader", refuse)
    assert snapshot.together(conn, [_seen] * 3, readers=2) == [_seen(conn)] * 3


def test_without_wal_or_inside_a_transaction_the_jobs_run_one_by_one(tmp_path, monkeypatch):
    conn = _school(tmp_path / "xcert.db")
    monkeypatch.setattr(snapshot, "open_reader", lambda where: pytest.fail("no reader"))
    conn.execute("BEGIN")
    assert snapshot.together(conn, [_seen] * 2, readers=2) == [_seen(conn)] * 2
    assert conn.in_transaction  # the caller's transaction is left to the caller
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = DELETE")
    assert snapshot.together(conn, [_seen] * 2, readers=2) == [_seen(conn)] * 2


def test_a_small_file_runs_its_jobs_one_by_one_unless_readers_are_asked_for(tmp_path, monkeypatch):
    conn = _school(tmp_path / "s.db")
    monkeypatch.setattr(snapshot.os, "cpu_count", lambda: 4)
    threads: list[threading.Thread] = []
    snapshot.together(conn, [lambda c: threads.append(threading.current_thread())] * 3)
    assert threads == [threading.current_thread()] * 3  # no reader for a few pages
    monkeypatch.setattr(snapshot, "MIN_BYTES", 0)
    barrier = threading.Barrier(3, timeout=10)  # passes only with three at once
    assert snapshot.together(conn, [lambda c: barrier.wait() >= 0] * 3) == [True] * 3


def test_a_jobs_error_is_raised_after_every_thread_stopped(tmp_path):
    conn = _school(tmp_path / "xcert.db")
    threads = threading.active_count()

    def fails(c: sqlite3.Connection) -> None:
        raise XcertError("数据有误")

    def slow(c: sqlite3.Connection) -> None:
        c.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)"
            " SELECT count(*) FROM n"
        ).fetchone()

    with pytest.raises(XcertError, match="数据有误"):
        snapshot.together(conn, [slow, fails, slow, slow], readers=2)
    assert threading.active_count() == threads
    assert not conn.in_transaction
    assert _seen(conn)[0] == 3  # the connection still works


def test_meanwhile_runs_once_on_the_callers_thread(tmp_path):
    conn = _school(tmp_path / "xcert.db")
    calls = []
    for readers in (0, 2):
        seen = snapshot.together(
            conn,
            [_seen] * 3,
            readers=readers,
            meanwhile=lambda: calls.append(threading.current_thread()),
        )
        assert seen == [_seen(conn)] * 3
    assert calls == [threading.main_thread()] * 2


@pytest.mark.parametrize("readers", [0, 1, 3])
def test_the_summary_side_by_side_is_the_summary_one_job_at_a_time(demo_folder, readers):
    conn = schema.open_db(demo_folder / "xcert.db", create=False)
    span = summary.window(conn, since="2000-01-01", day=NOW.date(), now=NOW)
    assert summary.build(conn, span, readers=readers) == summary.build(conn, span, readers=0)
    conn.close()


def test_stats_figures_count_side_by_side_as_they_count_one_by_one(demo_folder, monkeypatch):
    """`figures` counts the pass rates and the dual-certificate table at once (the two
    largest of `xcert stats`): the same figures as one after the other."""
    from xcert.figures import stats

    threads: dict[str, threading.Thread] = {}
    dual_begun = threading.Event()
    real_rates, real_dual = stats.pass_rates, stats.dual_certificate

    def rates(*args, **kwargs):
        threads["rates"] = threading.current_thread()
        dual_begun.wait(timeout=5)  # the other connection takes the other job meanwhile
        return real_rates(*args, **kwargs)

    def dual(*args, **kwargs):
        threads["dual"] = threading.current_thread()
        dual_begun.set()
        return real_dual(*args, **kwargs)

    monkeypatch.setattr(stats, "pass_rates", rates)
    monkeypatch.setattr(stats, "dual_certificate", dual)
    monkeypatch.setattr(snapshot.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(snapshot, "MIN_BYTES", 0)  # the demo's database is small
    conn = schema.open_db(demo_folder / "xcert.db", create=False)
    side_by_side = stats.figures(conn, on=NOW.date())
    assert threads["rates"] is not threads["dual"]
    monkeypatch.setattr(snapshot, "MAX_READERS", 0)
    monkeypatch.setattr(stats, "pass_rates", real_rates)  # one by one: nothing to wait for
    one_by_one = stats.figures(conn, on=NOW.date())
    conn.close()
    assert threads["dual"] is threading.current_thread()
    assert side_by_side == one_by_one
    assert any(row.graduates for row in side_by_side.dual_certificate)  # something to compare


def test_the_summary_counts_no_dual_certificate_table_it_does_not_show(demo_folder):
    from xcert.figures import stats

    conn = schema.open_db(demo_folder / "xcert.db", create=False)
    whole = stats.figures(conn, on=NOW.date())
    without = stats.figures(conn, on=NOW.date(), dual=False)
    conn.close()
    assert whole.dual_certificate and without.dual_certificate == ()
    assert without == whole._replace(dual_certificate=())
