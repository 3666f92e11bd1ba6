"""Which student a row is: SPEC 2's identity rule, applied once to stored students and
to the rows of the import together.

Pure logic over dicts; no files, no SQL beyond loading the stored students. Rows of
one import that turn out to be one student are merged when they agree and all refused
when they disagree, whichever keys (学号, ID number, class + name) tied them together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, cast

from xcert.model import STUDENT_FIELDS
from xcert.privacy import mask_ids_in
from xcert.read.headers import LABELS

# Values a file may leave out but xcert can derive; they never override stated ones.
DERIVABLE = ("cohort", "gender")
_LOADED_COLUMNS = ("id", *STUDENT_FIELDS, "cohort_derived")


@dataclass(slots=True)
class RowIn:
    """One cleaned roster row: what it states, and what xcert derived for it."""

    ref: object  # the caller's handle (sheet, row number, cells), returned untouched
    row: int  # 1-based row number, for messages
    stated: dict[str, object]  # fields the row gave a value
    derived: dict[str, object]  # DERIVABLE fields xcert filled in
    label: str = ""  # how messages name the row: 第3行, or 工作表「学籍」第3行
    program_years: int = 3  # to derive a cohort from a stored 入学年份
    order: int = 0  # its place in the import (sheet by sheet, row by row), for `place`

    def where(self) -> str:
        return self.label or f"第{self.row}行"


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


class NewStudent(NamedTuple):
    stated: dict[str, object]  # what the student's rows state
    derived: dict[str, object]  # what xcert derived for the fields they leave blank
    place: tuple[int, int] = (0, 0)  # `place` of its first row: new students go in that order


class Update(NamedTuple):
    """A stored student the import changes: the old and new values of what changes."""

    student_id: int
    before: dict[str, object]
    after: dict[str, object]
    student: Student  # its stored values and the rows that say so (for the report)


@dataclass
class Resolution:
    new: list[NewStudent] = field(default_factory=list)
    updated: list[Update] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[RowIn, str, str | None]] = field(default_factory=list)  # row, why, field
    duplicates: list[tuple[RowIn, int]] = field(default_factory=list)  # row, first row number


class Index:
    """Students by each identity key: the stored ones and those this import adds."""

    def __init__(self) -> None:
        self.by_no: dict[str, Student] = {}
        self.by_id: dict[str, Student] = {}
        self.by_class_name: dict[tuple[object, object], list[Student]] = {}

    @classmethod
    def load(
        cls,
        conn: sqlite3.Connection,
        where: str = "",
        params: Sequence[object] | Mapping[str, object] = (),
    ) -> Index:
        """The stored students (those `where` selects: SQL of the code's, never input),
        in the order they were added."""
        index = cls()
        select = f"SELECT {', '.join(_LOADED_COLUMNS)} FROM students"
        if where:
            select += f" WHERE {where} ORDER BY id"
        for values in conn.execute(select, params):
            stored = dict(zip(_LOADED_COLUMNS, values, strict=True))
            index.add(Student(stored=stored, current=dict(stored)))
        return index

    def add(self, student: Student) -> None:
        values = student.current
        if number := _key(values, "student_no"):
            self.by_no[number] = student
        if id_number := _key(values, "id_number"):
            self.by_id[id_number] = student
        self.by_class_name.setdefault((values.get("class_code"), values.get("name")), []).append(
            student
        )

    def match(self, stated: dict[str, object]) -> tuple[Student | None, str | None, str | None]:
        """(student, None, None), (None, None, None) for a new one, or (None, why, field)."""
        number, id_number = _key(stated, "student_no"), _key(stated, "id_number")
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
                    f"班级「{class_code}」有{len(candidates)}名同名学生「{stated.get('name')}」，请提供学号或身份证号"
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
        if number := _key(current, "student_no"):
            self.by_no[number] = student
        if id_number := _key(current, "id_number"):
            self.by_id[id_number] = student


def _key(values: dict[str, object], name: str) -> str | None:
    """A 学号 or ID number to index by, None when blank. Always text: the cleaners return
    str and the columns are TEXT."""
    value = values.get(name)
    return cast(str, value) if value else None


def _holder(student: Student) -> str:
    """Who holds a key, as a clerk can find them: a row of this file or a stored 学号."""
    values = student.current
    who = f"{values.get('name')}，学号 {mask_ids_in(str(values.get('student_no') or '无'))}"
    if student.rows:
        return f"与{student.rows[0].where()}（{who}）相同"
    return f"已属于数据库中的学生（{who}）"


def resolve(
    rows: Iterable[RowIn], index: Index, on_progress: Callable[[int], None] | None = None
) -> Resolution:
    """Group rows into students, refuse disagreeing groups, and say what to write."""
    rows = list(rows)
    # Rows with the strongest key first: a class + name row then finds the student its
    # file gives a 学号 elsewhere, whatever the order of sheets and rows.
    rows.sort(key=_key_strength)
    touched: list[Student] = []
    result = Resolution()
    for number, row in enumerate(rows, 1):
        if on_progress is not None and number % 5000 == 0:
            on_progress(number)
        student, why, fld = index.match(row.stated)
        if why is None and student is not None:
            why, fld = _renamed(student, row.stated)
        if why is not None:
            result.refused.append((row, why, fld))
            _taint(index, row, why, touched)
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
                _taint(index, row, clash, touched)
                continue
        if not student.rows:
            touched.append(student)
        _merge(index, student, row)
    for student in touched:
        _settle(student, result)
    return result


def _key_strength(row: RowIn) -> int:
    stated = row.stated
    return 0 if stated.get("student_no") else 1 if stated.get("id_number") else 2


def place(row: RowIn) -> tuple[int, int]:
    """When `resolve` comes to a row: the strongest key first, then the import's order.
    The students it adds or changes follow their first rows in this order."""
    return _key_strength(row), row.order


def settle_alone(stored: dict[str, object], row: RowIn, result: Resolution) -> None:
    """What `resolve` makes of a row that is the only one of the stored student it names,
    tied by no key to any other row (`roster_match`): an update, or unchanged."""
    student = Student(stored, stored)  # nothing rekeys it, so one dict will do
    student.rows.append(row)
    student.stated, student.derived = row.stated, row.derived  # _settle only reads them
    _settle(student, result)


def _renamed(student: Student, stated: dict[str, object]) -> tuple[str | None, str | None]:
    """A stored student found by one key whose name the row changes: most often a sorted
    column or a typing slip, so refused; a rename needs both 学号 and ID number to agree."""
    old, new = student.current.get("name"), stated.get("name")
    if student.stored is None or not old or not new or old == new:
        return None, None
    current = student.current
    if (
        stated.get("student_no")
        and stated.get("student_no") == current.get("student_no")
        and stated.get("id_number")
        and stated.get("id_number") == current.get("id_number")
    ):
        return None, None
    key = "学号" if stated.get("student_no") == current.get("student_no") else "身份证号"
    return (
        f"{key}对应的学生在数据库里是「{old}」，不是「{new}」；如确是改名，请在同一行写上学号和身份证号",
        "name",
    )


def _taint(index: Index, row: RowIn, why: str, touched: list[Student]) -> None:
    """A refused row still says something about the student of its 学号: that student's
    other rows in this import are refused too, so a second run cannot differ."""
    number = _key(row.stated, "student_no")
    student = index.by_no.get(number) if number else None
    if student is None:
        return
    if not student.rows:
        touched.append(student)
    if student.conflict is None:
        student.conflict = f"同一学生的{row.where()}有问题（{why}）"


def all_distinct(numbers: list[object], ids: list[object]) -> bool:
    """Every row a different student, tied to no other by any key: each has a 学号 and
    they differ (and so do the ID numbers given), or none has one and each has a
    different ID number. Into an empty table such rows are simply new students
    (the import writes them without `resolve`). Per row: 学号 (or None), ID number."""
    given_ids = [i for i in ids if i is not None] if None in ids else ids  # skip the copy
    if None not in numbers:
        return len(set(numbers)) == len(numbers) and len(set(given_ids)) == len(given_ids)
    return numbers.count(None) == len(numbers) and len(given_ids) == len(ids) == len(set(ids))


def _key_taken(index: Index, student: Student, stated: dict[str, object]) -> str | None:
    """A 学号 or ID number this row would give `student` that another student holds."""
    for key, table, label in (
        ("student_no", index.by_no, "学号"),
        ("id_number", index.by_id, "身份证号"),
    ):
        value = _key(stated, key)
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
            student.conflict = f"是同一学生，但「{labels}」不同；请保留正确的一行"
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
            others = "、".join(r.where() for r in student.rows if r is not row)
            why = (
                f"与{others}{student.conflict}"
                if student.conflict.startswith("是同一")
                else student.conflict
            )
            result.refused.append((row, why, None))
        return
    first = student.rows[0]
    for row in student.rows[1:]:
        result.duplicates.append((row, first.row))
    stored = student.stored or {}
    derived = student.derived
    enrolled = student.stated.get("enrollment_year") or stored.get("enrollment_year")
    if "cohort" in derived and enrolled:
        # A cohort derived from a class code gives way to a known 入学年份 (SPEC 2's order),
        # whichever row, sheet or earlier import stated it.
        year = cast(int, enrolled)  # clean.year() gives an int, and the column is INTEGER
        derived = {**derived, "cohort": year + student.rows[0].program_years}
    if student.stored is None:
        result.new.append(NewStudent(student.stated, derived, place(first)))
        return
    before, after = changes(student.stored, student.stated, derived)
    if after:
        student_id = cast(int, student.stored["id"])  # the INTEGER PRIMARY KEY
        result.updated.append(Update(student_id, before, after, student))
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


def find_student(
    index: Index, stated: dict[str, object], *, add_students: bool = False
) -> tuple[Student | None, str | None, str | None]:
    """The stored student a results or awards row means, or why not. None, None, None:
    nobody, and the row may create the student (--add-students)."""
    who = {f: stated[f] for f in STUDENT_FIELDS if f in stated}
    number, id_number, class_code, name = (
        who.get("student_no"),
        who.get("id_number"),
        who.get("class_code"),
        who.get("name"),
    )
    if not (number or id_number or (class_code and name)):
        return None, "无法确定是哪位学生：需要学号、身份证号，或班级加姓名", "name"
    if not (number or id_number):
        # SPEC: class + name must find the one roster student of that class and name who
        # has a 学号; one without a 学号 is never duplicated by --add-students.
        same = index.by_class_name.get((class_code, name), [])
        with_number = [s for s in same if s.current.get("student_no")]
        if len(with_number) == 1:
            return with_number[0], None, None
        if len(with_number) > 1:
            return (
                None,
                f"班级「{class_code}」有{len(with_number)}名同名学生「{name}」，请写上学号",
                "name",
            )
        if same:
            return (
                None,
                f"花名册里「{class_code} {name}」没有学号，只凭班级加姓名无法确认；请在花名册补上学号，或在本表写上学号",
                "name",
            )
        return None, None, None
    found, why, fld = index.match(who)
    if why is not None:
        return None, why, fld
    if found is None:
        return None, None, None
    current = found.current
    if name and current.get("name") and name != current["name"]:
        key = "学号" if number else "身份证号"
        return None, f"{key}对应的学生是「{current['name']}」，不是「{name}」；请核对", "name"
    return found, None, None
