"""The certificate sign-off list of a class, major or department (考证签领名单). In a
province's database a class code may be several schools' (21数控1): a list is one
school's, so one that would span schools asks for `--school`."""

from __future__ import annotations

import functools
import sqlite3

from xcert.clean.dates import shown
from xcert.errors import XcertError
from xcert.figures.scope import Scope, with_unit
from xcert.output import tables as output
from xcert.privacy import mask_ids_in


def sign_list(conn: sqlite3.Connection, *, year: int | None, scope: Scope, **_: object) -> dict:
    if not scope.grouped:
        raise XcertError("sign-list 需要 --class（或 --major、--department），例如 --class 20数控1")
    scope = scope.in_year(year)
    issued = "CAST(substr(coalesce(a.issued_on, a.assessed_start), 1, 4) AS INTEGER)"
    where_years, years = scope.years.sql(issued)
    where_students, students = scope.students_sql()
    rows = conn.execute(
        "SELECT s.class_code, s.name, c.name, a.level, a.assessed_start, a.assessed_end,"
        " a.issued_on, a.signed_by, s.major, s.school_id"
        " FROM awards a JOIN students s ON s.id = a.student_id"
        " JOIN certificates c ON c.id = a.certificate_id"
        f" WHERE 1 = 1 {where_students} {where_years}"
        " ORDER BY s.class_code, s.student_no, s.name, c.name",
        [*students, *years],
    ).fetchall()
    when = scope.years.words()
    if not rows:
        records = f"{when}的发证记录" if when else "发证记录"
        raise XcertError(f"{scope.labels()}没有{records}（先导入发证签领名单）")
    _one_school(conn, scope, {row[9] for row in rows})
    masked = functools.cache(mask_ids_in)  # an ID number typed into a name cell (SPEC 5.3)
    body = [
        [
            i,
            klass,
            masked(name),
            cert,
            level or "",
            shown(start, end),
            shown(issued),
            masked(signer) if signer else "",
        ]
        for i, (klass, name, cert, level, start, end, issued, signer, *_) in enumerate(rows, 1)
    ]
    header = ["序号", "班号", "姓名", "工种", "等级", "鉴定时间", "发证日期", "证书签领人"]
    unsigned = sum(1 for row in rows if not row[7])
    title = f"{_sign_list_whose(scope, rows[0][8] or '', when)}考证签领名单"
    return {
        "title": title,
        "tables": [output.Table(title, header, body)],
        "charts": [],
        "warnings": [],
        "unsigned": unsigned,
        "notes": [f"共{len(body)}张证书；未签领{unsigned}张。"],  # under the list, every format
    }


def _one_school(conn: sqlite3.Connection, scope: Scope, found: set[int | None]) -> None:
    """A province's list of more than one school is refused, naming them."""
    if len(found) < 2:
        return
    marks = ", ".join("?" for _ in found)
    names = [
        name
        for (name,) in conn.execute(
            f"SELECT name FROM schools WHERE id IN ({marks}) ORDER BY code", list(found)
        )
    ]
    raise XcertError(
        f"{scope.labels()}在{len(found)}所学校都有发证记录：{'、'.join(names)}；"
        "签领名单是一所学校的，请用 --school 指定学校"
    )


def _sign_list_whose(scope: Scope, major: str, when: str) -> str:
    """Whose list it is, as the seed names it: 数控技术应用专业2022年20数控1班 (a class's
    major from its students), 机械部2022-2023年; a class code or major that already ends
    in 班 or 专业 does not get it twice."""
    department, major_group, klass = (scope.group(k) for k in ("department", "major", "class"))
    if klass is not None and major_group is None:
        major = with_unit(major, "专业")
    else:
        major = with_unit(major_group.name, "专业") if major_group else ""
    return (
        (scope.school.name if scope.school else "")
        + (department.name if department else "")
        + major
        + when
        + (with_unit(klass.name, "班") if klass else "")
    )
