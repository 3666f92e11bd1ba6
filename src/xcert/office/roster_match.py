"""A roster against the stored students in SQL, a column at a time: which rows need the
identity rule row by row (`students.resolve`), and which can do without it.

A corrected copy of a 100,000-row roster changes a handful of rows; comparing each row
with its stored student in Python cost more than reading the file. The file's cleaned
columns go into a TEMP table instead, joined to the students on the row's key (its 学号,
or without one its ID number), and each row is sorted into one of four kinds:

- same: the only row of the stored student its key names, tied by no key to any other
  row, and changing nothing: only counted;
- changed: such a row that changes something (or may): settled alone, as `resolve`
  would (`students.settle_alone`);
- new: a 学号 and ID number that no stored student and no other row has, and a class +
  name that can find no one: a new student, written as the columns give it;
- hard: every other row (duplicates, conflicts, class + name only, an ID number held
  by someone else...): `students.resolve`, with only the stored students their keys
  can reach.

The first three never meet a hard row: no hard row can reach their student by 学号, ID
number or class + name, which is all `resolve` looks students up by; so `resolve` on
the hard rows alone decides exactly what it decides on the whole file."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import cast

from xcert.model import STUDENT_FIELDS
from xcert.office import students
from xcert.store import writes

TABLE = "temp.roster_in"
INTEGER_FIELDS = frozenset({"enrollment_year", "cohort"})  # INTEGER columns; the rest TEXT
_COLUMNS = (*STUDENT_FIELDS, "derived_gender", "derived_cohort")

SAME, CHANGED, NEW, HARD = 3, 1, 2, 0


@dataclass
class Sorting:
    """The rows (positions in the file, sheet after sheet) by what they need."""

    same: int = 0
    changed: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # row, stored
    new: list[int] = field(default_factory=list)
    hard: list[int] = field(default_factory=list)


@contextmanager
def file_rows(
    conn: sqlite3.Connection, stated: dict[str, list[object]], derived: dict[str, list[object]]
) -> Iterator[FileRows]:
    """The file's rows in a TEMP table for the length of the block: each field's cleaned
    values (`stated`, every field in STUDENT_FIELDS) and what xcert derived (`derived`:
    gender and cohort, None where stated). Only the columns that hold a value are bound;
    `repeated` marks a row whose 学号 or ID number another row has too, and `crowded`
    one whose class + name another row has (needed for rows without a 学号 only)."""
    conn.execute(
        f"CREATE TEMP TABLE roster_in (k INTEGER PRIMARY KEY, {', '.join(_COLUMNS)}, repeated,"
        " crowded)"
    )
    try:
        count = len(stated["name"])
        given = {**stated, "derived_gender": derived["gender"], "derived_cohort": derived["cohort"]}
        repeated = _repeated(stated["student_no"], stated["id_number"])
        if repeated is not None:
            given["repeated"] = repeated
        if None in stated["student_no"]:
            given["crowded"] = _crowded(stated["class_code"], stated["name"])
        names = [f for f, values in given.items() if _filled(values)]
        writes.insert_batched(
            conn,
            f"INSERT INTO {TABLE} (k, {', '.join(names)}) VALUES ",
            f"({', '.join('?' * (len(names) + 1))})",
            zip(range(count), *(given[f] for f in names), strict=True),
        )
        yield FileRows(conn, count, all(_plain(f, given[f]) for f in names))
    finally:
        conn.execute(f"DROP TABLE {TABLE}")


def _repeated(numbers: list[object], ids: list[object]) -> list[object] | None:
    """1 for each row whose 学号 or ID number is on another row as well, else None; None
    when there is no such row (the common case, found in C)."""
    twice = [_twice(numbers), _twice(ids)]
    if not any(twice):
        return None
    more_numbers, more_ids = twice
    return [
        1 if number in more_numbers or id_number in more_ids else None
        for number, id_number in zip(numbers, ids, strict=True)
    ]


def _crowded(classes: list[object], names: list[object]) -> list[object]:
    """1 for each row whose class + name is on another row as well, else None."""
    pairs = list(zip(classes, names, strict=True))
    more = _twice([pair if pair[0] is not None else None for pair in pairs])
    return [1 if pair in more else None for pair in pairs] if more else [None] * len(pairs)


def _twice(values: list[object]) -> set[object]:
    """The values (not blanks) that occur more than once."""
    if len(set(values)) == len(values):
        return set()
    return {v for v, n in Counter(values).items() if n > 1 and v is not None}


def _filled(values: list[object]) -> bool:
    """Whether a column holds a value at all (a sheet without it gives all None)."""
    return values[0] is not None or values.count(None) < len(values)


def _plain(fld: str, values: list[object]) -> bool:
    """Whether every value is of the type its column stores (text, or a whole number for
    the years; None for a blank): then SQL's comparisons are Python's."""
    if fld in ("repeated", "crowded"):
        return True
    if fld in INTEGER_FIELDS or fld == "derived_cohort":
        return set(map(type, values)) <= {int, type(None)}
    try:  # a column of text without blanks, in C
        "".join(cast("list[str]", values))
    except TypeError:
        return set(map(type, values)) <= {str, type(None)}
    return True


# SQL for one row `t` of the file and the stored student `s` its key names: its 学号,
# or without one its ID number. Each test is exact or errs towards the slower kind: a
# NULL anywhere makes a CASE fall through to HARD.
_LOOSE = (  # class + name of the rows that have no 学号: they look students up by it
    "(SELECT class_code, name FROM roster_in WHERE student_no IS NULL AND class_code IS NOT NULL)"
)
_PAIRS = "(SELECT class_code, name FROM roster_in WHERE class_code IS NOT NULL)"
_HELD = "EXISTS (SELECT 1 FROM students h WHERE h.id_number = t.id_number)"
_NUMBER_MATCH = f"""(t.id_number IS NULL OR t.id_number = s.id_number OR NOT {_HELD})
    AND (s.id_number IS NULL OR s.id_number = t.id_number
        OR s.id_number NOT IN (SELECT id_number FROM roster_in WHERE id_number IS NOT NULL))
    AND (t.name IS NULL OR t.name = s.name OR t.id_number = s.id_number)
    AND (s.class_code IS NULL OR (s.class_code, s.name) NOT IN {_LOOSE})
    AND (coalesce(t.class_code, s.class_code) IS NULL
        OR (coalesce(t.class_code, s.class_code), coalesce(t.name, s.name)) NOT IN {_LOOSE})"""
_NUMBER_NEW = f"""(t.id_number IS NULL OR NOT {_HELD})
    AND (t.class_code IS NULL OR ((t.class_code, t.name) NOT IN {_LOOSE}
        AND (t.class_code, t.name) NOT IN (SELECT class_code, name FROM students
            WHERE student_no IS NULL AND class_code IS NOT NULL)))"""
# A row without a 学号 comes after every row with one, and then looks up by class +
# name too: its student's old and new class + name must be on no other row.
_NEW_PAIR = "coalesce(t.class_code, s.class_code), coalesce(t.name, s.name)"
_ID_MATCH = f"""(s.student_no IS NULL
        OR s.student_no NOT IN (SELECT student_no FROM roster_in WHERE student_no IS NOT NULL))
    AND (t.name IS NULL OR t.name = s.name)
    AND (coalesce(t.class_code, s.class_code) IS NULL OR CASE WHEN t.class_code IS NULL
        THEN ({_NEW_PAIR}) NOT IN {_PAIRS} ELSE t.name IS NOT NULL AND t.crowded IS NULL END)
    AND (s.class_code IS NULL OR (s.class_code, s.name) IS ({_NEW_PAIR})
        OR (s.class_code, s.name) NOT IN {_PAIRS})"""
_ID_NEW = """t.class_code IS NULL OR (t.crowded IS NULL
    AND (t.class_code, t.name) NOT IN (SELECT class_code, name FROM students
        WHERE class_code IS NOT NULL))"""
# `students.changes` finds nothing to change (its rules, a field at a time); the cohort
# derived from a class code gives way to a known 入学年份, as in `students._settle`.
_ENROLLED = "coalesce(nullif(t.enrollment_year, 0), nullif(s.enrollment_year, 0))"
_COHORT = f"""CASE WHEN t.derived_cohort IS NOT NULL AND {_ENROLLED} IS NOT NULL
    THEN {_ENROLLED} + :years ELSE t.derived_cohort END"""
_SAME = " AND ".join(
    [f"(t.{f} IS NULL OR t.{f} IS s.{f})" for f in STUDENT_FIELDS]
    + [
        "(t.derived_gender IS NULL OR s.gender IS NOT NULL)",
        f"(({_COHORT}) IS s.cohort OR ({_COHORT}) IS NULL"
        " OR (s.cohort IS NOT NULL AND NOT s.cohort_derived))",
        "(t.cohort IS NULL OR NOT s.cohort_derived)",
    ]
)
_KEYED = """(CASE WHEN t.student_no IS NOT NULL
    THEN (SELECT id FROM students WHERE student_no = t.student_no)
    ELSE (SELECT id FROM students WHERE id_number = t.id_number) END)"""
_SORT = f"""SELECT k, kind, sid FROM (SELECT t.k AS k, s.id AS sid, CASE
    WHEN t.repeated IS NOT NULL THEN {HARD}
    WHEN t.student_no IS NOT NULL THEN CASE
        WHEN s.id IS NOT NULL THEN CASE
            WHEN {_NUMBER_MATCH} THEN CASE WHEN {_SAME} THEN {SAME} ELSE {CHANGED} END
            ELSE {HARD} END
        WHEN {_NUMBER_NEW} THEN {NEW}
        ELSE {HARD} END
    WHEN t.id_number IS NOT NULL THEN CASE
        WHEN s.id IS NOT NULL THEN CASE
            WHEN {_ID_MATCH} THEN CASE WHEN {_SAME} THEN {SAME} ELSE {CHANGED} END
            ELSE {HARD} END
        WHEN {_ID_NEW} THEN {NEW}
        ELSE {HARD} END
    ELSE {HARD} END AS kind
    FROM roster_in t LEFT JOIN students s ON s.id = {_KEYED})
WHERE kind <> {SAME} ORDER BY k"""

_STORED = ("id", *STUDENT_FIELDS, "cohort_derived")
# The stored students a hard row can reach: by its 学号, its ID number, its class + name.
_REACHED = """student_no IN (SELECT student_no FROM roster_in WHERE k IN (SELECT value FROM json_each(:hard)))
    OR id_number IN (SELECT id_number FROM roster_in WHERE k IN (SELECT value FROM json_each(:hard)))
    OR (class_code, name) IN (SELECT class_code, name FROM roster_in
        WHERE k IN (SELECT value FROM json_each(:hard)))"""


class FileRows:
    """The TEMP table of `file_rows`, and what it tells about the file's rows."""

    def __init__(self, conn: sqlite3.Connection, count: int, plain: bool) -> None:
        self.conn, self.count, self.plain = conn, count, plain

    def sort(self, program_years: int) -> Sorting:
        """Each row's kind; a changed row comes with its stored student's values."""
        if not self.plain:  # a value SQL would compare otherwise than Python: no shortcut
            return Sorting(hard=list(range(self.count)))
        sorting = Sorting()
        changed: list[tuple[int, int]] = []  # row, stored student's id
        for k, kind, student_id in self.conn.execute(_SORT, {"years": program_years}):
            if kind == CHANGED:
                changed.append((k, student_id))
            else:
                (sorting.hard if kind == HARD else sorting.new).append(k)
        sorting.same = self.count - len(sorting.hard) - len(sorting.new) - len(changed)
        if changed:
            select = (
                f"SELECT {', '.join(_STORED)} FROM students"
                " WHERE id IN (SELECT value FROM json_each(?))"
            )
            ids = json.dumps([student_id for _, student_id in changed])
            stored = {
                v[0]: dict(zip(_STORED, v, strict=True)) for v in self.conn.execute(select, (ids,))
            }
            sorting.changed = [(k, stored[student_id]) for k, student_id in changed]
        return sorting

    def index_for(self, hard: Sequence[int]) -> students.Index:
        """The identity index `resolve` needs for these rows: the stored students their
        keys reach (none else can matter to them)."""
        if not hard:
            return students.Index()
        return students.Index.load(self.conn, _REACHED, {"hard": json.dumps(list(hard))})
