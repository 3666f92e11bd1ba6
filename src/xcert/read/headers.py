"""The header alias table of SPEC 5.1, header-row detection and sheet kinds.

The one place that knows which header text means which field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from xcert.clean.cells import text

# field -> accepted headers, Chinese first. Order matters when two columns of one sheet
# mean the same field: the earlier alias wins (学号 before 学籍号).
ALIASES: dict[str, tuple[str, ...]] = {
    "student_no": ("学号", "学籍号", "student_no"),
    "name": ("姓名", "name"),
    "gender": ("性别", "gender"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "id_number"),
    "class_code": ("班级", "班号", "班别", "class"),
    "major": ("专业", "专业名称", "major"),
    "department": ("系部", "专业部", "部门", "department"),
    "enrollment_year": ("入学年份", "年级", "enrollment_year"),
    "cohort": ("届别", "毕业年份", "届", "cohort"),
    "phone": ("手机号", "手机", "联系电话", "phone"),
    "status": ("学籍状态", "状态", "status"),
    "certificate": ("证书名称", "证书", "考核项目", "工种", "certificate"),
    "level": ("等级", "level"),
    "exam_date": ("考核日期", "考试日期", "鉴定时间", "exam_date"),
    "theory": ("理论成绩", "theory"),
    "practical": ("实操成绩", "practical"),
    "total": ("总成绩", "total"),
    "result": ("结果", "考核结果", "是否合格", "result"),
    "certificate_no": ("证书编号", "certificate_no"),
    "issued_on": ("发证日期", "issued_on"),
    "signed_by": ("证书签领人", "签领人", "signed_by"),
    "signed_on": ("签领日期", "signed_on"),
    "score": ("成绩", "选拔成绩", "测试成绩", "score"),
    "row_no": ("序号",),
}

# Chinese label of each field, for messages and reports.
LABELS: dict[str, str] = {f: aliases[0] for f, aliases in ALIASES.items()}

_BRACKETED_NOTE = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")


def normalize_header(cell: object) -> str:
    """Header text as compared: folded, no spaces or line breaks, no `*` or `（必填）`."""
    folded = text(cell).replace(" ", "").strip("*:：")
    folded = _BRACKETED_NOTE.sub("", folded).strip("*:：")
    return folded.lower()


_LOOKUP: dict[str, str] = {
    normalize_header(alias): fld for fld, aliases in ALIASES.items() for alias in aliases
}
_RANK: dict[str, int] = {
    normalize_header(alias): rank
    for aliases in ALIASES.values()
    for rank, alias in enumerate(aliases)
}

# Fields whose presence makes a row look like a header of a student list.
_IDENTITY = frozenset({"name", "student_no", "id_number"})
HEADER_SEARCH_ROWS = 30


@dataclass
class HeaderMap:
    """Where each field sits in a sheet, and what the sheet's header row said."""

    row: int  # 0-based index of the header row
    columns: dict[str, int] = field(default_factory=dict)  # field -> 0-based column
    headers: dict[str, str] = field(default_factory=dict)  # field -> header as written
    ignored: list[str] = field(default_factory=list)  # headers nobody recognised
    duplicates: list[str] = field(default_factory=list)  # a second column for one field

    def fields(self) -> frozenset[str]:
        return frozenset(self.columns)


def map_header_row(cells: list[object], row: int, *, with_score: bool = False) -> HeaderMap:
    result = HeaderMap(row=row)
    ranks: dict[str, int] = {}
    for col, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key:
            continue
        fld = _LOOKUP.get(key)
        if fld is None or (fld == "score" and not with_score):
            result.ignored.append(text(cell))
            continue
        rank = _RANK[key]
        if fld in ranks and ranks[fld] <= rank:
            result.duplicates.append(f"{text(cell)}（已用「{result.headers[fld]}」）")
            continue
        if fld in ranks:  # a better alias for a field already seen replaces it
            result.duplicates.append(f"{result.headers[fld]}（已用「{text(cell)}」）")
        ranks[fld] = rank
        result.columns[fld] = col
        result.headers[fld] = text(cell)
    return result


def find_header(rows: list[list[object]], *, with_score: bool = False) -> HeaderMap | None:
    """The row among the first ones that names the most known fields, identity included.

    Title rows above it (a merged `…考证签领名单`) name none and are passed over.
    """
    best: HeaderMap | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        candidate = map_header_row(cells, index, with_score=with_score)
        named = candidate.fields() - {"row_no"}
        if len(named) < 2 or not (named & _IDENTITY):
            continue
        if best is None or len(named) > len(best.fields() - {"row_no"}):
            best = candidate
    return best


def detect_kind(fields: frozenset[str]) -> str | None:
    """SPEC 5.1: awards if it names a signer or issue date; results if a result or score;
    roster if it lists students without any certificate."""
    if fields & {"signed_by", "issued_on"}:
        return "awards"
    if fields & {"result", "theory", "practical", "total"}:
        return "results"
    if "name" in fields and "certificate" not in fields:
        return "roster"
    if "certificate" not in fields and fields & {"student_no", "id_number"}:
        return "roster"
    return None
