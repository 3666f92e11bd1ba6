"""What an import found, as data: per file and sheet, its counts, problems, warnings
and rejected rows (never printed here: the CLI decides how), and its entry in the
write log."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from xcert import privacy
from xcert.clean import cells as clean
from xcert.errors import Problem
from xcert.read.sheets import column_letter
from xcert.store import writes

if TYPE_CHECKING:
    from xcert.ingest.columns import SheetRow


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
        """What must match for an identical file to give an identical result: the
        options, and the cleaning rules that read it (`clean.cells.RULES`)."""
        return json.dumps(
            {
                "rules": clean.RULES,
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
    matched_headers: list[str] = field(default_factory=list)  # as HeaderMap.matched shows them
    ignored_headers: list[str] = field(default_factory=list)
    duplicate_headers: list[str] = field(default_factory=list)


@dataclass
class RejectedRow:
    sheet: str
    row: int
    headers: list[str]
    cells: list[object]
    reasons: list[str]


@dataclass(slots=True)
class Change:
    """One field of one stored student, result or award that an import changes, as a
    clerk reads it: who, which record (blank for a student), the field, old and new
    values (masked as everywhere, SPEC 5.3)."""

    sheet: str
    row: int
    who: str
    what: str
    field: str
    before: str
    after: str

    def line(self) -> str:
        said = " ".join(part for part in (self.who, self.what, self.field) if part)
        return f"{said} {self.before} → {self.after}"


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
    changes: list[Change] = field(default_factory=list)  # the first ones, in sheet order
    changed: int = 0  # fields changed in all (one per line of `changes`)
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


def shown_value(fld: str, value: object) -> str:
    """A cell value as it may appear in a message: anything like an ID number masked,
    whatever its column (SPEC 5.3), long text cut."""
    shown = clean.text(value)
    compact = shown.replace(" ", "")
    if fld == "id_number" or looks_like_id(compact):
        return privacy.mask_id(compact)
    shown = privacy.mask_ids_in(shown)
    return shown if len(shown) <= 40 else shown[:37] + "…"


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


def reject_row(report: FileReport, ref: SheetRow, row: int, reasons: list[Problem]) -> None:
    """Refuse a row: its problems (IDs masked) to the report, and the row exactly as read,
    with its sheet's header, for the clerk's --rejects workbook (SPEC 5.3)."""
    reasons = [dataclasses.replace(p, reason=privacy.mask_ids_in(p.reason)) for p in reasons]
    report.problems.extend(reasons)
    report.rejected += 1
    report.rejected_rows.append(
        RejectedRow(
            ref.sheet,
            row,
            [c if type(c) is str else clean.text(c) for c in ref.header_cells],
            list(ref.cells),
            [p.reason for p in reasons],
        )
    )


def looks_like_id(compact: str) -> bool:
    return (len(compact) == 18 and compact[:17].isdigit() and compact[17] in "0123456789Xx") or (
        len(compact) == 15 and compact.isdigit()
    )


def in_sheet_order(report: FileReport) -> None:
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


def finish_import(conn: sqlite3.Connection, report: FileReport, import_id: int) -> None:
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
    if report.warnings:
        conn.execute(
            "UPDATE imports SET warning_list = ? WHERE id = ?",
            (warning_list(report.warnings), import_id),
        )


_PROBLEM_FIELDS = tuple(f.name for f in dataclasses.fields(Problem))


def warning_list(warnings: list[Problem]) -> bytes:
    """An import's warnings as stored (`imports.warning_list`): compressed JSON, each a
    list of Problem's fields; their values are already masked as printed."""
    import zlib

    rows = [[getattr(w, name) for name in _PROBLEM_FIELDS] for w in warnings]
    return zlib.compress(json.dumps(rows, ensure_ascii=False).encode())


def stored_warnings(blob: bytes) -> list[Problem]:
    """The warnings `warning_list` stored, as they were."""
    import zlib

    rows = json.loads(zlib.decompress(blob))
    return [Problem(**dict(zip(_PROBLEM_FIELDS, row, strict=True))) for row in rows]


def record_import(
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
