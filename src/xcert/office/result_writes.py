"""Results given column by column (office/result_columns.py) into the database: those
stored before updated one by one, as `record_writes.write_records` would, the new ones
inserted together, in row order. Issue 21."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from xcert.office.record_writes import (
    RESULT_FIELDS,
    NeedsWholeSheet,
    Outcome,
    Record,
    bulk,
    existing_record,
    update_record,
)
from xcert.store import writes

# A result's values in the order the rules make them (records.result_values).
RESULT_VALUES = ("theory", "practical", "total", "certificate_no", "outcome", "exam_year")


@dataclass(slots=True)
class ResultColumns:
    """Results to write, column by column in row order: a large sheet's results never
    become one object each. `ref(i)` makes the i-th one's row handle when a message or
    an update needs it."""

    rows: list[int]  # 1-based row numbers
    students: list[int]
    sessions: list[int]
    values: dict[str, list[object]]  # RESULT_VALUES -> each result's value
    ref: Callable[[int], object]

    def __len__(self) -> int:
        return len(self.rows)

    def record(self, i: int) -> Record:
        values = {f: self.values[f][i] for f in RESULT_VALUES}
        number = cast(str | None, values["certificate_no"])
        return Record(
            self.ref(i), self.rows[i], self.students[i], (self.sessions[i],), values, number
        )

    def keep(self, positions: list[int]) -> ResultColumns:
        """Only the results at `positions`, in that order."""

        def kept(col: list) -> list:
            return list(map(col.__getitem__, positions))

        return ResultColumns(
            kept(self.rows),
            kept(self.students),
            kept(self.sessions),
            {f: kept(col) for f, col in self.values.items()},
            lambda i: self.ref(positions[i]),
        )


class StoredResults:
    """Which students hold a stored result of each session, read once per session (a
    results sheet names a few sessions over and over). `whole` false: the sheet comes in
    slices, and a stored result met again in a later slice needs the whole sheet (its
    rows are compared with each other first). `empty`: nothing was stored."""

    def __init__(self, conn: sqlite3.Connection, *, whole: bool = True, empty: bool = False):
        self.conn = conn
        self.whole = whole
        self.empty = empty
        self.holders: dict[int, set[int]] = {}
        self.met: set[tuple[int, int]] = set()

    def of(self, sessions: Iterable[int]) -> dict[int, set[int]]:
        for session in sessions:
            if session not in self.holders:
                self.holders[session] = (
                    set()
                    if self.empty
                    else {
                        student
                        for (student,) in self.conn.execute(
                            "SELECT student_id FROM results WHERE session_id = ?", (session,)
                        )
                    }
                )
        return self.holders

    def meet(self, key: tuple[int, int]) -> None:
        if not self.whole:
            if key in self.met:
                raise NeedsWholeSheet("a stored result in two slices")
            self.met.add(key)


def write_results(
    conn: sqlite3.Connection,
    results: ResultColumns,
    import_id: int,
    outcome: Outcome,
    stored: StoredResults,
    *,
    whole: bool = True,
) -> None:
    """`write_records` for results given column by column (each student and session once:
    `records.dedupe` has run). `whole` false: a slice of a sheet, whose writer has set
    the table up for a load (`bulk`) around all its slices."""
    holders = stored.of(set(results.sessions))
    pairs = zip(results.students, results.sessions, strict=True)
    known = (
        [i for i, (s, t) in enumerate(pairs) if s in holders[t]] if any(holders.values()) else []
    )
    gone: set[int] = set()  # those stored: updated or unchanged, not inserted
    for i in known:
        record = results.record(i)
        stored.meet((record.student_id, results.sessions[i]))
        existing, _ = existing_record(conn, "results", record)
        if existing is not None:
            gone.add(i)
            update_record(conn, "results", record, existing, import_id, outcome)
    # Only the columns some result fills are bound (a column left out is NULL, as a
    # None bound would be): binding is much of the insert's time.
    filled = [f for f in RESULT_FIELDS if results.values[f].count(None) < len(results)]
    rows: Iterable[Sequence[object]] = zip(
        results.students, results.sessions, *(results.values[f] for f in filled), strict=True
    )
    if gone:
        rows = (row for i, row in enumerate(rows) if i not in gone)
    count = len(results) - len(gone)
    _insert(conn, rows, filled, import_id, count if whole else 0)
    outcome.added += count


def _insert(
    conn: sqlite3.Connection,
    rows: Iterable[Sequence[object]],
    filled: list[str],
    import_id: int,
    count: int,
) -> None:
    """The new results in row order, as many to a statement as SQLite's oldest bound on
    parameters allows (999): a statement checks its rows' foreign keys far faster than
    a statement per row does. `count`: how many, for `record_writes.bulk` (0: the caller
    has seen to it)."""
    width = 2 + len(filled)
    row = f"({', '.join('?' * width)}, {int(import_id)}, {int(import_id)})"
    columns = ", ".join(["student_id", "session_id", *filled, "created_import", "updated_import"])
    insert = f"INSERT INTO results ({columns}) VALUES "
    with bulk(conn, "results", count, import_id):
        writes.insert_batched(conn, insert, row, rows, per=999 // width)
