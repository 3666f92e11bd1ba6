"""The site profile and the implementation plan (SPEC 5.2, 6.5): facts a school writes
into the same forms every year, validated once, kept in the database.

TOML tables: `[school]` (name, address, pilot, introduction, graduation_day), `[[site]]`
(an exam site applied for, with its three contacts and the evaluation organisation) and
`[plan]` (a year's certificates, budget items and stated total, and the years before
the database, `[[plan.history]]`: office/history.py). Every problem of a file
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
from xcert.model import FIRST_YEAR, GRADUATION_DAY, LAST_YEAR, LEVEL_WORDS
from xcert.office import history

SITE_TYPES = ("考点", "省指导中心")
CONTACTS = {"leader": "考点负责人", "liaison": "考核工作日常联系人", "admin": "考试服务平台管理员"}
CONTACT_KEYS = ("name", "title", "phone", "mobile", "email", "wechat")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
SCHOOL_KEYS = ("name", "address", "pilot", "introduction", "graduation_day")
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
    "organisation",
    "organisation_contact",
    *CONTACTS,
)
BUDGET_KEYS = ("item", "sub_item", "content", "amount")


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
    plan = _plan(data["plan"], problems) if "plan" in data else None
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
        "signed_on": _signed_on(entry, where, problems),
        "organisation": _text(entry.get("organisation")),
    }


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


def _signed_on(entry: dict, where: str, problems: _Problems) -> str | None:
    """The date the site's agreement was signed, stored at the precision written (a day,
    or `2022.9` with the day left to write by hand: never a day made up)."""
    signed = entry.get("signed_on")
    if signed is None:
        return None
    if isinstance(signed, dt.date):  # a TOML date (a datetime is one too)
        return clean.date_span(signed).iso
    try:
        span = clean.date_span(signed)
    except clean.CellError:
        problems.add(f"{where} signed_on", "不是日期", signed)
        return None
    if "/" in span.iso:  # a month range: not the day of a signature
        problems.add(f"{where} signed_on", "是一段时间，应为某一天（或某月）", signed)
        return None
    return span.iso


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


def _plan(table: dict, problems: _Problems) -> dict | None:
    where = "[plan]"
    problems.unknown(table, ("year", "certificates", "total", "budget", "history"), where)
    year = table.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        problems.add(f"{where} year", "应为年份，如 2022", year)
    raw_certificates = table.get("certificates", [])
    if not isinstance(raw_certificates, list) or not all(
        isinstance(c, str) for c in raw_certificates
    ):
        reason = '应写成证书名称的列表，如 ["机械工程制图"]'
        problems.add(f"{where} certificates", reason, raw_certificates)
        raw_certificates = []
    certificates = [_text(c) for c in raw_certificates]
    budget = table.get("budget", [])
    if not isinstance(budget, list) or not all(isinstance(item, dict) for item in budget):
        problems.add(f"{where} budget", "应写成 [[plan.budget]] 表数组", budget)
        budget = []
    items = [_budget_item(number, item, problems) for number, item in enumerate(budget, 1)]
    summed = round(sum(i["amount"] for i in items), 2)
    _check_total(table.get("total"), summed, problems)
    plan = {"year": year, "certificates": certificates, "budget": items, "total": summed}
    if "history" in table:  # years before the database (SPEC 3); stored only when given
        plan["history"] = history.parse(table["history"], problems)
    return plan


def _budget_item(number: int, item: dict, problems: _Problems) -> dict:
    """One `[[plan.budget]]`: known keys, an item name and an amount (0 when refused)."""
    where = f"第{number}项 [[plan.budget]]"
    problems.unknown(item, BUDGET_KEYS, where)
    amount = item.get("amount")
    if not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 0:
        problems.add(f"{where} amount", "应为非负的金额（元）", amount)
        amount = 0
    if not _text(item.get("item")):
        problems.add(f"{where} item", "缺少这一项（总项目名称）")
    return {
        "item": _text(item.get("item")),
        "sub_item": _text(item.get("sub_item")),
        "content": _text(item.get("content")),
        "amount": amount,
    }


def _check_total(total: object, summed: float, problems: _Problems) -> None:
    """The stated total, when given, is the budget items' sum."""
    if total is None:
        return
    if not isinstance(total, int | float) or isinstance(total, bool):
        problems.add("[plan] total", "应为金额（元）", total)
    elif abs(summed - total) > 0.005:
        gap = round(total - summed, 2)
        side = f"少{yuan(gap)}元" if gap > 0 else f"多{yuan(-gap)}元"
        problems.add("[plan] total", f"预算明细合计{yuan(summed)}元，比总额{side}", yuan(total))


def yuan(amount: float, *, grouped: bool = False) -> str:
    """An amount as a clerk writes it: 415688, 265432.2 (with thousands separators if asked)."""
    text = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


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
