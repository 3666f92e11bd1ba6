"""Registration lists in the national platform's template (SPEC 6.4).

The platform's columns change from year to year, so their order, headers and spellings
live in a column profile (TOML), not in the code:

    [profile]
    sheet = "考生信息"

    [[column]]
    header = "证件类型"
    value = "居民身份证"            # the same text in every row

    [[column]]
    header = "性别"
    field = "gender"                # one of FIELDS
    values = { "男" = "男", "女" = "女" }   # xcert's word → the template's spelling

    [[column]]
    header = "出生日期"
    field = "birth_date"
    format = "%Y%m%d"               # dates: strftime, default 2008-01-31
    required = true                 # a blank refuses the export, naming the students

This is the one file xcert writes with full ID numbers; the command says so.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import KeyProblems, XcertError
from xcert.office import sessions, sites
from xcert.office.catalogue import load_toml
from xcert.output.tables import Table
from xcert.output.xlsx import write_tables
from xcert.resources import bundled

FIELDS = {
    "row_no": "序号（1、2、3……）",
    "name": "姓名",
    "student_no": "学号",
    "id_number": "身份证号（完整）",
    "gender": "性别（男/女）",
    "birth_date": "出生日期（取自身份证号）",
    "class_code": "班级",
    "major": "专业",
    "department": "系部",
    "cohort": "届别",
    "enrollment_year": "入学年份",
    "phone": "手机号",
    "school": "学校名称（[school] name）",
    "certificate": "证书名称",
    "level": "等级",
    "exam_date": "考试日期",
    "site": "考点",
}
DATE_FIELDS = ("birth_date", "exam_date")
DEFAULT_PROFILE = "registration-profile.toml"


@dataclass
class Column:
    header: str
    source: str | None = None  # the profile's `field`
    value: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    required: bool = False


@dataclass
class Profile:
    sheet: str
    columns: list[Column]


COLUMN_KEYS = {"header", "field", "value", "values", "format", "required"}


def load_profile(path: Path | None) -> Profile:
    """The school's profile, or the bundled default; every mistake named at once."""
    path = path or bundled("examples") / DEFAULT_PROFILE
    data = _read_profile(path)
    settings = data.get("profile", {})
    sheet = settings.get("sheet", "报名表") if isinstance(settings, dict) else "报名表"
    entries = data.get("column")
    if not isinstance(entries, list) or not entries:
        raise XcertError(f"{path.name}：没有 [[column]]；每一列写一个 [[column]]，见 README")
    problems = KeyProblems(path.name)  # every problem, one line each
    columns = []
    for number, entry in enumerate(entries, 1):
        column = _column(f"第{number}个 [[column]]", entry, problems)
        if column is not None:
            columns.append(column)
    headers = [c.header for c in columns]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        problems.add("[[column]] header", f"列名重复：{'、'.join(repeated)}")
    problems.refuse()
    return Profile(str(sheet), columns)


def _read_profile(path: Path) -> dict:
    """The profile file's tables: it must exist, be UTF-8 text and be TOML."""
    if not path.is_file():
        raise XcertError(f"列配置文件「{path}」不存在")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise XcertError(f"{path.name}：列配置文件应存为 UTF-8 文本") from None
    return load_toml(path, text)


def _column(where: str, entry: object, problems: KeyProblems) -> Column | None:
    """One `[[column]]`, or None and its first problem (one that makes the rest moot)
    added; an unknown key is only noted."""
    if not isinstance(entry, dict):
        problems.add(where, "应写成 [[column]] 表（header = …）", entry)
        return None
    header = entry.get("header")
    if not isinstance(header, str) or not header.strip():
        problems.add(f"{where} header", "缺少这一项（列名）")
        return None
    if any(ord(c) < 32 for c in header):
        problems.add(f"{where} header", "有控制字符")
        return None
    where += f"（{header}）"
    unknown = set(entry) - COLUMN_KEYS
    if unknown:
        problems.add(where, f"不认识的键 {'、'.join(sorted(unknown))}")
    problem = _column_problem(entry)
    if problem is not None:
        problems.add(where, problem)
        return None
    value = entry.get("value")
    return Column(
        header.strip(),
        entry.get("field"),
        None if value is None else str(value),
        entry.get("values", {}),
        entry.get("format"),
        clean.yes_no(entry.get("required", False)),
    )


def _column_problem(entry: dict) -> str | None:
    """What is wrong with a column's source and form, if anything: a field or a fixed
    value (one of them), values as a table of text, a format only on a date column,
    and required a boolean."""
    fld, value = entry.get("field"), entry.get("value")
    if (fld is None) == (value is None):
        return "field（取哪项数据）和 value（固定文字）要写且只写一个"
    if fld is not None and fld not in FIELDS:
        return f"field「{fld}」不存在；可用：{'、'.join(FIELDS)}"
    if value is not None and not isinstance(value, str | int):
        return "value 应为文字"
    values = entry.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in values.items()
    ):
        return 'values 应写成 { "男" = "男", "女" = "女" }'
    fmt = entry.get("format")
    if fmt is not None and (fld not in DATE_FIELDS or not isinstance(fmt, str)):
        return f'format 只用于日期列（{"、".join(DATE_FIELDS)}），如 "%Y%m%d"'
    try:
        clean.yes_no(entry.get("required", False))
    except clean.CellError:
        return "required 应为「是」或「否」（或 true、false）"
    return None


@dataclass
class Export:
    session: sessions.Session
    rows: int
    path: Path


def registrations(conn: sqlite3.Connection, session_id: int, out: Path, profile: Profile) -> Export:
    """The session's registered students, one row each, in the profile's columns."""

    if out.is_dir() or not out.parent.is_dir():
        raise XcertError(f"-o {out}：{'这是文件夹' if out.is_dir() else '文件夹不存在'}")
    session = sessions.get(conn, session_id)
    people = sessions.registered(conn, session_id)
    if not people:
        raise XcertError(f"{session.label} 还没有人报名（xcert select 或 xcert register）")
    school = str(sites.school(conn).get("name") or "")
    date_start, date_end = conn.execute(
        "SELECT date_start, date_end FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    single_day = date_start is not None and date_start == date_end
    problems: list[str] = []
    body = []
    for number, person in enumerate(people, 1):
        source = {
            **person,
            "row_no": number,
            "birth_date": _birth(person["id_number"]),
            "school": school,
            "certificate": session.certificate,
            "level": session.level,
            # a month range (2026.12) is exported as written, never as an invented day
            "exam_date": dt.date.fromisoformat(date_start) if single_day else session.date,
            "site": session.site,
        }
        row = []
        for column in profile.columns:
            cell, why = _cell(column, source)
            if why:
                problems.append(
                    f"{person['name']}（{person['student_no'] or person['class_code']}）{why}"
                )
            row.append(cell)
        body.append(row)
    if problems:
        raise XcertError(
            f"{len(problems)}处数据不符合列配置，没有导出："
            + "；".join(problems[:8])
            + ("……" if len(problems) > 8 else "")
        )
    try:
        write_tables(out, [Table(profile.sheet, [c.header for c in profile.columns], body)])
    except OSError as exc:
        raise XcertError(f"无法写入 {out}：{exc.strerror or exc}") from None
    return Export(session, len(body), out)


def _birth(id_number: str | None) -> dt.date | None:
    if not id_number or len(id_number) != 18:
        return None
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def _cell(column: Column, source: dict) -> tuple[object, str | None]:
    """A cell's text (numbers too: a template's cells are text), or why it cannot be."""
    if column.value is not None:
        return column.value, None
    raw = source.get(column.source or "")
    if raw is None or raw == "":
        return "", f"缺少「{column.header}」" if column.required else None
    if isinstance(raw, dt.date):
        text = raw.strftime(column.format) if column.format else raw.isoformat()
    elif column.source == "row_no":
        return raw, None  # the one number a template counts with
    else:
        text = str(raw)
    if column.values:
        if text not in column.values:
            allowed = "、".join(column.values)
            return "", f"「{column.header}」的值「{text}」不在列配置的 values 里（有：{allowed}）"
        text = column.values[text]
    return text, None
