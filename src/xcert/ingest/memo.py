"""A corrected copy of the roster imported last, read only where it changed (issue 21).

An import of one roster sheet of an xlsx file that made each row a different student
keeps the file as it was and which student each row became (`keep`), until anything
else is written (`writes.bump_data_version` empties it). When the next import is a copy
of that file with the same options on the same day, whose other parts are the same bytes
and whose sheet differs in one run of rows that `read/window.py` can name exactly, only
those rows are read, cleaned and matched (`import_corrected`); every other row is counted
unchanged with the warnings it had. Anything else on the way, and the file is imported
whole as always: the database and the report are the same either way (tests/test_memo.py
compares them over many kinds of edit).
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import json
import sqlite3
import threading
import zipfile
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xcert import __version__, clock
from xcert.errors import Problem, XcertError
from xcert.ingest.columns import sheet_columns
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
from xcert.read.guard import reader_failed
from xcert.read.headers import HEADER_SEARCH_ROWS, HeaderMap
from xcert.read.sheets import Sheet
from xcert.read.slices import Slice, SlicedBook, Surprise, inflated_whole
from xcert.store import writes

MEMO_MAX_BYTES = 16 * 2**20  # a larger file is not kept (a 100,000-row roster: 5.5 MB)
_ZIP = b"PK\x03\x04"
_SCALARS = (str, int, float, bool, type(None))


@dataclass
class Memo:
    """What `keep` stored: the file, its roster sheet as read, each row's student."""

    import_id: int
    sheet: str
    header: HeaderMap
    header_cells: list[object]
    summaries: list[SheetSummary]
    rows: array[int]  # 1-based numbers of the rows that became students, ascending
    students: array[int]  # the student each of them became
    file: bytes


@dataclass
class _Change:
    """The corrected copy against the memo: its window's rows as read, where they are."""

    piece: Slice
    rows: range  # 0-based rows of the window
    lo: int  # memo.rows[lo:hi]: the window's rows that became students before
    hi: int


class Keeping:
    """The file written into `import_memo` on a second thread while the reader parses it
    (SQLite lets go of the interpreter as it writes: 5.5 MB cost the first import 90 ms
    in line); `keep` then adds what the import found, or takes the file away again."""

    def __init__(self, conn: sqlite3.Connection, data: bytes) -> None:
        self.failed: BaseException | None = None
        self.thread = threading.Thread(target=self._write, args=(conn, data))
        self.thread.start()

    def _write(self, conn: sqlite3.Connection, data: bytes) -> None:
        try:  # the file alone: `_load` never takes it, the import's own bump leaves it
            conn.execute(
                "INSERT OR REPLACE INTO import_memo_file (id, file) VALUES (1, ?)", (data,)
            )
        except BaseException as exc:  # raised in the import's thread (`join`)
            self.failed = exc

    def join(self) -> None:
        self.thread.join()
        if self.failed is not None:
            raise self.failed


def start_keeping(conn: sqlite3.Connection, data: bytes, options: ImportOptions) -> Keeping | None:
    """Begin writing the file, if it may become a memo: an xlsx file of at most
    MEMO_MAX_BYTES into an empty students table (its rows may all be new students)."""
    if (
        options.dry_run
        or not data.startswith(_ZIP)
        or len(data) > MEMO_MAX_BYTES
        or conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is not None
    ):
        return None
    return Keeping(conn, data)


def keep(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    plan: Plan | None,
    rows: Sequence[int],
    students: Sequence[int] | None,
) -> None:
    """Make the file written (`Keeping`) the memo, if it is one a corrected copy can
    come of: an xlsx roster of one sheet (`plan`) whose rows each became a new student
    (`students`, in row order; `rows`: their numbers), imported without a problem, its
    header cells plain values; else take it away."""
    if plan is not None and students is not None:
        sheet, header, _, _ = plan
        cells = sheet.rows[header.row]
        if (
            report.format == "xlsx"
            and not report.problems
            and not report.rejected
            and all(isinstance(cell, _SCALARS) for cell in cells)
        ):
            _store(conn, report, options, (sheet.name, header, cells), rows, students)
            return
    conn.execute("DELETE FROM import_memo_file")


def _store(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    read: tuple[str, HeaderMap, list[object]],
    rows: Sequence[int],
    students: Sequence[int],
    data: bytes | None = None,
) -> None:
    """The memo of the import `report` (after its data version was set): the sheet's
    name, header and header cells (`read`), each row's student; the file, unless it was
    written already (`Keeping`)."""
    name, header, cells = read
    reading = {
        "sheet": name,
        "header": dataclasses.asdict(header),
        "header_cells": cells,
        "summaries": [dataclasses.asdict(summary) for summary in report.sheets],
    }
    if data is not None:
        conn.execute("INSERT OR REPLACE INTO import_memo_file (id, file) VALUES (1, ?)", (data,))
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
    import_id, reading, rows, students, data = row
    read = json.loads(reading)
    return Memo(
        import_id,
        read["sheet"],
        HeaderMap(**read["header"]),
        read["header_cells"],
        [SheetSummary(**summary) for summary in read["summaries"]],
        _unpacked(rows),
        _unpacked(students),
        data,
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
        done = _apply(conn, report, options, memo, change, data)
        if not done:
            conn.execute("ROLLBACK TO corrected")
    finally:
        conn.execute("RELEASE corrected")
    return report if done else None


def _change(path: Path, memo: Memo, data: bytes) -> _Change | None:
    """Where the corrected copy differs from the memo's file, read; None where that is
    not one run of rows of the memo's sheet that `window` names exactly, or on anything
    unexpected (the whole reader then says what is wrong with the file)."""
    try:
        new, old = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(memo.file))
        members = new.infolist()
        zip_checks.check_declared(path, members, zip_checks.MAX_UNCOMPRESSED_BYTES)
        part = _changed_part(new, old)
        if part is None:
            return None
        if not part:  # the same sheets: every row unchanged
            return _Change(Slice(0, []), range(0), 0, 0)
        book = SlicedBook(data)
        if [s.part for s in book.sheets if s.name == memo.sheet] != [part]:
            return None
        return _read_window(book, memo, *_inflated(data, memo.file, part))
    except (XcertError, Surprise, zipfile.BadZipFile, zlib.error, KeyError, EOFError):
        return None
    except BaseException as exc:  # the reader's and zipfile's errors, its panics
        if not reader_failed(exc):
            raise
        return None


def _changed_part(new: zipfile.ZipFile, old: zipfile.ZipFile) -> str | None:
    """The one worksheet part in which the two files differ ("" if none does); None if
    they differ elsewhere (the document's properties, which no reader reads, aside)."""
    names = new.namelist()
    if sorted(names) != sorted(old.namelist()) or len(set(names)) != len(names):
        return None  # (a name twice: which of them a reader takes is its own affair)
    changed = ""
    for member in new.infolist():
        name = member.filename
        if name.startswith("docProps/"):
            continue
        before = old.getinfo(name)
        same_size = member.file_size == before.file_size and member.CRC == before.CRC
        if same_size and new.read(name) == old.read(name):  # a CRC is no proof: the bytes are
            continue
        if changed or not name.startswith("xl/worksheets/") or name.count("/") != 2:
            return None
        changed = name
    return changed


def _inflated(new: bytes, old: bytes, part: str) -> tuple[bytearray, bytearray]:
    """Both versions of the sheet, inflated side by side (zlib lets go of the interpreter)."""
    members = [zipfile.ZipFile(io.BytesIO(data)).getinfo(part) for data in (old, new)]
    from concurrent.futures import ThreadPoolExecutor  # (and logging: not at every start)

    with ThreadPoolExecutor(2) as pool:
        old_xml = pool.submit(inflated_whole, old, members[0])
        new_xml = inflated_whole(new, members[1])
        return old_xml.result(), new_xml


def _read_window(book: SlicedBook, memo: Memo, old: bytearray, new: bytearray) -> _Change | None:
    """The window's rows as the whole reader reads them, below the header's search."""
    found = window.changed_rows(old, new)
    if found is None or not found.same_rows:
        return None
    rows = found.rows if found.rows else range(HEADER_SEARCH_ROWS, HEADER_SEARCH_ROWS)
    if rows.start < max(HEADER_SEARCH_ROWS, memo.header.row + 1):
        return None
    piece = book.read_slice(bytes(new[found.start : found.new_end]), 1.0)
    if piece.rows and (piece.first < rows.start or piece.first + len(piece.rows) > rows.stop):
        return None
    lo = bisect.bisect_left(memo.rows, rows.start + 1)
    hi = bisect.bisect_left(memo.rows, rows.stop + 1)
    return _Change(piece, rows, lo, hi)


def _apply(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    memo: Memo,
    change: _Change,
    data: bytes,
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
    _store(conn, report, options, read, kept_rows, students, data)
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
