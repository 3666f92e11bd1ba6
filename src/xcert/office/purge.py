"""`xcert purge` (SPEC 6.7): minors' personal data is not kept forever. ID numbers and
phones of graduated cohorts are scrubbed from the students, from the journal's earlier
values and from the file's free pages, while every count the yearly figures need stays.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from xcert import clock
from xcert.errors import XcertError
from xcert.model import PERSONAL_FIELDS as PERSONAL
from xcert.office import sites
from xcert.office.sessions import TO_COME
from xcert.store import writes
from xcert.store.connect import checkpoint, scrub_free_pages


@dataclass
class Purged:
    students: int = 0
    id_numbers: int = 0
    phones: int = 0
    write_id: int | None = None
    earlier: int = 0  # journal entries of such students (also of students no longer there)
    wal_kept: bool = False  # another program held the write-ahead log open


# Students of a cohort before the year (the one parameter) who still hold personal data.
_HOLDING = "cohort < ? AND (id_number IS NOT NULL OR phone IS NOT NULL)"
_PATHS = ", ".join(f"'$.{name}'" for name in PERSONAL)  # json_remove's paths
_KEPT = " OR ".join(f"json_extract(old, '$.{name}') IS NOT NULL" for name in PERSONAL)
# Earlier values of these rows, and of students no longer in the table (an undo
# removed them) whose own cohort was before the year (:year).
_IN_JOURNAL = (
    f"table_name = 'students' AND old IS NOT NULL AND ({_KEPT}) AND"
    f" (row_id IN (SELECT id FROM students WHERE cohort < :year)"
    f" OR CAST(json_extract(old, '$.cohort') AS INTEGER) < :year)"
)


def purge(conn: sqlite3.Connection, before_cohort: int, *, dry_run: bool = False) -> Purged:
    """Scrub ID numbers and phones of students of cohorts before `before_cohort` (minors'
    data is not kept forever), from the students, from every earlier value the journal
    kept of them (students an undo removed too), and from the file's free pages. Counts
    and figures stay: no row goes, no class, cohort or result changes."""
    _check_graduated(conn, before_cohort)
    _check_not_needed(conn, before_cohort)
    found = _find(conn, before_cohort)
    if dry_run:
        return found
    if found.students or found.earlier:
        _scrub(conn, before_cohort, found)
    # Nor in the WAL; with nothing to scrub, an earlier purge's WAL may still hold old pages.
    found.wal_kept = checkpoint(conn)
    return found


def _check_graduated(conn: sqlite3.Connection, before_cohort: int) -> None:
    """The last cohort purged, before_cohort - 1, must have graduated: on its graduation
    day (the site profile's, 1 July unless set), not at the end of its year."""
    last = before_cohort - 1
    today = clock.today()
    graduates_on = sites.graduation_day(conn, last)
    if today < graduates_on:
        latest = today.year + 1 if today >= sites.graduation_day(conn, today.year) else today.year
        raise XcertError(
            f"{last}届还没有毕业（{graduates_on.year}年{graduates_on.month}月{graduates_on.day}日毕业），"
            f"不能清除；今天 --graduated-before 最大为 {latest}"
        )


def _check_not_needed(conn: sqlite3.Connection, before_cohort: int) -> None:
    """Not while the school still needs them: enrolled by status, or entered for an exam
    still to come (the platform's registration list needs the ID number)."""
    enrolled, upcoming = conn.execute(
        f"SELECT count(*) FILTER (WHERE status = 'enrolled'), count(*) FILTER (WHERE EXISTS ("
        " SELECT 1 FROM registrations r JOIN sessions se ON se.id = r.session_id"
        f" WHERE r.student_id = students.id AND {TO_COME}))"
        f" FROM students WHERE {_HOLDING}",
        (clock.today().isoformat(), before_cohort),
    ).fetchone()
    if upcoming:
        raise XcertError(
            f"{before_cohort}届以前的学生中有{upcoming}人报名了还没考的考试，不能清除他们的身份证号；"
            "先取消报名（xcert register --remove）或换一个年份"
        )
    if enrolled:
        raise XcertError(
            f"{before_cohort}届以前的学生中有{enrolled}人学籍状态仍是在读，不像已经毕业；"
            "先导入更新了学籍状态（毕业）的花名册，或换一个年份"
        )


def _find(conn: sqlite3.Connection, before_cohort: int) -> Purged:
    """What a purge would scrub: the students and their ID numbers and phones, and the
    journal entries that kept earlier values of them (what --dry-run reports)."""
    found = Purged(
        *conn.execute(
            f"SELECT count(*), count(id_number), count(phone) FROM students WHERE {_HOLDING}",
            (before_cohort,),
        ).fetchone()
    )
    found.earlier = conn.execute(
        f"SELECT count(*) FROM journal WHERE {_IN_JOURNAL}", {"year": before_cohort}
    ).fetchone()[0]
    return found


def _scrub(conn: sqlite3.Connection, before_cohort: int, found: Purged) -> None:
    """The purge itself, in one logged write: the students, the journal's earlier values,
    the old change log, then the free pages. Overwritten values are zeroed, not left in
    pages (secure_delete)."""
    conn.execute("PRAGMA secure_delete = ON")
    what = f"清除{before_cohort}届以前学生的身份证号和电话"
    with writes.write(conn, "purge", what) as done:
        found.write_id, done.updated = done.id, found.students
        # updated_import stays: the purge is no roster update (the summary's stale-class
        # warning reads it); the journal still records that the purge touched the rows.
        conn.execute(
            f"UPDATE students SET id_number = NULL, phone = NULL WHERE {_HOLDING}",
            (before_cohort,),
        )
        conn.execute(
            f"UPDATE journal SET old = json_remove(old, {_PATHS}) WHERE {_IN_JOURNAL}",
            {"year": before_cohort},
        )
        conn.execute(  # what schema versions before 5 kept of an update
            f"UPDATE changes SET before = json_remove(before, {_PATHS}) WHERE table_name = 'students'"
            " AND row_id IN (SELECT id FROM students WHERE cohort < ?)",
            (before_cohort,),
        )
        scrub_free_pages(conn)
