"""The `--rejects` workbook: the rows an import refused, given back to the class
teacher exactly as read, with the reason beside each, to correct and import again
(SPEC 5.3: the clerk's own rows, so ID numbers are not masked here)."""

from __future__ import annotations

from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.ingest.report import ImportOutcome, RejectedRow
from xcert.output.tables import Table
from xcert.output.xlsx import write_tables
from xcert.read.headers import REJECTS_COLUMNS, identifier_columns


def write_rejects(outcome: ImportOutcome, path: Path, *, written: bool) -> None:
    """The rejected rows for the class teacher: one sheet per source sheet, each with its
    own header, where, why, then every cell of the row as read; 学号 and ID numbers as
    text, every text cell through the formula guard (output/xlsx.py)."""
    names = [r.path.name for r in outcome.files]
    groups: dict[tuple[str, str], list[RejectedRow]] = {}
    for report in outcome.files:
        # Two inputs of one name (two classes' 花名册.xlsx): tell them apart by path.
        label = report.path.name if names.count(report.path.name) == 1 else str(report.path)
        for rejected in report.rejected_rows:
            groups.setdefault((label, rejected.sheet), []).append(rejected)
    tables = []
    for (file_name, sheet), rows in groups.items():
        header = [*REJECTS_COLUMNS, *rows[0].headers]
        as_text = identifier_columns(list(rows[0].headers))
        body = [  # a list, not a generator: it would read file_name and sheet too late
            [file_name, sheet, r.row, "；".join(r.reasons), *_as_read(r.cells, as_text)]
            for r in sorted(rows, key=lambda r: r.row)
        ]
        tables.append(Table(f"{Path(file_name).stem}-{sheet}", header, body))
    try:
        write_tables(path, tables)
    except OSError as exc:
        done = "数据已导入（--skip-invalid），但" if written else ""
        raise XcertError(f"{done}无法写入 {path}（{exc.strerror or exc}）") from None


def _as_read(cells: list[object], as_text: frozenset[int]) -> list[object]:
    """A row's cells as read; a 学号 or ID number Excel stored as a number becomes the
    text of its digits (`2021010101`, not `2021010101.0`), so it stays text."""
    return [
        clean.text(c) if col in as_text and type(c) in (int, float) else c
        for col, c in enumerate(cells)
    ]


def holds_id_numbers(outcome: ImportOutcome) -> bool:
    """Whether the rejects workbook gives back a column of ID numbers."""
    headers = {tuple(row.headers) for report in outcome.files for row in report.rejected_rows}
    return any(identifier_columns(list(h), ("id_number",)) for h in headers)
