"""The site profile and the implementation plan (SPEC 5.2, 6.5): facts a school writes
into the same forms every year, validated once, kept in the database.

TOML tables: `[school]` (name, address, pilot, introduction), `[[site]]` (an exam site
applied for, with its three contacts and the evaluation organisation) and `[plan]` (a
year's certificates, budget items and stated total).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.model import FIRST_YEAR, LAST_YEAR, LEVEL_WORDS

SITE_TYPES = ("考点", "省指导中心")
CONTACTS = {"leader": "考点负责人", "liaison": "考核工作日常联系人", "admin": "考试服务平台管理员"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
SCHOOL_KEYS = ("name", "address", "pilot", "introduction")
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


class _Problems(list):
    def need(self, table: dict, key: str, where: str, what: str) -> object:
        value = table.get(key)
        if value in (None, "", []):
            self.append(f"{where}：缺少 {key}（{what}）")
        return value


def _text(value: object) -> str:
    return clean.prose(value)


def _contact(table: object, where: str, problems: _Problems, *, required: bool) -> dict:
    if table is None:
        if required:
            problems.append(f"{where}：缺少这一节")
        return {}
    if not isinstance(table, dict):
        problems.append(f"{where}：应写成一个表（name、title、phone、mobile、email、wechat）")
        return {}
    extra = set(table) - {"name", "title", "phone", "mobile", "email", "wechat"}
    if extra:
        problems.append(f"{where}：不认识的键 {'、'.join(sorted(extra))}")
    contact = {
        k: _text(table.get(k)) for k in ("name", "title", "phone", "mobile", "email", "wechat")
    }
    if required and not contact["name"]:
        problems.append(f"{where}：缺少 name（姓名）")
    for key in ("phone", "mobile"):
        if contact[key]:
            try:
                contact[key] = clean.phone(contact[key])
            except clean.CellError as exc:
                problems.append(f"{where}：{key}「{contact[key]}」不是电话号码（{exc}）")
    if contact["email"] and not _EMAIL.match(contact["email"]):
        problems.append(f"{where}：email「{contact['email']}」不是电子邮箱地址")
    return contact


def parse(path: Path, data: dict) -> tuple[dict | None, list[dict], dict | None]:
    """(school, sites, plan) of a TOML file, or one XcertError listing every problem."""
    _check_tables(path, data)
    problems = _Problems()
    school = _school(path, data["school"], problems) if "school" in data else None
    sites = _sites(path, data.get("site", []), problems)
    plan = _plan(path, data["plan"], problems) if "plan" in data else None
    if problems:
        raise XcertError("；".join(problems))
    return school, sites, plan


def _check_tables(path: Path, data: dict) -> None:
    """Tables of the wrong shape stop at once: nothing inside them can be checked."""
    for key, kind, shape in (
        ("school", dict, "[school] 表"),
        ("site", list, "[[site]] 表数组"),
        ("plan", dict, "[plan] 表"),
    ):
        if key in data and not isinstance(data[key], kind):
            raise XcertError(f"{path.name}：{key} 应写成 {shape}")
    if "site" in data and not all(isinstance(entry, dict) for entry in data["site"]):
        raise XcertError(f"{path.name}：site 应写成 [[site]] 表数组")


def _school(path: Path, table: dict, problems: _Problems) -> dict:
    """The `[school]` table: known keys, a name, and `pilot` a boolean."""
    where = f"{path.name} [school]"
    extra = set(table) - set(SCHOOL_KEYS)
    if extra:
        problems.append(f"{where}：不认识的键 {'、'.join(sorted(extra))}")
    if not _text(table.get("name")):
        problems.append(f"{where}：缺少 name（单位名称）")
    if "pilot" in table and not isinstance(table["pilot"], bool):
        problems.append(f"{where}：pilot 应为 true 或 false（是否试点院校）")
    return {k: table[k] if k == "pilot" else _text(table.get(k)) for k in SCHOOL_KEYS if k in table}


def _sites(path: Path, entries: list[dict], problems: _Problems) -> list[dict]:
    """Every `[[site]]`, each named apart from the others (by name, else its certificate)."""
    sites = []
    names: set[str] = set()
    for number, entry in enumerate(entries, 1):
        label = _text(entry.get("name")) or _text(entry.get("certificate"))
        where = f"{path.name} 第 {number} 个 [[site]]" + (f"（{label}）" if label else "")
        site = _site(entry, label, where, problems)
        if label in names:
            problems.append(f"{where}：与前面的考点重名；用 name 区分")
        names.add(label)
        site.update(_site_contacts(entry, where, problems))
        sites.append(site)
    return sites


def _site(entry: dict, label: str, where: str, problems: _Problems) -> dict:
    """One `[[site]]`'s own facts, as stored (its contacts apart)."""
    extra = set(entry) - set(SITE_KEYS)
    if extra:
        problems.append(f"{where}：不认识的键 {'、'.join(sorted(extra))}")
    problems.need(entry, "certificate", where, "申报的证书")
    site_type = problems.need(entry, "type", where, "申报类型：考点 或 省指导中心")
    if site_type and site_type not in SITE_TYPES:
        problems.append(f"{where}：type 应为「考点」或「省指导中心」，不是「{site_type}」")
    levels = _site_levels(entry, where, problems)
    for key, what in (("max_per_day", "每天最大考核量"), ("expected", "预计考核人数")):
        value = problems.need(entry, key, where, what)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            problems.append(f"{where}：{key} 应为非负整数（{what}）")
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
            problems.append(f'{where}：levels 应写成等级的列表，如 ["初级"]')
        raw_levels = []
    levels = []
    for level in raw_levels:
        canonical = LEVEL_WORDS.get(_text(level).lower())
        if canonical is None:
            problems.append(f"{where}：等级「{level}」不存在（可用：初级、中级、高级）")
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
        problems.append(f"{where}：signed_on「{signed}」不是日期")
        return None
    if "/" in span.iso:  # a month range: not the day of a signature
        problems.append(f"{where}：signed_on「{signed}」是一段时间，应为某一天（或某月）")
        return None
    return span.iso


def _site_contacts(entry: dict, where: str, problems: _Problems) -> dict[str, dict]:
    """The site's contacts: the evaluation organisation's (optional) and its three own."""
    contacts = {
        "organisation_contact": _contact(
            entry.get("organisation_contact"),
            f"{where} 培训评价组织联系人",
            problems,
            required=False,
        )
    }
    for key, title in CONTACTS.items():
        contacts[key] = _contact(
            entry.get(key), f"{where} {title}（[site.{key}]）", problems, required=True
        )
    return contacts


def _plan(path: Path, table: dict, problems: _Problems) -> dict | None:
    where = f"{path.name} [plan]"
    extra = set(table) - {"year", "certificates", "total", "budget"}
    if extra:
        problems.append(f"{where}：不认识的键 {'、'.join(sorted(extra))}")
    year = table.get("year")
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        problems.append(f"{where}：year 应为年份，如 2022")
    raw_certificates = table.get("certificates", [])
    if not isinstance(raw_certificates, list) or not all(
        isinstance(c, str) for c in raw_certificates
    ):
        problems.append(f'{where}：certificates 应写成证书名称的列表，如 ["机械工程制图"]')
        raw_certificates = []
    certificates = [_text(c) for c in raw_certificates]
    budget = table.get("budget", [])
    if not isinstance(budget, list) or not all(isinstance(item, dict) for item in budget):
        problems.append(f"{where}：budget 应写成 [[plan.budget]] 表数组")
        budget = []
    items = []
    for number, item in enumerate(budget, 1):
        unknown = set(item) - {"item", "sub_item", "content", "amount"}
        if unknown:
            problems.append(
                f"{where} 第 {number} 项 [[plan.budget]]：不认识的键 {'、'.join(sorted(unknown))}"
            )
        amount = item.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount < 0:
            problems.append(f"{where} 第 {number} 项 [[plan.budget]]：amount 应为非负的金额（元）")
            amount = 0
        if not _text(item.get("item")):
            problems.append(f"{where} 第 {number} 项 [[plan.budget]]：缺少 item（总项目名称）")
        items.append(
            {
                "item": _text(item.get("item")),
                "sub_item": _text(item.get("sub_item")),
                "content": _text(item.get("content")),
                "amount": amount,
            }
        )
    total = table.get("total")
    summed = round(sum(i["amount"] for i in items), 2)
    if total is not None:
        if not isinstance(total, int | float) or isinstance(total, bool):
            problems.append(f"{where}：total 应为金额（元）")
        elif abs(summed - total) > 0.005:
            gap = round(total - summed, 2)
            side = f"少 {yuan(gap)}" if gap > 0 else f"多 {yuan(-gap)}"
            problems.append(
                f"{where}：预算明细合计 {yuan(summed)} 元，比总额 total = {yuan(total)} 元{side} 元"
            )
    return {"year": year, "certificates": certificates, "budget": items, "total": summed}


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


def site(conn: sqlite3.Connection, name: str | None) -> dict:
    rows = conn.execute("SELECT name, data FROM sites ORDER BY name").fetchall()
    if not rows:
        raise XcertError("还没有考点资料：先导入考点资料文件（如 xcert import examples/site.toml）")
    if name is None:
        if len(rows) > 1:
            raise XcertError(
                f"有 {len(rows)} 个考点，请用 --site 指定：{'、'.join(r[0] for r in rows)}"
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
        raise XcertError(f"没有 {year} 年的实施方案：先导入带 [plan] year = {year} 的文件")
    return json.loads(row[0])
