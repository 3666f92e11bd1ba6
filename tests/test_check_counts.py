"""`check.counts` (the nightly summary's reconciliation) counts in SQL what `check.check`
lists: on any data, each category's number is the length of its list. The passes without
a certificate are counted another way (all passes less those an award covers), so the
data here has what could make the two ways differ: blank and differing levels, a student
with two awards of one certificate, awards of certificates never examined, registrations
with and without results, and certificate numbers shared across students and cases. The
summary's table of awards nobody signed for is that listing counted per class."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xcert.office import check
from xcert.output import summary
from xcert.store import connect, schema, writes
from xcert.store.connect import transaction
from xcert.store.triggers import create_triggers

from conftest import NOW

LEVELS = st.sampled_from([None, "初级", "中级"])
NUMBERS = st.sampled_from([None, None, "A1", "a1", "B2", "C3"])
STUDENTS = 6
CERTIFICATES = 3


def _school(
    path: Path,
    sessions: list[tuple[int, str | None, int]],
    results: dict[tuple[int, int], tuple[str, str | None]],
    registrations: set[tuple[int, int]],
    awards: list[tuple[int, int, str | None, str | None, bool]],
) -> None:
    conn = schema.open_db(path)
    with transaction(conn):
        writes.log_write(conn, "hand", "check counts")
        conn.executemany(
            "INSERT INTO students (id, student_no, name, class_code) VALUES (?, ?, ?, ?)",
            (  # the last student without a class
                (i, f"S{i}", f"学生{i}", f"2{i % 2}数控1" if i < STUDENTS else None)
                for i in range(1, STUDENTS + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO certificates (id, name, kind) VALUES (?, ?, '1+X')",
            ((c, f"证书{c}") for c in range(1, CERTIFICATES + 1)),
        )
        for number, (cert, level, day) in enumerate(sessions, 1):
            date = (NOW.date() + dt.timedelta(days=day)).isoformat()
            conn.execute(
                "INSERT INTO sessions (id, certificate_id, level, date_start, date_end)"
                " VALUES (?, ?, ?, ?, ?)",
                (number, cert, level, date, date),
            )
        conn.executemany(
            "INSERT INTO results (student_id, session_id, outcome, certificate_no, exam_year)"
            " VALUES (?, ?, ?, ?, 2026)",
            ((st_, se, outcome, no) for (st_, se), (outcome, no) in results.items()),
        )
        conn.executemany(
            "INSERT INTO registrations (session_id, student_id, via) VALUES (?, ?, 'hand')",
            ((se, st_) for st_, se in registrations),
        )
        used: set[str] = set()
        for student, cert, level, no, signed in awards:
            unique_no = None if no is None or no in used else no  # unique on awards
            used.add(unique_no or "")
            conn.execute(
                "INSERT INTO awards (student_id, certificate_id, level, certificate_no,"
                " issued_on, signed_by) VALUES (?, ?, ?, ?, '2026-09-28', ?)",
                (student, cert, level, unique_no, "本人" if signed else None),
            )
    conn.close()


@st.composite
def schools(draw: st.DrawFn) -> tuple:
    sessions = draw(
        st.lists(
            st.tuples(st.integers(1, CERTIFICATES), LEVELS, st.integers(-400, 30)),
            min_size=1,
            max_size=5,
            unique_by=lambda s: (s[0], s[1], s[2]),
        )
    )
    pairs = st.tuples(st.integers(1, STUDENTS), st.integers(1, len(sessions)))
    results = draw(
        st.dictionaries(
            pairs, st.tuples(st.sampled_from(["pass", "pass", "fail", "absent"]), NUMBERS)
        )
    )
    registrations = draw(st.sets(pairs))
    awards = draw(
        st.lists(
            st.tuples(
                st.integers(1, STUDENTS),
                st.integers(1, CERTIFICATES),
                LEVELS,
                NUMBERS,
                st.booleans(),
            ),
            max_size=8,
        )
    )
    return sessions, results, registrations, awards


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(school=schools())
def test_counts_are_the_lengths_of_the_lists(tmp_path_factory, school):
    path = tmp_path_factory.mktemp("counts") / "xcert.db"
    _school(path, *school)
    conn = schema.open_db(path, create=False)
    listed = check.check(conn, today=NOW.date())
    assert check.counts(conn, today=NOW.date()) == {key: len(rows) for key, rows in listed.items()}
    assert summary._unsigned(conn).rows == _per_class(listed["not_signed_for"])
    conn.close()


def _per_class(unsigned: list[dict]) -> list[list[str]]:
    """The summary's table of awards nobody signed for, from `check`'s listing: per class
    (none first), how many and the certificates' names."""
    classes: dict[str | None, list[str]] = {}
    for row in unsigned:
        classes.setdefault(row["class"], []).append(row["certificate"])
    return [
        ["（未填班级）" if klass is None else klass, str(len(names)), "、".join(sorted(set(names)))]
        for klass, names in sorted(
            classes.items(), key=lambda item: (item[0] is not None, item[0] or "")
        )
    ]


def test_counts_on_the_demo_school(demo_folder):
    conn = schema.open_db(demo_folder / "xcert.db", create=False)
    listed = check.check(conn, today=NOW.date())
    counted = check.counts(conn, today=NOW.date())
    assert counted == {key: len(rows) for key, rows in listed.items()}
    assert any(counted.values())  # the demo has something to reconcile
    conn.close()


def test_a_database_of_version_9_counts_from_the_indexes_migration_10_makes(tmp_path):
    """Migration 10 (issue 21) remakes the passes' index with each pass's session and
    indexes the results' certificate numbers; an older file's counts come out the same
    before and after, and read those indexes."""
    path = tmp_path / "旧.db"
    conn = connect.connect(path)
    with transaction(conn):  # the database as version 9 left it
        for migration in schema.MIGRATIONS[:9]:
            migration(conn)
        create_triggers(conn)
        conn.execute("PRAGMA user_version = 9")
    conn.close()
    sessions = [(1, "初级", -40), (1, None, -10), (2, "中级", -400)]
    results = {(1, 1): ("pass", "A1"), (2, 1): ("pass", "a1"), (1, 2): ("pass", None)}
    results |= {(3, 3): ("pass", "B2"), (4, 3): ("fail", None), (5, 2): ("absent", None)}
    awards = [(1, 1, "初级", "C3", False), (1, 1, None, None, True), (3, 2, "中级", "B2", False)]
    _school(path, sessions, results, {(4, 3)}, awards)  # open_db upgrades it first
    conn = schema.open_db(path, create=False)
    columns = {
        name: [row[2] for row in conn.execute(f"PRAGMA index_info({name})")]
        for name in ("results_passes", "results_number")
    }
    assert columns == {
        "results_passes": ["outcome", "student_id", "exam_year", "session_id"],
        "results_number": ["certificate_no", "student_id", "session_id"],
    }
    listed = check.check(conn, today=NOW.date())
    counted = check.counts(conn, today=NOW.date())
    assert counted == {key: len(rows) for key, rows in listed.items()}
    assert counted["passed_without_certificate"] == 1  # student 2's; 1's and 3's are covered
    assert counted["duplicate_certificate_numbers"] == 2  # A1 on students 1 and 2
    plans = " ".join(
        row[3]
        for count in check.counters(today=NOW.date()).values()
        for sql in _statements(conn, count)
        for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")
    )
    assert "COVERING INDEX results_passes (outcome=? AND student_id=?)" in plans
    assert "INDEX results_number" in plans
    conn.close()


def _statements(conn, count) -> list[str]:
    """The SELECT statements `count` runs on `conn`."""
    traced: list[str] = []
    conn.set_trace_callback(traced.append)
    try:
        count(conn)
    finally:
        conn.set_trace_callback(None)
    return [sql for sql in traced if sql.lstrip().upper().startswith(("SELECT", "WITH"))]
