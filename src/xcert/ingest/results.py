"""Results and awards sheets into the database, and what they did into the report; a
large results sheet a slice of rows at a time (read/slices.py), so that memory grows
with the slice, not the file (issue 21).

A sheet in slices is written as the whole sheet would be (`ResultSheet`, column by
column), slice after slice. What only the whole sheet decides is a `Restart`: the caller
rolls back and imports the file whole, so both ways give the same database and report:
a 人社 number for a certificate the catalogue does not state (a guessed kind looks at
every number the sheet gives it), one student's result of one session or one
certificate number in two slices (the rows are compared with each other first; the
unique index or `ResultSheet` finds them).
"""

from __future__ import annotations

import sqlite3
from contextlib import nullcontext

from xcert.errors import Problem
from xcert.ingest import changes
from xcert.ingest.columns import CLEANERS, SheetColumns, report_written, sheet_columns, sheet_row
from xcert.ingest.plan import Plan
from xcert.ingest.report import FileReport, ImportOptions
from xcert.ingest.sliced import Restart, data_slices
from xcert.office import records
from xcert.office.record_writes import NeedsWholeSheet, Outcome
from xcert.office.result_columns import ResultSheet
from xcert.store import writes


def apply_records(
    conn: sqlite3.Connection,
    kind: str,
    columns: SheetColumns,
    options: ImportOptions,
    report: FileReport,
    import_id: int,
) -> None:
    """A whole results or awards sheet's rows into the database; refusals and notes
    into the report."""
    if kind == "results":
        sheet = ResultSheet(
            conn,
            import_id,
            add_students=options.add_students,
            program_years=options.program_years,
        )
        outcome = sheet.apply(columns)
    else:
        outcome = records.apply(
            conn,
            kind,
            columns.rows(),
            import_id,
            add_students=options.add_students,
            program_years=options.program_years,
        )
    report_records(conn, kind, report, outcome)


def report_records(
    conn: sqlite3.Connection, kind: str, report: FileReport, outcome: Outcome
) -> None:
    """What writing results or awards did, into the file's report."""
    label = report.path.name
    report_written(report, outcome, "")
    for handle, row, text in outcome.warnings:
        report.warnings.append(Problem(label, text, sheet=sheet_row(handle).sheet, row=row))
    changes.of_records(conn, kind, report, outcome.updates)
    report.new_students += outcome.new_students
    report.added += outcome.added
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged


def takes_result_slices(plans: list[Plan]) -> bool:
    """One results sheet that comes in slices."""
    return len(plans) == 1 and plans[0][3] == "results" and plans[0][0].rest is not None


def import_result_slices(
    conn: sqlite3.Connection,
    plan: Plan,
    options: ImportOptions,
    report: FileReport,
    import_id: int,
) -> None:
    """Clean, check and write the results slice by slice (see the module's note): each
    student's first_certified refreshed once at the end, and into an empty results table
    the indexes made once at the end too."""
    sheet, header, summary, _ = plan
    empty = conn.execute("SELECT 1 FROM results LIMIT 1").fetchone() is None
    writer = ResultSheet(
        conn,
        import_id,
        add_students=options.add_students,
        program_years=options.program_years,
        whole=False,
        empty=empty,
    )
    loading = writes.bulk_load(conn, "results") if empty else nullcontext()
    wanted = tuple(CLEANERS)
    try:
        with (
            writes.certified_after(conn, import_id),
            loading,
        ):  # indexes first: the refresh uses them
            for piece in data_slices(plan):
                columns = sheet_columns(
                    report.path.name,
                    sheet,
                    header,
                    summary,
                    report,
                    ("certificate",),
                    wanted,
                    part=piece,
                )
                if len(columns):
                    report_records(conn, "results", report, writer.apply(columns))
    except (NeedsWholeSheet, sqlite3.IntegrityError):  # see the module's note
        raise Restart from None
