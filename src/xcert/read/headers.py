"""The header alias table of SPEC 5.1, header-row detection and sheet kinds.

The one place that knows which header text means which field.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from xcert.clean.cells import text

# field -> accepted headers, Chinese first. Order matters when two columns of one sheet
# mean the same field: the earlier alias wins (学号 before 学籍号).
ALIASES: dict[str, tuple[str, ...]] = {
    "student_no": ("学号", "学籍号", "student_no"),
    "staff_no": ("工号", "职工号", "教工号", "教师工号", "staff_no"),  # a teacher's
    "name": ("姓名", "考生姓名", "教师姓名", "name"),
    "gender": ("性别", "gender"),
    "id_number": ("身份证号", "身份证号码", "证件号码", "id_number"),
    "class_code": ("班级", "班号", "班别", "class"),
    "major": ("专业", "专业名称", "major"),
    "department": ("系部", "专业部", "部门", "所属部门", "所在部门", "department"),
    "enrollment_year": ("入学年份", "年级", "enrollment_year"),
    "cohort": ("届别", "毕业年份", "届", "cohort"),
    "phone": ("手机号", "手机", "联系电话", "phone"),
    "status": ("学籍状态", "状态", "status"),
    "certificate": ("证书名称", "证书", "考核项目", "工种", "certificate"),
    "level": ("等级", "level"),
    "exam_date": ("考核日期", "考试日期", "鉴定时间", "exam_date"),
    "theory": ("理论成绩", "theory"),
    "practical": ("实操成绩", "practical"),
    "total": ("总成绩", "成绩", "total"),  # 成绩: the national platform's results
    "result": ("结果", "考核结果", "是否合格", "是否通过", "result"),
    "certificate_no": ("证书编号", "certificate_no"),
    "issued_on": ("发证日期", "issued_on"),
    "signed_by": ("证书签领人", "签领人", "signed_by"),
    "signed_on": ("签领日期", "signed_on"),
    # A teachers' sheet: what part a teacher has, and since when.
    "role": ("角色", "师资角色", "师资类型", "担任角色", "role"),
    "obtained_on": ("取得日期", "取得时间", "获证日期", "获证时间", "obtained_on"),
    # Only in a selection test's file (`select --scores`), where 成绩 is this score.
    "score": ("成绩", "选拔成绩", "测试成绩", "score"),
    "row_no": ("序号",),
}

# The columns a --rejects workbook puts before the rows it gives back (output/rejects.py);
# importing the corrected workbook ignores them without listing them.
REJECTS_COLUMNS = ("文件", "工作表", "行号", "拒绝原因")

# Chinese label of each field, for messages and reports.
LABELS: dict[str, str] = {f: aliases[0] for f, aliases in ALIASES.items()} | {"result": "考核结果"}

_BRACKETED_NOTE = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]$")


def normalize_header(cell: object) -> str:
    """Header text as compared: folded, no spaces or line breaks, no `*` or `（必填）`."""
    folded = text(cell).replace(" ", "").strip("*:：")
    folded = _BRACKETED_NOTE.sub("", folded).strip("*:：")
    return folded.lower()


def _lookup(first: str | None, skip: str | None) -> dict[str, tuple[str, int]]:
    """Header text -> (field, rank among the field's aliases). A text two fields accept
    (成绩) means the field taken `first`; `skip`'s aliases mean nothing."""
    order = sorted(ALIASES, key=lambda fld: fld != first)
    table: dict[str, tuple[str, int]] = {}
    for fld in order:
        if fld == skip:
            continue
        for rank, alias in enumerate(ALIASES[fld]):
            table.setdefault(normalize_header(alias), (fld, rank))
    return table


_LOOKUP = _lookup(None, skip="score")  # an import: 成绩 is a result's total
_SCORE_LOOKUP = _lookup("score", skip=None)  # a selection test's file: 成绩 is its score

_NAMES_AN_ID = re.compile("身份证|证件号")


def identifier_columns(
    cells: list[object], fields: tuple[str, ...] = ("student_no", "id_number")
) -> frozenset[int]:
    """The columns of a header row that hold 学号 or ID numbers (`fields`): any alias
    (a second such column too), and for ID numbers any header naming one (监护人身份证号).
    Written back to xlsx, they stay text."""
    found = set()
    for col, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key:
            continue
        if _LOOKUP.get(key, ("", 0))[0] in fields or (
            "id_number" in fields and _NAMES_AN_ID.search(key)
        ):
            found.add(col)
    return frozenset(found)


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

    def matched(
        self, wanted: Collection[str] | None = None, names: dict[str, str] | None = None
    ) -> list[str]:
        """The headers read as fields (those in `wanted`), in column order, as written,
        with the field's name (`names`, else LABELS) after an arrow where it is written
        otherwise (`证件号码→身份证号`, `成绩→总成绩`); 序号 is left out."""
        shown = []
        for fld, _ in sorted(self.columns.items(), key=lambda item: item[1]):
            if fld == "row_no" or (wanted is not None and fld not in wanted):
                continue
            written, name = self.headers[fld], (names or {}).get(fld, LABELS[fld])
            same = normalize_header(written) == normalize_header(name)
            shown.append(written if same else f"{written}→{name}")
        return shown


def map_header_row(cells: list[object], row: int, *, with_score: bool = False) -> HeaderMap:
    result = HeaderMap(row=row)
    lookup = _SCORE_LOOKUP if with_score else _LOOKUP
    ranks: dict[str, int] = {}
    for col, cell in enumerate(cells):
        key = normalize_header(cell)
        if not key:
            continue
        found = lookup.get(key)
        if found is None:
            result.ignored.append(text(cell))
            continue
        fld, rank = found
        if fld in ranks and ranks[fld] <= rank:
            result.duplicates.append(f"{text(cell)}（已用「{result.headers[fld]}」）")
            continue
        if fld in ranks:  # a better alias for a field already seen replaces it
            result.duplicates.append(f"{result.headers[fld]}（已用「{text(cell)}」）")
        ranks[fld] = rank
        result.columns[fld] = col
        result.headers[fld] = text(cell)
    if REJECTS_COLUMNS[-1] in result.ignored:  # a --rejects workbook, corrected: not news
        result.ignored = [h for h in result.ignored if h not in REJECTS_COLUMNS]
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


# What only a teachers' sheet has: a teacher's number or role, or a header saying 教师;
# and what only a sheet about students has. A sheet with both is not guessed at.
_TEACHER_FIELDS = frozenset({"staff_no", "role"})
_TEACHER_HEADERS = frozenset({"教师姓名"})
_STUDENT_FIELDS = frozenset(
    {
        "student_no",
        "class_code",
        "enrollment_year",
        "cohort",
        "status",
        "result",
        "theory",
        "practical",
        "total",
        "signed_by",
        "signed_on",
    }
)


def detect_kind(fields: frozenset[str], headers: Collection[str] = ()) -> str | None:
    """SPEC 5.1: teachers if it names a teacher's number or role (or 教师姓名) and nothing
    only students have; awards if it names a signer or issue date; results if a result or
    score; awards if it gives certificates with their numbers (an evaluation
    organisation's certificate list); roster if it lists students without any certificate.
    `headers`: the header texts as written."""
    teacher = fields & _TEACHER_FIELDS or any(
        normalize_header(h) in _TEACHER_HEADERS for h in headers
    )
    if teacher:
        return None if fields & _STUDENT_FIELDS else "teachers"
    if fields & {"signed_by", "issued_on"}:
        return "awards"
    if fields & {"result", "theory", "practical", "total"}:
        return "results"
    if {"certificate", "certificate_no"} <= fields:
        return "awards"
    if "name" in fields and "certificate" not in fields:
        return "roster"
    if "certificate" not in fields and fields & {"student_no", "id_number"}:
        return "roster"
    return None
