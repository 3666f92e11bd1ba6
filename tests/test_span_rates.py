"""Pass rates of a span of years read only that span's sessions' results (issue 21: the
nightly summary's year is a few of a million results). On any data, each row of a span
is the row of that year counted over every year: by year, certificate and level, of
1+X certificates or all kinds, with a session without a date among them."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xcert.figures import stats
from xcert.figures.scope import Scope, Span
from xcert.store import schema, writes
from xcert.store.connect import transaction

YEARS = st.one_of(st.none(), st.integers(2020, 2026))


def _school(path: Path, sessions: list[tuple[int, str | None, int | None]], results: dict) -> None:
    conn = schema.open_db(path)
    with transaction(conn):
        writes.log_write(conn, "hand", "span rates")
        conn.executemany(
            "INSERT INTO students (id, student_no, name) VALUES (?, ?, ?)",
            ((i, f"S{i}", f"学生{i}") for i in range(1, 7)),
        )
        conn.executemany(
            "INSERT INTO certificates (id, name, kind) VALUES (?, ?, ?)",
            [(1, "证书1", "1+X"), (2, "证书2", "1+X"), (3, "证书3", "other")],
        )
        for number, (cert, level, year) in enumerate(sessions, 1):
            date = None if year is None else f"{year}-06-{number:02d}"
            conn.execute(
                "INSERT INTO sessions (id, certificate_id, level, date_start, date_end)"
                " VALUES (?, ?, ?, ?, ?)",
                (number, cert, level, date, date),
            )
        conn.executemany(
            "INSERT INTO results (student_id, session_id, outcome, exam_year) VALUES (?, ?, ?, ?)",
            (
                (student, session, outcome, sessions[session - 1][2])
                for (student, session), outcome in results.items()
            ),
        )
    conn.close()


@st.composite
def schools(draw: st.DrawFn) -> tuple:
    sessions = draw(
        st.lists(
            st.tuples(st.integers(1, 3), st.sampled_from([None, "初级", "中级"]), YEARS),
            min_size=1,
            max_size=8,
            unique=True,  # a session is one certificate, level and date
        )
    )
    pairs = st.tuples(st.integers(1, 6), st.integers(1, len(sessions)))
    results = draw(st.dictionaries(pairs, st.sampled_from(["pass", "fail", "absent"])))
    return sessions, results


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    school=schools(),
    span=st.tuples(YEARS, YEARS),
    by=st.sampled_from(["year", "certificate", "level"]),
    all_kinds=st.booleans(),
)
def test_a_spans_rows_are_its_years_rows_of_every_year(
    tmp_path_factory, school, span, by, all_kinds
):
    path = tmp_path_factory.mktemp("span") / "xcert.db"
    _school(path, *school)
    conn = schema.open_db(path, create=False)
    years = Span(*span)
    everything = stats.pass_rates(conn, by=by, all_kinds=all_kinds)
    expected = [row for row in everything if row.year is not None and years.holds(row.year)]
    if years.open:
        expected = everything
    assert stats.pass_rates(conn, by=by, all_kinds=all_kinds, scope=Scope(years=years)) == expected
    conn.close()
