"""Which teacher a row of a teachers' sheet is (SPEC 3, "Teachers"): SPEC 2's identity
rule with a teacher's keys, applied once to stored teachers and to the rows of the import
together. In order: 工号 when the row has one; else 身份证号; else 姓名 + 部门.

Rows of one import that turn out to be one teacher are merged when they agree and all
refused when they disagree; a row that finds a stored teacher by one key but gives another
name is refused (a rename needs both 工号 and ID number); a refused row's 工号 refuses the
other rows of its teacher, so the same file imported again gives the same result.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Protocol

from xcert.model import TEACHER_FIELDS
from xcert.privacy import mask_ids_in

# How messages name a teacher's fields (a teacher's 部门, where a student has a 系部).
LABELS = {
    "staff_no": "工号",
    "name": "姓名",
    "id_number": "身份证号",
    "department": "部门",
    "phone": "手机号",
    "level": "等级",
    "obtained_on": "取得日期",
    "certificate_no": "证书编号",
}
_KEYS = ("staff_no", "id_number", "name", "department")


class RowIn(Protocol):
    """What a teachers' row gives (ingest's SheetRow): where it is, what it states."""

    @property
    def ref(self) -> object: ...

    row: int
    stated: dict[str, object]


# How a caller refuses a row: the row, why, and the field it is about (None: the row).
Refuse = Callable[[RowIn, str, "str | None"], None]


class Teacher:
    """One teacher as this import sees them: the stored values and the rows that match."""

    __slots__ = ("stored", "current", "rows", "stated", "conflict")

    def __init__(self, stored: dict[str, object] | None, current: dict[str, object]) -> None:
        self.stored = stored  # as in the database (with id), None for a new teacher
        self.current = current  # the key values the index sees
        self.rows: list[RowIn] = []
        self.stated: dict[str, object] = {}  # what the rows state, merged
        self.conflict: str | None = None  # why all its rows are refused


class Index:
    """Teachers by each identity key: the stored ones and those this import adds."""

    def __init__(self) -> None:
        self.by_no: dict[object, Teacher] = {}
        self.by_id: dict[object, Teacher] = {}
        self.by_name: dict[tuple[object, object], list[Teacher]] = {}

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Index:
        index = cls()
        columns = ("id", *TEACHER_FIELDS)
        for values in conn.execute(f"SELECT {', '.join(columns)} FROM teachers"):
            stored = dict(zip(columns, values, strict=True))
            index.add(Teacher(stored, dict(stored)))
        return index

    def add(self, teacher: Teacher) -> None:
        current = teacher.current
        if current.get("staff_no"):
            self.by_no[current["staff_no"]] = teacher
        if current.get("id_number"):
            self.by_id[current["id_number"]] = teacher
        name_key = (current.get("name"), current.get("department"))
        self.by_name.setdefault(name_key, []).append(teacher)

    def rekey(self, teacher: Teacher, values: dict[str, object]) -> None:
        """Give `teacher` new key values (a 工号 it did not have, another 部门)."""
        current = teacher.current
        old = self.by_name.get((current.get("name"), current.get("department")), [])
        if teacher in old:
            old.remove(teacher)
        current.update(values)
        self.add(teacher)

    def match(self, stated: dict[str, object]) -> tuple[Teacher | None, str | None, str | None]:
        """(teacher, None, None), (None, None, None) for a new one, or (None, why, field)."""
        number, id_number = stated.get("staff_no"), stated.get("id_number")
        by_no = self.by_no.get(number) if number else None
        by_id = self.by_id.get(id_number) if id_number else None
        if by_no is not None and by_id is not None and by_no is not by_id:
            return None, f"身份证号{_holder(by_id)}，不是本行工号的教师", "id_number"
        if by_no is not None:
            return by_no, None, None
        if by_id is not None:
            if number and by_id.current.get("staff_no"):
                return None, f"身份证号{_holder(by_id)}，但工号不同", "id_number"
            return by_id, None, None
        department, name = stated.get("department"), stated.get("name")
        if not department:
            return None, None, None
        candidates = [
            t
            for t in self.by_name.get((name, department), [])
            if (not number or not t.current.get("staff_no"))
            and (not id_number or not t.current.get("id_number"))
        ]
        if len(candidates) > 1:
            why = (
                f"部门「{department}」有{len(candidates)}名同名教师「{name}」，请写上工号或身份证号"
            )
            return None, why, "name"
        return (candidates[0] if candidates else None), None, None


def _holder(teacher: Teacher) -> str:
    """Who holds a key, as a clerk can find them: a row of this file or a stored teacher."""
    values = teacher.current
    who = f"{values.get('name')}，工号 {mask_ids_in(str(values.get('staff_no') or '无'))}"
    if teacher.rows:
        return f"与第{teacher.rows[0].row}行（{who}）相同"
    return f"已属于数据库中的教师（{who}）"


def resolve(index: Index, rows: list[RowIn], refuse: Refuse) -> list[Teacher]:
    """Group rows into teachers (stored or new); refuse rows that contradict a stored
    teacher's keys or name, and every row of a teacher whose rows disagree."""
    touched: dict[int, Teacher] = {}  # by identity, in the order first met
    for row in sorted(rows, key=_strength):  # strongest key first, as for students
        teacher, why, fld = index.match(row.stated)
        if why is None and teacher is not None:
            why, fld = _renamed(teacher, row.stated)
            if why is None:
                why, fld = _key_taken(index, teacher, row.stated)
        if why is not None:
            refuse(row, why, fld)
            _taint(index, row, why, touched)
            continue
        if teacher is None:
            teacher = Teacher(None, {f: row.stated.get(f) for f in _KEYS})
            index.add(teacher)
        touched.setdefault(id(teacher), teacher)
        _merge(index, teacher, row)
    for teacher in touched.values():
        if teacher.conflict is not None:
            for row in teacher.rows:
                others = "、".join(f"第{r.row}行" for r in teacher.rows if r is not row)
                said = teacher.conflict
                refuse(row, f"与{others}{said}" if said.startswith("是同一") else said, None)
    return [t for t in touched.values() if t.conflict is None and t.rows]


def _strength(row: RowIn) -> int:
    return 0 if row.stated.get("staff_no") else 1 if row.stated.get("id_number") else 2


def _renamed(teacher: Teacher, stated: dict[str, object]) -> tuple[str | None, str | None]:
    """A stored teacher found by one key whose name the row changes: most often a slip,
    so refused; a rename needs both 工号 and ID number to agree."""
    old, new = teacher.current.get("name"), stated.get("name")
    if teacher.stored is None or not old or not new or old == new:
        return None, None
    current = teacher.current
    same_no = bool(stated.get("staff_no")) and stated.get("staff_no") == current.get("staff_no")
    same_id = bool(stated.get("id_number")) and stated.get("id_number") == current.get("id_number")
    if same_no and same_id:
        return None, None
    key = "工号" if same_no else "身份证号"
    why = f"{key}对应的教师在数据库里是「{old}」，不是「{new}」；如确是改名，请在同一行写上工号和身份证号"
    return why, "name"


def _key_taken(
    index: Index, teacher: Teacher, stated: dict[str, object]
) -> tuple[str | None, str | None]:
    """A 工号 or ID number this row would give `teacher` that another teacher holds."""
    for key, table, label in (
        ("staff_no", index.by_no, "工号"),
        ("id_number", index.by_id, "身份证号"),
    ):
        value = stated.get(key)
        holder = table.get(value) if value else None
        if holder is not None and holder is not teacher:
            return f"{label}{_holder(holder)}", key
    return None, None


def _taint(index: Index, row: RowIn, why: str, touched: dict[int, Teacher]) -> None:
    """A refused row still says something about the teacher of its 工号: that teacher's
    other rows in this import are refused too, so a second run cannot differ."""
    number = row.stated.get("staff_no")
    teacher = index.by_no.get(number) if number else None
    if teacher is None:
        return
    touched.setdefault(id(teacher), teacher)
    if teacher.conflict is None:
        teacher.conflict = f"同一教师的第{row.row}行有问题（{why}）"


def _merge(index: Index, teacher: Teacher, row: RowIn) -> None:
    """Add a row's values to its teacher; any disagreement with an earlier row refuses all."""
    stated = {f: row.stated[f] for f in TEACHER_FIELDS if row.stated.get(f) is not None}
    differing = [f for f, v in stated.items() if teacher.stated.get(f) not in (None, v)]
    if differing and teacher.conflict is None:
        labels = "、".join(LABELS[f] for f in differing)
        teacher.conflict = f"是同一教师，但「{labels}」不同；请保留正确的一行"
    teacher.rows.append(row)
    teacher.stated = {**stated, **teacher.stated}  # earlier rows' values stay
    new_keys = {f: v for f, v in stated.items() if f in _KEYS and teacher.current.get(f) != v}
    if new_keys and teacher.conflict is None:
        index.rekey(teacher, new_keys)
