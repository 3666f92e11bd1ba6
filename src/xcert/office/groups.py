"""Which major, department or class a name means (SPEC 3, "Scope"), among those the
students table holds: as the certificate catalogue finds a certificate, names are
compared after cleaning (folded, no spaces, lower case); an exact name wins, else the
one name it begins (数控 → 数控技术应用). A trailing 专业 or 班 may be written or left
out (数控技术应用专业, 20数控1班). Several names it begins, or none, is a mistake that
names the candidates. In a province's database, with a school chosen (`--school`), the
names are that school's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.office.catalogue import key

SHOWN = 20  # candidates a message names before "等N个"


@dataclass(frozen=True)
class Kind:
    column: str  # of the students table
    word: str  # as a message names it
    unit: str  # a name may end in it or not: 专业, 班


KINDS: dict[str, Kind] = {
    "major": Kind("major", "专业", "专业"),
    "department": Kind("department", "系部", ""),
    "class": Kind("class_code", "班级", "班"),
}


def _key(name: str, unit: str) -> str:
    """How a name is compared: the catalogue's key, without a trailing unit."""
    folded = key(name)
    if unit and folded.endswith(unit) and len(folded) > len(unit):
        return folded[: -len(unit)]
    return folded


def names(conn: sqlite3.Connection, kind: str, school: int | None = None) -> list[str]:
    """The names of `kind` the students table holds (of one school, if given), in order."""
    column = KINDS[kind].column
    of_school = "" if school is None else " AND school_id = ?"
    return [
        name
        for (name,) in conn.execute(
            f"SELECT DISTINCT {column} FROM students"
            f" WHERE {column} IS NOT NULL AND {column} != ''{of_school} ORDER BY {column}",
            [] if school is None else [school],
        )
    ]


def match(
    conn: sqlite3.Connection, kind: str, typed: str, school: int | None = None
) -> tuple[str, ...]:
    """The stored spellings of the one `kind` (major, department, class) `typed` names,
    the first as a title shows it, among a school's if given; an XcertError naming the
    candidates otherwise."""
    spec = KINDS[kind]
    by_key: dict[str, list[str]] = {}
    for name in names(conn, kind, school):
        by_key.setdefault(_key(name, spec.unit), []).append(name)
    shown = clean.text(typed)
    wanted = _key(typed, spec.unit)
    if not wanted:
        raise XcertError(f"{spec.word}名称是空的")
    if wanted in by_key:
        return tuple(by_key[wanted])
    begun = [k for k in by_key if k.startswith(wanted)]
    if len(begun) == 1:
        return tuple(by_key[begun[0]])
    if begun:
        candidates = _listed([by_key[k][0] for k in begun])
        raise XcertError(f"「{shown}」可以指多个{spec.word}：{candidates}；请写得更完整")
    if not by_key:
        raise XcertError(f"没有{spec.word}「{shown}」：学生名单里没有填写{spec.word}")
    every = _listed([spellings[0] for spellings in by_key.values()])
    raise XcertError(f"没有{spec.word}「{shown}」；已有的{spec.word}：{every}")


def _listed(candidates: list[str]) -> str:
    """Names joined with 、, the first SHOWN of them and 等N个 when there are more."""
    if len(candidates) <= SHOWN:
        return "、".join(candidates)
    return "、".join(candidates[:SHOWN]) + f"等{len(candidates)}个"
