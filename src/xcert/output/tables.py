"""Figures as tables a clerk reads: Chinese labels like the seed's tables, percentages
with one decimal, `—` over zero people. One table model, four formats (SPEC 3, 4).

`tables()` turns figures into (title, header, rows) once; csv, markdown, the terminal,
HTML and xlsx print those. A cell is typed: a count is an int and a rate a `Rate`, so
an xlsx file gets numbers and percentages without reading them back from text. JSON is
the figures themselves. `Rate` and `Heading` are NamedTuples, like the figures'
values: `xcert stats` defines them at every start, and a dataclass costs more.
"""

import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from xcert.clean import dates
from xcert.clean.patterns import Lazy
from xcert.figures import graduation
from xcert.figures.graduation import AsOf
from xcert.figures.scope import PERSONS_NOTE, Scope, Span
from xcert.figures.stats import DualCertificate, Figures, format_percent
from xcert.figures.stats import percent as stats_percent
from xcert.figures.teachers import TeacherCounts
from xcert.model import OUTCOME_LABELS
from xcert.privacy import mask_id, mask_ids_in

BY_LABELS = {
    "certificate": "证书",
    "level": "等级",
    "class": "班级",
    "major": "专业",
    "department": "系部",
}


class Rate(NamedTuple):
    """A rate in a table: printed as reports print it (88.0%, — over zero people), and
    written to xlsx as a number in a percentage format."""

    text: str
    value: float | None  # the fraction; None over zero people

    def __str__(self) -> str:
        return self.text


def rate(part: int, whole: int) -> Rate:
    """part / whole, rounded for print from the exact fraction (`stats.percent`)."""
    return Rate(stats_percent(part, whole), part / whole if whole else None)


def rate_of(fraction: float | None) -> Rate:
    return Rate(format_percent(fraction), fraction)


class Heading(NamedTuple):
    """Who and when under a printed report's title, as schools print it: the school and
    the report's date as a document writes it (2024年1月15日); xlsx, Word, HTML alike."""

    school: str
    date: str


@dataclass
class Table:
    """One table, whatever it is printed as: Markdown, CSV, the terminal, HTML, xlsx."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]]  # str, int, Rate (None only in exports to xlsx)
    wrap: tuple[int, ...] = ()  # 1-based columns of free text that may wrap in HTML
    widths: Sequence[int] | None = None  # xlsx column widths; else from the content
    caption: str | None = None  # xlsx: a bold title row above the header
    # Lines every format prints under the table, each after 注： (rows entered by hand,
    # a cohort still in school): part of what the figures mean, so never left out.
    notes: Sequence[str] = ()
    # 1-based columns whose repeated cells a printed page merges into one (the plan's
    # 总项目名称 over its 分项目): HTML rowspan, xlsx and Word merged cells.
    merged: tuple[int, ...] = ()
    # Printed rows at least this tall, in mm (a sheet to sign in, a photo): Word, xlsx.
    row_height: float | None = None

    def spans(self) -> list[list[int]]:
        """Each cell's row span for print: 1 alone, n over the n equal cells below it
        in a merged column (within the same spans of the merged columns left of it), 0
        for a cell covered by the one above."""
        spans = [[1] * len(row) for row in self.rows]
        for column in sorted(self.merged):
            index = column - 1
            top = 0
            for i in range(1, len(self.rows) + 1):
                same = (
                    i < len(self.rows)
                    and index < len(self.rows[i])
                    and self.rows[i][index] == self.rows[top][index]
                    and all(spans[i][k - 1] == 0 for k in self.merged if k < column)
                )
                if not same:
                    if i - top > 1:
                        spans[top][index] = i - top
                        for covered in range(top + 1, i):
                            spans[covered][index] = 0
                    top = i
        return spans

    def laid_out(self, text_columns: Collection[int]) -> list[list[tuple[object, int, bool]]]:
        """Each row's cells for print: (value, row span as `spans`, whether a text
        column, 1-based in `text_columns`); a template then does no lookups per cell."""
        return [
            [
                (cell, span, number in text_columns)
                for number, (cell, span) in enumerate(zip(row, row_spans, strict=True), 1)
            ]
            for row, row_spans in zip(self.rows, self.spans(), strict=True)
        ]


def cell_text(cell: object) -> str:
    """A cell as printed: a score 81.0 as 81, 68.4 as 68.4."""
    if isinstance(cell, float):
        return f"{cell:g}"
    return "" if cell is None else str(cell)


# OWASP's CSV injection: text a spreadsheet would take for a formula when it opens the
# file. Every cell xcert writes to xlsx or csv goes through `starts_formula`.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(text: str) -> bool:
    return text.startswith(_FORMULA_START)


# Digits Excel would turn into a number when it opens a CSV: a 学号 with leading zeros
# (00123 → 123) or a number too long for it (a certificate number loses its tail).
_DIGITS_EXCEL_CHANGES = Lazy(r"0[0-9]+|[0-9]{16,}")


def csv_cell(cell: object) -> object:
    """A cell for a CSV file: text that would start a formula gets a leading ' (shown,
    never evaluated); numbers stay numbers; digits Excel would change are written as
    ="00123", which Excel and LibreOffice show as the text 00123 (digits only: nothing
    in it can run)."""
    if isinstance(cell, str) and starts_formula(cell):
        return "'" + cell
    if isinstance(cell, str) and _DIGITS_EXCEL_CHANGES.fullmatch(cell):
        return f'="{cell}"'
    return cell_text(cell) if not isinstance(cell, int) else cell


def _count(value: int | None) -> int | str:
    return "—" if value is None else value


def _met(value: bool | None) -> str:
    return "—" if value is None else ("达成" if value else "未达成")


def tables(figures: Figures, *, by: str = "year", all_kinds: bool = False) -> list[Table]:
    """The figures as the tables a clerk files: pass rates, dual-certificate rates, the
    targets beside what was reached when there are targets, and the teachers when there
    are any."""
    kind = "" if all_kinds else "1+X "
    out = [_pass_rate_table(figures, by, kind), _dual_table(figures)]
    if figures.targets:
        out.append(_target_table(figures))
    if figures.teachers:
        out.append(teachers_table(f"{kind}师资情况", figures.teachers, figures.teachers_total))
    return out


TEACHERS_HEADER = (
    "证书",
    "培训师（人）",
    "培训师（人次）",
    "考评员（人）",
    "考评员（人次）",
    "持证教师（人）",
    "持证教师（人次）",
)


def teachers_table(title: str, rows: Sequence[TeacherCounts], total: TeacherCounts) -> Table:
    """Per certificate its trainers, examiners and teachers holding it, as 人 and 人次;
    with more than one certificate a 合计 row, where a teacher of several is one 人."""
    body: list[list[object]] = [
        [row.certificate or "", *(n for pair in row.pairs() for n in pair)] for row in rows
    ]
    if len(rows) > 1:
        body.append(["合计", *(n for pair in total.pairs() for n in pair)])
    return Table(title, TEACHERS_HEADER, body)


def _pass_rate_table(figures: Figures, by: str, kind: str) -> Table:
    """Tested, passed and absent by year, and by `by` within a year unless that is "year".
    Each year of a closed span asked for keeps its row (0, —) when it has no result."""
    by_label = BY_LABELS.get(by)
    header = [
        "年份",
        *([by_label] if by_label else []),
        f"{kind}考证人数（人）",
        f"{kind}考证通过人数（人）",
        "缺考人数（人）",
        f"{kind}证书通过率",
    ]
    by_year: list[tuple[int | None, list[object]]] = [
        (
            row.year,
            [
                year_label(row.year),
                *([row.group or "（未填）"] if by_label else []),
                row.tested,
                row.passed,
                _count(row.absent),  # not known of a year of the history: —
                rate(row.passed, row.tested),
            ],
        )
        for row in figures.pass_rates
    ]
    had = {row.year for row in figures.pass_rates}
    for year in figures.scope.years.years():
        if year not in had:  # the year asked for keeps its row: 0, —
            zero = [year_label(year), *(["—"] if by_label else []), 0, 0, 0, rate(0, 0)]
            by_year.append((year, zero))
    by_year.sort(key=lambda pair: (pair[0] is None, pair[0] or 0))  # stable: groups keep order
    by_hand = [year_label(row.year) for row in figures.pass_rates if row.history]
    return Table(
        f"{figures.scope.words()}{kind}考证情况统计",
        header,
        [row for _, row in by_year],
        notes=history_notes(by_hand, "缺考人数"),
    )


def history_notes(labels: list[str], unknown: str | None = None) -> list[str]:
    """The note under a table with rows from the site profile's history (SPEC 3)."""
    if not labels:
        return []
    blank = f"，{unknown}不详（—）" if unknown else ""
    return [
        f"{'、'.join(labels)}是手工录入的历史数据（考点资料的 plan.history），"
        f"不是由导入的数据统计的{blank}"
    ]


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """一 … 九十九, as sections are numbered (一、二、… 十一、)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return f"{head}十{_DIGITS[ones] if ones else ''}"


def year_label(year: int | None) -> str:
    """An exam year as the seed's table 1 writes it; a result without a date says so."""
    return f"{year}年" if year else "日期不详"


def cohort_label(cohort: int) -> str:
    """A 届 as the seed's table 2 writes it."""
    return f"{cohort}届"


DUAL_HEADER = ["毕业学生", "毕业生人数（人）", "获得技能证人数（人）", "双证毕业率（技能、毕业证）"]
# A cohort still in school on the report's date (SPEC 3): a projection, never 毕业学生.
PROJECTION_TITLE = "双证毕业率（在校，预计）"
PROJECTION_HEADER = [
    "在校学生（预计）",
    "在校生人数（人）",
    "获得技能证人数（人）",
    "预计双证毕业率",
]


def _dual_table(figures: Figures) -> Table:
    """Graduates and those of them with a skills certificate, by cohort; each cohort of a
    closed span asked for keeps its row when it has no graduates (2030届 | 0 | 0 | —),
    once graduated by the report's date: a span's cohorts still in school are left out
    and named in a note. One cohort asked for that is still in school is a projection."""
    asked, as_of = figures.cohorts, figures.as_of
    found = {row.cohort: row for row in figures.dual_certificate}
    for cohort in (graduation.counted(asked, as_of) if as_of else asked).years():
        found.setdefault(cohort, DualCertificate(cohort, 0, 0))
    rows: list[list[object]] = [
        [cohort_label(row.cohort), row.graduates, row.certified, rate(row.certified, row.graduates)]
        for row in sorted(found.values(), key=lambda row: row.cohort)
    ]
    by_hand = [cohort_label(row.cohort) for row in figures.dual_certificate if row.history]
    notes = history_notes(by_hand) + ([PERSONS_NOTE] if figures.scope.across_schools else [])
    words = figures.scope.words()
    if as_of is not None and asked.one is not None and not as_of.graduated(asked.one):
        notes.insert(0, projection_note(asked.one, as_of))
        return Table(f"{words}{PROJECTION_TITLE}", PROJECTION_HEADER, rows, notes=notes)
    left_out = graduation.in_school(asked, as_of) if as_of is not None else None
    if left_out is not None and as_of is not None:
        notes.append(in_school_note(left_out, as_of))
    notes += waiting_note(asked, as_of) if as_of is not None else []
    return Table(f"{words}双证毕业率", DUAL_HEADER, rows, notes=notes)


def projection_note(cohort: int, as_of: AsOf) -> str:
    """Why a cohort's row is a projection: the day it graduates, the day counted at."""
    day = dates.shown(as_of.graduation_day(cohort).isoformat())
    return (
        f"{cohort_label(cohort)}在校，预计 {day} 毕业（按 {dates.shown(as_of.on.isoformat())} 计）："
        "表中是在校学生现在的情况，到毕业那天才计入双证毕业率"
    )


def in_school_note(cohorts: Span, as_of: AsOf) -> str:
    """Why a span's last cohorts have no row: still in school on the report's date."""
    first = cohorts.first or 0  # set: graduation.in_school closes the span
    which = cohort_label(first) if cohorts.one else f"{first}-{cohorts.last}届"
    day = dates.shown(as_of.graduation_day(first).isoformat())
    return (
        f"{which}在校（按 {dates.shown(as_of.on.isoformat())} 计），不列入双证毕业率；"
        f"{cohort_label(first)}预计 {day} 毕业"
    )


def waiting_note(asked: Span, as_of: AsOf, names: str = "部分学校") -> list[str]:
    """A province's cohort some schools (`names`) have not yet graduated: left out of it."""
    cohort, on = as_of.last_counted, dates.shown(as_of.on.isoformat())
    last = dates.shown(as_of.graduation_day(cohort).isoformat())
    text = f"{names}还没到毕业日（按 {on} 计，最晚 {last}），这一届只计已毕业学校的学生"
    return [f"{cohort_label(cohort)}：{text}"] if graduation.pending_sql(asked, as_of)[0] else []


def _target_table(figures: Figures) -> Table:
    """Each year's three targets (participants, pass rate, certificates), one row each."""
    rows: list[list[object]] = []
    for t in figures.targets:
        rows += [
            [
                year_label(t.year),
                "1+X 考证人数",
                _count(t.participants_target),
                t.participants,
                _met(t.participants_met),
            ],
            [
                "",
                "1+X 证书通过率",
                rate_of(t.pass_rate_target),
                rate(t.passed, t.participants),
                _met(t.pass_rate_met),
            ],
            [
                "",
                "1+X 证书数（种）",
                _count(t.certificates_target),
                t.certificates,
                _met(t.certificates_met),
            ],
        ]
    return Table("绩效目标与实际", ["年份", "指标", "目标", "实际", "是否达成"], rows)


def people_table(
    what: str, people: list[dict], scope: Scope | None = None, in_school: int | None = None
) -> Table:
    """The students behind a figure, of a scope's groups; ID numbers masked (SPEC 5.3).
    `in_school`: the cohort listed is still in school, its students are no graduates yet
    (SPEC 3)."""
    titles = {
        "tested": "参加考核（合格或不合格）的学生",
        "passed": "考核合格的学生",
        "absent": "缺考的学生",
        "graduates": "毕业生",
        "certified": "获得技能证书的毕业生",
        "uncertified": "未获得技能证书的毕业生",
    }
    if what in ("tested", "passed", "absent"):
        header = ["序号", "班级", "学号", "姓名", "身份证号", "证书", "等级", "考核日期", "结果"]
        rows = [
            [
                i,
                p["class"] or "",
                mask_ids_in(p["student_no"] or ""),
                p["name"],
                mask_id(p["id_number"]),
                p["certificate"],
                p["level"] or "",
                dates.shown(p["exam_start"], p["exam_end"]),
                OUTCOME_LABELS[p["outcome"]],
            ]
            for i, p in enumerate(people, 1)
        ]
    else:
        header = ["序号", "届别", "班级", "学号", "姓名", "身份证号"]
        rows = [
            [
                i,
                cohort_label(p["cohort"]),
                p["class"] or "",
                mask_ids_in(p["student_no"] or ""),
                p["name"],
                mask_id(p["id_number"]),
            ]
            for i, p in enumerate(people, 1)
        ]
    words = scope.words() if scope is not None else ""
    if in_school is not None and what not in ("tested", "passed", "absent"):
        title = titles[what].replace("毕业生", "在校学生")
        return Table(
            f"{words}{cohort_label(in_school)}{title}（在校，预计，{len(people)}人）", header, rows
        )
    return Table(f"{words}{titles[what]}（{len(people)}人）", header, rows)


def people_json(people: list[dict]) -> list[dict]:
    out = []
    for p in people:
        record: dict[str, object] = {}
        for key, value in p.items():
            if key == "exam_start":  # a session's first and last day, as one date: 2022.5-6
                record["exam_date"] = dates.shown(value, p["exam_end"]) or None
            elif key not in ("id", "exam_end"):
                record[key] = value
        record["id_number"] = mask_id(p["id_number"]) or None
        if record.get("student_no"):
            record["student_no"] = mask_ids_in(str(record["student_no"]))
        out.append(record)
    return out


def to_json(data: object) -> str:
    import json  # here: the screen's tables never need it (start-up)

    return json.dumps(data, ensure_ascii=False, indent=2)


def to_csv(tables_: list[Table]) -> str:
    """Each table under its title, a blank line between; Excel reads the BOM as UTF-8."""
    import csv  # here: the screen's tables never need it (start-up)

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\n")
    for index, table in enumerate(tables_):
        if index:
            buffer.write("\n")
        writer.writerow([csv_cell(table.title)])
        writer.writerow(map(csv_cell, table.header))
        writer.writerows([map(csv_cell, row) for row in table.rows] or [["—"] * len(table.header)])
        writer.writerows([[csv_cell(f"注：{note}")] for note in table.notes])
    return buffer.getvalue()


def markdown_table(table: Table) -> str:
    """A Markdown table; a table without rows shows one row of —. A merged column's
    repeated cells (which Markdown cannot merge) are blank below the first."""
    lines = [
        "| " + " | ".join(table.header) + " |",
        "| " + " | ".join("---" for _ in table.header) + " |",
    ]
    lines += [
        "| "
        + " | ".join(_md(cell_text(c)) if span else "" for c, span in zip(row, spans, strict=True))
        + " |"
        for row, spans in zip(table.rows, table.spans(), strict=True)
    ]
    if not table.rows:
        lines.append("| " + " | ".join("—" for _ in table.header) + " |")
    for note in table.notes:  # a quote under the table, after a blank line
        lines += ["", f"> 注：{_md(note)}"]
    return "\n".join(lines)


def to_markdown(
    tables_: list[Table], warnings: Sequence[str] = (), notes: Sequence[str] = ()
) -> str:
    parts = [f"### {_md(table.title)}\n\n{markdown_table(table)}" for table in tables_]
    parts += [f"> 注意：{w}" for w in warnings] + [f"> 注：{n}" for n in notes]
    return "\n\n".join(parts) + "\n"


def md_cell(cell: object) -> str:
    """A value for a Markdown table cell (templates: `| {{ x | md }} |`)."""
    return _md(str(cell) if cell is not None else "")


def _md(cell: str) -> str:
    """A cell as Markdown text: no raw HTML (a name `<script>` stays text), no formatting
    (`**`, `_`, `[x](…)`, a backquote stay as typed), pipes and line breaks kept out."""
    return (
        _MD_SPECIAL.sub(r"\\\g<0>", cell)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", " ")
    )


_MD_SPECIAL = Lazy(r"[\\`*_\[\]|]")
