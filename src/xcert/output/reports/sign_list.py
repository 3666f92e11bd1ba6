"""The certificate sign-off list of a class, major or department (考证签领名单)."""

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
        " a.issued_on, a.signed_by, s.major FROM awards a JOIN students s ON s.id = a.student_id"
        " JOIN certificates c ON c.id = a.certificate_id"
        f" WHERE 1 = 1 {where_students} {where_years}"
        " ORDER BY s.class_code, s.student_no, s.name, c.name",
        [*students, *years],
    ).fetchall()
    when = scope.years.words()
    if not rows:
        records = f"{when}的发证记录" if when else "发证记录"
        raise XcertError(f"{scope.labels()}没有{records}（先导入发证签领名单）")
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
        for i, (klass, name, cert, level, start, end, issued, signer, _major) in enumerate(rows, 1)
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
        (department.name if department else "")
        + major
        + when
        + (with_unit(klass.name, "班") if klass else "")
    )
