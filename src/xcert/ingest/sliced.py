"""A large roster into an empty students table a slice of rows at a time (read/slices.py),
so that memory grows with the slice, not the file.

Only the plainest case goes this way: one roster sheet, every row a different student
(`students.all_distinct`, slice by slice; across slices the unique indexes rebuilt at
the end tell). Anything else is a `Restart`: the caller rolls back and imports the file
whole, the way it always has, so both ways give the same database and report.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from xcert.ingest.columns import sheet_columns
from xcert.ingest.plan import Plan
from xcert.ingest.report import FileReport, ImportOptions, ProgressCallback
from xcert.ingest.roster import insert_students, new_run, new_students, roster_part
from xcert.model import STUDENT_FIELDS
from xcert.office import students
from xcert.read.slices import Slice
from xcert.store import writes


class Restart(Exception):
    """What only the whole-file import handles: roll back, read the file whole."""


@dataclass
class SlicedRoster:
    """What the slices became, for the memo of the import (ingest/memo.py): each row's
    number in the file and, in the same order, the student it became."""

    rows: Sequence[int]
    students: range | None


def takes_slices(conn: sqlite3.Connection, plans: list[Plan]) -> bool:
    """One roster sheet that comes in slices, into an empty students table."""
    if len(plans) != 1:
        return False
    sheet, _, _, kind = plans[0]
    return (
        kind == "roster"
        and sheet.rest is not None
        and conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is None
    )


def data_slices(plan: Plan) -> Iterator[Slice]:
    """The sheet's rows below its header, a slice at a time."""
    sheet, header, _, _ = plan
    below = header.row + 1  # the first data row's index
    for piece in sheet.slices():
        if piece.first < below:  # the first slice holds the header and what is above
            piece = Slice(below, piece.rows[below - piece.first :], piece.share)
        yield piece


def import_roster_slices(
    conn: sqlite3.Connection,
    plan: Plan,
    options: ImportOptions,
    report: FileReport,
    on_progress: ProgressCallback | None,
    import_id: int,
) -> SlicedRoster:
    """Clean, check and insert the roster slice by slice (see the module's note)."""
    sheet, header, summary, _ = plan
    label = report.path.name
    done = 0
    rows: Sequence[int] = range(0)
    numbered: bool | None = None  # whether the rows carry 学号 (all or none)
    try:
        with writes.bulk_load(conn, "students"):
            for piece in data_slices(plan):
                columns = sheet_columns(
                    label, sheet, header, summary, report, ("name",), STUDENT_FIELDS, part=piece
                )
                part = roster_part(label, columns, options, report)
                count = len(part.columns)
                if not count:
                    continue
                numbers = part.columns.column("student_no")
                if not students.all_distinct(numbers, part.columns.column("id_number")):
                    raise Restart
                if numbered is None:
                    numbered = None not in numbers
                elif numbered != (None not in numbers):
                    raise Restart
                insert_students(
                    conn, new_students(count, part.columns.values, part.derived), import_id
                )
                rows = _joined(rows, part.columns.row_numbers)
                done += count
                if on_progress is not None:
                    on_progress(done, max(done, round(done / piece.share)) if piece.share else done)
    except sqlite3.IntegrityError:  # a student in two slices: the unique index refuses
        raise Restart from None
    report.added += done
    if on_progress is not None:
        on_progress(done, done)
    return SlicedRoster(rows, new_run(conn, done))


def _joined(first: Sequence[int], then: Sequence[int]) -> Sequence[int]:
    """Row numbers one after the other; a run where both run on (a clean roster's slices)."""
    if isinstance(first, range) and isinstance(then, range) and then.step == first.step == 1:
        if not first:
            return then
        if then.start == first.stop:
            return range(first.start, then.stop)
    return [*first, *then]
