"""A corrected copy of the roster imported last, read only where it changed (issue 21).

An import of one roster sheet of an xlsx file that made each row a different student
keeps that sheet as the file held it (ingest/kept_file.py: nothing else of the file, and
only a sheet with no column xcert does not read) and which student each row became
(`keep`), until anything else is written (`writes.bump_data_version` empties it). When
the next import is a copy of that file with the same options on the same day, whose
other parts are the same and whose sheet differs in one run of rows that
`read/window.py` can name exactly, only those rows are read, cleaned and matched
(`import_corrected`); every other row is counted unchanged with the warnings it had.
Anything else on the way, and the file is imported whole as always: the database and
the report are the same either way (tests/test_memo.py compares them).
"""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import io
import json
import re
import sqlite3
import zipfile
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from xcert import __version__, clock
from xcert.errors import Problem, XcertError
from xcert.ingest.columns import sheet_columns
from xcert.ingest.kept_file import Keeping, Kept, compared, store_stream
from xcert.ingest.plan import Plan
from xcert.ingest.report import (
    FileReport,
    ImportOptions,
    SheetSummary,
    finish_import,
    in_sheet_order,
    record_import,
    stored_warnings,
)
from xcert.ingest.roster import apply_roster, roster_part
from xcert.model import STUDENT_FIELDS
from xcert.read import window, zip_checks
from xcert.read.guard import archive_read, reader_failed
from xcert.read.headers import HEADER_SEARCH_ROWS, HeaderMap
from xcert.read.sheets import Sheet
from xcert.read.slices import Slice, SlicedBook, Surprise
from xcert.store import writes

MEMO_MAX_BYTES = 16 * 2**20  # a larger file is not kept (a 100,000-row roster: 5.5 MB)
_MAX_WINDOW_COLUMNS = 1024  # a changed row reaching further: read whole (its own bounds)
_ZIP = b"PK\x03\x04"
_SCALARS = (str, int, float, bool, type(None))
_COLUMN = re.compile(rb'<c r="([A-Z]{1,3})')


@dataclass
class Memo:
    """What `keep` stored: the sheet, as the file held it and as read, and each row's
    student."""

    import_id: int
    sheet: str
    header: HeaderMap
    header_cells: list[object]
    summaries: list[SheetSummary]
    rows: array[int]  # 1-based numbers of the rows that became students, ascending
    students: array[int]  # the student each of them became
    kept: Kept
    stream: bytes


@dataclass
class _Change:
    """The corrected copy against the memo: its window's rows as read, where they are,
    and what is kept of the new file."""

    piece: Slice
    rows: range  # 0-based rows of the window
    lo: int  # memo.rows[lo:hi]: the window's rows that became students before
    hi: int
    kept: Kept
    stream: bytes


@contextlib.contextmanager
def keeping(
    conn: sqlite3.Connection, data: bytes, options: ImportOptions
) -> Iterator[Keeping | None]:
    """The file's roster sheet written meanwhile, if it may become a memo: an xlsx file of
    at most MEMO_MAX_BYTES into an empty students table (its rows may all be new
    students); the writing waited for when the import ends, however (before the caller
    rolls back, if it does)."""
    if (
        options.dry_run
        or not data.startswith(_ZIP)
        or len(data) > MEMO_MAX_BYTES
        or conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is not None
    ):
        yield None
        return
    writing = Keeping(conn, data)
    try:
        yield writing
    except BaseException:
        writing.cancel()
        raise
    finally:
        writing.thread.join()


def keep(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    keeping: Keeping,
    plan: Plan | None,
    rows: Sequence[int],
    students: Sequence[int] | None,
) -> None:
    """Make the sheet written (`keeping`) the memo, if a corrected copy can come of it:
    an xlsx roster of one sheet (`plan`), the one kept, whose rows each became a new
    student (`students`, in row order; `rows`: their numbers), imported without a
    problem, its header cells plain values, no column xcert does not read (the memo
    holds no more than the database does); else take it away."""
    kept = keeping.join()
    if plan is not None and students is not None and kept is not None:
        sheet, header, _, _ = plan
        cells = sheet.rows[header.row]
        if (
            report.format == "xlsx"
            and kept.sheets.get(sheet.name) == kept.part
            and not report.problems
            and not report.rejected
            and not header.ignored
            and not header.duplicates
            and all(isinstance(cell, _SCALARS) for cell in cells)
        ):
            _store(conn, report, options, (sheet.name, header, cells), rows, students, kept)
            return
    conn.execute("DELETE FROM import_memo_file")


def _store(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    read: tuple[str, HeaderMap, list[object]],
    rows: Sequence[int],
    students: Sequence[int],
    kept: Kept,
) -> None:
    """The memo of the import `report` (after its data version was set): the sheet's
    name, header and header cells (`read`), each row's student, how the sheet is kept
    (its stream in `import_memo_file`)."""
    name, header, cells = read
    reading = {
        "sheet": name,
        "header": dataclasses.asdict(header),
        "header_cells": cells,
        "summaries": [dataclasses.asdict(summary) for summary in report.sheets],
        "kept": dataclasses.asdict(kept),
    }
    conn.execute(
        "INSERT OR REPLACE INTO import_memo (id, import_id, data_version, options, day, program,"
        " reading, rows, students) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            report.import_id,
            writes.data_version(conn),
            options.fingerprint(),
            clock.today().isoformat(),
            __version__,
            json.dumps(reading, ensure_ascii=False),
            _packed(rows),
            _packed(students),
        ),
    )


def _packed(numbers: Sequence[int]) -> bytes | str:
    """Numbers as stored: int64s, or a run written as `first:stop` (the first import's
    rows and students run so: 100,000 made into int64s take 5 ms each)."""
    if isinstance(numbers, range) and numbers.step == 1:
        return f"{numbers.start}:{numbers.stop}"
    return array("q", numbers).tobytes()


def _unpacked(stored: bytes | str) -> array[int]:
    if isinstance(stored, str):
        start, stop = map(int, stored.split(":"))
        return array("q", range(start, stop))
    return array("q", stored)


def _load(conn: sqlite3.Connection, options: ImportOptions) -> Memo | None:
    """The memo, if it describes the data as it is and was read as this import reads."""
    row = conn.execute(
        "SELECT import_id, reading, rows, students, file FROM import_memo JOIN import_memo_file"
        " USING (id) WHERE data_version = ? AND options = ? AND day = ? AND program = ?",
        (writes.data_version(conn), options.fingerprint(), clock.today().isoformat(), __version__),
    ).fetchone()
    if row is None:
        return None
    import_id, reading, rows, students, stream = row
    read = json.loads(reading)
    return Memo(
        import_id,
        read["sheet"],
        HeaderMap(**read["header"]),
        read["header_cells"],
        [SheetSummary(**summary) for summary in read["summaries"]],
        _unpacked(rows),
        _unpacked(students),
        Kept(**read["kept"]),
        stream,
    )


def import_corrected(
    conn: sqlite3.Connection, path: Path, sha256: str, data: bytes, options: ImportOptions
) -> FileReport | None:
    """Import `data` as a corrected copy of the memo's file, if it is one (see the
    module's note): its report; None, with nothing written, if it is not."""
    if not data.startswith(_ZIP) or len(data) > MEMO_MAX_BYTES:
        return None
    memo = _load(conn, options)
    if memo is None:
        return None
    change = _change(path, memo, data)
    if change is None:
        return None
    report = FileReport(path=path, sha256=sha256, format="xlsx", kinds=["roster"])
    conn.execute("SAVEPOINT corrected")
    try:
        done = _apply(conn, report, options, memo, change)
    except BaseException:
        done = False
        raise
    finally:
        if not done:
            conn.execute("ROLLBACK TO corrected")
        conn.execute("RELEASE corrected")
    return report if done else None


def _change(path: Path, memo: Memo, data: bytes) -> _Change | None:
    """Where the corrected copy differs from the memo's sheet, read; None where that is
    not one run of rows of the memo's sheet that `window` names exactly, or on anything
    unexpected (the whole reader then says what is wrong with the file)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        with archive_read(path):  # what the whole reader checks first, as it does
            zip_checks.check_zip(path, archive, zip_checks.MAX_UNCOMPRESSED_BYTES)
            zip_checks.check_declared(path, archive.infolist(), zip_checks.MAX_UNCOMPRESSED_BYTES)
            zip_checks.check_shared_strings(path, archive, archive.infolist())
        found = compared(memo.kept, memo.stream, data, archive)
        if found is None:
            return None
        versions, kept = found
        stream = bytes(versions.stream)
        if versions.same:  # the same sheet: every row unchanged
            return _Change(Slice(0, []), range(0), 0, 0, kept, stream)
        change = _read_window(SlicedBook(data), memo, versions.old, versions.new)
        return None if change is None else _Change(*change, kept, stream)
    except (XcertError, Surprise, zipfile.BadZipFile, zlib.error, KeyError, EOFError):
        return None
    except BaseException as exc:  # the reader's and zipfile's errors, its panics
        if not reader_failed(exc):
            raise
        return None


def _read_window(
    book: SlicedBook, memo: Memo, old: bytearray, new: bytearray
) -> tuple[Slice, range, int, int] | None:
    """The window's rows as the whole reader reads them, below the header's search."""
    found = window.changed_rows(old, new)
    if found is None or not found.same_rows:
        return None
    rows = found.rows if found.rows else range(HEADER_SEARCH_ROWS, HEADER_SEARCH_ROWS)
    if rows.start < max(HEADER_SEARCH_ROWS, memo.header.row + 1):
        return None
    xml = bytes(new[found.start : found.new_end])
    letters = {found.decode() for found in _COLUMN.findall(xml)}
    if any(zip_checks.column_number(column) > _MAX_WINDOW_COLUMNS for column in letters):
        return None
    if [s.part for s in book.sheets if s.name == memo.sheet] != [memo.kept.part]:
        return None
    piece = book.read_slice(xml, 1.0)
    if piece.rows and (piece.first < rows.start or piece.first + len(piece.rows) > rows.stop):
        return None
    lo = bisect.bisect_left(memo.rows, rows.start + 1)
    hi = bisect.bisect_left(memo.rows, rows.stop + 1)
    return piece, rows, lo, hi


def _apply(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    memo: Memo,
    change: _Change,
) -> bool:
    """The window's rows matched as the whole import matches them, the other rows
    counted unchanged with their warnings; False where the window's rows are anything
    but students of their own (a problem, a row the rule merges with another, a student
    an unchanged row holds): the caller then rolls back and reads the file whole."""
    label = report.path.name
    report.sheets = memo.summaries
    report.import_id = import_id = record_import(conn, report, options, "roster")
    summary = next(s for s in report.sheets if s.name == memo.sheet)
    before = summary.data_rows
    summary.data_rows = 0
    found: list[int] | None = []
    if change.piece.rows:
        sheet = Sheet(memo.sheet, [[] for _ in range(memo.header.row)] + [memo.header_cells])
        columns = sheet_columns(
            label, sheet, memo.header, summary, report, ("name",), STUDENT_FIELDS, part=change.piece
        )
        part = roster_part(label, columns, options, report)
        apply_roster(conn, [part], options, report, None, import_id)
        found = _students_of(conn, part.columns.values, len(part.columns))
        if report.problems or report.rejected:
            return False
        rows = list(part.columns.row_numbers)
    else:
        rows = []
    outside = memo.students[: change.lo] + memo.students[change.hi :]
    if found is None or len(set(found)) != len(found) or not set(found).isdisjoint(outside):
        return False
    summary.data_rows += before - (change.hi - change.lo)
    report.unchanged += len(outside)
    report.warnings += _warnings_outside(conn, memo, change.rows, label)
    in_sheet_order(report)
    finish_import(conn, report, import_id)
    kept_rows = memo.rows[: change.lo] + array("q", rows) + memo.rows[change.hi :]
    students = memo.students[: change.lo] + array("q", found) + memo.students[change.hi :]
    read = (memo.sheet, memo.header, memo.header_cells)
    store_stream(conn, change.stream)
    _store(conn, report, options, read, kept_rows, students, change.kept)
    return True


def _students_of(
    conn: sqlite3.Connection, values: dict[str, list[object]], count: int
) -> list[int] | None:
    """The student each of the window's rows is now, by its 学号, else its ID number (each
    unique in a school); None where a row has neither (the rule matched it otherwise)."""
    numbers = values.get("student_no") or [None] * count
    ids = values.get("id_number") or [None] * count
    found = []
    for number, id_number in zip(numbers, ids, strict=True):
        if number is not None:
            row = conn.execute(
                "SELECT id FROM students WHERE student_no = ? AND school_id IS NULL", (number,)
            ).fetchone()
        elif id_number is not None:
            row = conn.execute(
                "SELECT id FROM students WHERE id_number = ? AND school_id IS NULL", (id_number,)
            ).fetchone()
        else:
            return None
        if row is None:
            return None
        found.append(row[0])
    return found


def _warnings_outside(
    conn: sqlite3.Connection, memo: Memo, rows: range, label: str
) -> list[Problem]:
    """The warnings the memo's import gave, but those of the window's rows (0-based
    `rows`), as this file's: the rows outside the window read as they did."""
    blob = conn.execute(
        "SELECT warning_list FROM imports WHERE id = ?", (memo.import_id,)
    ).fetchone()
    if blob is None or blob[0] is None:
        return []
    return [
        dataclasses.replace(w, file=label)
        for w in stored_warnings(blob[0])
        if not (w.sheet == memo.sheet and w.row is not None and w.row - 1 in rows)
    ]
