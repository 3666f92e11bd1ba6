"""Which school of a province's database a typed name means (`--school`, SPEC 6.8): its
code (学校代码) as stored, or its name compared as `groups.py` compares a major's
(folded, no spaces, lower case): exactly, else the one name it begins, else the one
name it is part of (第二职业 → 示例第二职业学校). A school's own database has no
schools to choose from: `--school` there is refused, saying so.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.office.catalogue import key

SHOWN = 20  # schools a message names before "等N所"


@dataclass(frozen=True)
class School:
    """A row of the schools table: what `xcert merge` kept of one school's file."""

    id: int
    code: str
    name: str

    @property
    def shown(self) -> str:
        """示例职业技术学校（4144000001）: as a message lists it."""
        return f"{self.name}（{self.code}）"


def listed(conn: sqlite3.Connection) -> list[School]:
    """The schools merged, by code (the order a centre's lists use)."""
    return [
        School(*row) for row in conn.execute("SELECT id, code, name FROM schools ORDER BY code")
    ]


def match(conn: sqlite3.Connection, typed: str) -> School:
    """The one school `typed` names; an XcertError naming the schools otherwise, or
    saying that the database is a school's own."""
    schools = listed(conn)
    shown = clean.text(typed)
    if not schools:
        raise XcertError(
            f"--school「{shown}」只用于省级汇总数据库（xcert merge 合并各校数据后）；"
            "这是一所学校自己的数据库，它的数字就是本校的，不用 --school"
        )
    wanted = key(typed)
    if not wanted:
        raise XcertError("学校名称是空的")
    for found in (
        [s for s in schools if wanted in (key(s.code), key(s.name))],
        [s for s in schools if key(s.name).startswith(wanted)],
        [s for s in schools if wanted in key(s.name)],
    ):
        if len(found) == 1:
            return found[0]
        if found:
            raise XcertError(
                f"「{shown}」可以指多所学校：{_listed(found)}；请写得更完整，或写学校代码"
            )
    raise XcertError(f"没有学校「{shown}」；已合并的学校：{_listed(schools)}")


def _listed(schools: list[School]) -> str:
    """Schools joined with 、, the first SHOWN of them and 等N所 when there are more."""
    names = [school.shown for school in schools[:SHOWN]]
    more = f"等{len(schools)}所" if len(schools) > SHOWN else ""
    return "、".join(names) + more
