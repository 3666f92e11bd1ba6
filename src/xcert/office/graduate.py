"""`xcert graduate` (SPEC 6.9): on its graduation day a 届's students still 在读 become
毕业, as one write `xcert undo` reverses; those who left (退学, 转学, 休学) or already
graduated stay as they are. The summary names cohorts past that day still 在读.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from xcert.clean.dates import shown
from xcert.errors import XcertError
from xcert.model import STATUS_LABELS
from xcert.office import sites
from xcert.store import writes


@dataclass
class Graduation:
    """What `graduate` did (or would do) to a cohort."""

    cohort: int
    graduation_day: dt.date
    enrolled: int = 0  # 在读 → 毕业
    kept: dict[str, int] = field(default_factory=dict)  # other statuses, label → count
    write_id: int | None = None

    def kept_text(self) -> str:
        """退学2人、休学1人: the students left as they are, by status."""
        return "、".join(f"{label}{n}人" for label, n in self.kept.items())

    def said(self, *, dry_run: bool = False) -> str:
        """What `graduate` did, or would do, in one line (the command and the demo)."""
        kept = f"；{self.kept_text()}保持不变" if self.kept else ""
        if not self.enrolled:
            return f"{self.cohort}届没有学籍状态是在读的学生，无需改动（{self.kept_text()}）"
        if dry_run:
            return f"（试运行，未写入）将把{self.cohort}届在读的{self.enrolled}名学生改为毕业{kept}"
        return (
            f"已把{self.cohort}届在读的{self.enrolled}名学生改为毕业{kept}"
            f"（第{self.write_id}次写入，可用 xcert undo {self.write_id} 撤销）"
        )


def graduate(
    conn: sqlite3.Connection, cohort: int, on: dt.date, *, dry_run: bool = False
) -> Graduation:
    """Move the cohort's 在读 students to 毕业 as one logged write, once the cohort's
    graduation day (the site profile's, 1 July unless set) has come by `on`. Refused
    before that day, and for a cohort nobody in the database belongs to."""
    day = sites.graduation_day(conn, cohort)
    if on < day:
        raise XcertError(
            f"{cohort}届在 {shown(day.isoformat())} 毕业（考点资料 [school] graduation_day，"
            f"未设置时为7月1日），{shown(on.isoformat())} 还没到这一天，没有改动任何学生；"
            "到毕业那天或以后再运行"
        )
    found = Graduation(cohort, day)
    order = {status: n for n, status in enumerate(STATUS_LABELS)}  # 在读, 毕业, 结业, 退学 …
    counts = conn.execute(
        "SELECT status, count(*) FROM students WHERE cohort = ? GROUP BY status", (cohort,)
    ).fetchall()
    for status, count in sorted(counts, key=lambda row: order.get(row[0], len(order))):
        if status == "enrolled":
            found.enrolled = count
        else:
            label = STATUS_LABELS.get(status, status or "未填")
            found.kept[label] = found.kept.get(label, 0) + count
    if not found.enrolled and not found.kept:
        raise XcertError(f"数据库里没有{cohort}届的学生；请核对 --cohort，或先导入这一届的花名册")
    if dry_run or not found.enrolled:
        return found
    what = f"{cohort}届在读学生改为毕业"
    options = {"cohort": cohort, "date": on.isoformat()}
    with writes.write(conn, "graduate", what, options=options) as done:
        ids = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM students WHERE cohort = ? AND status = 'enrolled' ORDER BY id",
                (cohort,),
            )
        ]
        for student_id in ids:  # the journal keeps each one's 在读 (store/journal.py)
            writes.update_row(conn, "students", student_id, {"status": "graduated"}, done.id)
        found.enrolled, found.write_id, done.updated = len(ids), done.id, len(ids)
    return found


def overdue(conn: sqlite3.Connection, on: dt.date) -> list[tuple[int, dt.date, int]]:
    """Cohorts whose graduation day has come by `on` with students still 在读:
    (cohort, graduation day, how many), oldest first."""
    rows = conn.execute(
        "SELECT cohort, count(*) FROM students WHERE status = 'enrolled' AND cohort IS NOT NULL"
        " AND cohort <= ? GROUP BY cohort ORDER BY cohort",
        (on.year,),
    ).fetchall()
    out = []
    for cohort, count in rows:
        day = sites.graduation_day(conn, cohort)
        if day <= on:
            out.append((cohort, day, count))
    return out
