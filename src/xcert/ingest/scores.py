"""A selection test's score file (SPEC 6.4), read with every roster rule of an import,
then handed to the office's selection rules."""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from xcert.errors import Problem, XcertError
from xcert.ingest.columns import SheetRow, sheet_columns
from xcert.ingest.report import FileReport, SheetSummary, cell_problem
from xcert.office import selection, students
from xcert.office.selection import Candidate, Quota, ScoreFile, Selection
from xcert.office.students import find_student
from xcert.read.headers import find_header
from xcert.read.sheets import read_bytes, read_workbook


def select(
    conn: sqlite3.Connection,
    session_id: int,
    path: Path,
    group_by: str,
    quota: Quota,
    *,
    retest: bool = False,
    dry_run: bool = False,
    sheet: str | None = None,
    include_removed: bool = False,
    tie_rule: str | None = None,
) -> Selection:
    """`xcert select`: the request checked (the tie rule settled: `tie_rule`, else the
    first selection's for a retest), the scores read, the candidates chosen."""
    session, rule = selection.check_request(
        conn, session_id, group_by, quota, retest=retest, tie_rule=tie_rule
    )
    scores = read_scores(conn, path, sheet, group_by)
    return selection.select(
        conn,
        session,
        scores,
        group_by,
        quota,
        retest=retest,
        dry_run=dry_run,
        include_removed=include_removed,
        tie_rule=rule,
    )


@dataclass
class _Reading:
    """A score file being read: where problems go, the roster to find students in, how
    they are grouped, which student each row was, and the scores so far."""

    label: str
    report: FileReport
    index: students.Index
    group_by: str
    seen: dict[int, int] = field(default_factory=dict)  # student id -> row number
    scores: list[Candidate] = field(default_factory=list)


def read_scores(
    conn: sqlite3.Connection, path: Path, sheet: str | None, group_by: str
) -> ScoreFile:
    """The file (read once: the log's SHA-256 is of what was ranked) and
    (student, score) per row of a score sheet, with every roster rule of an import:
    header below titles, aliases, 学号 as numbers, class + name must find one student.
    Any bad row: all of them listed, nothing chosen."""
    data = read_bytes(path)
    workbook = read_workbook(path, data)
    label = path.name
    sheets = [s for s in workbook.sheets if sheet is None or s.name == sheet]
    if sheet is not None and not sheets:
        raise XcertError(f"{label}：没有名为「{sheet}」的工作表")
    reading = _Reading(label, FileReport(path=path, sha256=""), students.Index.load(conn), group_by)
    wanted = (*selection.STUDENT_COLUMNS, "score")
    for current in sheets:
        if current.hidden and sheet is None:
            continue
        header = find_header(current.rows, with_score=True)
        if header is None or "score" not in header.columns:
            continue
        summary = SheetSummary(name=current.name)
        for row in sheet_columns(
            label, current, header, summary, reading.report, (), wanted
        ).rows():
            _read_row(conn, reading, row)
    problems = reading.report.problems
    if problems:
        raise XcertError(f"{label}：{len(problems)}处问题，没有选拔任何人", problems=problems)
    if not reading.scores and reading.seen:
        raise XcertError(
            f"{label}：表里的{len(reading.seen)}名学生都没有成绩（缺考），没有可选的人"
        )
    if not reading.scores:
        raise XcertError(
            f"{label}：没有找到成绩（需要 学号 或 班级+姓名，以及 成绩 / 选拔成绩 列）"
        )
    return ScoreFile(label, hashlib.sha256(data).hexdigest(), reading.scores)


def _missing_to_group(group_by: str, cohort: object, value: object) -> str:
    """What a student lacks to be grouped: only what is missing (届别, 专业, 系部)."""
    if group_by == "class":
        return "班级"
    wanted = (("届别", cohort), (selection.GROUPS[group_by], value))
    return "和".join(word for word, known in wanted if known is None)


def _read_row(conn: sqlite3.Connection, reading: _Reading, row: SheetRow) -> None:
    """One row: its student found, enrolled, groupable and not seen before, or a problem."""
    problems = reading.report.problems
    found, why, fld = find_student(reading.index, row.stated)
    if found is None or found.stored is None:
        reason = why or "花名册里没有这名学生（先导入花名册）"
        problems.append(_problem(reading.label, row, fld or "name", reason))
        return
    student_id = int(cast(int, found.stored["id"]))  # an INTEGER PRIMARY KEY
    column = {"class": "s.class_code", "major": "s.major", "department": "s.department"}
    stored = conn.execute(
        "SELECT s.id, s.student_no, s.name, s.class_code, s.status,"
        f" {selection.group_sql(reading.group_by)}, s.cohort, {column[reading.group_by]}"
        " FROM students s WHERE s.id = ?",
        (student_id,),
    ).fetchone()
    refusal: str | None = None
    if stored[4] != "enrolled":
        refusal = "不是在读学生，不能参加选拔"
    elif stored[5] is None:
        missing = _missing_to_group(reading.group_by, stored[6], stored[7])
        refusal = f"花名册里这名学生没有{missing}，无法分组"
    elif student_id in reading.seen:
        refusal = f"与第{reading.seen[student_id]}行是同一名学生"
    if refusal is not None:
        problems.append(_problem(reading.label, row, "name", refusal))
        return
    reading.seen[student_id] = row.row
    score = row.stated.get("score")
    if score is None or score == "absent":  # did not sit the test: not a candidate
        return
    # the SELECT above: id, student_no, name, class_code, status, group key (not NULL here)
    student_id, number, name, class_code, _, group = stored[:6]
    reading.scores.append(
        Candidate(student_id, number, name, class_code, group, float(cast(float, score)))
    )


def _problem(label: str, row: SheetRow, fld: str, reason: str) -> Problem:
    if fld not in row.header.columns:
        fld = next(iter(row.header.columns))
    return cell_problem(label, row, row.row, fld, reason, None)
