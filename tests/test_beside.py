"""`xcert stats` counts its two largest figures at once, on a second connection that
reads the same data as the first (store/connect.py `reading_beside`); where that cannot
be had, on the one connection, with the same figures."""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import pytest

from tests.test_stats import AWARDS, CERTIFICATES, RESULTS, ROSTER, TARGETS
from xcert.figures import stats
from xcert.store import connect as connect_module
from xcert.store.connect import connect, reading_beside


@pytest.fixture
def school(make_school):
    return make_school(
        roster=ROSTER, certificates=CERTIFICATES, targets=TARGETS, results=RESULTS, awards=AWARDS
    )


def _bump(db) -> None:
    other = sqlite3.connect(db)
    other.execute("UPDATE meta SET value = value + 1 WHERE key = 'data_version'")
    other.commit()
    other.close()


def test_the_second_connection_reads_what_the_first_reads(school):
    conn = connect(school.db)
    count = "SELECT value FROM meta WHERE key = 'data_version'"
    with reading_beside(conn) as other:
        assert other is not None
        assert conn.in_transaction and other.in_transaction
        (before,) = conn.execute(count).fetchone()
        _bump(school.db)  # committed after both views began: neither sees it
        assert conn.execute(count).fetchone() == other.execute(count).fetchone() == (before,)
    assert not conn.in_transaction
    assert conn.execute(count).fetchone() == (str(int(before) + 1),)


def test_none_inside_a_transaction_or_in_memory(school):
    conn = connect(school.db)
    conn.execute("BEGIN")
    with reading_beside(conn) as other:
        assert other is None
    assert conn.in_transaction  # left as it was
    conn.execute("ROLLBACK")
    with reading_beside(sqlite3.connect(":memory:")) as other:
        assert other is None


def test_none_when_a_write_comes_between_the_two_views(school, monkeypatch):
    conn = connect(school.db)
    read = connect_module._data_version
    calls = []

    def then_a_write(c):
        value = read(c)
        if not calls:
            _bump(school.db)  # after the first view began, before the second
        calls.append(value)
        return value

    monkeypatch.setattr(connect_module, "_data_version", then_a_write)
    with reading_beside(conn) as other:
        assert other is None
        assert conn.in_transaction  # the block still reads one view
    assert calls[0] != calls[1] and not conn.in_transaction


def test_the_figures_are_the_same_counted_at_once_or_one_after_the_other(school, monkeypatch):
    threads: list[str] = []
    real = stats.dual_certificate

    def spy(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(stats, "dual_certificate", spy)
    conn = connect(school.db)
    at_once = stats.figures(conn)
    assert threads == ["xcert-background"]

    @contextlib.contextmanager
    def alone(c):
        yield None

    monkeypatch.setattr(stats, "reading_beside", alone)
    in_line = stats.figures(conn)
    assert threads[1] == threading.current_thread().name
    assert at_once == in_line
    assert any(row.graduates for row in at_once.dual_certificate)  # something to compare
