"""Turn recognised sheets into student records and write one import in one transaction.

Flow (ARCHITECTURE): sheets → headers → clean/idcard → here → database. Every problem
is collected as data (`Problem`), never printed; the CLI decides how to show them.
The whole command is one transaction: a dry run is the same work rolled back.
"""

from __future__ import annotations

import datetime as _dt
import gc
import hashlib
import json
import operator
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xcert import clean, db, idcard
from xcert.errors import Problem, XcertError
from xcert.headers import KIND_LABELS, LABELS, HeaderMap, detect_kind, find_header
from xcert.model import STUDENT_FIELDS
from xcert.sheets import Sheet, Workbook, read_bytes, read_workbook

SUPPORTED_KINDS = ("roster",)
MAX_FIELD_CHARS = 200
BULK_ROWS = 5000  # from this many new students on, an empty table's indexes are rebuilt  # longer than any real name, class or major: a pasted paragraph

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportOptions:
    kind: str | None = None
    sheet: str | None = None
    program_years: int = 3
    dry_run: bool = False
    skip_invalid: bool = False

    def fingerprint(self) -> str:
        """What must match for an identical file to give an identical result."""
        return json.dumps(
            {"kind": self.kind, "sheet": self.sheet, "program_years": self.program_years},
            sort_keys=True,
        )


@dataclass
class SheetSummary:
    name: str
    kind: str | None = None
    header_row: int | None = None  # 1-based
    data_rows: int = 0
    note: str | None = None
    ignored_headers: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)


@dataclass
class RejectedRow:
    sheet: str
    row: int
    headers: list[str]
    cells: list[object]
    reasons: list[str]


@dataclass
class FileReport:
    path: Path
    sha256: str
    format: str = ""
    encoding: str | None = None
    sheets: list[SheetSummary] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    import_id: int | None = None
    same_as_import: int | None = None  # identical to this earlier import: nothing to do


@dataclass
class ImportOutcome:
    files: list[FileReport]
    written: bool

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]


@dataclass(slots=True)
class _Row:
    sheet: str
    row: int  # 1-based
    student: dict[str, object]  # STUDENT_FIELDS -> value, None where the file is silent
    key: tuple[str, ...]  # SPEC 2's identity
    cohort_derived: bool
    cells: list[object]
    header: HeaderMap
    header_cells: list[object]


def run_import(
    conn: sqlite3.Connection,
    paths: list[Path],
    options: ImportOptions,
    on_progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """Import every file in one transaction; roll back on any problem or a dry run."""
    if options.kind not in (None, *SUPPORTED_KINDS):
        raise XcertError(f"暂不支持导入类型「{options.kind}」；可用：{'、'.join(SUPPORTED_KINDS)}")
    reports: list[FileReport] = []
    # A large import makes hundreds of thousands of lists and dicts and no cycles; the
    # cyclic collector would walk them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with db.transaction(conn):
            for path in paths:
                reports.append(_import_file(conn, path, options, on_progress))
            failed = any(r.problems for r in reports) and not options.skip_invalid
            if failed or options.dry_run:
                raise _RollBack  # a dry run is the same work, rolled back
    except _RollBack:
        pass
    finally:
        if collecting:
            gc.enable()
    written = not failed and not options.dry_run
    if not written:
        for report in reports:
            report.import_id = None
    return ImportOutcome(files=reports, written=written)


class _RollBack(Exception):
    """Raised inside the transaction to undo it without an error."""


def _import_file(
    conn: sqlite3.Connection,
    path: Path,
    options: ImportOptions,
    on_progress: ProgressCallback | None,
) -> FileReport:
    data = read_bytes(path)
    report = FileReport(path=path, sha256=hashlib.sha256(data).hexdigest())
    earlier = _identical_earlier_import(conn, report.sha256, options)
    if earlier is not None:
        report.same_as_import = earlier["id"]
        report.format = earlier["file_format"] or ""
        report.encoding = earlier["encoding"]
        report.unchanged = (
            earlier["rows_added"] + earlier["rows_updated"] + earlier["rows_unchanged"]
        )
        report.import_id = _record_import(
            conn, report, options, "roster", note=f"与第 {earlier['id']} 次导入的文件相同，数据未变"
        )
        return report
    workbook = read_workbook(path, data)
    report.format, report.encoding = workbook.format, workbook.encoding
    plans = _plan_sheets(workbook, options, report)
    rows: list[_Row] = []
    for sheet, header, summary in plans:
        rows.extend(_clean_roster_sheet(path.name, sheet, header, summary, options, report))
    rows = _dedupe_within_file(path.name, rows, report)
    _apply(conn, rows, options, report, on_progress)
    return report


def _identical_earlier_import(
    conn: sqlite3.Connection, sha256: str, options: ImportOptions
) -> sqlite3.Row | None:
    """The last import of this very file with the same options, if nothing changed since.

    Then importing it again cannot change anything, and the file need not be parsed.
    """
    conn.row_factory = sqlite3.Row
    try:
        earlier = conn.execute(
            "SELECT * FROM imports WHERE sha256 = ? AND options = ? AND rows_rejected = 0"
            " ORDER BY id DESC LIMIT 1",
            (sha256, options.fingerprint()),
        ).fetchone()
        if earlier is None:
            return None
        later_change = conn.execute(
            "SELECT 1 FROM imports WHERE id > ? AND rows_added + rows_updated > 0 LIMIT 1",
            (earlier["id"],),
        ).fetchone()
    finally:
        conn.row_factory = None
    return None if later_change else earlier


def _plan_sheets(
    workbook: Workbook, options: ImportOptions, report: FileReport
) -> list[tuple[Sheet, HeaderMap, SheetSummary]]:
    """The sheets to import with their header rows; the rest are noted with a reason."""
    label = workbook.path.name
    sheets = workbook.sheets
    if options.sheet is not None:
        sheets = [s for s in workbook.sheets if s.name == options.sheet]
        if not sheets:
            names = "、".join(f"「{s.name}」" for s in workbook.sheets)
            raise XcertError(f"{label}：没有名为「{options.sheet}」的工作表；有：{names}")
    plans = []
    for sheet in sheets:
        summary = SheetSummary(name=sheet.name)
        report.sheets.append(summary)
        if sheet.hidden and options.sheet is None:
            summary.note = "隐藏工作表，已跳过"
            continue
        header = find_header(sheet.rows)
        if header is None:
            summary.note = "未找到表头（需要 姓名、学号 或 身份证号 等列），已跳过"
            continue
        summary.header_row = header.row + 1
        summary.ignored_headers = header.ignored
        summary.duplicate_headers = header.duplicates
        kind = options.kind or detect_kind(header.fields())
        summary.kind = kind
        if kind is None:
            summary.note = "无法判断表格类型，已跳过；可用 --kind 指定"
            continue
        if kind not in SUPPORTED_KINDS:
            summary.note = f"{KIND_LABELS[kind]}表，本版本暂不支持导入"
            report.problems.append(
                Problem(
                    label,
                    f"这是{KIND_LABELS[kind]}表，本版本暂不支持导入",
                    sheet=sheet.name,
                    row=header.row + 1,
                )
            )
            continue
        if "name" not in header.columns:
            report.problems.append(
                Problem(label, "花名册缺少「姓名」列", sheet=sheet.name, row=header.row + 1)
            )
            continue
        plans.append((sheet, header, summary))
    if not plans and not report.problems:
        seen = "；".join(f"「{s.name}」{s.note}" for s in report.sheets if s.note)
        if workbook.format == "csv" and workbook.path.suffix.lower() not in (
            ".csv",
            ".txt",
            ".tsv",
        ):
            seen = f"文件内容是纯文本，不是 {workbook.path.suffix} 表格，按 CSV 读取后{seen}"
        raise XcertError(f"{label}：没有可导入的工作表（{seen or '文件中没有工作表'}）")
    return plans


def _year_cleaner(what: str) -> Callable[[object], int]:
    return lambda value: clean.year(value, what)


_CLEANERS: dict[str, Callable[[object], object]] = {
    "student_no": clean.student_number,
    "name": clean.name,
    "gender": clean.gender,
    "id_number": clean.id_number,
    "class_code": clean.text,
    "major": clean.text,
    "department": clean.text,
    "enrollment_year": _year_cleaner("入学年份"),
    "cohort": _year_cleaner("届别"),
    "phone": clean.phone,
    "status": clean.status,
}


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def shown_value(fld: str, value: object) -> str:
    """A cell value as it may appear in a message: ID numbers masked (SPEC 5.3)."""
    shown = clean.text(value)
    if fld == "id_number":
        return idcard.mask_id(shown.replace(" ", ""))
    return shown if len(shown) <= 40 else shown[:37] + "…"


_BAD = object()  # a cell whose cleaning failed; its reason is kept beside the column


def _clean_column(
    cells: list[object], cleaner: Callable[[object], object]
) -> tuple[list[object], dict[int, str]]:
    """Clean one column: values (None for blank), and the reason per failing row index.

    Each distinct value is cleaned once and mapped back in C: most columns repeat a few
    values (class, major, year, status), and this is the hot loop of a large import.
    """
    cleaned: dict[object, object] = {value: _clean_cell(value, cleaner) for value in set(cells)}
    failed_values = {v for v, result in cleaned.items() if type(result) is clean.CellError}
    failed: dict[int, str] = {}
    if failed_values:
        for index, value in enumerate(cells):
            if value in failed_values:
                failed[index] = str(cleaned[value])
        for value in failed_values:
            cleaned[value] = _BAD
    return list(map(cleaned.__getitem__, cells)), failed


def _clean_cell(value: object, cleaner: Callable[[object], object]) -> object:
    """One distinct cell value: its clean form, None for blank, or the CellError."""
    if value is None:
        return None
    if type(value) is str:
        if not value or value.isspace():
            return None
        if len(value) > MAX_FIELD_CHARS:
            return clean.CellError(f"内容过长（{len(value)} 个字符）")
    try:
        result = cleaner(value)
    except clean.CellError as exc:
        return None if clean.text(value) == "" else exc  # only zero-width characters
    return result if result != "" else None


_EMPTY_STUDENT = dict.fromkeys(STUDENT_FIELDS)


def _clean_roster_sheet(
    label: str,
    sheet: Sheet,
    header: HeaderMap,
    summary: SheetSummary,
    options: ImportOptions,
    report: FileReport,
) -> list[_Row]:
    fields = [f for f in header.columns if f in _CLEANERS]
    first = header.row + 1
    data = sheet.rows[first:]
    raw: dict[str, list[object]] = {}
    values: dict[str, list[object]] = {}
    failures: dict[str, dict[int, str]] = {}
    for fld in fields:
        col = header.columns[fld]
        raw[fld] = [cells[col] if col < len(cells) else None for cells in data]
        values[fld], failures[fld] = _clean_column(raw[fld], _CLEANERS[fld])
    failing_rows = {index for failed in failures.values() for index in failed}
    width = len(fields)
    name_at = fields.index("name")
    name_header = clean.name(sheet.rows[header.row][header.columns["name"]])
    header_cells = sheet.rows[header.row]
    years = options.program_years
    data_rows = 0
    out: list[_Row] = []
    for index, row_values in enumerate(zip(*(values[f] for f in fields), strict=True)):
        blanks = row_values.count(None)
        if blanks == width:
            continue
        name = row_values[name_at]
        if name == name_header:
            continue  # the header repeated on each printed page
        row_number = first + index + 1
        filled = width - blanks
        if (
            name is None or filled == 1 or row_values.count(name) == filled or index in failing_rows
        ) and _is_note([raw[f][index] for f in fields], name is not None):
            note = next(
                (clean.text(raw[f][index]) for f in fields if clean.text(raw[f][index])), ""
            )
            report.warnings.append(
                Problem(
                    label,
                    "只有一个值的行（像是备注或合计），已忽略",
                    sheet=sheet.name,
                    row=row_number,
                    value=shown_value("", note),
                )
            )
            continue
        data_rows += 1
        if index in failing_rows or name is None:
            where = {"sheet": sheet.name, "row": row_number}
            reasons = [
                Problem(
                    label,
                    failures[f][index],
                    value=shown_value(f, raw[f][index]),
                    column=header.headers[f],
                    letter=column_letter(header.columns[f]),
                    **where,
                )
                for f in fields
                if index in failures[f]
            ]
            if name is None:
                reasons.append(
                    Problem(
                        label,
                        "姓名为空",
                        column=header.headers["name"],
                        letter=column_letter(header.columns["name"]),
                        **where,
                    )
                )
            _reject(report, sheet, header, first + index, reasons)
            continue
        student = _EMPTY_STUDENT.copy()
        student.update(zip(fields, row_values, strict=True))
        number, id_number, class_code = (
            student["student_no"],
            student["id_number"],
            student["class_code"],
        )
        if not (number or id_number or class_code):
            reason = Problem(
                label,
                "无法确定是哪位学生：学号、身份证号、班级至少要有一项",
                sheet=sheet.name,
                row=row_number,
            )
            _reject(report, sheet, header, first + index, [reason])
            continue
        if "?" in name or "[" in name or "]" in name:
            report.warnings.append(
                Problem(
                    label,
                    clean.name_warning(name) or "",
                    sheet=sheet.name,
                    row=row_number,
                    value=name,
                )
            )
        if id_number:
            from_id = idcard.gender(id_number)
            if student["gender"] is None:
                student["gender"] = from_id
            elif student["gender"] != from_id:
                report.warnings.append(
                    Problem(
                        label,
                        f"性别「{student['gender']}」与身份证号（{from_id}）不符，请核对",
                        sheet=sheet.name,
                        row=row_number,
                    )
                )
        derived = False
        if student["cohort"] is None:
            start = student["enrollment_year"]
            if start is None and class_code:
                start = clean.class_year(class_code)
            if start is not None:
                student["cohort"] = start + years
                derived = True
        key = (
            ("no", number)
            if number
            else ("id", id_number)
            if id_number
            else ("class+name", class_code, name)
        )
        out.append(
            _Row(sheet.name, row_number, student, key, derived, data[index], header, header_cells)
        )
    summary.data_rows += data_rows
    return out


def _is_note(cells: list[object], has_name: bool) -> bool:
    """A row with one distinct value (a `注：…` line, a `合计` row merged across) is not a
    student; a row with only a name is one, and fails later for want of an identity."""
    texts = [clean.text(c) for c in cells]
    distinct = set(texts) - {""}
    return len(distinct) == 1 and not (has_name and sum(1 for t in texts if t) == 1)


def _reject(
    report: FileReport, sheet: Sheet, header: HeaderMap, index: int, reasons: list[Problem]
) -> None:
    report.problems.extend(reasons)
    _add_rejected_row(
        report,
        sheet.name,
        index + 1,
        sheet.rows[header.row],
        sheet.rows[index],
        header,
        [p.reason for p in reasons],
    )


def _add_rejected_row(
    report: FileReport,
    sheet_name: str,
    row_number: int,
    header_cells: list[object],
    cells: list[object],
    header: HeaderMap,
    reasons: list[str],
) -> None:
    """Keep a rejected row for `--rejects`, its ID number masked like every other output."""
    report.rejected += 1
    shown = list(cells)
    id_col = header.columns.get("id_number")
    if id_col is not None and id_col < len(shown):
        shown[id_col] = shown_value("id_number", shown[id_col])
    report.rejected_rows.append(
        RejectedRow(sheet_name, row_number, [clean.text(c) for c in header_cells], shown, reasons)
    )


def _dedupe_within_file(label: str, rows: list[_Row], report: FileReport) -> list[_Row]:
    """Same student twice with the same data: keep one. With different data: both invalid."""
    first_by_key: dict[tuple[str, ...], _Row] = {}
    key_by_id: dict[str, _Row] = {}
    bad: dict[int, _Row] = {}
    for row in rows:
        key = row.key
        other = first_by_key.get(key)
        if other is not None:
            mine, theirs = row.student, other.student
            differing = [
                LABELS[f]
                for f in STUDENT_FIELDS
                if mine[f] != theirs[f] and mine[f] is not None and theirs[f] is not None
            ]
            where = {"sheet": row.sheet, "row": row.row}
            if differing:
                report.problems.append(
                    Problem(
                        label,
                        f"与第 {other.row} 行是同一学生，但「{'、'.join(differing)}」不同；请保留正确的一行",
                        **where,
                    )
                )
                bad[id(row)] = row
                bad[id(other)] = other
            else:
                report.warnings.append(
                    Problem(label, f"与第 {other.row} 行重复，只导入一次", **where)
                )
                for f in STUDENT_FIELDS:
                    if theirs[f] is None:
                        theirs[f] = mine[f]
            continue
        first_by_key[key] = row
        number = row.student["id_number"]
        if number:
            seen = key_by_id.get(number)
            if seen is not None:
                report.problems.append(
                    Problem(
                        label,
                        f"身份证号与第 {seen.row} 行（{seen.student['name']}）相同，但学号不同",
                        value=idcard.mask_id(number),
                        sheet=row.sheet,
                        row=row.row,
                    )
                )
                bad[id(row)] = row
                bad[id(seen)] = seen
                continue
            key_by_id[number] = row
    if not bad:
        return list(first_by_key.values())
    kept = []
    for row in rows:
        if id(row) in bad:
            _add_rejected_row(
                report,
                row.sheet,
                row.row,
                row.header_cells,
                row.cells,
                row.header,
                ["与同一文件中的另一行是同一学生但内容冲突"],
            )
        elif first_by_key.get(row.key) is row:
            kept.append(row)
    return kept


class _StudentIndex:
    """Students of the database (and of this import so far) by each identity key."""

    def __init__(self) -> None:
        self.by_no: dict[str, dict] = {}
        self.by_id: dict[str, dict] = {}
        self.by_class_name: dict[tuple[str | None, str], list[dict]] = {}

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> _StudentIndex:
        index = cls()
        columns = ("id", *STUDENT_FIELDS, "cohort_derived")
        sql = f"SELECT {', '.join(columns)} FROM students"
        for values in conn.execute(sql):
            index.add(dict(zip(columns, values, strict=True)))
        return index

    def add(self, entry: dict) -> None:
        if entry["student_no"]:
            self.by_no[entry["student_no"]] = entry
        if entry["id_number"]:
            self.by_id[entry["id_number"]] = entry
        key = (entry["class_code"], entry["name"])
        same = self.by_class_name.get(key)
        if same is None:
            self.by_class_name[key] = [entry]
        else:
            same.append(entry)

    def match(self, student: dict) -> tuple[dict | None, str | None]:
        """The stored student this row is (SPEC 2's identity rule), or why it is unclear."""
        number, id_number = student["student_no"], student["id_number"]
        if number:
            found = self.by_no.get(number)
            if found is not None:
                return found, None
        if id_number:
            found = self.by_id.get(id_number)
            if found is not None:
                if number and found["student_no"]:
                    return None, (
                        f"身份证号已属于学号为 {found['student_no']} 的学生（{found['name']}），与本行学号不同"
                    )
                return found, None
        if not student["class_code"]:
            return None, None
        same = self.by_class_name.get((student["class_code"], student["name"]))
        if not same:
            return None, None
        candidates = [
            e
            for e in same
            if (not number or e["student_no"] is None) and (not id_number or e["id_number"] is None)
        ]
        if len(candidates) > 1:
            return None, (
                f"班级「{student['class_code']}」有 {len(candidates)} 名同名学生「{student['name']}」，请提供学号或身份证号"
            )
        return (candidates[0], None) if candidates else (None, None)

    def change(self, entry: dict, changes: dict[str, object]) -> None:
        if "class_code" in changes or "name" in changes:
            self.by_class_name[(entry["class_code"], entry["name"])].remove(entry)
        if "id_number" in changes and entry["id_number"]:
            self.by_id.pop(entry["id_number"], None)
        entry.update(changes)
        if "class_code" in changes or "name" in changes:
            self.by_class_name.setdefault((entry["class_code"], entry["name"]), []).append(entry)
        if entry["student_no"]:
            self.by_no[entry["student_no"]] = entry
        if entry["id_number"]:
            self.by_id[entry["id_number"]] = entry


def _changes(entry: dict, student: dict, cohort_derived: bool) -> dict[str, object]:
    """Fields the row sets to a new value. Blank cells never erase; a derived cohort never
    overrides one a file stated."""
    changes: dict[str, object] = {}
    for fld in STUDENT_FIELDS:
        value = student[fld]
        if value is None or entry[fld] == value:
            continue
        if (
            fld == "cohort"
            and cohort_derived
            and entry["cohort"] is not None
            and not entry["cohort_derived"]
        ):
            continue
        changes[fld] = value
    if student["cohort"] is not None and not cohort_derived and entry["cohort_derived"]:
        changes["cohort_derived"] = 0  # a stated cohort replaces a derived one
    elif cohort_derived and "cohort" in changes and not entry["cohort_derived"]:
        changes["cohort_derived"] = 1
    return changes


_INSERT_COLUMNS = (*STUDENT_FIELDS, "cohort_derived", "created_import", "updated_import")
_insert_values = operator.itemgetter(*_INSERT_COLUMNS)


def _apply(
    conn: sqlite3.Connection,
    rows: list[_Row],
    options: ImportOptions,
    report: FileReport,
    on_progress: ProgressCallback | None,
) -> None:
    """Match each row to a stored student, then write inserts and updates in bulk."""
    if conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is None and not any(
        row.key[0] == "class+name" for row in rows
    ):
        # Nothing stored yet, and the file's own rows were told apart by 学号 or ID number
        # (`_dedupe_within_file`): every row is a new student.
        for row in rows:
            _as_new(row)
        _write(conn, [row.student for row in rows], {}, {}, options, report, into_empty=True)
        return
    index = _StudentIndex.load(conn)
    label = report.path.name
    new_entries: list[dict] = []
    before: dict[int, dict[str, object]] = {}  # stored id -> values this import overwrote
    touched: dict[int, dict] = {}
    total = len(rows)
    for number, row in enumerate(rows, 1):
        if on_progress is not None and (number % 5000 == 0 or number == total):
            on_progress(number, total)
        student = row.student
        entry, why = index.match(student)
        changes: dict[str, object] = {}
        if why is None and entry is None:
            clash = (student["student_no"] and index.by_no.get(student["student_no"])) or (
                student["id_number"] and index.by_id.get(student["id_number"])
            )
            if clash:
                why = "学号或身份证号与另一学生冲突"
        if why is None and entry is not None:
            changes = _changes(entry, student, row.cohort_derived)
            owner = index.by_id.get(changes["id_number"]) if "id_number" in changes else None  # type: ignore[arg-type]
            if owner is not None and owner is not entry:
                why = f"身份证号已属于另一学生（{owner['name']}）"
        if why is not None:
            report.problems.append(Problem(label, why, sheet=row.sheet, row=row.row))
            _add_rejected_row(
                report, row.sheet, row.row, row.header_cells, row.cells, row.header, [why]
            )
            continue
        if entry is None:
            index.add(_as_new(row))
            new_entries.append(student)
            continue
        if not changes:
            if entry["id"] is not None and entry["id"] not in touched:
                report.unchanged += 1
            continue
        if entry["id"] is not None:
            old = before.setdefault(entry["id"], {})
            for fld in changes:
                old.setdefault(fld, entry[fld])
            touched[entry["id"]] = entry
        index.change(entry, changes)
    _write(conn, new_entries, before, touched, options, report)


def _as_new(row: _Row) -> dict[str, object]:
    student = row.student
    student["id"] = None
    student["status"] = student["status"] or "enrolled"
    student["cohort_derived"] = int(row.cohort_derived)
    return student


def _write(
    conn: sqlite3.Connection,
    new_entries: list[dict],
    before: dict[int, dict[str, object]],
    touched: dict[int, dict],
    options: ImportOptions,
    report: FileReport,
    *,
    into_empty: bool = False,
) -> None:
    """Record the import, then insert, update and keep the overwritten values, in bulk."""
    report.added = len(new_entries)
    report.updated = len(touched)
    if report.problems and not options.skip_invalid:
        return
    import_id = _record_import(conn, report, options, "roster")
    report.import_id = import_id
    for entry in new_entries:
        entry["created_import"] = entry["updated_import"] = import_id
    rebuild = into_empty and len(new_entries) >= BULK_ROWS
    if rebuild:  # inside the transaction: a rollback restores the indexes too
        for name in db.STUDENT_KEY_INDEXES:
            conn.execute(f"DROP INDEX {name}")
    conn.executemany(
        f"INSERT INTO students ({', '.join(_INSERT_COLUMNS)})"
        f" VALUES ({', '.join('?' * len(_INSERT_COLUMNS))})",
        map(_insert_values, new_entries),
    )
    if rebuild:
        for sql in db.STUDENT_KEY_INDEXES.values():
            conn.execute(sql)
    for student_id, old in before.items():
        entry = touched[student_id]
        assignments = ", ".join(f"{f} = ?" for f in old)
        conn.execute(
            f"UPDATE students SET {assignments}, updated_import = ? WHERE id = ?",
            [*(entry[f] for f in old), import_id, student_id],
        )
    conn.executemany(
        "INSERT INTO changes (import_id, table_name, row_id, before) VALUES (?, 'students', ?, ?)",
        ((import_id, sid, json.dumps(old, ensure_ascii=False)) for sid, old in before.items()),
    )
    conn.execute(
        "UPDATE imports SET rows_added = ?, rows_updated = ?, rows_unchanged = ?, rows_rejected = ?,"
        " finished_at = ? WHERE id = ?",
        (report.added, report.updated, report.unchanged, report.rejected, _now(), import_id),
    )


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")


def _record_import(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    kind: str,
    note: str | None = None,
) -> int:
    cursor = conn.execute(
        "INSERT INTO imports (kind, file_name, sha256, file_format, encoding, options, started_at,"
        " finished_at, rows_unchanged, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            kind,
            report.path.name,
            report.sha256,
            report.format,
            report.encoding,
            options.fingerprint(),
            _now(),
            _now(),
            report.unchanged,
            note,
        ),
    )
    return int(cursor.lastrowid)
