"""Turn recognised sheets into student records and write one import in one transaction.

Flow (ARCHITECTURE): sheets → headers → clean/idcard → here → database. Every problem
is collected as data (`Problem`), never printed; the CLI decides how to show them.
The whole command is one transaction: a dry run is the same work rolled back.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import hashlib
import itertools
import json
import operator
import re
import sqlite3
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xcert.clean import cells as clean
from xcert.clean import idcard
from xcert.errors import Problem, XcertError
from xcert.model import STUDENT_FIELDS
from xcert.office import catalogue, records, sites, students
from xcert.office import targets as targets_
from xcert.read.headers import KIND_LABELS, LABELS, HeaderMap, detect_kind, find_header
from xcert.read.sheets import Sheet, Workbook, column_letter, read_bytes, read_workbook
from xcert.store import writes
from xcert.store.connect import transaction

SUPPORTED_KINDS = ("roster", "results", "awards")
BULK_ROWS = 5000  # from this many new students on, an empty table's indexes are rebuilt
ROWS_PER_INSERT = 50  # rows an INSERT statement carries: a sixth less time than one by one

ProgressCallback = Callable[[int, int], None]


@dataclass
class ImportOptions:
    kind: str | None = None
    sheet: str | None = None
    program_years: int = 3
    dry_run: bool = False
    skip_invalid: bool = False
    add_students: bool = False

    def fingerprint(self) -> str:
        """What must match for an identical file to give an identical result."""
        return json.dumps(
            {
                "kind": self.kind,
                "sheet": self.sheet,
                "program_years": self.program_years,
                "skip_invalid": self.skip_invalid,
                "add_students": self.add_students,
            },
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
    kinds: list[str] = field(default_factory=list)
    new_certificates: list[tuple[str, str]] = field(default_factory=list)  # name, guessed kind
    new_students: int = 0


@dataclass
class ImportOutcome:
    files: list[FileReport]
    written: bool

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]


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
        with transaction(conn):
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
            conn,
            report,
            options,
            earlier["kind"],
            note=f"与第 {earlier['id']} 次导入的文件相同，数据未变",
        )
        conn.execute(
            "UPDATE imports SET data_version = ? WHERE id = ?",
            (earlier["data_version"], report.import_id),
        )
        return report
    toml_file = _toml_file(path, data)
    if toml_file is not None:
        _import_toml(conn, report, options, toml_file)
        return report
    workbook = read_workbook(path, data)
    report.format, report.encoding = workbook.format, workbook.encoding
    plans = _plan_sheets(workbook, options, report)
    report.kinds = sorted({kind for _, _, _, kind in plans}, key=SUPPORTED_KINDS.index)
    import_id = _record_import(conn, report, options, "+".join(report.kinds) or "roster")
    report.import_id = import_id
    parts: list[RosterPart] = []
    for sheet, header, summary, kind in plans:
        if kind == "roster":
            columns = sheet_columns(
                path.name, sheet, header, summary, report, required=("name",), wanted=STUDENT_FIELDS
            )
            parts.append(_roster_part(path.name, columns, options, report))
    _apply(conn, parts, options, report, on_progress, import_id)
    for sheet, header, summary, kind in plans:  # after the roster sheets: they add students
        if kind != "roster":
            cleaned = sheet_columns(
                path.name,
                sheet,
                header,
                summary,
                report,
                required=("certificate",),
                wanted=tuple(CLEANERS),
            ).rows()
            _apply_records(conn, kind, cleaned, options, report, import_id)
    _in_sheet_order(report)
    _finish_import(conn, report, import_id)
    return report


TOML_TABLES = ("school", "site", "plan", "certificate", "scoring", "target")


@dataclass
class _TomlFile:
    catalogue: catalogue.CatalogueFile
    targets: list[targets_.Target]
    school: dict | None
    sites: list[dict]
    plan: dict | None


def _toml_file(path: Path, data: bytes) -> _TomlFile | None:
    """A TOML file (certificate catalogue, scoring rule, targets), known by its content:
    a .toml name, or one of its tables at the start of a line."""
    if len(data) > 1 << 20 or data[:1] in (b"P", b"\xd0"):
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    tables = "|".join(TOML_TABLES)
    if path.suffix.lower() != ".toml" and not re.search(rf"^\s*\[\[?({tables})\]", text, re.M):
        return None
    tables_found = catalogue.load_toml(path, text)
    unknown = set(tables_found) - set(TOML_TABLES)
    if unknown:
        raise XcertError(
            f"{path.name}：不认识的表：{'、'.join(sorted(unknown))}（可用：{'、'.join(TOML_TABLES)}）"
        )
    school, site_list, plan = sites.parse(path, tables_found)
    return _TomlFile(
        catalogue.parse(path, tables_found),
        targets_.parse(path, tables_found),
        school,
        site_list,
        plan,
    )


def _import_toml(
    conn: sqlite3.Connection, report: FileReport, options: ImportOptions, parsed: _TomlFile
) -> None:
    report.format = "toml"
    report.kinds = [
        kind
        for kind, present in (
            ("school", parsed.school),
            ("sites", parsed.sites),
            ("plan", parsed.plan),
            ("catalogue", parsed.catalogue.certificates or parsed.catalogue.scoring),
            ("targets", parsed.targets),
        )
        if present
    ]
    import_id = _record_import(conn, report, options, "+".join(report.kinds) or "toml")
    report.import_id = import_id
    for added, updated, unchanged in (
        sites.apply(conn, parsed.school, parsed.sites, parsed.plan, import_id),
        catalogue.apply_file(conn, parsed.catalogue, import_id, report.path.name),
        targets_.apply(conn, parsed.targets, import_id),
    ):
        report.added += added
        report.updated += updated
        report.unchanged += unchanged
    _finish_import(conn, report, import_id)


def _apply_records(
    conn: sqlite3.Connection,
    kind: str,
    rows: list[SheetRow],
    options: ImportOptions,
    report: FileReport,
    import_id: int,
) -> None:
    """Results or awards rows into the database; refusals and notes into the report."""
    label = report.path.name
    outcome = records.apply(
        conn,
        kind,
        rows,
        import_id,
        add_students=options.add_students,
        program_years=options.program_years,
    )
    for refusal in outcome.refused:
        ref: SheetRow = refusal.ref  # type: ignore[assignment]
        if refusal.field is not None and refusal.field in ref.header.columns:
            raw = (
                ref.cells[ref.header.columns[refusal.field]]
                if ref.header.columns[refusal.field] < len(ref.cells)
                else None
            )
            problem = cell_problem(label, ref, refusal.row, refusal.field, refusal.reason, raw)
        else:
            problem = Problem(label, refusal.reason, sheet=ref.sheet, row=refusal.row)
        _reject(report, ref, refusal.row, [problem])
    for ref, row, first in outcome.duplicates:
        report.warnings.append(
            Problem(label, f"与第 {first} 行重复，只导入一次", sheet=ref.sheet, row=row)  # type: ignore[attr-defined]
        )
    for ref, row, text in outcome.warnings:
        report.warnings.append(Problem(label, text, sheet=ref.sheet, row=row))  # type: ignore[attr-defined]
    for cert in outcome.new_certificates:
        report.new_certificates.append((cert.name, cert.kind))
    report.new_students += outcome.new_students
    report.added += outcome.added
    report.updated += outcome.updated
    report.unchanged += outcome.unchanged


def _identical_earlier_import(
    conn: sqlite3.Connection, sha256: str, options: ImportOptions
) -> dict | None:
    """The last import of this very file with the same options, if it went through
    without a problem or a warning and no data has changed since (the data version).

    Then importing it again cannot change anything, and the file need not be parsed.
    """
    cursor = conn.execute(
        "SELECT id, kind, file_format, encoding, rows_added, rows_updated, rows_unchanged,"
        " data_version FROM imports WHERE sha256 = ? AND options = ? AND problems = 0"
        " AND warnings = 0 AND rows_rejected = 0 ORDER BY id DESC LIMIT 1",
        (sha256, options.fingerprint()),
    )
    row = cursor.fetchone()
    if row is None:
        return None
    earlier = dict(zip((c[0] for c in cursor.description), row, strict=True))
    return earlier if earlier["data_version"] == writes.data_version(conn) else None


def _plan_sheets(
    workbook: Workbook, options: ImportOptions, report: FileReport
) -> list[tuple[Sheet, HeaderMap, SheetSummary, str]]:
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
        needed = "name" if kind == "roster" else "certificate"
        if needed not in header.columns:
            summary.note = f"{KIND_LABELS[kind]}表缺少「{LABELS[needed]}」列"
            report.problems.append(
                Problem(label, summary.note, sheet=sheet.name, row=header.row + 1)
            )
            continue
        plans.append((sheet, header, summary, kind))
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


CLEANERS: dict[str, Callable[[object], object]] = {
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
    "certificate": clean.text,
    "level": clean.level,
    "exam_date": clean.date_span,
    "theory": clean.score,
    "practical": clean.score,
    "total": clean.score,
    "result": clean.outcome,
    "certificate_no": clean.certificate_number,
    "issued_on": clean.date_span,
    "signed_by": clean.name,
    "signed_on": clean.date_span,
    "score": clean.selection_score,  # a selection test's (selection.py)
}


def shown_value(fld: str, value: object) -> str:
    """A cell value as it may appear in a message: anything like an ID number masked,
    whatever its column (SPEC 5.3), long text cut."""
    shown = clean.text(value)
    compact = shown.replace(" ", "")
    if fld == "id_number" or _looks_like_id(compact):
        return idcard.mask_id(compact)
    shown = idcard.mask_ids_in(shown)
    return shown if len(shown) <= 40 else shown[:37] + "…"


_BAD = object()  # a cell whose cleaning failed; its reason is kept beside the column


def _clean_column(
    cells: list[object], cleaner: Callable[[object], object]
) -> tuple[list[object], dict[int, str]]:
    """Clean one column: values (None for blank), and the reason per failing row index.

    A column already in clean form passes as it is (`clean.settled`); otherwise each
    distinct value is cleaned once and mapped back in C: most columns repeat a few
    values (class, major, year, status), and this is the hot loop of a large import.
    """
    if clean.settled(cleaner, cells):
        return list(cells), {}
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
        if len(value) > clean.MAX_FIELD_CHARS:
            return clean.CellError(f"内容过长（{len(value)} 个字符）")
    try:
        result = cleaner(value)
    except clean.CellError as exc:
        return None if clean.text(value) == "" else exc  # only zero-width characters
    return result if result != "" else None


@dataclass(slots=True)
class SheetRow:
    """A data row whose cells all cleaned: what it states, and where it came from (it is
    its own `ref`: sheet, cells and header for messages and --rejects)."""

    sheet: str
    cells: list[object]
    header: HeaderMap
    header_cells: list[object]
    row: int  # 1-based
    stated: dict[str, object]  # field -> clean value, only the cells that were filled

    @property
    def ref(self) -> SheetRow:
        return self


@dataclass(slots=True)
class SheetColumns:
    """A sheet's accepted rows column by column: the form a large import works in (a
    100,000-row roster never becomes 100,000 dicts). `row(k)` makes one row's SheetRow
    when a message, a reject or the identity rule needs it."""

    sheet: str
    header: HeaderMap
    header_cells: list[object]
    cells: Sequence[list[object]]  # each accepted row's cells as read
    row_numbers: Sequence[int]  # each accepted row's 1-based row number
    values: dict[str, list[object]]  # field -> each accepted row's clean value, None if blank

    def __len__(self) -> int:
        return len(self.row_numbers)

    def column(self, fld: str) -> list[object]:
        """A field's values; all None when the sheet has no such column."""
        found = self.values.get(fld)
        return found if found is not None else [None] * len(self.row_numbers)

    def row(self, k: int) -> SheetRow:
        stated = {f: col[k] for f, col in self.values.items() if col[k] is not None}
        return SheetRow(
            self.sheet, self.cells[k], self.header, self.header_cells, self.row_numbers[k], stated
        )

    def rows(self) -> list[SheetRow]:
        return [self.row(k) for k in range(len(self.row_numbers))]

    def drop(self, positions: Collection[int]) -> SheetColumns:
        """All rows but those at `positions`."""
        if not positions:
            return self
        gone = set(positions)
        return self.keep([k for k in range(len(self.row_numbers)) if k not in gone])

    def keep(self, positions: list[int]) -> SheetColumns:
        """Only the rows at `positions`, in that order."""
        return SheetColumns(
            self.sheet,
            self.header,
            self.header_cells,
            list(map(self.cells.__getitem__, positions)),
            list(map(self.row_numbers.__getitem__, positions)),
            {f: list(map(col.__getitem__, positions)) for f, col in self.values.items()},
        )


def sheet_columns(
    label: str,
    sheet: Sheet,
    header: HeaderMap,
    summary: SheetSummary,
    report: FileReport,
    required: tuple[str, ...],
    wanted: tuple[str, ...],
) -> SheetColumns:
    """Clean a sheet column by column, then sort its rows: blank rows and repeated
    headers pass silently, note rows with a warning, rows with a bad or missing cell
    are refused (all their problems listed); the rest are accepted.

    Only the rows that may be one of those are looked at one by one (`_suspect_rows`);
    on a clean sheet there are none, and the cleaned columns pass through whole."""
    fields = [f for f in header.columns if f in wanted]
    first = header.row + 1
    data = sheet.rows[first:]
    raw: dict[str, list[object]] = {}
    values: dict[str, list[object]] = {}
    failures: dict[str, dict[int, str]] = {}
    # Sheets are mostly rectangular (calamine pads rows): then take columns in C.
    rectangular = bool(data) and min(map(len, data)) > max(header.columns[f] for f in fields)
    for fld in fields:
        col = header.columns[fld]
        if rectangular:
            raw[fld] = list(map(operator.itemgetter(col), data))
        else:
            raw[fld] = [cells[col] if col < len(cells) else None for cells in data]
        values[fld], failures[fld] = _clean_column(raw[fld], CLEANERS[fld])
    header_cells = sheet.rows[header.row]
    whole = SheetColumns(
        sheet.name, header, header_cells, data, range(first + 1, first + 1 + len(data)), values
    )
    failing_rows = {index for failed in failures.values() for index in failed}
    width = len(fields)
    lead = "name" if "name" in fields else fields[0]
    lead_at = fields.index(lead)
    lead_cell = header_cells[header.columns[lead]]
    lead_header = clean.name(lead_cell) if lead == "name" else clean.text(lead_cell)
    suspects = _suspect_rows(fields, values, failing_rows, lead, lead_header)
    must = [(f, fields.index(f)) for f in required if f in fields]
    dropped: set[int] = set()  # suspects that are not accepted
    data_rows = len(data)
    for index in sorted(suspects):
        row_values = tuple(values[f][index] for f in fields)
        blanks = row_values.count(None)
        lead_value = row_values[lead_at]
        if blanks == width or lead_value == lead_header:
            # a blank row, or the header repeated on each printed page
            dropped.add(index)
            data_rows -= 1
            continue
        row_number = first + index + 1
        filled = width - blanks
        missing = [f for f, at in must if row_values[at] is None]
        if (
            missing
            or filled == 1
            or row_values.count(lead_value) == filled
            or index in failing_rows
        ) and _is_note({f: raw[f][index] for f in fields}):
            note = next((t for f in fields if (t := clean.text(raw[f][index]))), "")
            report.warnings.append(
                Problem(
                    label,
                    "只有一个值的行（像是备注或合计），已忽略",
                    sheet=sheet.name,
                    row=row_number,
                    value=shown_value("", note),
                )
            )
            dropped.add(index)
            data_rows -= 1
            continue
        if index in failing_rows or missing:
            ref = whole.row(index)
            reasons = [
                cell_problem(label, ref, row_number, f, failures[f][index], raw[f][index])
                for f in fields
                if index in failures[f]
            ]
            reasons += [
                cell_problem(label, ref, row_number, f, f"{LABELS[f]}为空", None) for f in missing
            ]
            _reject(report, ref, row_number, reasons)
            dropped.add(index)
    summary.data_rows += data_rows
    return whole.drop(dropped)


def _suspect_rows(
    fields: list[str],
    values: dict[str, list[object]],
    failing_rows: set[int],
    lead: str,
    lead_header: object,
) -> set[int]:
    """The rows that may be blank, a repeated header, a note or refused: a blank or
    failing cell, the header's lead value, or the lead value again in another column
    (a `合计` merged across). Any other row is filled and clean: a plain data row.

    A note row has one value throughout, so with no blank cell it repeats its lead
    value in every column; comparing one other column finds all such rows."""
    leads = values[lead]
    if len(fields) == 1:
        return set(range(len(leads)))  # a lone value may be a note
    suspects = set(failing_rows)
    for fld in fields:
        suspects.update(_positions(values[fld]))
    suspects.update(_positions(list(map(operator.eq, leads, itertools.repeat(lead_header))), True))
    other = values[next(f for f in fields if f != lead)]
    suspects.update(_positions(list(map(operator.eq, leads, other)), True))
    return suspects


@dataclass(slots=True)
class RosterPart:
    """One sheet's roster rows: what they state, and what xcert derived for the rows
    that leave a derivable field blank (None elsewhere)."""

    columns: SheetColumns
    derived: dict[str, list[object]]  # DERIVABLE field -> value per row

    def row_in(self, k: int, program_years: int) -> students.RowIn:
        ref = self.columns.row(k)
        derived = {f: col[k] for f, col in self.derived.items() if col[k] is not None}
        return students.RowIn(ref, ref.row, ref.stated, derived, "", program_years)


def _roster_part(
    label: str, columns: SheetColumns, options: ImportOptions, report: FileReport
) -> RosterPart:
    """Roster rows as students: identity present, warnings, and what xcert derives for a
    student whose row leaves it out: cohort (SPEC 2: enrolment year + programme length,
    else the class code's year) and gender (from the ID number). Column by column."""
    ids = columns.column("id_number")
    numbers = columns.column("student_no")
    classes = columns.column("class_code")
    nobody = [k for k in _positions(ids) if numbers[k] is None and classes[k] is None]
    for k in nobody:
        row = columns.row(k)
        reason = Problem(
            label,
            "无法确定是哪位学生：学号、身份证号、班级至少要有一项",
            sheet=row.sheet,
            row=row.row,
        )
        _reject(report, row, row.row, [reason])
    if nobody:
        columns = columns.drop(nobody)
        ids, classes = columns.column("id_number"), columns.column("class_code")
    warnings: list[Problem] = []
    names = columns.values["name"]
    if any(c in "".join(names) for c in "?[]"):
        for k, name in enumerate(names):
            warning = clean.name_warning(name)  # type: ignore[arg-type]
            if warning:
                warnings.append(
                    Problem(
                        label, warning, sheet=columns.sheet, row=columns.row_numbers[k], value=name
                    )
                )
    count = len(columns)
    derived: dict[str, list[object]] = {}
    from_id = (
        [idcard.gender(i) if i is not None else None for i in ids]  # type: ignore[arg-type]
        if None in ids
        else list(map(idcard.gender, ids))  # type: ignore[arg-type]
    )
    if "gender" in columns.values:
        stated = columns.values["gender"]
        derived["gender"] = (
            [g if s is None else None for s, g in zip(stated, from_id, strict=True)]
            if None in stated
            else [None] * count
        )
        agree = list(map(operator.eq, stated, from_id))
        for k in _positions(agree, False):
            s, g = stated[k], from_id[k]
            if s is not None and g is not None:
                warnings.append(
                    Problem(
                        label,
                        f"性别「{s}」与身份证号（{g}）不符，请核对",
                        sheet=columns.sheet,
                        row=columns.row_numbers[k],
                    )
                )
    else:
        derived["gender"] = from_id
    years = options.program_years
    cohorts, enrolled = columns.column("cohort"), columns.column("enrollment_year")
    if None not in cohorts:
        derived["cohort"] = [None] * count
    elif "cohort" not in columns.values and None not in enrolled:
        derived["cohort"] = list(map(operator.add, enrolled, itertools.repeat(years)))
    else:  # per row: a stated cohort, else 入学年份, else the class code's year, + 学制
        class_years = {c: clean.class_year(c) for c in set(classes) if c is not None}  # type: ignore[arg-type]
        starts = [
            year if year is not None else class_years.get(code)
            for year, code in zip(enrolled, classes, strict=True)
        ]
        derived["cohort"] = [
            start + years if cohort is None and start is not None else None  # type: ignore[operator]
            for cohort, start in zip(cohorts, starts, strict=True)
        ]
    report.warnings.extend(warnings)
    return RosterPart(columns, derived)


def _positions(col: list[object], value: object = None) -> list[int]:
    """Where `col` holds `value` itself: None (a blank), True or False (a comparison)."""
    return [i for i, v in enumerate(col) if v is value] if value in col else []


def _is_note(cells: dict[str, object]) -> bool:
    """A `注：…` line or a `合计` row merged across is not a student: one distinct value,
    repeated over several columns or not shaped like the key its column holds. A lone
    name, 学号 or ID number is a student row that lacks the rest, and fails as one."""
    texts = {f: t for f, c in cells.items() if (t := clean.text(c))}
    if len(set(texts.values())) != 1:
        return False
    if len(texts) > 1:
        return True
    ((fld, value),) = texts.items()
    if fld == "name":
        return False
    if fld == "student_no":
        return not (value.isascii() and " " not in value)
    if fld == "id_number":
        return not _looks_like_id(value.replace(" ", ""))
    return True


def cell_problem(
    label: str, ref: SheetRow, row: int, fld: str, reason: str, value: object
) -> Problem:
    col = ref.header.columns[fld]
    return Problem(
        label,
        reason,
        sheet=ref.sheet,
        row=row,
        column=ref.header.headers[fld],
        letter=column_letter(col),
        value=shown_value(fld, value) if value is not None else None,
    )


def _reject(report: FileReport, ref: SheetRow, row: int, reasons: list[Problem]) -> None:
    """Refuse a row: its problems to the report, a copy (IDs masked) for --rejects."""
    reasons = [dataclasses.replace(p, reason=idcard.mask_ids_in(p.reason)) for p in reasons]
    report.problems.extend(reasons)
    report.rejected += 1
    report.rejected_rows.append(
        RejectedRow(
            ref.sheet,
            row,
            [clean.text(c) for c in ref.header_cells],
            _masked_cells(ref),
            [p.reason for p in reasons],
        )
    )


def _masked_cells(ref: SheetRow) -> list[object]:
    """A row's cells with every ID number masked: in the ID column, in any column whose
    header says 身份证/证件 (a guardian's ID), and any cell that looks like one."""
    id_columns = {ref.header.columns.get("id_number")} | {
        col for col, head in enumerate(ref.header_cells) if _ID_HEADER.search(clean.text(head))
    }
    return [
        idcard.mask_id(clean.text(c).replace(" ", ""))
        if col in id_columns and c not in (None, "")
        else mask_if_id(c)
        for col, c in enumerate(ref.cells)
    ]


_ID_HEADER = re.compile("身份证|证件号")


def mask_if_id(value: object) -> object:
    """Any cell that holds an ID number, whatever its column, is masked in output."""
    if value is None or isinstance(value, bool):
        return value
    compact = clean.text(value).replace(" ", "")
    if _looks_like_id(compact):
        return idcard.mask_id(compact)
    if isinstance(value, str):
        return idcard.mask_ids_in(value)
    return value


def _looks_like_id(compact: str) -> bool:
    return (len(compact) == 18 and compact[:17].isdigit() and compact[17] in "0123456789Xx") or (
        len(compact) == 15 and compact.isdigit()
    )


_NEW_COLUMNS = (*STUDENT_FIELDS, "cohort_derived")
NEW_STATUS = "enrolled"  # a new student whose rows state no status is 在读


def _apply(
    conn: sqlite3.Connection,
    parts: list[RosterPart],
    options: ImportOptions,
    report: FileReport,
    on_progress: ProgressCallback | None,
    import_id: int,
) -> None:
    """Resolve rows to students (stored or new), report what is refused, write the rest."""
    parts = [part for part in parts if len(part.columns)]
    if not parts:
        return
    total = sum(len(part.columns) for part in parts)
    empty = conn.execute("SELECT 1 FROM students LIMIT 1").fetchone() is None
    if empty and students.all_distinct(_joined(parts, "student_no"), _joined(parts, "id_number")):
        # Every row a different student, into an empty table: nothing to match or merge,
        # so the columns go to the database as they are.
        report.added += total
        if on_progress is not None:
            on_progress(total, total)
        each = [_new_students(len(p.columns), p.columns.values, p.derived) for p in parts]
        columns = each[0] if len(each) == 1 else [_joined_lists(c) for c in zip(*each, strict=True)]
        _write(conn, columns, [], import_id, into_empty=True)
        return
    rows = [
        part.row_in(k, options.program_years) for part in parts for k in range(len(part.columns))
    ]
    if len({part.columns.sheet for part in parts}) > 1:  # messages then name the sheet too
        for row in rows:
            row.label = f"工作表「{row.ref.sheet}」第 {row.row} 行"  # type: ignore[attr-defined]
    index = students.Index() if empty else students.Index.load(conn)
    tick = (lambda done: on_progress(done, total)) if on_progress is not None else None
    resolution = students.resolve(rows, index, tick)
    if on_progress is not None:
        on_progress(total, total)
    label = report.path.name
    refused_rows = {id(row) for row, _, _ in resolution.refused}
    for row, why, fld in resolution.refused:
        ref: SheetRow = row.ref  # type: ignore[assignment]
        if fld is not None and fld in ref.header.columns:
            problem = cell_problem(label, ref, row.row, fld, why, row.stated.get(fld))
        else:
            problem = Problem(label, why, sheet=ref.sheet, row=row.row)
        _reject(report, ref, row.row, [problem])
    for row, first in resolution.duplicates:
        if id(row) not in refused_rows:
            ref = row.ref  # type: ignore[assignment]
            report.warnings.append(
                Problem(
                    label,
                    f"与第 {first} 行重复（同一学生），只导入一次",
                    sheet=ref.sheet,
                    row=row.row,
                )
            )
    report.added += len(resolution.new)
    report.updated += len(resolution.updated)
    report.unchanged += resolution.unchanged
    new = resolution.new
    stated = {f: [student.stated.get(f) for student in new] for f in STUDENT_FIELDS}
    derived = {f: [student.derived.get(f) for student in new] for f in students.DERIVABLE}
    columns = _new_students(len(new), stated, derived)
    _write(conn, columns, resolution.updated, import_id, into_empty=empty)


def _joined(parts: list[RosterPart], fld: str) -> list[object]:
    """One field's values over all sheets, in row order."""
    return _joined_lists([part.columns.column(fld) for part in parts])


def _joined_lists(lists: Sequence[list[object]]) -> list[object]:
    return lists[0] if len(lists) == 1 else [value for values in lists for value in values]


def _new_students(
    count: int, stated: dict[str, list[object]], derived: dict[str, list[object]]
) -> list[list[object]]:
    """The columns (`_NEW_COLUMNS`) of `count` new students: what their rows state, else
    what xcert derived; a blank status is 在读; `cohort_derived` marks a cohort that was
    derived, not stated. `stated` may lack a field (no such column), `derived` may not."""
    columns = []
    for fld in STUDENT_FIELDS:
        given = stated.get(fld)
        if fld in students.DERIVABLE:
            columns.append(_stated_else(given, derived[fld]))
        elif fld == "status":
            columns.append(_stated_else(given, [NEW_STATUS] * count))
        else:
            columns.append(given if given is not None else [None] * count)
    # cohort_derived: 1 where no cohort is stated and one was derived. The whole column
    # at once when it is all one or the other (the common case), else row by row.
    cohorts, derived_cohorts = stated.get("cohort"), derived["cohort"]
    blanks = derived_cohorts.count(None)
    if blanks == count:
        columns.append([0] * count)
    elif blanks == 0 and (cohorts is None or cohorts.count(None) == count):
        columns.append([1] * count)
    else:
        cohorts = cohorts or [None] * count
        columns.append(
            [
                int(c is None and d is not None)
                for c, d in zip(cohorts, derived_cohorts, strict=True)
            ]
        )
    return columns


def _stated_else(stated: list[object] | None, other: list[object]) -> list[object]:
    """Per row, the stated value if there is one, else `other`'s."""
    if stated is None:
        return other
    if None not in stated:
        return stated
    return [o if s is None else s for s, o in zip(stated, other, strict=True)]


def _write(
    conn: sqlite3.Connection,
    new: list[list[object]],
    updated: list[tuple[int, dict[str, object], dict[str, object]]],
    import_id: int,
    *,
    into_empty: bool,
) -> None:
    """Insert new students (`_new_students`' columns) and update changed ones, keeping
    the overwritten values. Also when the import has problems: later files of the
    command are checked against it, and the transaction is rolled back at the end anyway."""
    row = f"({', '.join('?' * len(_NEW_COLUMNS))}, {int(import_id)}, {int(import_id)})"
    insert = (
        f"INSERT INTO students ({', '.join(_NEW_COLUMNS)}, created_import, updated_import) VALUES "
    )
    count = len(new[0])
    loading = (
        writes.bulk_load(conn, "students")
        if into_empty and count >= BULK_ROWS
        else contextlib.nullcontext()
    )
    rows = zip(*new, strict=True)  # one iterator: the batches take the first `whole` rows
    whole = count - count % ROWS_PER_INSERT
    with loading:
        if whole:  # ROWS_PER_INSERT rows a statement, their values in one flat list
            flat = list(itertools.chain.from_iterable(itertools.islice(rows, whole)))
            step = ROWS_PER_INSERT * len(_NEW_COLUMNS)
            conn.executemany(
                insert + ", ".join([row] * ROWS_PER_INSERT),
                (flat[at : at + step] for at in range(0, len(flat), step)),
            )
        conn.executemany(insert + row, rows)  # the rest, one by one
    for student_id, _before, after in updated:
        writes.update_row(conn, "students", student_id, after, import_id)


def _in_sheet_order(report: FileReport) -> None:
    """Problems, warnings and rejected rows as a clerk reads the workbook: sheet by sheet,
    row by row, column by column (the checks find them in passes: cells and notes, then
    the roster's and the identity rules, then results against students)."""
    order = {summary.name: i for i, summary in enumerate(report.sheets)}

    def place(found: Problem | RejectedRow) -> tuple[int, int, int, str]:
        letter = getattr(found, "letter", None) or ""  # B before C, Z before AA
        return order.get(found.sheet or "", -1), found.row or 0, len(letter), letter

    report.problems.sort(key=place)
    report.warnings.sort(key=place)
    report.rejected_rows.sort(key=place)


def _finish_import(conn: sqlite3.Connection, report: FileReport, import_id: int) -> None:
    """The import's counts, and a new data version if it changed anything."""
    writes.finish_write(
        conn,
        import_id,
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=report.rejected,
        problems=len(report.problems),
        warnings=len(report.warnings),
        bump=True,
    )


def _record_import(
    conn: sqlite3.Connection,
    report: FileReport,
    options: ImportOptions,
    kind: str,
    note: str | None = None,
) -> int:
    return writes.log_write(
        conn,
        kind,
        report.path.name,
        sha256=report.sha256,
        options=options.fingerprint(),
        file_format=report.format,
        encoding=report.encoding,
        unchanged=report.unchanged,
        note=note,
        bump=False,
    )


def write_rejects(outcome: ImportOutcome, path: Path, *, written: bool) -> None:
    """The rejected rows for the class teacher: one sheet per source sheet, each with its
    own header, reasons first; ID numbers masked like every other output."""
    from xcert.output.xlsx import Table, write_tables

    names = [r.path.name for r in outcome.files]
    groups: dict[tuple[str, str], list[RejectedRow]] = {}
    for report in outcome.files:
        # Two inputs of one name (two classes' 花名册.xlsx): tell them apart by path.
        label = report.path.name if names.count(report.path.name) == 1 else str(report.path)
        for rejected in report.rejected_rows:
            groups.setdefault((label, rejected.sheet), []).append(rejected)
    tables = []
    for (file_name, sheet), rows in groups.items():
        header = ["文件", "工作表", "行号", "拒绝原因", *rows[0].headers]
        body = [  # a list, not a generator: it would read file_name and sheet too late
            [file_name, sheet, r.row, "；".join(r.reasons), *r.cells]
            for r in sorted(rows, key=lambda r: r.row)
        ]
        tables.append(Table(f"{Path(file_name).stem}-{sheet}", header, body))
    try:
        write_tables(path, tables)
    except OSError as exc:
        done = "数据已导入（--skip-invalid），但" if written else ""
        raise XcertError(f"{done}无法写入 {path}（{exc.strerror or exc}）") from None
