"""Results and awards into the database: a new record inserted, a changed one updated
(the journal keeps what it was), blank cells never erasing; the session of a result
found or made. The rules that turn rows into records are in records.py."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import cast

from xcert.clean.dates import DateSpan
from xcert.office import catalogue as cat
from xcert.store import writes

RESULT_FIELDS = ("theory", "practical", "total", "outcome", "certificate_no", "exam_year")


AWARD_FIELDS = (
    "level",
    "assessed_start",
    "assessed_end",
    "assessed_text",
    "issued_on",
    "certificate_no",
    "signed_by",
    "signed_on",
)


@dataclass
class Refusal:
    ref: object
    row: int
    reason: str
    field: str | None = None


@dataclass
class Written:
    """What writing a sheet's rows did: the counts every kind of sheet reports."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    duplicates: list[tuple[object, int, int]] = field(default_factory=list)  # ref, row, first
    new_certificates: list[cat.Certificate] = field(default_factory=list)


@dataclass
class Outcome(Written):
    """Results and awards written."""

    new_students: int = 0
    warnings: list[tuple[object, int, str]] = field(default_factory=list)
    # each stored record a row changes: the record, its stored values, the new ones
    updates: list[tuple[Record, dict[str, object], dict[str, object]]] = field(default_factory=list)


@dataclass
class Record:
    ref: object
    row: int
    student_id: int
    target: tuple  # what the record is about: (session id) or (certificate id, level)
    values: dict[str, object]
    number: str | None  # certificate number


class NeedsWholeSheet(Exception):
    """A slice of a sheet met what only the whole sheet decides (a 人社 number a guessed
    kind may turn on; one result or certificate number in two slices): the caller reads
    the file whole instead."""


def session_id(
    conn: sqlite3.Connection,
    cert_id: int,
    level: object,
    span: DateSpan | None,
    import_id: int | None,
    known: dict[tuple[object, ...], int] | None = None,
) -> int:
    """The exam session of a certificate, level and date (or month range), made if new.
    `known`: the sessions this write has found or made so far (a results sheet names a
    few sessions over and over), by what the query below compares."""
    start = span.start.isoformat() if span else None
    end = span.end.isoformat() if span else None
    key = (cert_id, level if level is not None else "", start or "", end or "")
    if known is not None and key in known:
        return known[key]
    found = _session_id(conn, cert_id, level, span, start, end, import_id)
    if known is not None:
        known[key] = found
    return found


def _session_id(
    conn: sqlite3.Connection,
    cert_id: int,
    level: object,
    span: DateSpan | None,
    start: str | None,
    end: str | None,
    import_id: int | None,
) -> int:
    row = conn.execute(
        "SELECT id FROM sessions WHERE certificate_id = ? AND coalesce(level, '') = coalesce(?, '')"
        " AND coalesce(date_start, '') = coalesce(?, '') AND coalesce(date_end, '') = coalesce(?, '')",
        (cert_id, level, start, end),
    ).fetchone()
    if row:
        return int(row[0])
    cursor = conn.execute(
        "INSERT INTO sessions (certificate_id, level, date_start, date_end, date_text, created_import)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (cert_id, level, start, end, span.text if span else None, import_id),
    )
    return cast(int, cursor.lastrowid)  # set by the INSERT just run


def write_records(
    conn: sqlite3.Connection,
    kind: str,
    records: list[Record],
    import_id: int,
    outcome: Outcome,
    *,
    replace: bool = False,
) -> None:
    """Insert new records, update changed ones keeping the old values. Blank cells never
    erase, except with `replace` (a result typed by hand says everything about itself)."""
    table, fields = ("results", RESULT_FIELDS) if kind == "results" else ("awards", AWARD_FIELDS)
    columns = ["student_id", *_target_columns(kind), *fields, "created_import", "updated_import"]
    insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    stored = _stored_results(conn, records) if kind == "results" else None
    pending: list[list[object]] = []  # new rows, inserted together
    for record in records:
        key = (record.student_id, record.target[0])
        if stored is not None and key not in stored:
            existing, why = None, None
            stored[key] = None  # the same result again below: looked up once this is in
        else:
            if pending:  # an award (or a result the file gives twice) may be one just added
                _insert(conn, kind, insert, pending, import_id)
                pending.clear()
            existing, why = existing_record(conn, kind, record)
        if why is not None:
            outcome.refused.append(Refusal(record.ref, record.row, why, "certificate_no"))
            continue
        if existing is None:
            values = (record.values[f] for f in fields)
            pending.append([record.student_id, record.target[0], *values, import_id, import_id])
            outcome.added += 1
            continue
        update_record(conn, table, record, existing, import_id, outcome, replace=replace)
    _insert(conn, kind, insert, pending, import_id)


def update_record(
    conn: sqlite3.Connection,
    table: str,
    record: Record,
    existing: tuple[int, dict],
    import_id: int,
    outcome: Outcome,
    *,
    replace: bool = False,
) -> None:
    """A stored record a row gives again: updated where it changes, else unchanged."""
    row_id, before = existing
    # Blank cells never erase: a sign-off list without 签领人 keeps the signature.
    after = {
        f: v for f, v in record.values.items() if (v is not None or replace) and before[f] != v
    }
    if not after:
        outcome.unchanged += 1
        return
    writes.update_row(conn, table, row_id, after, import_id)
    outcome.updated += 1
    outcome.updates.append((record, before, after))


BULK_RESULTS = 1000  # from this many new results on, first_certified is refreshed once


def _insert(
    conn: sqlite3.Connection,
    kind: str,
    insert: str,
    rows: Sequence[Sequence[object]],
    import_id: int,
) -> None:
    with bulk(conn, kind, len(rows), import_id):
        conn.executemany(insert, rows)


@contextmanager
def bulk(conn: sqlite3.Connection, kind: str, count: int, import_id: int) -> Iterator[None]:
    """Around the insert of `count` new rows: many results at once with first_certified
    refreshed after them, and the indexes made again after them when they are at least
    as many as those stored (sorting once beats as many index updates)."""
    if count < BULK_RESULTS or kind != "results":
        yield
        return
    (stored,) = conn.execute("SELECT count(*) FROM results").fetchone()
    loading = writes.bulk_load(conn, "results") if count >= stored else nullcontext()
    # the indexes made before first_certified is refreshed: its query uses them
    with writes.certified_after(conn, import_id), loading:
        yield


def _stored_results(conn: sqlite3.Connection, records: list[Record]) -> dict[tuple, None]:
    """Which (student, session) of these records has a stored result: those are looked
    up one by one (`existing_record`), the others are new. One query per session named."""
    found: dict[tuple, None] = {}
    for session in {record.target[0] for record in records}:
        for (student,) in conn.execute(
            "SELECT student_id FROM results WHERE session_id = ?", (session,)
        ):
            found[(student, session)] = None
    return found


def _target_columns(kind: str) -> tuple[str, ...]:
    return ("session_id",) if kind == "results" else ("certificate_id",)


def existing_record(conn, kind, record) -> tuple[tuple[int, dict] | None, str | None]:
    """The stored record a row is again, or why it cannot be stored.

    A result: the same student and session. An award: the same certificate number; else
    the same student and certificate at a compatible level (equal, or blank on either
    side: a sign-off list leaves 等级 blank that the organisation's list states), so a
    corrected number or level updates the award instead of adding a second one.
    """
    fields = RESULT_FIELDS if kind == "results" else AWARD_FIELDS
    names = ("id", "student_id", *_target_columns(kind), *fields)
    cols = ", ".join(names)
    if kind == "results":
        row = conn.execute(
            f"SELECT {cols} FROM results WHERE student_id = ? AND session_id = ?",
            (record.student_id, record.target[0]),
        ).fetchone()
        return ((int(row[0]), dict(zip(names, row, strict=True))), None) if row else (None, None)
    cert_id, level = record.target
    if record.number:
        row = conn.execute(
            f"SELECT {cols} FROM awards WHERE certificate_no = ?", (record.number,)
        ).fetchone()
        if row is not None:
            if (row[1], row[2]) != (record.student_id, cert_id):
                return None, "证书编号已登记给另一名学生或另一种证书"
            return (int(row[0]), dict(zip(names, row, strict=True))), None
    rows = conn.execute(
        f"SELECT {cols} FROM awards WHERE student_id = ? AND certificate_id = ?"
        " AND (level IS NULL OR ? IS NULL OR level = ?) ORDER BY level = ? DESC, id",
        (record.student_id, cert_id, level, level, level),
    ).fetchall()
    if not rows:
        return None, None
    row = rows[0]
    return (int(row[0]), dict(zip(names, row, strict=True))), None
