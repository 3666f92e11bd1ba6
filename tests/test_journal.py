"""The first students go in through the rollback journal (each page written once), the
database is in WAL mode before and after, and nothing about concurrency is lost: a
connection opened meanwhile reads, another connection open keeps the WAL."""

from __future__ import annotations

import sqlite3

import pytest

from xcert.store import schema
from xcert.store.connect import connect, rollback_journal


def _mode(conn: sqlite3.Connection) -> tuple[str, int]:
    return (
        conn.execute("PRAGMA journal_mode").fetchone()[0],
        conn.execute("PRAGMA synchronous").fetchone()[0],
    )


WAL, ROLLBACK = ("wal", 1), ("delete", 2)  # synchronous NORMAL with the WAL, FULL without


def test_the_rollback_journal_inside_and_the_wal_again_after(db_path):
    conn = schema.open_db(db_path)
    assert _mode(conn) == WAL
    with rollback_journal(conn):
        assert _mode(conn) == ROLLBACK
        conn.execute("CREATE TABLE t (x)")
    assert _mode(conn) == WAL
    assert not db_path.with_name(db_path.name + "-journal").exists()


def test_the_wal_again_after_an_error_rolled_back(db_path):
    conn = schema.open_db(db_path)
    with pytest.raises(ZeroDivisionError), rollback_journal(conn):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE t (x)")
        conn.execute("ROLLBACK")
        1 / 0  # noqa: B018
    assert _mode(conn) == WAL
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 't'").fetchone()[0] == 0


def test_another_connection_open_keeps_the_wal(db_path):
    conn = schema.open_db(db_path)
    other = connect(db_path)
    other.execute("SELECT count(*) FROM students").fetchone()
    with rollback_journal(conn):
        assert _mode(conn) == WAL  # SQLite refused the switch at once: no waiting
        conn.execute("INSERT INTO meta (key, value) VALUES ('t', 'x')")
    assert _mode(conn) == WAL
    assert other.execute("SELECT value FROM meta WHERE key = 't'").fetchone() == ("x",)


def test_a_connection_opened_during_the_write_reads_what_was_committed(db_path):
    conn = schema.open_db(db_path)
    with rollback_journal(conn):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO meta (key, value) VALUES ('t', 'x')")
        reader = connect(db_path)  # it cannot switch to the WAL now, and need not
        assert _mode(reader) == ROLLBACK
        assert reader.execute("SELECT value FROM meta WHERE key = 't'").fetchone() is None
        reader.close()
        conn.execute("COMMIT")
    assert _mode(conn) == WAL
    assert _mode(connect(db_path)) == WAL


def _statements(cli, monkeypatch, *args) -> list[str]:
    """The SQL an in-process command ran, in order."""
    import xcert.store.connect as module

    ran: list[str] = []
    original = sqlite3.connect

    def tracing(*a, **k):
        conn = original(*a, **k)
        conn.set_trace_callback(ran.append)
        return conn

    with monkeypatch.context() as patch:
        patch.setattr(module.sqlite3, "connect", tracing)
        result = cli(*args)
    assert result.exit_code in (0, 1), result.stdout + result.stderr
    return ran


SWITCH = "PRAGMA journal_mode = DELETE"


def test_only_the_first_students_take_the_rollback_journal(cli, xlsx, roster_rows, monkeypatch):
    roster = xlsx("r.xlsx", {"S": roster_rows})
    assert SWITCH not in _statements(cli, monkeypatch, "import", roster, "--dry-run")
    first = _statements(cli, monkeypatch, "import", roster)
    assert SWITCH in first
    import_ = first[first.index(SWITCH) :]  # then the import's transaction, then the WAL
    assert import_[1:3] == ["PRAGMA synchronous = FULL", "BEGIN IMMEDIATE"]
    assert import_.index("PRAGMA journal_mode = WAL") > import_.index("COMMIT")
    assert SWITCH not in _statements(cli, monkeypatch, "import", roster)  # students there: the WAL
    conn = connect(cli.db)
    assert _mode(conn) == WAL
    assert conn.execute("SELECT count(*) FROM students").fetchone()[0] == len(roster_rows) - 1


def test_a_refused_first_import_leaves_nothing_and_the_wal(cli, xlsx, roster_rows, monkeypatch):
    assert cli("init").exit_code == 0
    bad = [list(row) for row in roster_rows]
    bad[2][3] = "110101200601011234"  # a check digit that does not add up
    statements = _statements(cli, monkeypatch, "import", xlsx("bad.xlsx", {"S": bad}))
    assert SWITCH in statements
    conn = connect(cli.db)
    assert _mode(conn) == WAL
    assert conn.execute("SELECT count(*) FROM students").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM imports").fetchone()[0] == 0
