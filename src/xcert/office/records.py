"""Exam results and issued certificates (awards): rows → students, certificates,
sessions → the database. SPEC 2, 5.1; issue 5.

A row finds its student by the identity rule (`students.find_student`); a row with only
class + name must find the roster student who has a 学号. A row that matches nobody,
or several students, is refused unless `--add-students`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Protocol, cast

from xcert.clean import cells as clean
from xcert.clean import dates, idcard, patterns
from xcert.clean.dates import DateSpan
from xcert.model import STUDENT_FIELDS
from xcert.office import catalogue as cat
from xcert.office import students
from xcert.office.record_writes import (
    Outcome,
    Record,
    Refusal,
    session_id,
    write_records,
)
from xcert.office.students import find_student  # also ingest/scores.py's import

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


class SheetRowIn(Protocol):
    """What a results or awards row gives (ingest's SheetRow): where it is, what it states."""

    @property
    def ref(self) -> object: ...

    row: int
    stated: dict[str, object]


@dataclass
class Sheet:
    """What every row of one results or awards sheet is matched against and written with.
    `whole`: all the sheet's rows come at once; else a slice at a time, in order, and
    `numbers` are the slice's (result_columns.py says when that is the same)."""

    conn: sqlite3.Connection
    kind: str
    import_id: int
    add_students: bool
    program_years: int
    catalogue: cat.Catalogue
    scoring: dict[str, float]
    numbers: dict[str, list[str]]  # certificate key -> every number the file gives it
    sessions: dict[tuple[object, ...], int] = field(default_factory=dict)  # found or made
    whole: bool = True
    loaded: students.Index | None = None

    @classmethod
    def of(
        cls,
        conn: sqlite3.Connection,
        kind: str,
        import_id: int,
        *,
        add_students: bool,
        program_years: int,
        whole: bool = True,
    ) -> Sheet:
        return cls(
            conn,
            kind,
            import_id,
            add_students,
            program_years,
            cat.Catalogue(conn),
            cat.scoring(conn),
            {},
            whole=whole,
        )

    @property
    def index(self) -> students.Index:
        """The stored students, loaded when a row first needs the identity rule (a sheet
        whose every row finds its student by 学号 may never need it)."""
        if self.loaded is None:
            self.loaded = students.Index.load(self.conn)
        return self.loaded


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
    sheet = Sheet.of(conn, kind, import_id, add_students=add_students, program_years=program_years)
    sheet.numbers = numbers_by_certificate(
        [row.stated.get("certificate") for row in rows],
        [row.stated.get("certificate_no") for row in rows],
    )
    records: list[Record] = []
    for row in rows:
        record = record_of(sheet, row, outcome)
        if record is not None:
            records.append(record)
    records = dedupe(records, outcome)
    write_records(conn, kind, records, import_id, outcome)
    return outcome


def numbers_by_certificate(names: list[object], numbers: list[object]) -> dict[str, list[str]]:
    """Every certificate number the file gives each certificate (each row's certificate
    and number): a guessed kind looks at all of them, not only the row's."""
    found: dict[str, list[str]] = {}
    for name, number in zip(names, numbers, strict=True):
        if number:
            found.setdefault(cat.key(str(name)), []).append(str(number))
    return found


def record_of(sheet: Sheet, row: SheetRowIn, outcome: Outcome) -> Record | None:
    """The record a row states, or None with the reason it is refused in the outcome."""
    student = _student(sheet, row, outcome)
    if student is None:
        return None
    stated = row.stated
    number = str(stated["certificate_no"]) if stated.get("certificate_no") else None
    cert = _certificate(sheet, str(stated["certificate"]), number, outcome)
    problem = level_problem(cert, stated.get("level")) or number_problem(cert, number)
    if problem:
        outcome.refused.append(Refusal(row.ref, row.row, problem[0], problem[1]))
        return None
    _warn_renshe_number(row, cert, number, outcome)
    student_id = cast(int, student.current["id"])  # students.id, an INTEGER PRIMARY KEY
    if sheet.kind == "results":
        record, why, fld = _result(sheet, row, cert, student_id)
    else:
        record, why, fld = _award(row, cert, student_id), None, None
        _warn_signed_before_issued(row, record, outcome)
    if why is not None:
        outcome.refused.append(Refusal(row.ref, row.row, why, fld))
        return None
    return record


def _student(sheet: Sheet, row: SheetRowIn, outcome: Outcome) -> students.Student | None:
    """The student a row is about, added when nobody matches and --add-students says so;
    None with the refusal in the outcome when the row finds nobody, or several."""
    student, why, fld = find_student(sheet.index, row.stated)
    if why is None and student is None:
        if not sheet.add_students:
            why = "找不到这名学生（花名册里没有）；先导入花名册，或加 --add-students"
            fld = "student_no" if row.stated.get("student_no") else "name"
        else:
            student = _add_student(
                sheet.conn, sheet.index, row.stated, sheet.program_years, sheet.import_id
            )
            outcome.new_students += 1
    if why is not None:
        outcome.refused.append(Refusal(row.ref, row.row, why, fld))
        return None
    return student


def _certificate(sheet: Sheet, name: str, number: str | None, outcome: Outcome) -> cat.Certificate:
    """The catalogue certificate a row names; one added with a guessed kind is noted."""
    numbers = sheet.numbers.get(cat.key(name), [])
    cert, added = sheet.catalogue.resolve(name, numbers, sheet.import_id, number=number)
    if added:
        outcome.new_certificates.append(cert)
    return cert


def renshe_on_1x(cert: cat.Certificate, number: str | None) -> bool:
    """A 人社 number on a certificate the catalogue states is 1+X: stored, but worth a look."""
    return bool(
        number and cert.kind == "1+X" and not cert.kind_guessed and cat.RENSHE_NUMBER.match(number)
    )


def _warn_renshe_number(
    row: SheetRowIn, cert: cat.Certificate, number: str | None, outcome: Outcome
) -> None:
    if renshe_on_1x(cert, number):
        outcome.warnings.append(
            (
                row.ref,
                row.row,
                f"证书编号是人社职业技能等级认定的格式，但「{cert.name}」在证书目录中是 1+X 证书；请核对",
            )
        )


def _warn_signed_before_issued(row: SheetRowIn, record: Record, outcome: Outcome) -> None:
    """A certificate signed for before it was issued: stored as written, worth a look.
    Compared at the precision written: 2022.9 is not before 2022.9.28."""
    signed, issued = record.values["signed_on"], record.values["issued_on"]
    if isinstance(signed, str) and isinstance(issued, str) and dates.before(signed, issued):
        outcome.warnings.append(
            (
                row.ref,
                row.row,
                f"签领日期 {dates.shown(signed)} 早于发证日期 {dates.shown(issued)}；请核对",
            )
        )


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


def number_problem(cert: cat.Certificate, number: str | None) -> tuple[str, str] | None:
    """SPEC 2: the catalogue knows what a certificate's numbers look like."""
    pattern = cert.number_pattern
    if not number or not pattern or patterns.pattern_problem(pattern):  # stored before checks
        return None
    if not patterns.number_matches(pattern, number):
        return (
            f"证书编号不符合「{cert.name}」在证书目录中的编号格式（{cert.number_pattern}）",
            "certificate_no",
        )
    return None


def result_values(
    stated: dict[str, object], scoring: dict[str, float]
) -> tuple[dict[str, object] | None, str | None, str | None]:
    """Scores and outcome of a result, with the school's rule applied where configured:
    a missing total from the weights, a missing outcome from the pass mark."""
    values = {f: stated.get(f) for f in ("theory", "practical", "total", "certificate_no")}
    values["outcome"] = stated.get("result")
    # scores are cleaned numbers (clean.score) or absent
    theory, practical = (
        cast("float | None", values["theory"]),
        cast("float | None", values["practical"]),
    )
    weighted = "theory_weight" in scoring and "practical_weight" in scoring
    if values["total"] is None and weighted and theory is not None and practical is not None:
        total = theory * scoring["theory_weight"] + practical * scoring["practical_weight"]
        values["total"] = round(total, 1)
    total_ = cast("float | None", values["total"])
    if values["outcome"] is None:
        if total_ is not None and "pass_mark" in scoring:
            values["outcome"] = "pass" if total_ >= scoring["pass_mark"] else "fail"
        else:
            return None, "缺少考核结果（合格/不合格/缺考）", "result"
    return values, None, None


def _result(
    sheet: Sheet, row: SheetRowIn, cert: cat.Certificate, student_id: int
) -> tuple[Record | None, str | None, str | None]:
    """A results row as a record of its session (made if new), or why it cannot be."""
    values, why, fld = result_values(row.stated, sheet.scoring)
    if values is None:
        return None, why, fld
    span = _span(row.stated, "exam_date")
    level = row.stated.get("level")
    session = session_id(sheet.conn, cert.id, level, span, sheet.import_id, sheet.sessions)
    values["exam_year"] = span.start.year if span else None
    number = cast(str | None, values["certificate_no"])  # cleaned by clean.certificate_number
    return Record(row.ref, row.row, student_id, (session,), values, number), None, None


def _award(row: SheetRowIn, cert: cat.Certificate, student_id: int) -> Record:
    """An awards row as a record of the certificate and level it awards."""
    stated = row.stated
    span, issued, signed = (_span(stated, f) for f in ("exam_date", "issued_on", "signed_on"))
    values = {
        "level": stated.get("level"),
        "assessed_start": span.start.isoformat() if span else None,
        "assessed_end": span.end.isoformat() if span else None,
        "assessed_text": span.text if span else None,
        "issued_on": issued.iso if issued else None,  # 2024-09: a month stays a month
        "certificate_no": stated.get("certificate_no"),
        "signed_by": stated.get("signed_by"),
        "signed_on": signed.iso if signed else None,
    }
    number = cast(str | None, values["certificate_no"])  # cleaned by clean.certificate_number
    return Record(row.ref, row.row, student_id, (cert.id, values["level"]), values, number)


def _span(stated: dict[str, object], name: str) -> DateSpan | None:
    """A date the row states: date columns are cleaned into spans (clean.date_span)."""
    return cast(DateSpan | None, stated.get(name))


def dedupe(records: list[Record], outcome: Outcome) -> list[Record]:
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
                        f"证书编号与第{holder.row}行相同，但不是同一证书",
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
                        f"与第{other.row}行是同一记录，但「{'、'.join(differing)}」不同；请保留正确的一行",
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
