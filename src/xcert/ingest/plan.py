"""Which sheets of a workbook to import, and as what: the header row found, the kind
detected (or asked for), sheets without a header or of another kind noted."""

from __future__ import annotations

from collections.abc import Collection

from xcert.errors import Problem, XcertError
from xcert.ingest import teachers
from xcert.ingest.report import FileReport, ImportOptions, SheetSummary
from xcert.model import SHEET_KIND_LABELS, SHEET_KINDS, STUDENT_FIELDS
from xcert.read.headers import LABELS, HeaderMap, detect_kind, find_header
from xcert.read.sheets import Sheet, Workbook

# How a kind's report names a field where LABELS would not say it as its sheets do, and
# the fields it reads (None: every field).
_FIELD_NAMES = {"awards": {"exam_date": "鉴定时间"}, "teachers": teachers.FIELD_NAMES}
_READ: dict[str, Collection[str]] = {"roster": STUDENT_FIELDS, "teachers": teachers.COLUMNS}

Plan = tuple[Sheet, HeaderMap, SheetSummary, str]  # a sheet to import, its header, as what


def plan_sheets(workbook: Workbook, options: ImportOptions, report: FileReport) -> list[Plan]:
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
        kind = options.kind or detect_kind(header.fields(), header.headers.values())
        summary.kind = kind
        if kind is None:
            summary.note = "无法判断表格类型，已跳过；可用 --kind 指定"
            continue
        if kind not in SHEET_KINDS:
            summary.note = f"{SHEET_KIND_LABELS[kind]}表，本版本暂不支持导入"
            report.problems.append(
                Problem(
                    label,
                    f"这是{SHEET_KIND_LABELS[kind]}表，本版本暂不支持导入",
                    sheet=sheet.name,
                    row=header.row + 1,
                )
            )
            continue
        needed = "name" if kind in ("roster", "teachers") else "certificate"
        if needed not in header.columns:
            summary.note = f"{SHEET_KIND_LABELS[kind]}表缺少「{LABELS[needed]}」列"
            report.problems.append(
                Problem(label, summary.note, sheet=sheet.name, row=header.row + 1)
            )
            continue
        summary.matched_headers = header.matched(_READ.get(kind), _FIELD_NAMES.get(kind))
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
