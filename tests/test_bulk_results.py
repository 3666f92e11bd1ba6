"""Many results at once are written in bulk (record_writes._insert): the indexes made
again after them when they outnumber those stored, and each student's first_certified
refreshed once instead of by a trigger per row. The database must be the same as the
one row at a time gives, whatever was stored before."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import RESULT_COLUMNS, Cli
from xcert.office import record_writes
from xcert.resources import bundled
from xcert.store import writes
from xcert.store.triggers import EARLIEST_CERTIFIED

EXAMPLES = bundled("examples")


def school(tmp_path: Path, name: str, xlsx) -> Cli:  # noqa: ANN001 (the conftest fixture)
    """The bundled school, then a second results file: new results for students who
    already hold results and certificates, a retest, passes and fails, one undated."""
    (tmp_path / name).mkdir()
    cli = Cli(tmp_path / name / "x.db")
    for example in ("roster.xlsx", "catalogue.toml", "results.xlsx", "sign-off.xlsx"):
        result = cli("import", EXAMPLES / example)
        assert result.exit_code == 0, result.output
    numbers = [row[0] for row in cli.query("SELECT student_no FROM students ORDER BY id")]
    certificate = cli.query("SELECT name FROM certificates ORDER BY id LIMIT 1")[0][0]
    rows = [
        [
            number,
            certificate,
            "初级",
            "" if k % 7 == 0 else f"2025-0{1 + k % 6}-15",
            "合格" if k % 3 else "不合格",
        ]
        for k, number in enumerate(numbers)
    ]
    more = xlsx(f"more-{name}.xlsx", {"成绩": [RESULT_COLUMNS, *rows]})
    retest = [[row[0], row[1], row[2], "2026-06-20", "合格"] for row in rows[:3]]
    again = xlsx(f"again-{name}.xlsx", {"成绩": [RESULT_COLUMNS, *retest]})
    for path in (more, again):
        result = cli("import", path)
        assert result.exit_code == 0, result.output
    return cli


def test_results_in_bulk_give_the_same_database(
    tmp_path: Path,
    xlsx,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    one_by_one = school(tmp_path, "rows", xlsx).dump()
    monkeypatch.setattr(record_writes, "BULK_RESULTS", 1)
    loads: list[str] = []
    real = writes.bulk_load

    def spy(conn, table):  # noqa: ANN001, ANN202
        loads.append(table)
        return real(conn, table)

    monkeypatch.setattr(writes, "bulk_load", spy)
    cli = school(tmp_path, "bulk", xlsx)
    assert sorted(cli.dump()) == sorted(one_by_one)
    # results into an empty table, or more than stored: the indexes made again; the
    # retest's three, fewer than stored, went into them
    assert 1 <= loads.count("results") < 4
    stale = cli.query(
        "SELECT id FROM students WHERE first_certified IS NOT"
        f" {EARLIEST_CERTIFIED.format(sid='students.id')}"
    )
    assert stale == []
    assert cli.query("SELECT count(*) FROM students WHERE first_certified IS NOT NULL")[0][0] > 0
