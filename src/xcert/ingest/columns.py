"""A sheet's cells cleaned a column at a time (each distinct value once), with the rows
that need a look of their own (blank, a repeated header, a note, a refused cell) found
and set aside; every refusal is a problem naming its row and column."""

from __future__ import annotations

import dataclasses
import itertools
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from xcert.clean import cells as clean
from xcert.errors import Problem
from xcert.ingest.report import (
    FileReport,
    SheetSummary,
    cell_problem,
    looks_like_id,
    reject_row,
    shown_value,
)
from xcert.office.record_writes import Written
from xcert.read.headers import LABELS, HeaderMap
from xcert.read.sheets import Sheet
from xcert.read.slices import Slice


def _year_cleaner(what: str) -> Callable[[object], int]:
    return lambda value: clean.year(value, what)


CLEANERS: dict[str, Callable[[object], object]] = {
    "student_no": clean.student_number,
    "staff_no": clean.staff_number,
    "name": clean.person_name,
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
    "role": clean.roles,
    "obtained_on": clean.date_span,
    "score": clean.selection_score,  # a selection test's (selection.py)
}


# Optional contact and description fields: a value that cannot be read there is no
# reason to lose the student (and then their results). The cell is left out (a blank:
# it erases nothing stored) and the import report warns, naming it; a gender left out
# comes from the ID number. Identity (学号, ID number, name, class), years, cohort and
# status stay errors: they decide who a row is and what the figures count; so does
# every column of a result or an award.
SOFT_FIELDS = frozenset({"phone", "gender", "major", "department"})
SOFT_NOTE = "；这一项不导入，这一行的其余内容照常导入"

# What a cell that cleaned may still need checked by a person: field -> (cell, clean
# value) -> the warning, or None.
Warner = Callable[[object, str], str | None]
WARNERS: dict[str, Warner] = {
    "id_number": clean.id_number_warning,
}

_BAD = object()  # a cell whose cleaning failed; its reason is kept beside the column


def _clean_column(
    cells: list[object],
    cleaner: Callable[[object], object],
    warner: Callable[[object, str], str | None] | None = None,
) -> tuple[list[object], dict[int, str], dict[int, str]]:
    """Clean one column: values (None for blank), the reason per failing row index, and
    the warning (`WARNERS`) per row index whose cell cleaned but needs a look.

    A column already in clean form passes as it is (`clean.settled`: nothing to warn
    about either); otherwise each distinct value is cleaned once and mapped back in C:
    most columns repeat a few values (class, major, year, status), and this is the hot
    loop of a large import.
    """
    if clean.settled(cleaner, cells):
        return list(cells), {}, {}
    cleaned: dict[object, object] = {value: _clean_cell(value, cleaner) for value in set(cells)}
    failed_values = {v for v, result in cleaned.items() if type(result) is clean.CellError}
    said = {
        v: why
        for v, result in cleaned.items()
        if warner is not None and type(result) is str and (why := warner(v, result))
    }
    failed: dict[int, str] = {}
    warned: dict[int, str] = {}
    if failed_values or said:
        for index, value in enumerate(cells):
            if value in failed_values:
                failed[index] = str(cleaned[value])
            elif value in said:
                warned[index] = said[value]
        for value in failed_values:
            cleaned[value] = _BAD
    return list(map(cleaned.__getitem__, cells)), failed, warned


def _clean_cell(value: object, cleaner: Callable[[object], object]) -> object:
    """One distinct cell value: its clean form, None for blank, or the CellError."""
    if value is None:
        return None
    if type(value) is str:
        if not value or value.isspace():
            return None
        if len(value) > clean.MAX_FIELD_CHARS:
            return clean.CellError(f"内容过长（{len(value)}个字符）")
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


def sheet_row(ref: object) -> SheetRow:
    """The handle an import gave a row (`RowIn.ref`, `Refusal.ref`), back as its type."""
    assert isinstance(ref, SheetRow), ref
    return ref


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


@dataclass(slots=True)
class _Cleaned:
    """A sheet's data rows, each wanted column as read and as cleaned, the reason per
    failing row index of each column, and per row index the warnings of its cells."""

    data: list[list[object]]
    raw: dict[str, list[object]]
    values: dict[str, list[object]]
    failures: dict[str, dict[int, str]]
    warnings: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # (field, why)

    def soften(self) -> None:
        """A failing cell of an optional field (`SOFT_FIELDS`) becomes a blank with a
        warning, so the row stays; unless the row has no other good cell (a note in
        that column, or a row of nothing else, is judged as before)."""
        for fld in SOFT_FIELDS & self.failures.keys():
            failures, column = self.failures[fld], self.values[fld]
            others = [col for f, col in self.values.items() if f != fld]
            for index, why in list(failures.items()):
                if any(col[index] is not None and col[index] is not _BAD for col in others):
                    del failures[index]
                    column[index] = None
                    self.warnings.setdefault(index, []).append((fld, why + SOFT_NOTE))


def _clean_columns(
    data: list[list[object]], header: HeaderMap, fields: list[str], warners: dict[str, Warner]
) -> _Cleaned:
    cleaned = _Cleaned(data, {}, {}, {})
    # Sheets are mostly rectangular (calamine pads rows): then take columns in C.
    rectangular = bool(data) and min(map(len, data)) > max(header.columns[f] for f in fields)
    for fld in fields:
        col = header.columns[fld]
        if rectangular:
            raw = list(map(operator.itemgetter(col), data))
        else:
            raw = [cells[col] if col < len(cells) else None for cells in data]
        cleaned.raw[fld] = raw
        values, cleaned.failures[fld], warned = _clean_column(raw, CLEANERS[fld], warners.get(fld))
        cleaned.values[fld] = values
        for index, why in warned.items():
            cleaned.warnings.setdefault(index, []).append((fld, why))
    cleaned.soften()
    return cleaned


@dataclass(frozen=True, slots=True)
class _Lead:
    """What tells a data row from a blank row, a repeated header or a note: the lead
    column (the name, else the first) and its header text, and the required fields."""

    fields: list[str]
    at: int
    header: str
    required: list[tuple[str, int]]


def _verdict(index: int, lead: _Lead, cleaned: _Cleaned, failing_rows: set[int]) -> str:
    """'skip' (blank, a repeated header), 'note', 'reject' or 'keep' for a suspect row."""
    row_values = tuple(cleaned.values[f][index] for f in lead.fields)
    width = len(lead.fields)
    blanks = row_values.count(None)
    lead_value = row_values[lead.at]
    if blanks == width or lead_value == lead.header:
        return "skip"  # a blank row, or the header repeated on each printed page
    filled = width - blanks
    missing = any(row_values[at] is None for _, at in lead.required)
    if (
        missing or filled == 1 or row_values.count(lead_value) == filled or index in failing_rows
    ) and is_note({f: cleaned.raw[f][index] for f in lead.fields}):
        return "note"
    return "reject" if index in failing_rows or missing else "keep"


def sheet_columns(
    label: str,
    sheet: Sheet,
    header: HeaderMap,
    summary: SheetSummary,
    report: FileReport,
    required: tuple[str, ...],
    wanted: tuple[str, ...],
    warners: dict[str, Warner] = WARNERS,
    part: Slice | None = None,
) -> SheetColumns:
    """Clean a sheet column by column, then sort its rows: blank rows and repeated
    headers pass silently, note rows with a warning, rows with a bad or missing cell
    are refused (all their problems listed); the rest are accepted.

    Only the rows that may be one of those are looked at one by one (`suspect_rows`);
    on a clean sheet there are none, and the cleaned columns pass through whole.
    `warners`: what a cell that cleaned may still need looked at (a teachers' sheet does
    without the ID number's, which asks whether a birth year is a student's).
    `part`: only these rows below the header (a large sheet read a slice at a time)."""
    fields = [f for f in header.columns if f in wanted]
    if part is None:
        part = Slice(header.row + 1, sheet.rows[header.row + 1 :])
    first = part.first  # 0-based index of the first data row
    cleaned = _clean_columns(part.rows, header, fields, warners)
    header_cells = sheet.rows[header.row]
    rows = range(first + 1, first + 1 + len(cleaned.data))
    whole = SheetColumns(sheet.name, header, header_cells, cleaned.data, rows, cleaned.values)
    failing_rows = {index for failed in cleaned.failures.values() for index in failed}
    name = "name" if "name" in fields else fields[0]
    lead_cell = header_cells[header.columns[name]]
    lead = _Lead(
        fields,
        fields.index(name),
        clean.name(lead_cell) if name == "name" else clean.text(lead_cell),
        [(f, fields.index(f)) for f in required if f in fields],
    )
    suspects = suspect_rows(
        fields, cleaned.values, failing_rows, name, lead.header, [f for f, _ in lead.required]
    )
    dropped: set[int] = set()  # suspects that are not accepted
    not_data: set[int] = set()  # blank rows, repeated headers, notes
    data_rows = len(cleaned.data)
    for index in sorted(suspects):
        verdict = _verdict(index, lead, cleaned, failing_rows)
        if verdict == "keep":
            continue
        dropped.add(index)
        if verdict != "reject":
            not_data.add(index)
            data_rows -= 1
        if verdict == "note":
            report.warnings.append(_note(label, sheet.name, first + index + 1, cleaned, index))
        elif verdict == "reject":
            _reject(label, report, whole, cleaned, lead, index)
    report.warnings.extend(_cell_warnings(label, whole, cleaned, not_data))
    summary.data_rows += data_rows
    return whole.drop(dropped)


def _cell_warnings(
    label: str, whole: SheetColumns, cleaned: _Cleaned, skipped: set[int]
) -> list[Problem]:
    """The warnings of the cells of each row that is data (accepted, or refused for
    another reason), where they are, the value masked (a phone as phones are shown)."""
    found = []
    for index, warnings in sorted(cleaned.warnings.items()):
        if index in skipped:
            continue
        ref = whole.row(index)
        for fld, why in warnings:
            problem = cell_problem(label, ref, ref.row, fld, why, None)
            raw = cleaned.raw[fld][index]
            value = _wrong_phone(clean.text(raw)) if fld == "phone" else None
            found.append(dataclasses.replace(problem, value=value or shown_value(fld, raw) or None))
    return found


def _wrong_phone(text: str) -> str:
    """A phone that is no phone, as a warning shows it: its first 3 characters and one *
    for each of the rest, with its length (`138*******（10位）`), so the clerk sees what is
    wrong without the number being printed; text with few digits (电话待补) as written."""
    if sum(c.isdigit() for c in text) < 5:
        return text
    return f"{text[:3]}{'*' * (len(text) - 3)}（{len(text)}位）"


def _note(label: str, sheet: str, row: int, cleaned: _Cleaned, index: int) -> Problem:
    note = next((t for col in cleaned.raw.values() if (t := clean.text(col[index]))), "")
    return Problem(
        label,
        "只有一个值的行（像是备注或合计），已忽略",
        sheet=sheet,
        row=row,
        value=shown_value("", note),
    )


def _reject(
    label: str, report: FileReport, whole: SheetColumns, cleaned: _Cleaned, lead: _Lead, index: int
) -> None:
    """Every problem of a refused row, its cells' first, then its missing fields'."""
    ref = whole.row(index)
    row_number = ref.row
    reasons = [
        cell_problem(label, ref, row_number, f, failures[index], cleaned.raw[f][index])
        for f, failures in cleaned.failures.items()
        if index in failures
    ]
    missing = [f for f, at in lead.required if cleaned.values[f][index] is None]
    reasons += [cell_problem(label, ref, row_number, f, f"{LABELS[f]}为空", None) for f in missing]
    reject_row(report, ref, row_number, reasons)


def suspect_rows(
    fields: list[str],
    values: dict[str, list[object]],
    failing_rows: set[int],
    lead: str,
    lead_header: object,
    required: Collection[str] | None = None,
) -> set[int]:
    """The rows that may be blank, a repeated header, a note or refused: a failing cell,
    a blank one (with `required`, a blank in the lead, the next or a required column),
    the header's lead value, or the lead value again in another column (a `合计` merged
    across). Any other row is a plain data row.

    A note row has one value throughout, so with no blank cell it repeats its lead
    value in every column; comparing one other column finds all such rows. A row whose
    lead, next and required cells are filled, the first two different, is no note
    whatever else it leaves blank (`_verdict` keeps it): it need not be looked at."""
    leads = values[lead]
    if len(fields) == 1:
        return set(range(len(leads)))  # a lone value may be a note
    suspects = set(failing_rows)
    next_field = next(f for f in fields if f != lead)
    looked = fields if required is None else [lead, next_field, *(set(required) & set(fields))]
    for fld in looked:
        suspects.update(positions(values[fld]))
    suspects.update(positions(list(map(operator.eq, leads, itertools.repeat(lead_header))), True))
    suspects.update(positions(list(map(operator.eq, leads, values[next_field])), True))
    return suspects


def positions(col: list[object], value: object = None) -> list[int]:
    """Where `col` holds `value` itself: None (a blank), True or False (a comparison).
    By identity, in C: `in` would call a cell's own `__eq__` (a date span's is Python)."""
    found = map(operator.is_, col, itertools.repeat(value))
    return list(itertools.compress(range(len(col)), found))


def is_note(cells: dict[str, object]) -> bool:
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
        return not looks_like_id(value.replace(" ", ""))
    return True


def report_written(report: FileReport, outcome: Written, duplicate: str) -> None:
    """What writing a sheet's rows refused, skipped as repeated (`duplicate` says of
    what), or added to the catalogue, into the file's report."""
    label = report.path.name
    for refusal in outcome.refused:
        ref = sheet_row(refusal.ref)
        fld = refusal.field
        if fld is not None and fld in ref.header.columns:
            at = ref.header.columns[fld]
            raw = ref.cells[at] if at < len(ref.cells) else None
            problem = cell_problem(label, ref, refusal.row, fld, refusal.reason, raw)
        else:
            problem = Problem(label, refusal.reason, sheet=ref.sheet, row=refusal.row)
        reject_row(report, ref, refusal.row, [problem])
    for handle, row, first in outcome.duplicates:
        sheet = sheet_row(handle).sheet
        report.warnings.append(
            Problem(label, f"与第{first}行重复{duplicate}，只导入一次", sheet=sheet, row=row)
        )
    for cert in outcome.new_certificates:
        report.new_certificates.append((cert.name, cert.kind))
