"""A teachers' sheet in an import (SPEC 3, "Teachers"): its rows cleaned, the role of a
sheet that has no 角色 column, and what office/teachers.py made of them in the report."""

from __future__ import annotations

import sqlite3

from xcert.clean import cells as clean
from xcert.errors import Problem
from xcert.ingest import changes
from xcert.ingest.columns import SheetRow, report_written, sheet_columns
from xcert.ingest.report import FileReport, SheetSummary
from xcert.model import TEACHER_FIELDS, TEACHER_ROLE_WORDS
from xcert.office import teachers
from xcert.read.headers import HeaderMap
from xcert.read.sheets import Sheet

# The columns a teachers' sheet is read for. 发证日期 stands for 取得日期 when a sheet
# has no 取得日期 (a teacher's own certificate list).
COLUMNS = (
    *TEACHER_FIELDS,
    "role",
    "certificate",
    "level",
    "obtained_on",
    "issued_on",
    "certificate_no",
)
# How the report names a field where the student's label would not say it as a teachers'
# sheet does.
FIELD_NAMES = {"department": "部门", "issued_on": "取得日期"}
_ROLE_GIVING = ("certificate", "level", "obtained_on", "certificate_no")


def teacher_rows(
    label: str, sheet: Sheet, header: HeaderMap, summary: SheetSummary, report: FileReport
) -> list[SheetRow]:
    """A teachers' sheet's rows, cleaned (the ID number without the student's birth-year
    question). A sheet without a 角色 column is of one role: the one its name says
    (`考评员`, `培训师名单`), else 持证教师 (a list of the teachers' own certificates)."""
    columns = sheet_columns(label, sheet, header, summary, report, ("name",), COLUMNS, {})
    rows = columns.rows()
    role = None if "role" in header.columns else sheet_role(sheet.name)
    for row in rows:
        stated = row.stated
        issued = stated.pop("issued_on", None)
        if issued is not None and "obtained_on" not in stated:
            stated["obtained_on"] = issued
        if role is not None and any(f in stated for f in _ROLE_GIVING):
            stated["role"] = (role,)
        warning = clean.name_warning(str(stated.get("name", "")))
        if warning:
            report.warnings.append(Problem(label, warning, sheet=sheet.name, row=row.row))
    return rows


def sheet_role(name: str) -> str:
    """The role a sheet's name gives its rows: `考评员`, `培训师名单`; else 持证教师."""
    word = clean.text(name).replace(" ", "")
    for ending in ("名单", "名册", "信息", "表"):
        word = word.removesuffix(ending)
    return TEACHER_ROLE_WORDS.get(word) or TEACHER_ROLE_WORDS.get(word.lower()) or "holder"


def apply_teachers(
    conn: sqlite3.Connection, rows: list[SheetRow], report: FileReport, import_id: int
) -> None:
    """A file's teachers' rows into the database; refusals and notes into the report."""
    if not rows:
        return
    outcome = teachers.apply(conn, list(rows), import_id)
    report_written(report, outcome, "（同一教师）")
    changes.of_teachers(report, outcome.changes)
    report.added += outcome.added
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged
