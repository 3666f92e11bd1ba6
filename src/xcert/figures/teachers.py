"""The teachers figure of SPEC 3 ("Teachers"), in SQL: per certificate, its trainers
(培训师), examiners (考评员) and the teachers who hold it themselves (持证教师), each
counted two ways, as the seeds report them (培训师共5人, 取得考官证书5人次):

- 人 (`trainers`, `examiners`, `holders`): distinct teachers;
- 人次 (`trainer_person_times`, …): their roles, one per teacher, role, certificate and
  level (a teacher who examines at 初级 and 中级 is 1人, 2人次).

The total over all certificates counts a teacher once however many certificates they
have (人), and every role (人次). With a year, only roles obtained in that year or before
(or undated) count: the teachers a school had by the end of it. 督导员 and 考务人员 serve
every certificate and are not in this figure (`xcert teachers --role` lists them). In a
province's database a teacher is one school's (`teachers.school_id`): the figure of one
school (`school`), or of each (`per_school`), counts that school's rows exactly as its
own database does.

The province's totals (its database, no `school`: per certificate and over all) count
a person once, as its students are (SPEC 6.8): a teacher registered at two schools (a
part-time trainer) has the same `teachers.person` in both, the keyed hash of the ID
number the merge keeps. 人 counts distinct persons (a teacher without an ID number,
whom nothing matches, by their row: once per school); 人次 counts distinct (person,
role, certificate, level), so the same qualification registered at two schools is
1人次. The total may then be less than the sum of the schools' rows.

Only the standard library (stats.py imports this; `xcert stats` must start fast).
"""

import sqlite3
from typing import NamedTuple

from xcert.store.connect import is_province

COUNTED = ("trainer", "examiner", "holder")  # the figure's three columns, in its order
KEYS = {"trainer": "trainers", "examiner": "examiners", "holder": "holders"}


class TeacherCounts(NamedTuple):
    """One certificate's teachers (or, `certificate` None, the total over all of them).
    A NamedTuple, like figures/scope.py's values (start-up)."""

    certificate: str | None
    trainers: int = 0
    trainer_person_times: int = 0
    examiners: int = 0
    examiner_person_times: int = 0
    holders: int = 0
    holder_person_times: int = 0

    def as_json(self) -> dict[str, object]:
        record: dict[str, object] = {}
        if self.certificate is not None:  # the total has no certificate
            record["certificate"] = self.certificate
        record.update(
            trainers=self.trainers,
            trainer_person_times=self.trainer_person_times,
            examiners=self.examiners,
            examiner_person_times=self.examiner_person_times,
            holders=self.holders,
            holder_person_times=self.holder_person_times,
        )
        return record

    def pairs(self) -> list[tuple[int, int]]:
        """(人, 人次) of trainers, examiners and holders, in the table's order."""
        return [
            (self.trainers, self.trainer_person_times),
            (self.examiners, self.examiner_person_times),
            (self.holders, self.holder_person_times),
        ]


# Per role: distinct teachers (人), then roles (人次).
_COUNTS = ", ".join(
    f"count(DISTINCT CASE WHEN tr.role = '{role}' THEN tr.teacher_id END),"
    f" coalesce(sum(tr.role = '{role}'), 0)"
    for role in COUNTED
)
# A province's totals: a person once (their `person`, else the row), and each of their
# roles once per certificate and level, however many schools registered it.
_WHO = "coalesce(t.person, 'id:' || t.id)"
_PEOPLE_COUNTS = ", ".join(
    f"count(DISTINCT CASE WHEN tr.role = '{role}' THEN {_WHO} END),"
    f" count(DISTINCT CASE WHEN tr.role = '{role}'"
    f" THEN {_WHO} || '|' || c.id || '|' || coalesce(tr.level, '') END)"
    for role in COUNTED
)
_SOURCE = "teacher_roles tr JOIN certificates c ON c.id = tr.certificate_id"
_WITH_TEACHERS = _SOURCE + " JOIN teachers t ON t.id = tr.teacher_id"
_OBTAINED_BY = "(tr.obtained_on IS NULL OR CAST(substr(tr.obtained_on, 1, 4) AS INTEGER) <= ?)"


def _where(year: int | None, all_kinds: bool) -> tuple[str, list[object]]:
    roles = ", ".join(f"'{role}'" for role in COUNTED)
    where = f"tr.role IN ({roles})"
    if not all_kinds:
        where += " AND c.kind = '1+X'"
    if year is not None:
        where += f" AND {_OBTAINED_BY}"
    return where, [year] if year is not None else []


def teacher_counts(
    conn: sqlite3.Connection,
    *,
    year: int | None = None,
    all_kinds: bool = False,
    certificates: list[int] | None = None,
    school: int | None = None,
) -> tuple[list[TeacherCounts], TeacherCounts]:
    """Per certificate (1+X ones unless `all_kinds`; by name), and the total; of one
    school of a province if given. With `certificates` (ids), exactly those, in that
    order, a certificate without teachers included with zeros (a plan's certificates).
    A province's own (no `school`): a person once (the module's docstring)."""
    where, params = _where(year, all_kinds or certificates is not None)
    counts, source = _COUNTS, _SOURCE
    if school is not None:
        source = _WITH_TEACHERS
        where += " AND t.school_id = ?"
        params.append(school)
    elif is_province(conn):
        counts, source = _PEOPLE_COUNTS, _WITH_TEACHERS
    if certificates is not None:
        marks = ", ".join("?" * len(certificates)) or "NULL"
        where += f" AND c.id IN ({marks})"
        params += certificates
    rows = conn.execute(
        f"SELECT c.id, c.name, {counts} FROM {source} WHERE {where} GROUP BY c.id ORDER BY c.name",
        params,
    ).fetchall()
    total = conn.execute(f"SELECT {counts} FROM {source} WHERE {where}", params).fetchone()
    per = {row[0]: TeacherCounts(*row[1:]) for row in rows}
    if certificates is not None:
        names = dict(conn.execute("SELECT id, name FROM certificates").fetchall())
        listed = [per.get(cid) or TeacherCounts(names.get(cid)) for cid in certificates]
        return listed, TeacherCounts(None, *total)
    return list(per.values()), TeacherCounts(None, *total)


def per_school(
    conn: sqlite3.Connection, *, year: int | None = None, all_kinds: bool = False
) -> dict[int | None, TeacherCounts]:
    """Each school's total over its certificates, by school id (None: a school's own
    database, whose teachers have none)."""
    where, params = _where(year, all_kinds)
    rows = conn.execute(
        f"SELECT t.school_id, {_COUNTS} FROM {_WITH_TEACHERS} WHERE {where} GROUP BY t.school_id",
        params,
    ).fetchall()
    return {row[0]: TeacherCounts(None, *row[1:]) for row in rows}


def guessed_warnings(conn: sqlite3.Connection, *, year: int | None = None) -> list[str]:
    """The warning line the 1+X teachers' figure carries when a certificate in it, or
    left out of it, has a guessed kind (SPEC 2)."""
    where, params = _where(year, True)
    guessed = [
        name
        for (name,) in conn.execute(
            "SELECT DISTINCT c.name FROM teacher_roles tr JOIN certificates c"
            f" ON c.id = tr.certificate_id WHERE c.kind_guessed = 1 AND {where} ORDER BY c.name",
            params,
        )
    ]
    if not guessed:
        return []
    return [
        "师资情况中以下证书的类型是推测的（不在证书目录中），是否计入 1+X 可能有误："
        + "、".join(guessed)
    ]
