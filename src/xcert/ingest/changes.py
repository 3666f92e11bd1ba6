"""What an import changes in the students, results, awards and teachers already stored:
one line per row and field (`202001003 陈锦曦 手机号 138****0001 → 139****0002`), values
masked as everywhere (SPEC 5.3), so a clerk sees a corrected file's effect, in a dry run
too.

Only the first `SHOWN` lines, in sheet order, are made; the rest are only counted, so a
huge correction costs little more than its count."""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Sequence

from xcert import privacy
from xcert.clean import cells as clean
from xcert.clean import dates
from xcert.ingest.columns import sheet_row
from xcert.ingest.report import Change, FileReport, shown_value
from xcert.model import OUTCOME_LABELS, STATUS_LABELS, STUDENT_FIELDS
from xcert.office.record_writes import Record
from xcert.office.students import Update
from xcert.office.teacher_identity import LABELS as TEACHER_LABELS
from xcert.office.teachers import Change as TeacherChange
from xcert.read.headers import LABELS

SHOWN = 50  # lines a report lists; the rest are counted (…另有 M 处更改)

# The fields a line may name, in the order a row's lines come, with their labels.
_STUDENT = {f: LABELS[f] for f in STUDENT_FIELDS}  # not cohort_derived: bookkeeping
_RESULT = {
    "theory": "理论成绩",
    "practical": "实操成绩",
    "total": "总成绩",
    "outcome": "考核结果",
    "certificate_no": "证书编号",
}
_AWARD = {
    "level": "等级",
    "assessed": "鉴定时间",  # assessed_start, _end and _text: one line
    "issued_on": "发证日期",
    "certificate_no": "证书编号",
    "signed_by": "证书签领人",
    "signed_on": "签领日期",
}
_ASSESSED = ("assessed_start", "assessed_end", "assessed_text")
BLANK = "（空）"


def of_students(report: FileReport, updates: list[Update]) -> None:
    """Count the changed fields of these students; list the first ones, in sheet order."""
    report.changed += sum([len(u.after) - ("cohort_derived" in u.after) for u in updates])
    order = _sheet_order(report)

    def place(update: Update) -> tuple[int, int]:
        row = update.student.rows[0]
        return order.get(sheet_row(row.ref).sheet, -1), row.row

    for update in heapq.nsmallest(SHOWN, updates, key=place):
        stored = update.student.stored or {}
        where = sheet_row(update.student.rows[0].ref)
        after = update.after
        who = _who({**stored, **after})
        report.changes.extend(
            Change(where.sheet, where.row, who, "", label, *_shown(f, stored.get(f), after[f]))
            for f, label in _STUDENT.items()
            if f in after
        )
    _keep_first(report)


def of_records(
    conn: sqlite3.Connection,
    kind: str,
    report: FileReport,
    updates: list[tuple[Record, dict[str, object], dict[str, object]]],
) -> None:
    """Count the changed fields of these results or awards (one sheet's, in row order);
    list the first ones, with the student and the result or award they are about."""
    fields = _RESULT if kind == "results" else _AWARD
    report.changed += sum(len(_folded(after).keys() & fields.keys()) for _, _, after in updates)
    for record, stored, after in updates[:SHOWN]:
        where = sheet_row(record.ref)
        who, what = _subject(conn, kind, record, {**stored, **after})
        folded, before = _folded(after), _folded(stored)
        report.changes.extend(
            Change(where.sheet, record.row, who, what, label, *_shown(f, before[f], folded[f]))
            for f, label in fields.items()
            if f in folded
        )
    _keep_first(report)


def of_teachers(report: FileReport, updates: Sequence[TeacherChange]) -> None:
    """Count the changed fields of these teachers and their roles; list the first ones,
    with the teacher (工号 and name) and the role they are about."""
    report.changed += sum(len(update.after) for update in updates)
    for update in updates[:SHOWN]:
        where = sheet_row(update.ref)
        who = update.who
        key = who.get("staff_no") or who.get("department")
        name = clean.text(who.get("name"))
        said = f"{privacy.mask_ids_in(clean.text(key))} {name}" if key else name
        report.changes.extend(
            Change(
                where.sheet,
                update.row,
                said,
                update.what,
                label,
                *_shown(f, update.before[f], update.after[f]),
            )
            for f, label in TEACHER_LABELS.items()
            if f in update.after
        )
    _keep_first(report)


def _folded(values: dict[str, object]) -> dict[str, object]:
    """An award's 鉴定时间 as one value (as written, else its first day); others as they are."""
    if not any(f in values for f in _ASSESSED):
        return values
    folded = {f: v for f, v in values.items() if f not in _ASSESSED}
    folded["assessed"] = values.get("assessed_text") or values.get("assessed_start")
    return folded


def _subject(
    conn: sqlite3.Connection, kind: str, record: Record, now: dict[str, object]
) -> tuple[str, str]:
    """Who a result or award is of, and which one it is: certificate, level, date."""
    student = conn.execute(
        "SELECT student_no, name, class_code FROM students WHERE id = ?", (record.student_id,)
    ).fetchone()
    who = _who(dict(zip(("student_no", "name", "class_code"), student, strict=True)))
    if kind == "results":
        cert, level, date = conn.execute(
            "SELECT c.name, s.level, coalesce(s.date_text, s.date_start) FROM sessions s"
            " JOIN certificates c ON c.id = s.certificate_id WHERE s.id = ?",
            (record.target[0],),
        ).fetchone()
    else:
        (cert,) = conn.execute(
            "SELECT name FROM certificates WHERE id = ?", (record.target[0],)
        ).fetchone()
        level, date = now.get("level"), None
    what = f"{cert}（{level}）" if level else str(cert)
    return who, f"{what} {date}" if date else what


def _who(values: dict[str, object]) -> str:
    """学号 and name (class and name without a 学号), as a clerk finds the student."""
    key = values.get("student_no") or values.get("class_code")
    name = clean.text(values.get("name"))
    return f"{privacy.mask_ids_in(clean.text(key))} {name}" if key else name


def _shown(fld: str, before: object, after: object) -> tuple[str, str]:
    """Old and new value as shown; when the mask hides the difference, it says so."""
    old, new = _value(fld, before), _value(fld, after)
    if old == new:
        new += "（未显示的部分不同）"
    return old, new


def _value(fld: str, value: object) -> str:
    if value is None or value == "":
        return BLANK
    if fld == "obtained_on":
        return dates.shown(str(value))
    if fld == "id_number":
        return privacy.mask_id(str(value))
    if fld == "phone":
        return privacy.mask_phone(str(value))
    if fld == "status":
        return STATUS_LABELS.get(str(value), str(value))
    if fld == "outcome":
        return OUTCOME_LABELS.get(str(value), str(value))
    if fld == "cohort":
        return f"{value}届"
    return shown_value(fld, value)


def _sheet_order(report: FileReport) -> dict[str, int]:
    return {summary.name: i for i, summary in enumerate(report.sheets)}


def _keep_first(report: FileReport) -> None:
    """The first SHOWN lines in sheet order, row by row (a row's lines in field order)."""
    order = _sheet_order(report)
    report.changes.sort(key=lambda c: (order.get(c.sheet, -1), c.row))
    del report.changes[SHOWN:]
