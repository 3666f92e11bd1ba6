"""Which student a row is: SPEC 2's identity rule, applied once to stored students and
to the rows of the import together.

Pure logic over dicts; no files, no SQL beyond loading the stored students. Rows of
one import that turn out to be one student are merged when they agree and all refused
when they disagree, whichever keys (学号, ID number, class + name) tied them together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from xcert.headers import LABELS
from xcert.model import STUDENT_FIELDS

# Values a file may leave out but xcert can derive; they never override stated ones.
DERIVABLE = ("cohort", "gender")
_LOADED_COLUMNS = ("id", *STUDENT_FIELDS, "cohort_derived")
_BLANK = dict.fromkeys(STUDENT_FIELDS)


@dataclass(slots=True)
class RowIn:
    """One cleaned roster row: what it states, and what xcert derived for it."""

    ref: object  # the caller's handle (sheet, row number, cells), returned untouched
    row: int  # 1-based row number, for messages
    stated: dict[str, object]  # fields the row gave a value
    derived: dict[str, object]  # DERIVABLE fields xcert filled in


class Student:
    """One student as this import sees them: the stored values and the rows that match."""

    __slots__ = ("stored", "current", "rows", "stated", "derived", "conflict")

    def __init__(self, stored: dict[str, object] | None, current: dict[str, object]) -> None:
        self.stored = stored  # as in the database (with id), None for a new student
        self.current = current  # the values the identity index sees
        self.rows: list[RowIn] = []
        self.stated: dict[str, object] = {}
        self.derived: dict[str, object] = {}
        self.conflict: str | None = None  # why all its rows are refused


@dataclass
class Resolution:
    new: list[dict[str, object]] = field(default_factory=list)
    updated: list[tuple[int, dict[str, object], dict[str, object]]] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[RowIn, str, str | None]] = field(default_factory=list)  # row, why, field
    duplicates: list[tuple[RowIn, int]] = field(default_factory=list)  # row, first row number


class Index:
    """Students by each identity key: the stored ones and those this import adds."""

    def __init__(self) -> None:
        self.by_no: dict[str, Student] = {}
        self.by_id: dict[str, Student] = {}
        self.by_class_name: dict[tuple[object, object], list[Student]] = {}

    def empty(self) -> bool:
        return not self.by_class_name

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Index:
        index = cls()
        for values in conn.execute(f"SELECT {', '.join(_LOADED_COLUMNS)} FROM students"):
            stored = dict(zip(_LOADED_COLUMNS, values, strict=True))
            index.add(Student(stored=stored, current=dict(stored)))
        return index

    def add(self, student: Student) -> None:
        values = student.current
        if values.get("student_no"):
            self.by_no[values["student_no"]] = student
        if values.get("id_number"):
            self.by_id[values["id_number"]] = student
        self.by_class_name.setdefault((values.get("class_code"), values.get("name")), []).append(
            student
        )

    def match(self, stated: dict[str, object]) -> tuple[Student | None, str | None, str | None]:
        """(student, None, None), (None, None, None) for a new one, or (None, why, field)."""
        number, id_number = stated.get("student_no"), stated.get("id_number")
        by_no = self.by_no.get(number) if number else None
        by_id = self.by_id.get(id_number) if id_number else None
        if by_no is not None and by_id is not None and by_no is not by_id:
            return None, f"身份证号{_holder(by_id)}，不是本行学号的学生", "id_number"
        if by_no is not None:
            return by_no, None, None
        if by_id is not None:
            held = by_id.current.get("student_no")
            if number and held:
                return None, f"身份证号{_holder(by_id)}，但学号不同", "id_number"
            return by_id, None, None
        class_code = stated.get("class_code")
        if not class_code:
            return None, None, None
        candidates = [
            s
            for s in self.by_class_name.get((class_code, stated.get("name")), [])
            if (not number or not s.current.get("student_no"))
            and (not id_number or not s.current.get("id_number"))
        ]
        if len(candidates) > 1:
            return (
                None,
                (
                    f"班级「{class_code}」有 {len(candidates)} 名同名学生「{stated.get('name')}」，请提供学号或身份证号"
                ),
                "name",
            )
        return (candidates[0], None, None) if candidates else (None, None, None)

    def rekey(self, student: Student, values: dict[str, object]) -> None:
        """Give `student` new key values (a 学号 or ID number it did not have, a new class)."""
        current = student.current
        if "class_code" in values or "name" in values:
            self.by_class_name[(current.get("class_code"), current.get("name"))].remove(student)
        current.update(values)
        if "class_code" in values or "name" in values:
            self.by_class_name.setdefault(
                (current.get("class_code"), current.get("name")), []
            ).append(student)
        if current.get("student_no"):
            self.by_no[current["student_no"]] = student
        if current.get("id_number"):
            self.by_id[current["id_number"]] = student


def _holder(student: Student) -> str:
    """Who holds a key, as a clerk can find them: a row of this file or a stored 学号."""
    values = student.current
    who = f"{values.get('name')}，学号 {values.get('student_no') or '无'}"
    if student.rows:
        return f"与第 {student.rows[0].row} 行（{who}）相同"
    return f"已属于数据库中的学生（{who}）"


def resolve(
    rows: Iterable[RowIn], index: Index, on_progress: Callable[[int], None] | None = None
) -> Resolution:
    """Group rows into students, refuse disagreeing groups, and say what to write."""
    rows = list(rows)
    if index.empty() and _all_distinct(rows):
        return Resolution(new=[_new_values(row.stated, row.derived) for row in rows])
    touched: list[Student] = []
    result = Resolution()
    for number, row in enumerate(rows, 1):
        if on_progress is not None and number % 5000 == 0:
            on_progress(number)
        student, why, fld = index.match(row.stated)
        if why is not None:
            result.refused.append((row, why, fld))
            continue
        if student is None:  # the common case of a first import: no merging to do
            student = Student(None, dict(row.stated))
            student.rows.append(row)
            student.stated, student.derived = row.stated, row.derived
            index.add(student)
            touched.append(student)
            continue
        else:
            clash = _key_taken(index, student, row.stated)
            if clash is not None:
                result.refused.append((row, clash, "id_number"))
                continue
        if not student.rows:
            touched.append(student)
        _merge(index, student, row)
    for student in touched:
        _settle(student, result)
    return result


def _all_distinct(rows: list[RowIn]) -> bool:
    """Every row a different student, tied to no other by any key: each has a 学号 and
    they differ (and so do the ID numbers given), or none has one and each has a
    different ID number. Into an empty table such rows are simply new students."""
    numbers = [row.stated.get("student_no") for row in rows]
    ids = [row.stated.get("id_number") for row in rows]
    given_ids = [i for i in ids if i is not None]
    if None not in numbers:
        return len(set(numbers)) == len(numbers) and len(set(given_ids)) == len(given_ids)
    return numbers.count(None) == len(numbers) and len(given_ids) == len(ids) == len(set(ids))


def _new_values(stated: dict[str, object], derived: dict[str, object]) -> dict[str, object]:
    values = {**_BLANK, **derived, **stated}
    values["status"] = values["status"] or "enrolled"
    values["cohort_derived"] = int("cohort" in derived and "cohort" not in stated)
    return values


def _key_taken(index: Index, student: Student, stated: dict[str, object]) -> str | None:
    """A 学号 or ID number this row would give `student` that another student holds."""
    for key, table, label in (
        ("student_no", index.by_no, "学号"),
        ("id_number", index.by_id, "身份证号"),
    ):
        value = stated.get(key)
        holder = table.get(value) if value else None
        if holder is not None and holder is not student:
            return f"{label}{_holder(holder)}"
    return None


def _merge(index: Index, student: Student, row: RowIn) -> None:
    """Add a row's values to its student; any disagreement with an earlier row refuses all."""
    if student.rows:
        differing = [f for f, v in row.stated.items() if student.stated.get(f) not in (None, v)]
        if differing and student.conflict is None:
            labels = "、".join(LABELS[f] for f in differing)
            student.conflict = (
                f"与第 {student.rows[0].row} 行是同一学生，但「{labels}」不同；请保留正确的一行"
            )
    student.rows.append(row)
    new_keys = {
        f: v
        for f, v in row.stated.items()
        if f in ("student_no", "id_number", "class_code", "name") and student.current.get(f) != v
    }
    student.stated = {**row.stated, **student.stated}  # earlier rows' values stay
    student.derived = {**row.derived, **student.derived}
    if new_keys and student.conflict is None:
        index.rekey(student, new_keys)


def _settle(student: Student, result: Resolution) -> None:
    if student.conflict is not None:
        for row in student.rows:
            result.refused.append((row, student.conflict, None))
        return
    first = student.rows[0]
    for row in student.rows[1:]:
        result.duplicates.append((row, first.row))
    if student.stored is None:
        values = dict.fromkeys(STUDENT_FIELDS)
        values.update(student.derived)
        values.update(student.stated)
        values["status"] = values["status"] or "enrolled"
        values["cohort_derived"] = int(
            "cohort" not in student.stated and values["cohort"] is not None
        )
        result.new.append(values)
        return
    before, after = changes(student.stored, student.stated, student.derived)
    if after:
        result.updated.append((int(student.stored["id"]), before, after))  # type: ignore[arg-type]
    else:
        result.unchanged += 1


def changes(
    stored: dict[str, object], stated: dict[str, object], derived: dict[str, object]
) -> tuple[dict[str, object], dict[str, object]]:
    """(old values, new values) of the fields that change. Blank cells never erase; a
    derived value fills a blank or replaces a derived one, never a stated one."""
    after: dict[str, object] = {f: v for f, v in stated.items() if stored.get(f) != v}
    for f, v in derived.items():
        if f in stated or stored.get(f) == v:
            continue
        if stored.get(f) is None or (f == "cohort" and stored.get("cohort_derived")):
            after[f] = v
    if "cohort" in stated and stored.get("cohort_derived"):
        after["cohort_derived"] = 0  # a stated cohort replaces a derived one
    elif "cohort" in after and "cohort" not in stated and not stored.get("cohort_derived"):
        after["cohort_derived"] = 1
    before = {f: stored.get(f) for f in after}
    return before, after
