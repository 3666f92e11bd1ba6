"""The roster rules over cleaned columns (identity present, gender from the ID, cohort
from the enrolment year or the class code) and writing the students: new ones in bulk,
changed ones one by one, unchanged ones left alone."""

from __future__ import annotations

import bisect
import contextlib
import itertools
import operator
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from xcert.clean import cells as clean
from xcert.clean import idcard
from xcert.errors import Problem
from xcert.ingest import changes
from xcert.ingest.columns import SheetColumns, positions, sheet_row
from xcert.ingest.report import (
    FileReport,
    ImportOptions,
    ProgressCallback,
    cell_problem,
    reject_row,
)
from xcert.model import STUDENT_FIELDS
from xcert.office import roster_match, students
from xcert.store import writes

BULK_ROWS = 5000  # from this many new students on, an empty table's indexes are rebuilt


@dataclass(slots=True)
class RosterPart:
    """One sheet's roster rows: what they state, and what xcert derived for the rows
    that leave a derivable field blank (None elsewhere)."""

    columns: SheetColumns
    derived: dict[str, list[object]]  # DERIVABLE field -> value per row

    def row_in(self, k: int, program_years: int, order: int) -> students.RowIn:
        """Row `k` of the sheet, at place `order` in the file."""
        ref = self.columns.row(k)
        derived = {f: col[k] for f, col in self.derived.items() if col[k] is not None}
        return students.RowIn(ref, ref.row, ref.stated, derived, "", program_years, order)


def roster_part(
    label: str, columns: SheetColumns, options: ImportOptions, report: FileReport
) -> RosterPart:
    """Roster rows as students: identity present, warnings, and what xcert derives for a
    student whose row leaves it out: cohort (SPEC 2: enrolment year + programme length,
    else the class code's year) and gender (from the ID number). Column by column."""
    columns = _with_identity(label, columns, report)
    report.warnings.extend(_name_warnings(label, columns))
    gender, mismatches = _derived_gender(label, columns)
    report.warnings.extend(mismatches)
    derived = {"gender": gender, "cohort": _derived_cohort(columns, options.program_years)}
    return RosterPart(columns, derived)


def _with_identity(label: str, columns: SheetColumns, report: FileReport) -> SheetColumns:
    """The rows that name a student somehow (学号, ID or class); the others refused."""
    numbers, classes = columns.column("student_no"), columns.column("class_code")
    nobody = [
        k
        for k in positions(columns.column("id_number"))
        if numbers[k] is None and classes[k] is None
    ]
    for k in nobody:
        row = columns.row(k)
        reason = Problem(
            label,
            "无法确定是哪位学生：学号、身份证号、班级至少要有一项",
            sheet=row.sheet,
            row=row.row,
        )
        reject_row(report, row, row.row, [reason])
    return columns.drop(nobody) if nobody else columns


def _name_warnings(label: str, columns: SheetColumns) -> list[Problem]:
    """A `?` or `[ ]` in a name (how rare characters get written): a warning (SPEC 2)."""
    names = [str(name) for name in columns.values["name"]]
    if not any(c in "".join(names) for c in "?[]"):
        return []
    return [
        Problem(label, warning, sheet=columns.sheet, row=columns.row_numbers[k], value=name)
        for k, name in enumerate(names)
        if (warning := clean.name_warning(name))
    ]


def _derived_gender(label: str, columns: SheetColumns) -> tuple[list[object], list[Problem]]:
    """The gender the ID number gives, where the row states none; and a warning where a
    stated gender disagrees with the ID."""
    ids = cast("list[str | None]", columns.column("id_number"))  # cleaned IDs, or blank
    from_id: list[object] = (
        [idcard.gender(i) if i is not None else None for i in ids]
        if None in ids
        else list(map(idcard.gender, cast("list[str]", ids)))
    )
    if "gender" not in columns.values:
        return from_id, []
    stated = columns.values["gender"]
    derived: list[object] = (
        [g if s is None else None for s, g in zip(stated, from_id, strict=True)]
        if None in stated
        else [None] * len(columns)
    )
    warnings = [
        Problem(
            label,
            f"性别「{stated[k]}」与身份证号（{from_id[k]}）不符，请核对",
            sheet=columns.sheet,
            row=columns.row_numbers[k],
        )
        for k in positions(list(map(operator.eq, stated, from_id)), False)
        if stated[k] is not None and from_id[k] is not None
    ]
    return derived, warnings


def _derived_cohort(columns: SheetColumns, years: int) -> list[object]:
    """Where a row states no cohort: its 入学年份, else its class code's year, + 学制."""
    cohorts, enrolled = columns.column("cohort"), columns.column("enrollment_year")
    if None not in cohorts:
        return [None] * len(columns)
    if "cohort" not in columns.values and None not in enrolled:
        return list(map(operator.add, enrolled, itertools.repeat(years)))
    classes = cast("list[str | None]", columns.column("class_code"))
    class_years = {c: clean.class_year(c) for c in set(classes) if c is not None}
    starts = [
        cast("int | None", year) if year is not None else class_years.get(code) if code else None
        for year, code in zip(enrolled, classes, strict=True)
    ]
    return [
        start + years if cohort is None and start is not None else None
        for cohort, start in zip(cohorts, starts, strict=True)
    ]


_NEW_COLUMNS = (*STUDENT_FIELDS, "cohort_derived")


NEW_STATUS = "enrolled"  # a new student whose rows state no status is 在读


def apply_roster(
    conn: sqlite3.Connection,
    parts: list[RosterPart],
    options: ImportOptions,
    report: FileReport,
    on_progress: ProgressCallback | None,
    import_id: int,
) -> range | None:
    """Resolve rows to students (stored or new), report what is refused, write the rest.
    Returns the students the rows became, in row order, where each became a new one."""
    parts = [part for part in parts if len(part.columns)]
    if not parts:
        return None
    total = sum(len(part.columns) for part in parts)
    empty = conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is None
    if empty and students.all_distinct(_joined(parts, "student_no"), _joined(parts, "id_number")):
        # Every row a different student, into an empty table: nothing to match or merge,
        # so the columns go to the database as they are.
        report.added += total
        if on_progress is not None:
            on_progress(total, total)
        each = [new_students(len(p.columns), p.columns.values, p.derived) for p in parts]
        columns = each[0] if len(each) == 1 else [_joined_lists(c) for c in zip(*each, strict=True)]
        write_students(conn, columns, [], import_id, into_empty=True)
        return new_run(conn, total)
    if empty:  # rows of one student several times: each row by the identity rule
        rows = _row_ins(parts, options, range(total))
        tick = (lambda done: on_progress(done, total)) if on_progress is not None else None
        resolution = students.resolve(rows, students.Index(), tick)
        columns = _new_columns(resolution.new)
    else:
        resolution, columns = _resolve_against_stored(conn, parts, options, on_progress)
    if on_progress is not None:
        on_progress(total, total)
    _report(report, resolution, added=len(columns[0]))
    write_students(conn, columns, resolution.updated, import_id, into_empty=empty)
    return None


def new_run(conn: sqlite3.Connection, total: int) -> range | None:
    """The ids of the `total` students just put into the empty table, in row order,
    when they run without a gap (they do: SQLite numbers an empty table's rows from 1)."""
    low, high, count = conn.execute("SELECT min(id), max(id), count(*) FROM students").fetchone()
    return range(low, high + 1) if count == total == high - low + 1 else None


def _row_ins(
    parts: list[RosterPart], options: ImportOptions, positions: Iterable[int]
) -> list[students.RowIn]:
    """The rows at these positions of the file (sheet after sheet), as the identity rule
    takes them; with the sheet in their label when the file has several."""
    starts = list(itertools.accumulate((len(part.columns) for part in parts), initial=0))
    several = len({part.columns.sheet for part in parts}) > 1  # messages name the sheet too
    rows = []
    for k in positions:
        at = bisect.bisect_right(starts, k) - 1
        row = parts[at].row_in(k - starts[at], options.program_years, k)
        if several:
            row.label = f"工作表「{sheet_row(row.ref).sheet}」第{row.row}行"
        rows.append(row)
    return rows


def _resolve_against_stored(
    conn: sqlite3.Connection,
    parts: list[RosterPart],
    options: ImportOptions,
    on_progress: ProgressCallback | None,
) -> tuple[students.Resolution, list[list[object]]]:
    """The identity rule over a file and the stored students, row by row only where it
    has to be (`roster_match`): a row alone on a stored student it changes nothing of is
    counted, one that changes something settled alone, a new student's row kept as its
    columns give it. Returns what `resolve` over every row would, with the columns
    (`new_students`) of all the new students."""
    stated = {f: _joined(parts, f) for f in STUDENT_FIELDS}
    derived = {f: _joined_lists([part.derived[f] for part in parts]) for f in students.DERIVABLE}
    with roster_match.file_rows(conn, stated, derived) as in_sql:
        sorting = in_sql.sort(options.program_years)
        index = in_sql.index_for(sorting.hard)
    total, done = len(stated["name"]), len(stated["name"]) - len(sorting.hard)
    tick = (lambda n: on_progress(done + n, total)) if on_progress is not None else None
    resolution = students.resolve(_row_ins(parts, options, sorting.hard), index, tick)
    changed = _row_ins(parts, options, [k for k, _ in sorting.changed])
    for row, (_, stored) in zip(changed, sorting.changed, strict=True):
        students.settle_alone(stored, row, resolution)
    resolution.unchanged += sorting.same
    resolution.updated.sort(key=lambda update: students.place(update.student.rows[0]))
    numbers = stated["student_no"]
    at = sorted(sorting.new, key=lambda k: (numbers[k] is None, k))  # as `students.place`
    fresh = new_students(
        len(at),
        {f: list(map(values.__getitem__, at)) for f, values in stated.items()},
        {f: list(map(values.__getitem__, at)) for f, values in derived.items()},
    )
    places = [(0 if numbers[k] is not None else 1, k) for k in at]
    return resolution, _new_columns(resolution.new, fresh, places)


def _new_columns(
    new: list[students.NewStudent],
    fresh: list[list[object]] | None = None,
    fresh_at: Sequence[tuple[int, int]] = (),
) -> list[list[object]]:
    """The columns (`new_students`) of the new students: those the identity rule made
    (`new`), and those whose rows are written as they are (`fresh`, their rows at these
    `students.place`s, in that order), in the order `resolve` would have added them all."""
    stated = {f: [student.stated.get(f) for student in new] for f in STUDENT_FIELDS}
    derived = {f: [student.derived.get(f) for student in new] for f in students.DERIVABLE}
    columns = new_students(len(new), stated, derived)
    if not fresh_at or fresh is None:
        return columns
    if not new:
        return fresh
    places = [*fresh_at, *(student.place for student in new)]
    order = sorted(range(len(places)), key=places.__getitem__)
    return [list(map((a + b).__getitem__, order)) for a, b in zip(fresh, columns, strict=True)]


def _report(report: FileReport, resolution: students.Resolution, added: int) -> None:
    """What the identity rule refused, the rows it found twice, and the counts (`added`:
    new students, also those written without the identity rule's help)."""
    label = report.path.name
    refused_rows = {id(row) for row, _, _ in resolution.refused}
    for row, why, fld in resolution.refused:
        ref = sheet_row(row.ref)
        if fld is not None and fld in ref.header.columns:
            problem = cell_problem(label, ref, row.row, fld, why, row.stated.get(fld))
        else:
            problem = Problem(label, why, sheet=ref.sheet, row=row.row)
        reject_row(report, ref, row.row, [problem])
    for row, first in resolution.duplicates:
        if id(row) not in refused_rows:
            report.warnings.append(
                Problem(
                    label,
                    f"与第{first}行重复（同一学生），只导入一次",
                    sheet=sheet_row(row.ref).sheet,
                    row=row.row,
                )
            )
    report.added += added
    report.updated += len(resolution.updated)
    changes.of_students(report, resolution.updated)
    report.unchanged += resolution.unchanged


def _joined(parts: list[RosterPart], fld: str) -> list[object]:
    """One field's values over all sheets, in row order."""
    return _joined_lists([part.columns.column(fld) for part in parts])


def _joined_lists(lists: Sequence[list[object]]) -> list[object]:
    return lists[0] if len(lists) == 1 else [value for values in lists for value in values]


def new_students(
    count: int, stated: dict[str, list[object]], derived: dict[str, list[object]]
) -> list[list[object]]:
    """The columns (`_NEW_COLUMNS`) of `count` new students: what their rows state, else
    what xcert derived; a blank status is 在读; `cohort_derived` marks a cohort that was
    derived, not stated. `stated` may lack a field (no such column), `derived` may not."""
    columns = []
    for fld in STUDENT_FIELDS:
        given = stated.get(fld)
        if fld in students.DERIVABLE:
            columns.append(_stated_else(given, derived[fld]))
        elif fld == "status":
            columns.append(_stated_else(given, [NEW_STATUS] * count))
        else:
            columns.append(given if given is not None else [None] * count)
    # cohort_derived: 1 where no cohort is stated and one was derived. The whole column
    # at once when it is all one or the other (the common case), else row by row.
    cohorts, derived_cohorts = stated.get("cohort"), derived["cohort"]
    blanks = derived_cohorts.count(None)
    if blanks == count:
        columns.append([0] * count)
    elif blanks == 0 and (cohorts is None or cohorts.count(None) == count):
        columns.append([1] * count)
    else:
        cohorts = cohorts or [None] * count
        columns.append(
            [
                int(c is None and d is not None)
                for c, d in zip(cohorts, derived_cohorts, strict=True)
            ]
        )
    return columns


def _stated_else(stated: list[object] | None, other: list[object]) -> list[object]:
    """Per row, the stated value if there is one, else `other`'s."""
    if stated is None:
        return other
    if None not in stated:
        return stated
    return [o if s is None else s for s, o in zip(stated, other, strict=True)]


def write_students(
    conn: sqlite3.Connection,
    new: list[list[object]],
    updated: list[students.Update],
    import_id: int,
    *,
    into_empty: bool,
) -> None:
    """Insert new students (`new_students`' columns) and update changed ones, keeping
    the overwritten values. Also when the import has problems: later files of the
    command are checked against it, and the transaction is rolled back at the end anyway."""
    loading = (
        writes.bulk_load(conn, "students")
        if into_empty and len(new[0]) >= BULK_ROWS
        else contextlib.nullcontext()
    )
    with loading:
        insert_students(conn, new, import_id)
    for update in updated:
        writes.update_row(conn, "students", update.student_id, update.after, import_id)


def insert_students(conn: sqlite3.Connection, new: list[list[object]], import_id: int) -> None:
    """New students (`new_students`' columns), writes.ROWS_PER_INSERT to a statement."""
    row = f"({', '.join('?' * len(_NEW_COLUMNS))}, {int(import_id)}, {int(import_id)})"
    insert = (
        f"INSERT INTO students ({', '.join(_NEW_COLUMNS)}, created_import, updated_import) VALUES "
    )
    writes.insert_batched(conn, insert, row, zip(*new, strict=True))
