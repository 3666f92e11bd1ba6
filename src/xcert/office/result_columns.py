"""A results sheet, or a slice of one, written column by column (issue 21): a million
results never become a million row objects.

What most rows need is settled a column at a time: the student of each row by its 学号
or ID number, the certificate and level of each distinct name, the session of each
distinct certificate, level and date. A row that this does not settle (no such stored
student, a name that differs, a certificate the catalogue lacks or whose kind was
guessed, a level or number the catalogue refuses, a result to be worked out or refused,
`--add-students`) goes the careful way, `records.record_of`, in its place among the
others: sessions are made, students added and messages given in the same order, so both
ways give the same database and report (tests/test_result_columns.py).
"""

from __future__ import annotations

import itertools
import operator
import sqlite3
from collections.abc import Sequence
from typing import Protocol, cast

from xcert.clean.dates import DateSpan
from xcert.office import catalogue as cat
from xcert.office.record_writes import NeedsWholeSheet, Outcome, Record, session_id
from xcert.office.records import (
    Sheet,
    SheetRowIn,
    dedupe,
    level_problem,
    number_problem,
    numbers_by_certificate,
    record_of,
    renshe_on_1x,
    result_values,
)
from xcert.office.result_writes import RESULT_VALUES, ResultColumns, StoredResults, write_results

_Hit = tuple[int, object]  # a stored student's id and name


class ColumnsIn(Protocol):
    """What a results sheet's accepted rows give, column by column (ingest's SheetColumns)."""

    @property
    def row_numbers(self) -> Sequence[int]: ...

    def __len__(self) -> int: ...

    def column(self, fld: str) -> list[object]: ...

    def row(self, k: int) -> SheetRowIn: ...


class Who:
    """The stored students by 学号 and by ID number (id and name), read when a sheet first
    uses that key: `find_student`'s answer for a row that names a stored student by its
    key and agrees on the name, a whole column at once. Any other row: None."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.keys: dict[str, dict[object, _Hit]] = {}
        self.pairs: dict[tuple[object, object], int] | None = None  # (学号, name) -> id

    def _by(self, fld: str) -> dict[object, _Hit]:
        found = self.keys.get(fld)
        if found is None:
            rows = self.conn.execute(  # fld is one of two column names, never input
                f"SELECT {fld}, id, name FROM students WHERE {fld} IS NOT NULL AND {fld} <> ''"
            ).fetchall()
            keys, ids, names = zip(*rows, strict=True) if rows else ((), (), ())
            found = self.keys[fld] = dict(zip(keys, zip(ids, names, strict=True), strict=True))
            if fld == "student_no":  # (学号, name) of each: most rows give both
                self.pairs = dict(zip(zip(keys, names, strict=True), ids, strict=True))
        return found

    def ids(self, cols: ColumnsIn) -> list[int | None]:
        numbers, id_numbers, names = (cols.column(f) for f in ("student_no", "id_number", "name"))
        count = len(numbers)
        if numbers.count(None) == count:
            if id_numbers.count(None) == count:
                return [None] * count
            by_no: dict[object, _Hit] = {}
        else:
            by_no = self._by("student_no")
        if id_numbers.count(None) == count:  # the usual results sheet: 学号 and name
            return self._by_number(by_no, numbers, names)
        by_id = self._by("id_number")
        return [
            _one(by_no, by_id, number, id_number, name)
            for number, id_number, name in zip(numbers, id_numbers, names, strict=True)
        ]

    def _by_number(
        self, by_no: dict[object, _Hit], numbers: list[object], names: list[object]
    ) -> list[int | None]:
        """`ids` for rows without an ID number: each (学号, name) looked up at once; a
        row that misses (no name, a stored student without one, or no such pair) by
        its 学号 alone, as `_one` would."""
        if names.count(None) == len(names):
            return [hit[0] if hit is not None else None for hit in map(by_no.get, numbers)]
        pairs = self.pairs or {}
        found: list[int | None] = list(map(pairs.get, zip(numbers, names, strict=True)))
        for k in _blank(found):
            hit, name = by_no.get(numbers[k]), names[k]
            if hit is not None and (name is None or not hit[1]):
                found[k] = hit[0]
        return found


def _one(
    by_no: dict[object, _Hit],
    by_id: dict[object, _Hit],
    number: object,
    id_number: object,
    name: object,
) -> int | None:
    """`Who.ids` for a row that may give both keys: its 学号 decides, unless its ID
    number is another student's (then the identity rule says why not)."""
    if number is not None:
        hit = by_no.get(number)
        other = by_id.get(id_number) if id_number is not None else None
        if hit is None or (other is not None and other[0] != hit[0]):
            return None
    elif id_number is not None:
        hit = by_id.get(id_number)
        if hit is None:
            return None
    else:
        return None
    return hit[0] if name is None or not hit[1] or name == hit[1] else None


class ResultSheet:
    """One results sheet written column by column: whole, or a slice at a time in row
    order (`whole` false; `empty`: no result was stored before it)."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        import_id: int,
        *,
        add_students: bool,
        program_years: int,
        whole: bool = True,
        empty: bool = False,
    ) -> None:
        self.sheet = Sheet.of(
            conn,
            "results",
            import_id,
            add_students=add_students,
            program_years=program_years,
            whole=whole,
        )
        self.who = Who(conn)
        self.stored = StoredResults(conn, whole=whole, empty=empty)
        self.numbers: set[object] = set()  # the certificate numbers of earlier slices

    def apply(self, cols: ColumnsIn) -> Outcome:
        """Write these rows' results; everything refused is in the outcome."""
        outcome = Outcome()
        sheet = self.sheet
        names, numbers = cols.column("certificate"), cols.column("certificate_no")
        if not sheet.whole and self._kind_may_turn(names, numbers):
            raise NeedsWholeSheet("a 人社 number for a certificate the catalogue does not state")
        sheet.numbers = numbers_by_certificate(names, numbers)
        results = self._deduped(self._results(cols, outcome), outcome)
        write_results(sheet.conn, results, sheet.import_id, outcome, self.stored, whole=sheet.whole)
        return outcome

    def _results(self, cols: ColumnsIn, outcome: Outcome) -> ResultColumns:
        """Each row's result, or its refusal in the outcome (see the module's note)."""
        sheet = self.sheet
        count = len(cols)
        names, levels = cols.column("certificate"), cols.column("level")
        spans = cast("list[DateSpan | None]", cols.column("exam_date"))
        students = [None] * count if sheet.add_students else self.who.ids(cols)
        by_name = {name: self._certificate(name) for name in set(names)}
        certs = list(map(by_name.__getitem__, names))
        values, careful = self._values(cols, certs)
        careful.update(_blank(students), _blank(certs))
        bad = _refused_levels(names, levels, by_name)
        if bad:
            careful.update(
                k for k, pair in enumerate(zip(names, levels, strict=True)) if pair in bad
            )
        # Sessions are found or made, and careful rows written, in row order.
        keys: list[object] = list(zip(names, levels, map(id, spans), strict=True))
        for k in careful:
            keys[k] = None
        first = dict(zip(reversed(keys), range(count - 1, -1, -1), strict=True))
        first.pop(None, None)
        session_of: dict[object, int] = {}
        made: dict[int, Record | None] = {}
        for k in sorted(careful.union(first.values())):
            if k in careful:
                made[k] = record_of(sheet, cols.row(k), outcome)
                continue
            cert = cast(cat.Certificate, certs[k])
            session_of[keys[k]] = session_id(
                sheet.conn, cert.id, levels[k], spans[k], sheet.import_id, sheet.sessions
            )
        sessions = cast("list[int]", list(map(session_of.get, keys)))
        results = ResultColumns(
            list(cols.row_numbers),
            cast("list[int]", students),
            sessions,
            values,
            lambda i: cols.row(i).ref,
        )
        return _with_careful(results, made)

    def _kind_may_turn(self, names: list[object], numbers: list[object]) -> bool:
        """Whether a slice gives a 人社 number for a certificate the catalogue does not
        name outright (none, or one of a guessed kind). A kind is guessed from every
        number the whole sheet gives a certificate, and only a 人社 number turns it
        (`catalogue.guess_kind`): without one in any slice, each slice's numbers guess
        what the whole sheet's would."""
        renshe = {
            str(name)
            for name, number in zip(names, numbers, strict=True)
            if number and cat.RENSHE_NUMBER.match(str(number))
        }
        catalogue = self.sheet.catalogue
        return any((found := catalogue.find(n)) is None or found.kind_guessed for n in renshe)

    def _certificate(self, name: object) -> cat.Certificate | None:
        """The catalogue certificate a name means, unless the careful way must decide."""
        found = self.sheet.catalogue.find(str(name))
        return found if found is not None and not found.kind_guessed else None

    def _values(
        self, cols: ColumnsIn, certs: list[cat.Certificate | None]
    ) -> tuple[dict[str, list[object]], set[int]]:
        """Each row's values (RESULT_VALUES), and the rows whose certificate number, or
        result to be worked out, needs the careful way."""
        scoring = self.sheet.scoring
        # copies: the careful way's records are put in their places (`_with_careful`)
        theory, practical, total, outcome, numbers = (
            list(cols.column(f))
            for f in ("theory", "practical", "total", "result", "certificate_no")
        )
        spans = cast("list[DateSpan | None]", cols.column("exam_date"))
        careful = {
            k
            for k in _given(numbers)
            if (cert := certs[k]) is not None
            and (number := cast(str, numbers[k]))
            and (number_problem(cert, number) or renshe_on_1x(cert, number))
        }
        weighted = "theory_weight" in scoring and "practical_weight" in scoring
        if None in outcome or (weighted and None in total):
            for k in set(_blank(outcome)).union(_blank(total) if weighted else ()):
                stated = {"theory": theory[k], "practical": practical[k], "total": total[k]}
                stated |= {"certificate_no": numbers[k], "result": outcome[k]}
                worked, _, _ = result_values(stated, scoring)
                if worked is None:
                    careful.add(k)
                else:
                    total[k], outcome[k] = worked["total"], worked["outcome"]
        unique = dict(zip(map(id, spans), spans, strict=True))
        year = {key: span.start.year if span else None for key, span in unique.items()}
        values: dict[str, list[object]] = {
            "theory": theory,
            "practical": practical,
            "total": total,
            "certificate_no": numbers,
            "outcome": outcome,
            "exam_year": list(map(year.__getitem__, map(id, spans))),
        }
        return values, careful

    def _deduped(self, results: ResultColumns, outcome: Outcome) -> ResultColumns:
        """`records.dedupe` when two results are one student's of one session, or share a
        certificate number; else as they are. In slices, a number an earlier slice gave
        needs the whole sheet (the rule compares every row with every other)."""
        given = results.values["certificate_no"]
        numbers = list(map(given.__getitem__, _given(given)))
        if not self.sheet.whole:
            if not self.numbers.isdisjoint(numbers):
                raise NeedsWholeSheet("a certificate number in two slices")
            self.numbers.update(numbers)
        pairs = set(zip(results.students, results.sessions, strict=True))
        if len(pairs) == len(results) and len(set(numbers)) == len(numbers):
            return results
        records = [results.record(i) for i in range(len(results))]
        where = {id(record): i for i, record in enumerate(records)}
        return results.keep([where[id(record)] for record in dedupe(records, outcome)])


def _refused_levels(
    names: list[object], levels: list[object], by_name: dict[object, cat.Certificate | None]
) -> set[tuple[object, object]]:
    """The (certificate, level) pairs the catalogue refuses (a level it does not list)."""
    if not any(cert.levels for cert in by_name.values() if cert):
        return set()
    return {
        (name, level)
        for name, level in set(zip(names, levels, strict=True))
        if (cert := by_name[name]) is not None and level_problem(cert, level)
    }


def _blank(col: Sequence[object]) -> list[int]:
    """Where `col` is None, by identity, in C (as ingest's `positions`)."""
    return list(itertools.compress(range(len(col)), map(operator.is_, col, itertools.repeat(None))))


def _given(col: Sequence[object]) -> list[int]:
    """Where `col` is not None, in C."""
    found = map(operator.is_not, col, itertools.repeat(None))
    return list(itertools.compress(range(len(col)), found))


def _with_careful(results: ResultColumns, made: dict[int, Record | None]) -> ResultColumns:
    """The careful way's records in their places; the rows it refused left out."""
    if not made:
        return results
    refused = [k for k, record in made.items() if record is None]
    for k, record in made.items():
        if record is not None:
            results.students[k] = record.student_id
            results.sessions[k] = record.target[0]
            for f in RESULT_VALUES:
                results.values[f][k] = record.values[f]
    if not refused:
        return results
    gone = set(refused)
    return results.keep([k for k in range(len(results)) if k not in gone])
