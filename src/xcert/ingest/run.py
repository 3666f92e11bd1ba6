"""One `xcert import`: every file in one transaction, all of it or nothing; a dry run
is the same work rolled back. A file identical to an earlier import (same SHA-256,
options and data) changes nothing. SPEC 5.1."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xcert import clock
from xcert.errors import XcertError
from xcert.ingest import memo
from xcert.ingest.columns import CLEANERS, sheet_columns
from xcert.ingest.plan import Plan, plan_sheets
from xcert.ingest.report import (
    FileReport,
    ImportOptions,
    ImportOutcome,
    ProgressCallback,
    finish_import,
    in_sheet_order,
    record_import,
    stored_warnings,
)
from xcert.ingest.results import apply_records, import_result_slices, takes_result_slices
from xcert.ingest.roster import RosterPart, apply_roster, roster_part
from xcert.ingest.sliced import Restart, import_roster_slices, takes_slices
from xcert.ingest.teachers import apply_teachers, teacher_rows
from xcert.ingest.toml_files import import_toml, read_toml, reads_other_files
from xcert.model import SHEET_KINDS, STUDENT_FIELDS
from xcert.office import history
from xcert.read import slices
from xcert.read.sheets import read_bytes, read_workbook
from xcert.store import writes
from xcert.store.connect import rollback_journal, transaction


def run_import(
    conn: sqlite3.Connection,
    paths: list[Path],
    options: ImportOptions,
    on_progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Import every file in one transaction; roll back on any problem or a dry run."""
    if options.kind not in (None, *SHEET_KINDS):
        raise XcertError(f"暂不支持导入类型「{options.kind}」；可用：{'、'.join(SHEET_KINDS)}")
    reports: list[FileReport] = []
    # A large import makes hundreds of thousands of lists and dicts and no cycles; the
    # cyclic collector would walk them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _journal(conn, options), transaction(conn):
            clashes = history.clash_reasons(conn)
            for path in paths:
                reports.append(_import_file(conn, path, options, on_progress))
            # SPEC 3: a year or cohort has one source, the history or imported data (after
            # every file: two plans corrected together may disagree half way)
            history.refuse_new_clashes(conn, "、".join(p.name for p in paths), clashes)
            failed = any(r.problems for r in reports) and not options.skip_invalid
            if failed or options.dry_run:
                raise _RollBack  # a dry run is the same work, rolled back
    except _RollBack:
        pass
    finally:
        if collecting:
            # What the import made sits in the youngest generation, which the collector
            # would walk whole at its next allocation (the rows of a large file, 25 ms):
            # moved to the oldest instead (freeze, then unfreeze), still collected there.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
    written = not failed and not options.dry_run
    if not written:
        for report in reports:
            report.import_id = None
    return ImportOutcome(files=reports, written=written)


def _journal(
    conn: sqlite3.Connection, options: ImportOptions
) -> contextlib.AbstractContextManager[None]:
    """The first students go in through the rollback journal (`connect.rollback_journal`):
    nobody has anything to read in the file yet. A dry run writes nothing to save."""
    if options.dry_run or conn.execute("SELECT 1 FROM students LIMIT 1").fetchone():
        return contextlib.nullcontext()
    return rollback_journal(conn)


class _RollBack(Exception):
    """Raised inside the transaction to undo it without an error."""


def _import_file(
    conn: sqlite3.Connection,
    path: Path,
    options: ImportOptions,
    on_progress: ProgressCallback | None,
) -> FileReport:
    data = read_bytes(path)
    report = FileReport(path=path, sha256=hashlib.sha256(data).hexdigest())
    earlier = _identical_earlier_import(conn, report.sha256, options)
    if earlier is not None and not reads_other_files(data):
        _same_as(conn, report, options, earlier)
        return report
    settings = read_toml(path, data)
    if settings is not None:
        import_toml(conn, report, options, settings)
        return report
    corrected = memo.import_corrected(conn, path, report.sha256, data, options)
    if corrected is not None:  # the roster imported last, corrected: read where it changed
        return corrected
    conn.execute("SAVEPOINT sliced")
    try:
        _import_workbook(conn, report, data, options, on_progress, sliced=True)
    except (Restart, slices.Surprise):
        # What only the whole-file import handles, met half way: as if never begun.
        conn.execute("ROLLBACK TO sliced")
        report = FileReport(path=path, sha256=report.sha256)
        _import_workbook(conn, report, data, options, on_progress, sliced=False)
    finally:
        conn.execute("RELEASE sliced")
    return report


def _import_workbook(
    conn: sqlite3.Connection,
    report: FileReport,
    data: bytes,
    options: ImportOptions,
    on_progress: ProgressCallback | None,
    *,
    sliced: bool,
) -> None:
    """A spreadsheet's sheets into the database: students first, then results and
    awards, then teachers. `sliced`: a large roster may come a slice at a time."""
    with memo.keeping(conn, data, options) as keeping:  # the sheet written meanwhile
        path = report.path
        workbook = read_workbook(path, data, sliced=sliced)
        report.format, report.encoding = workbook.format, workbook.encoding
        plans = plan_sheets(workbook, options, report)
        if keeping is not None:  # the connection's own from here on (its last row id…)
            keeping.join()
        report.kinds = sorted({kind for _, _, _, kind in plans}, key=SHEET_KINDS.index)
        import_id = record_import(conn, report, options, "+".join(report.kinds) or "roster")
        report.import_id = import_id
        # A roster of one sheet whose rows each became a new student: what a memo keeps.
        kept: tuple[Plan | None, Sequence[int], Sequence[int] | None] = (None, (), None)
        if takes_slices(conn, plans):
            inserted = import_roster_slices(conn, plans[0], options, report, on_progress, import_id)
            kept, plans = (plans[0], inserted.rows, inserted.students), []
        elif takes_result_slices(plans):
            import_result_slices(conn, plans[0], options, report, import_id)
            plans = []
        for sheet, _, _, _ in plans:
            sheet.whole()
        parts = _roster_parts(plans, options, report)
        students = apply_roster(conn, parts, options, report, on_progress, import_id)
        if len(plans) == len(parts) == 1:
            kept = (plans[0], parts[0].columns.row_numbers, students)
        wanted = tuple(CLEANERS)
        for sheet, header, summary, kind in plans:  # after the roster sheets: they add students
            if kind in ("results", "awards"):
                columns = sheet_columns(
                    path.name, sheet, header, summary, report, ("certificate",), wanted
                )
                apply_records(conn, kind, columns, options, report, import_id)
        staff = [  # every teachers' sheet at once: one teacher may be in several
            row
            for sheet, header, summary, kind in plans
            if kind == "teachers"
            for row in teacher_rows(path.name, sheet, header, summary, report)
        ]
        apply_teachers(conn, staff, report, import_id)
        in_sheet_order(report)
        finish_import(conn, report, import_id)
        if keeping is not None:
            memo.keep(conn, report, options, keeping, *kept)


def _roster_parts(
    plans: list[Plan], options: ImportOptions, report: FileReport
) -> list[RosterPart]:
    """Each roster sheet's rows, cleaned and checked."""
    label = report.path.name
    return [
        roster_part(
            label,
            sheet_columns(label, sheet, header, summary, report, ("name",), STUDENT_FIELDS),
            options,
            report,
        )
        for sheet, header, summary, kind in plans
        if kind == "roster"
    ]


def _same_as(
    conn: sqlite3.Connection, report: FileReport, options: ImportOptions, earlier: dict[str, Any]
) -> None:
    """A file identical to an earlier import: logged as a write that changed nothing,
    at the data version the earlier one left."""
    report.same_as_import = earlier["id"]
    report.format = earlier["file_format"] or ""
    report.encoding = earlier["encoding"]
    report.unchanged = earlier["rows_added"] + earlier["rows_updated"] + earlier["rows_unchanged"]
    if earlier["warning_list"] is not None:
        report.warnings = stored_warnings(earlier["warning_list"])
    report.import_id = record_import(
        conn,
        report,
        options,
        earlier["kind"],
        note=f"与第{earlier['id']}次导入的文件相同，数据未变",
    )
    conn.execute(
        "UPDATE imports SET data_version = ?, warnings = ?, warning_list = ? WHERE id = ?",
        (earlier["data_version"], earlier["warnings"], earlier["warning_list"], report.import_id),
    )


def _identical_earlier_import(
    conn: sqlite3.Connection, sha256: str, options: ImportOptions
) -> dict[str, Any] | None:
    """The last import of this very file with the same options, if it went through
    without a problem and no data has changed since (the data version); with warnings,
    only one made today whose warnings were kept (a warning may depend on the date).

    Then importing it again cannot change anything, and the file need not be parsed.
    """
    cursor = conn.execute(
        "SELECT id, kind, file_format, encoding, rows_added, rows_updated, rows_unchanged,"
        " data_version, warnings, warning_list FROM imports WHERE sha256 = ? AND options = ?"
        " AND problems = 0 AND rows_rejected = 0 AND (warnings = 0 OR (warning_list"
        " IS NOT NULL AND substr(started_at, 1, 10) = ?)) ORDER BY id DESC LIMIT 1",
        (sha256, options.fingerprint(), clock.today().isoformat()),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    earlier = dict(zip((c[0] for c in cursor.description), row, strict=True))
    return earlier if earlier["data_version"] == writes.data_version(conn) else None
