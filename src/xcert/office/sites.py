"""The site profile and the implementation plan (SPEC 5.2, 6.5): facts a school writes
into the same forms every year, validated once, kept in the database.

TOML tables: `[school]` (name, code, address, pilot, introduction, graduation_day), `[[site]]`
(an exam site applied for, with its three contacts and the evaluation organisation) and
`[plan]` (the implementation plan: office/plans.py; its years before the database,
`[[plan.history]]`: office/history.py). Every problem of a file
is listed at its table and key (`KeyProblems`), not only the first.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import KeyProblems, XcertError
from xcert.model import GRADUATION_DAY, LEVEL_WORDS
from xcert.office import plans

SITE_TYPES = ("考点", "省指导中心")
CONTACTS = {"leader": "考点负责人", "liaison": "考核工作日常联系人", "admin": "考试服务平台管理员"}
CONTACT_KEYS = ("name", "title", "phone", "mobile", "email", "wechat")
SCHOOL_CODE = re.compile(r"[0-9A-Za-z]{4,20}")  # 学校标识码 4144012345, 院校代码 10593
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
SCHOOL_KEYS = ("name", "code", "address", "pilot", "introduction", "graduation_day")
SITE_KEYS = (
    "name",
    "certificate",
    "type",
    "levels",
    "max_per_day",
    "expected",
    "rooms",
    "other",
    "signed_on",
    "approved_on",
    "partners",
    "label",
    "attachments",
    "organisation",
    "organisation_contact",
    *CONTACTS,
)


class _Problems(KeyProblems):
    def need(self, table: dict, key: str, where: str, what: str) -> object:
        """The value of `key`, and a problem when it is missing or blank."""
        value = table.get(key)
        if value in (None, "", []):
            self.add(f"{where} {key}", f"缺少这一项（{what}）")
        return value

    def unknown(self, table: dict, known: tuple[str, ...], where: str) -> None:
        extra = set(table) - set(known)
        if extra:
            self.add(where, f"不认识的键 {'、'.join(sorted(extra))}")


def _text(value: object) -> str:
    return clean.prose(value)


def _contact(table: object, where: str, problems: _Problems, *, required: bool) -> dict:
    if table is None:
        if required:
            problems.add(where, "缺少这一节")
        return {}
    if not isinstance(table, dict):
        problems.add(where, f"应写成一个表（{'、'.join(CONTACT_KEYS)}）", table)
        return {}
    problems.unknown(table, CONTACT_KEYS, where)
    contact = {k: _text(table.get(k)) for k in CONTACT_KEYS}
    if required and not contact["name"]:
        problems.add(f"{where} name", "缺少这一项（姓名）")
    for key in ("phone", "mobile"):
        if contact[key]:
            try:
                contact[key] = clean.phone(contact[key])
            except clean.CellError as exc:
                problems.add(f"{where} {key}", str(exc), contact[key])
    if contact["email"] and not _EMAIL.match(contact["email"]):
        problems.add(f"{where} email", "不是电子邮箱地址", contact["email"])
    return contact


def parse(path: Path, data: dict) -> tuple[dict | None, list[dict], dict | None]:
    """(school, sites, plan) of a TOML file, or one XcertError listing every problem."""
    problems = _Problems(path.name)
    if not _check_tables(data, problems):
        problems.refuse()
    school = _school(data["school"], problems) if "school" in data else None
    sites = _sites(data.get("site", []), problems)
    plan = plans.parse(data["plan"], problems, path.parent) if "plan" in data else None
    problems.refuse()
    return school, sites, plan


def _check_tables(data: dict, problems: _Problems) -> bool:
    """Tables of the wrong shape: nothing inside them can be checked (False)."""
    for key, kind, shape in (
        ("school", dict, "[school] 表"),
        ("site", list, "[[site]] 表数组"),
        ("plan", dict, "[plan] 表"),
    ):
        if key in data and not isinstance(data[key], kind):
            problems.add(key, f"应写成 {shape}", data[key])
    if isinstance(data.get("site"), list) and not all(isinstance(e, dict) for e in data["site"]):
        problems.add("site", "应写成 [[site]] 表数组", data["site"])
    return not problems


def _school(table: dict, problems: _Problems) -> dict:
    """The `[school]` table: known keys, a name, `pilot` yes or no, the graduation day."""
    where = "[school]"
    problems.unknown(table, SCHOOL_KEYS, where)
    if not _text(table.get("name")):
        problems.add(f"{where} name", "缺少这一项（单位名称）")
    school: dict[str, object] = {k: _text(table.get(k)) for k in SCHOOL_KEYS if k in table}
    if "pilot" in table:
        try:
            school["pilot"] = clean.yes_no(table["pilot"])
        except clean.CellError:
            problems.add(f"{where} pilot", "应为「是」或「否」（是否试点院校）", table["pilot"])
    if "graduation_day" in table:
        day = _month_day(table["graduation_day"])
        if day is None:
            reason = "应为每届毕业的月、日，如 07-01"
            problems.add(f"{where} graduation_day", reason, table["graduation_day"])
        school["graduation_day"] = day
    code = _text(table.get("code"))
    if "code" in table and not SCHOOL_CODE.fullmatch(code):
        reason = "应为学校代码（教育部学校标识码10位数字，或院校代码），只含字母和数字"
        problems.add(f"{where} code", reason, table["code"])
    return school


def _month_day(value: object) -> str | None:
    """07-01, 7-1, 7月1日 (or a whole date: its month and day) as MM-DD; None if no day."""
    if isinstance(value, dt.date):
        value = value.isoformat()[5:]
    found = re.fullmatch(r"(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?", clean.text(value))
    if not found:
        return None
    month, day = int(found[1]), int(found[2])
    try:
        dt.date(2001, month, day)  # a day every year has: not 02-29
    except ValueError:
        return None
    return f"{month:02d}-{day:02d}"


def _sites(entries: list[dict], problems: _Problems) -> list[dict]:
    """Every `[[site]]`, each named apart from the others (by name, else its certificate)."""
    sites = []
    names: set[str] = set()
    for number, entry in enumerate(entries, 1):
        label = _text(entry.get("name")) or _text(entry.get("certificate"))
        where = f"第{number}个 [[site]]" + (f"（{label}）" if label else "")
        site = _site(entry, label, where, problems)
        if label in names:
            problems.add(f"{where} name", "与前面的考点重名；用 name 区分", label)
        names.add(label)
        site.update(_site_contacts(entry, where, problems))
        sites.append(site)
    return sites


def _site(entry: dict, label: str, where: str, problems: _Problems) -> dict:
    """One `[[site]]`'s own facts, as stored (its contacts apart)."""
    problems.unknown(entry, SITE_KEYS, where)
    problems.need(entry, "certificate", where, "申报的证书")
    site_type = problems.need(entry, "type", where, "申报类型：考点 或 省指导中心")
    if site_type and site_type not in SITE_TYPES:
        problems.add(f"{where} type", "应为「考点」或「省指导中心」", site_type)
    levels = _site_levels(entry, where, problems)
    for key, what in (("max_per_day", "每天最大考核量"), ("expected", "预计考核人数")):
        value = problems.need(entry, key, where, what)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            problems.add(f"{where} {key}", f"应为非负整数（{what}）", value)
    return {
        "name": label,
        "certificate": _text(entry.get("certificate")),
        "type": site_type,
        "levels": levels,
        "max_per_day": entry.get("max_per_day"),
        "expected": entry.get("expected"),
        "rooms": _text(entry.get("rooms")),
        "other": _text(entry.get("other")),
        "signed_on": _signed_on(entry, "signed_on", where, problems),
        "organisation": _text(entry.get("organisation")),
        **_form_extras(entry, where, problems),
    }


def _form_extras(entry: dict, where: str, problems: _Problems) -> dict:
    """What the form has besides the site's facts, stored only when given (an older
    profile stays as it was): 联合单位, the label above the form (附件 1-3), the list
    of its attachments, the evaluation organisation's date of approval."""
    extras: dict[str, object] = {}
    for key, what in (("partners", "联合单位"), ("label", "表前的附件标注，如 附件1")):
        if key in entry:
            if not isinstance(entry[key], str):
                problems.add(f"{where} {key}", f"应为文字（{what}）", entry[key])
            extras[key] = _text(entry[key])
    if "attachments" in entry:
        listed = entry["attachments"]
        if not isinstance(listed, list) or not all(isinstance(a, str) for a in listed):
            problems.add(f"{where} attachments", '应写成附件名称的列表，如 ["场地照片"]', listed)
            listed = []
        extras["attachments"] = [_text(a) for a in listed if _text(a)]
    if "approved_on" in entry:
        extras["approved_on"] = _signed_on(entry, "approved_on", where, problems)
    return extras


def _site_levels(entry: dict, where: str, problems: _Problems) -> list[str]:
    """The levels applied for, in their canonical words: a list, each one a level."""
    raw_levels = problems.need(entry, "levels", where, '申报考核等级，如 ["初级"]')
    if not isinstance(raw_levels, list):
        if raw_levels not in (None, ""):  # need() has reported a blank one
            problems.add(f"{where} levels", '应写成等级的列表，如 ["初级"]', raw_levels)
        raw_levels = []
    levels = []
    for level in raw_levels:
        canonical = LEVEL_WORDS.get(_text(level).lower())
        if canonical is None:
            problems.add(f"{where} levels", "不是等级（可用：初级、中级、高级）", level)
        else:
            levels.append(canonical)
    return levels


def _signed_on(entry: dict, key: str, where: str, problems: _Problems) -> str | None:
    """A date the form is signed on (`signed_on` the school's, `approved_on` the
    evaluation organisation's), at the precision written."""
    if entry.get(key) is None:
        return None
    return plans.document_date(entry[key], f"{where} {key}", problems)


def _site_contacts(entry: dict, where: str, problems: _Problems) -> dict[str, dict]:
    """The site's contacts: the evaluation organisation's (optional) and its three own."""
    contacts = {
        "organisation_contact": _contact(
            entry.get("organisation_contact"),
            f"{where} 培训评价组织联系人（organisation_contact）",
            problems,
            required=False,
        )
    }
    for key, title in CONTACTS.items():
        contacts[key] = _contact(
            entry.get(key), f"{where} {title}（[site.{key}]）", problems, required=True
        )
    return contacts


def apply(
    conn: sqlite3.Connection,
    school: dict | None,
    sites: list[dict],
    plan: dict | None,
    import_id: int,
) -> tuple[int, int, int]:
    """Store the school's facts, each site by name and the plan by year; (added, updated, unchanged)."""
    added = updated = unchanged = 0
    if school:
        for key, value in school.items():
            stored = conn.execute(
                "SELECT value FROM settings WHERE key = ?", (f"school_{key}",)
            ).fetchone()
            text = json.dumps(value, ensure_ascii=False)
            if stored is None or stored[0] != text:
                conn.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (f"school_{key}", text),
                )
                updated += 1
    rows = [("sites", "name", s["name"], s) for s in sites]
    if plan is not None:
        rows.append(("plans", "year", plan["year"], plan))
    for table, key, value, data in rows:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True)
        stored = conn.execute(f"SELECT data FROM {table} WHERE {key} = ?", (value,)).fetchone()
        if stored is None:
            conn.execute(
                f"INSERT INTO {table} ({key}, data, updated_import) VALUES (?, ?, ?)",
                (value, text, import_id),
            )
            added += 1
        elif stored[0] != text:
            conn.execute(
                f"UPDATE {table} SET data = ?, updated_import = ? WHERE {key} = ?",
                (text, import_id, value),
            )
            updated += 1
        else:
            unchanged += 1
    return added, updated, unchanged


def school(conn: sqlite3.Connection) -> dict:
    out = {}
    for key, value in conn.execute("SELECT key, value FROM settings WHERE key LIKE 'school_%'"):
        try:
            out[key[len("school_") :]] = json.loads(value)
        except json.JSONDecodeError:  # school_name set by an older [school] table: plain text
            out[key[len("school_") :]] = value
    return out


def graduation_day(conn: sqlite3.Connection, cohort: int) -> dt.date:
    """The day the 届 `cohort` graduates (SPEC 3): the site profile's [school]
    graduation_day in that year, 1 July unless it says otherwise."""
    month_day = school(conn).get("graduation_day") or GRADUATION_DAY
    return dt.date.fromisoformat(f"{cohort:04d}-{month_day}")


def site(conn: sqlite3.Connection, name: str | None) -> dict:
    rows = conn.execute("SELECT name, data FROM sites ORDER BY name").fetchall()
    if not rows:
        raise XcertError("还没有考点资料：先导入考点资料文件（如 xcert import examples/site.toml）")
    if name is None:
        if len(rows) > 1:
            raise XcertError(
                f"有{len(rows)}个考点，请用 --site 指定：{'、'.join(r[0] for r in rows)}"
            )
        return json.loads(rows[0][1])
    for site_name, data in rows:
        if site_name == name or json.loads(data)["certificate"] == name:
            return json.loads(data)
    raise XcertError(f"没有考点「{name}」；有：{'、'.join(r[0] for r in rows)}")


def plan(conn: sqlite3.Connection, year: int | None) -> dict:
    if year is None:
        raise XcertError("plan 需要 --year，例如 --year 2022")
    row = conn.execute("SELECT data FROM plans WHERE year = ?", (year,)).fetchone()
    if row is None:
        raise XcertError(f"没有{year}年的实施方案：先导入带 [plan] year = {year} 的文件")
    return json.loads(row[0])
