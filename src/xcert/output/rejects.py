"""The `--rejects` workbook: the rows an import refused, given back to the class
teacher with the reason beside each, to correct and import again."""

from __future__ import annotations

from pathlib import Path

from xcert.errors import XcertError
from xcert.ingest.report import ImportOutcome, RejectedRow
from xcert.output.tables import Table
from xcert.output.xlsx import write_tables


def write_rejects(outcome: ImportOutcome, path: Path, *, written: bool) -> None:
    """The rejected rows for the class teacher: one sheet per source sheet, each with its
    own header, reasons first; ID numbers masked like every other output."""
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
