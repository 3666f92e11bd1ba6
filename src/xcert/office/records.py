"""Exam results and issued certificates (awards): rows → students, certificates,
sessions → the database. SPEC 2, 5.1; issue 5.

A row finds its student by the identity rule (`students.Index`); a row with only
class + name must find the roster student who has a 学号. A row that matches nobody,
or several students, is refused unless `--add-students`.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

from xcert.clean import cells as clean
from xcert.clean import idcard
from xcert.clean.cells import DateSpan
from xcert.model import STUDENT_FIELDS
from xcert.office import catalogue as cat
from xcert.office import students
from xcert.store import writes

RESULT_FIELDS = ("theory", "practical", "total", "outcome", "certificate_no", "exam_year")
FIELD_LABELS = {
    "theory": "理论成绩",
    "practical": "实操成绩",
    "total": "总成绩",
    "outcome": "考核结果",
    "certificate_no": "证书编号",
    "exam_year": "考核日期",
    "level": "等级",
    "assessed_start": "鉴定时间",
    "assessed_end": "鉴定时间",
    "assessed_text": "鉴定时间",
    "issued_on": "发证日期",
    "signed_by": "证书签领人",
    "signed_on": "签领日期",
}
AWARD_FIELDS = (
    "level",
    "assessed_start",
    "assessed_end",
    "assessed_text",
    "issued_on",
    "certificate_no",
    "signed_by",
    "signed_on",
)


@dataclass
class Refusal:
    ref: object
    row: int
    reason: str
    field: str | None = None


@dataclass
class Outcome:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    duplicates: list[tuple[object, int, int]] = field(default_factory=list)  # ref, row, first
    new_certificates: list[cat.Certificate] = field(default_factory=list)
    new_students: int = 0
    warnings: list[tuple[object, int, str]] = field(default_factory=list)


@dataclass
class Record:
    ref: object
    row: int
    student_id: int
    target: tuple  # what the record is about: (session id) or (certificate id, level)
    values: dict[str, object]
    number: str | None  # certificate number


def find_student(
    index: students.Index, stated: dict[str, object], *, add_students: bool = False
) -> tuple[students.Student | None, str | None, str | None]:
    """The stored student a results or awards row means, or why not. None, None, None:
    nobody, and the row may create the student (--add-students)."""
    who = {f: stated[f] for f in STUDENT_FIELDS if f in stated}
    number, id_number, class_code, name = (
        who.get("student_no"),
        who.get("id_number"),
        who.get("class_code"),
        who.get("name"),
    )
    if not (number or id_number or (class_code and name)):
        return None, "无法确定是哪位学生：需要学号、身份证号，或班级加姓名", "name"
    if not (number or id_number):
        # SPEC: class + name must find the one roster student of that class and name who
        # has a 学号; one without a 学号 is never duplicated by --add-students.
        same = index.by_class_name.get((class_code, name), [])
        with_number = [s for s in same if s.current.get("student_no")]
        if len(with_number) == 1:
            return with_number[0], None, None
        if len(with_number) > 1:
            return (
                None,
                f"班级「{class_code}」有 {len(with_number)} 名同名学生「{name}」，请写上学号",
                "name",
            )
        if same:
            return (
                None,
                f"花名册里「{class_code} {name}」没有学号，只凭班级加姓名无法确认；请在花名册补上学号，或在本表写上学号",
                "name",
            )
        return None, None, None
    found, why, fld = index.match(who)
    if why is not None:
        return None, why, fld
    if found is None:
        return None, None, None
    current = found.current
    if name and current.get("name") and name != current["name"]:
        key = "学号" if number else "身份证号"
        return None, f"{key}对应的学生是「{current['name']}」，不是「{name}」；请核对", "name"
    return found, None, None


def apply(
    conn: sqlite3.Connection,
    kind: str,
    rows: list,
    import_id: int,
    *,
    add_students: bool,
    program_years: int,
) -> Outcome:
    """Write a results or awards sheet's rows; everything refused is in the outcome."""
    outcome = Outcome()
    index = students.Index.load(conn)
    catalogue = cat.Catalogue(conn)
    scoring = cat.scoring(conn)
    records: list[Record] = []
    numbers_by_name: dict[str, list[str]] = {}
    for row in rows:  # a guess looks at every number the file gives the certificate
        if row.stated.get("certificate_no"):
            numbers_by_name.setdefault(cat.key(str(row.stated["certificate"])), []).append(
                str(row.stated["certificate_no"])
            )
    for row in rows:
        stated = row.stated
        student, why, fld = find_student(index, stated)
        if why is None and student is None:
            if not add_students:
                why = "找不到这名学生（花名册里没有）；先导入花名册，或加 --add-students"
                fld = "student_no" if stated.get("student_no") else "name"
            else:
                student = _add_student(conn, index, stated, program_years, import_id)
                outcome.new_students += 1
        if why is not None:
            outcome.refused.append(Refusal(row.ref, row.row, why, fld))
            continue
        number = str(stated["certificate_no"]) if stated.get("certificate_no") else None
        numbers = numbers_by_name.get(cat.key(str(stated["certificate"])), [])
        cert, added = catalogue.resolve(
            str(stated["certificate"]), numbers, import_id, number=number
        )
        if added:
            outcome.new_certificates.append(cert)
        problem = level_problem(cert, stated.get("level")) or _number_problem(cert, number)
        if problem:
            outcome.refused.append(Refusal(row.ref, row.row, problem[0], problem[1]))
            continue
        if (
            number
            and cert.kind == "1+X"
            and not cert.kind_guessed
            and cat.RENSHE_NUMBER.match(number)
        ):
            outcome.warnings.append(
                (
                    row.ref,
                    row.row,
                    f"证书编号是人社职业技能等级认定的格式，但「{cert.name}」在证书目录中是 1+X 证书；请核对",
                )
            )
        student_id = int(student.current["id"])  # type: ignore[union-attr]
        if kind == "results":
            record, why, fld = _result(conn, row, cert, student_id, scoring, import_id)
        else:
            record, why, fld = _award(row, cert, student_id)
        if why is not None:
            outcome.refused.append(Refusal(row.ref, row.row, why, fld))
            continue
        records.append(record)
    records = _dedupe(records, outcome)
    write_records(conn, kind, records, import_id, outcome)
    return outcome


def _add_student(
    conn: sqlite3.Connection,
    index: students.Index,
    stated: dict[str, object],
    program_years: int,
    import_id: int,
) -> students.Student:
    values = dict.fromkeys(STUDENT_FIELDS)
    values.update({f: stated[f] for f in STUDENT_FIELDS if f in stated})
    values["status"] = values["status"] or "enrolled"
    if values["id_number"] and not values["gender"]:
        values["gender"] = idcard.gender(str(values["id_number"]))
    derived = 0
    if values["cohort"] is None and values["class_code"]:
        year = clean.class_year(str(values["class_code"]))
        if year is not None:
            values["cohort"], derived = year + program_years, 1
    columns = [*STUDENT_FIELDS, "cohort_derived", "created_import", "updated_import"]
    cursor = conn.execute(
        f"INSERT INTO students ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [*(values[f] for f in STUDENT_FIELDS), derived, import_id, import_id],
    )
    values["id"] = cursor.lastrowid
    student = students.Student(values, dict(values))
    index.add(student)
    return student


def level_problem(cert: cat.Certificate, level: object) -> tuple[str, str] | None:
    if level is not None and cert.levels and level not in cert.levels:
        return f"「{cert.name}」没有{level}（目录中的等级：{'、'.join(cert.levels)}）", "level"
    return None


def _number_problem(cert: cat.Certificate, number: str | None) -> tuple[str, str] | None:
    """SPEC 2: the catalogue knows what a certificate's numbers look like."""
    if number and cert.number_pattern and not re.search(cert.number_pattern, number):
        return (
            f"证书编号不符合「{cert.name}」在证书目录中的编号格式（{cert.number_pattern}）",
            "certificate_no",
        )
    return None


def session_id(
    conn: sqlite3.Connection,
    cert_id: int,
    level: object,
    span: DateSpan | None,
    import_id: int | None,
) -> int:
    """The exam session of a certificate, level and date (or month range), made if new."""
    start = span.start.isoformat() if span else None
    end = span.end.isoformat() if span else None
    row = conn.execute(
        "SELECT id FROM sessions WHERE certificate_id = ? AND coalesce(level, '') = coalesce(?, '')"
        " AND coalesce(date_start, '') = coalesce(?, '') AND coalesce(date_end, '') = coalesce(?, '')",
        (cert_id, level, start, end),
    ).fetchone()
    if row:
        return int(row[0])
    cursor = conn.execute(
        "INSERT INTO sessions (certificate_id, level, date_start, date_end, date_text, created_import)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (cert_id, level, start, end, span.text if span else None, import_id),
    )
    return int(cursor.lastrowid)


def result_values(
    stated: dict[str, object], scoring: dict[str, float]
) -> tuple[dict[str, object] | None, str | None, str | None]:
    """Scores and outcome of a result, with the school's rule applied where configured:
    a missing total from the weights, a missing outcome from the pass mark."""
    values = {f: stated.get(f) for f in ("theory", "practical", "total", "certificate_no")}
    values["outcome"] = stated.get("result")
    theory, practical = values["theory"], values["practical"]
    weighted = "theory_weight" in scoring and "practical_weight" in scoring
    if values["total"] is None and weighted and theory is not None and practical is not None:
        total = theory * scoring["theory_weight"] + practical * scoring["practical_weight"]  # type: ignore[operator]
        values["total"] = round(total, 1)
    if values["outcome"] is None:
        if values["total"] is not None and "pass_mark" in scoring:
            values["outcome"] = "pass" if values["total"] >= scoring["pass_mark"] else "fail"  # type: ignore[operator]
        else:
            return None, "缺少考核结果（合格/不合格/缺考）", "result"
    return values, None, None


def _result(conn, row, cert, student_id, scoring, import_id):
    values, why, fld = result_values(row.stated, scoring)
    if why is not None:
        return None, why, fld
    span = row.stated.get("exam_date")
    session = session_id(conn, cert.id, row.stated.get("level"), span, import_id)
    values["exam_year"] = span.start.year if span else None
    return (
        Record(row.ref, row.row, student_id, (session,), values, values["certificate_no"]),
        None,
        None,
    )


def _award(row, cert, student_id):
    stated = row.stated
    span: DateSpan | None = stated.get("exam_date")
    issued: DateSpan | None = stated.get("issued_on")
    signed: DateSpan | None = stated.get("signed_on")
    values = {
        "level": stated.get("level"),
        "assessed_start": span.start.isoformat() if span else None,
        "assessed_end": span.end.isoformat() if span else None,
        "assessed_text": span.text if span else None,
        "issued_on": issued.start.isoformat() if issued else None,
        "certificate_no": stated.get("certificate_no"),
        "signed_by": stated.get("signed_by"),
        "signed_on": signed.start.isoformat() if signed else None,
    }
    target = (cert.id, values["level"])
    return (
        Record(row.ref, row.row, student_id, target, values, values["certificate_no"]),
        None,
        None,
    )


def _dedupe(records: list[Record], outcome: Outcome) -> list[Record]:
    """The same record twice in a file: once if identical, refused both if not; one
    certificate number on two different records: refused both."""
    first: dict[tuple, Record] = {}
    by_number: dict[str, Record] = {}
    bad: set[int] = set()
    partners: dict[int, int] = {}
    kept: list[Record] = []
    for record in records:
        key = (record.student_id, record.target)
        other = first.get(key)
        if other is None and record.number:
            holder = by_number.get(record.number)
            if holder is not None and (holder.student_id, holder.target) != key:
                outcome.refused.append(
                    Refusal(
                        record.ref,
                        record.row,
                        f"证书编号与第 {holder.row} 行相同，但不是同一证书",
                        "certificate_no",
                    )
                )
                partners[id(holder)] = record.row
                bad.add(id(holder))
                continue
        if other is not None:
            if other.values != record.values:
                differing = sorted(
                    {
                        FIELD_LABELS.get(f, f)
                        for f in record.values
                        if other.values[f] != record.values[f]
                    }
                )
                outcome.refused.append(
                    Refusal(
                        record.ref,
                        record.row,
                        f"与第 {other.row} 行是同一记录，但「{'、'.join(differing)}」不同；请保留正确的一行",
                        None,
                    )
                )
                partners[id(other)] = record.row
                bad.add(id(other))
            else:
                outcome.duplicates.append((record.ref, record.row, other.row))
            continue
        first[key] = record
        if record.number:
            by_number[record.number] = record
        kept.append(record)
    for record in kept:
        if id(record) in bad:
            outcome.refused.append(
                Refusal(record.ref, record.row, "与同一文件中的另一行冲突", None)
            )
    return [r for r in kept if id(r) not in bad]


def write_records(
    conn: sqlite3.Connection,
    kind: str,
    records: list[Record],
    import_id: int,
    outcome: Outcome,
    *,
    replace: bool = False,
) -> None:
    """Insert new records, update changed ones keeping the old values. Blank cells never
    erase, except with `replace` (a result typed by hand says everything about itself)."""
    table, fields = ("results", RESULT_FIELDS) if kind == "results" else ("awards", AWARD_FIELDS)
    for record in records:
        existing, why = _existing(conn, kind, record)
        if why is not None:
            outcome.refused.append(Refusal(record.ref, record.row, why, "certificate_no"))
            continue
        if existing is None:
            columns = [
                "student_id",
                *_target_columns(kind),
                *fields,
                "created_import",
                "updated_import",
            ]
            conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                [
                    record.student_id,
                    record.target[0],
                    *(record.values[f] for f in fields),
                    import_id,
                    import_id,
                ],
            )
            outcome.added += 1
            continue
        row_id, stored = existing
        # Blank cells never erase: a sign-off list without 签领人 keeps the signature.
        after = {
            f: v for f, v in record.values.items() if (v is not None or replace) and stored[f] != v
        }
        if not after:
            outcome.unchanged += 1
            continue
        writes.update_row(conn, table, row_id, after, import_id)
        outcome.updated += 1


def _target_columns(kind: str) -> tuple[str, ...]:
    return ("session_id",) if kind == "results" else ("certificate_id",)


def _existing(conn, kind, record) -> tuple[tuple[int, dict] | None, str | None]:
    """The stored record a row is again, or why it cannot be stored.

    A result: the same student and session. An award: the same certificate number; else
    the same student and certificate at a compatible level (equal, or blank on either
    side: a sign-off list leaves 等级 blank that the organisation's list states), so a
    corrected number or level updates the award instead of adding a second one.
    """
    fields = RESULT_FIELDS if kind == "results" else AWARD_FIELDS
    names = ("id", "student_id", *_target_columns(kind), *fields)
    cols = ", ".join(names)
    if kind == "results":
        row = conn.execute(
            f"SELECT {cols} FROM results WHERE student_id = ? AND session_id = ?",
            (record.student_id, record.target[0]),
        ).fetchone()
        return ((int(row[0]), dict(zip(names, row, strict=True))), None) if row else (None, None)
    cert_id, level = record.target
    if record.number:
        row = conn.execute(
            f"SELECT {cols} FROM awards WHERE certificate_no = ?", (record.number,)
        ).fetchone()
        if row is not None:
            if (row[1], row[2]) != (record.student_id, cert_id):
                return None, "证书编号已登记给另一名学生或另一种证书"
            return (int(row[0]), dict(zip(names, row, strict=True))), None
    rows = conn.execute(
        f"SELECT {cols} FROM awards WHERE student_id = ? AND certificate_id = ?"
        " AND (level IS NULL OR ? IS NULL OR level = ?) ORDER BY level = ? DESC, id",
        (record.student_id, cert_id, level, level, level),
    ).fetchall()
    if not rows:
        return None, None
    row = rows[0]
    return (int(row[0]), dict(zip(names, row, strict=True))), None
