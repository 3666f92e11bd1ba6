"""The site profile's `[plan]` (SPEC 5.2, seed 000's 实施方案): a year's certificates,
budget, equipment and the plan's own words, checked once and stored with the plan, so
that rendering reads no file.

The narrative (必要性, 可行性, 预期效益, 保障机制…) is the school's: `[[plan.sections]]`,
each a title and its text, written in the TOML file or in a Markdown file beside it
(read at import). A section may `show` one of xcert's own parts (the budget table, the
equipment list, the history…) after its text; a part no section shows follows as a
section of its own. Keys given are stored, keys not given are not: an older profile
imports as it did and its plan shows what it always showed.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import KeyProblems
from xcert.model import FIRST_YEAR, LAST_YEAR
from xcert.office import history

KEYS = (
    "year",
    "funding",
    "number",
    "date",
    "certificates",
    "total",
    "budget",
    "equipment",
    "sections",
    "history",
)
BUDGET_KEYS = ("item", "sub_item", "content", "amount")
EQUIPMENT_KEYS = ("name", "spec", "quantity", "unit", "price", "amount", "note")
SECTION_KEYS = ("title", "text", "file", "show")
# xcert's own parts of a plan, in the order they follow when no section shows them,
# with the title each has then.
PARTS = {
    "certificates": "试点证书",
    "history": "往年 1+X 证书试点情况",
    "budget": "资金需求",
    "equipment": "设备采购清单",
    "teachers": "师资情况",
    "targets": "绩效目标",
}
TEXT_FILE_LIMIT = 1 << 20  # a section's Markdown file: a few pages, never a megabyte
_NUMBERED_TITLE = re.compile(r"^\s*(?:[一二三四五六七八九十百]+|\d+)\s*[、.．]")


def _unknown(table: dict, known: tuple[str, ...], where: str, problems: KeyProblems) -> None:
    extra = set(table) - set(known)
    if extra:
        problems.add(where, f"不认识的键 {'、'.join(sorted(extra))}")


def _table_list(table: dict, key: str, problems: KeyProblems) -> list[dict]:
    """`[[plan.KEY]]` entries, or none (and a problem) when written in another shape."""
    entries = table.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.add(f"[plan] {key}", f"应写成 [[plan.{key}]] 表数组", entries)
        return []
    return entries


def parse(table: dict, problems: KeyProblems, folder: Path) -> dict:
    """The `[plan]` table as stored; `folder` is where its Markdown files are looked for
    (the TOML file's own folder)."""
    where = "[plan]"
    _unknown(table, KEYS, where, problems)
    year = table.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        problems.add(f"{where} year", "应为年份，如 2022", year)
    budget = _table_list(table, "budget", problems)
    items = [_budget_item(n, item, problems) for n, item in enumerate(budget, 1)]
    summed = round(sum(i["amount"] for i in items), 2)
    _check_total(table.get("total"), summed, problems)
    plan: dict[str, object] = {
        "year": year,
        "certificates": _certificates(table.get("certificates", []), problems),
        "budget": items,
        "total": summed,
    }
    for key, what in (("funding", "资金来源"), ("number", "文号")):
        if key in table:
            plan[key] = _one_line(table[key], f"{where} {key}", what, problems)
    if "date" in table:
        plan["date"] = document_date(table["date"], f"{where} date", problems)
    if "equipment" in table:
        entries = _table_list(table, "equipment", problems)
        plan["equipment"] = [_equipment(n, e, problems) for n, e in enumerate(entries, 1)]
    if "sections" in table:
        plan["sections"] = _sections(_table_list(table, "sections", problems), folder, problems)
        _check_shown(plan, problems)
    if "history" in table:  # years before the database (SPEC 3); stored only when given
        plan["history"] = history.parse(table["history"], problems)
    return plan


def _certificates(raw: object, problems: KeyProblems) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(c, str) for c in raw):
        reason = '应写成证书名称的列表，如 ["机械工程制图"]'
        problems.add("[plan] certificates", reason, raw)
        return []
    return [clean.prose(c) for c in raw]


def _one_line(value: object, where: str, what: str, problems: KeyProblems) -> str:
    """A short text on one line (a 文号, a funding source)."""
    if not isinstance(value, str) or not clean.text(value) or "\n" in value.strip():
        problems.add(where, f"应为一行文字（{what}）", value)
        return ""
    return clean.text(value)


def document_date(value: object, where: str, problems: KeyProblems) -> str | None:
    """The date a document is signed, stored at the precision written (a day, or
    `2022.9` with the day left to write by hand: never a day made up)."""
    if isinstance(value, dt.date):  # a TOML date (a datetime is one too)
        return clean.date_span(value).iso
    try:
        span = clean.date_span(value)
    except clean.CellError:
        problems.add(where, "不是日期", value)
        return None
    if "/" in span.iso:  # a month range: not the day of a signature
        problems.add(where, "是一段时间，应为某一天（或某月）", value)
        return None
    return span.iso


def _amount(value: object, where: str, problems: KeyProblems) -> float:
    """A sum of money (元) not below 0; 0 (and a problem) when it is not one."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        problems.add(where, "应为非负的金额（元）", value)
        return 0
    return value


def _budget_item(number: int, item: dict, problems: KeyProblems) -> dict:
    """One `[[plan.budget]]`: known keys, an item name and an amount (0 when refused)."""
    where = f"第{number}项 [[plan.budget]]"
    _unknown(item, BUDGET_KEYS, where, problems)
    amount = _amount(item.get("amount"), f"{where} amount", problems)
    if not clean.prose(item.get("item")):
        problems.add(f"{where} item", "缺少这一项（总项目名称）")
    return {
        "item": clean.prose(item.get("item")),
        "sub_item": clean.prose(item.get("sub_item")),
        "content": clean.prose(item.get("content")),
        "amount": amount,
    }


def _check_total(total: object, summed: float, problems: KeyProblems) -> None:
    """The stated total, when given, is the budget items' sum."""
    if total is None:
        return
    if not isinstance(total, int | float) or isinstance(total, bool):
        problems.add("[plan] total", "应为金额（元）", total)
    elif abs(summed - total) > 0.005:
        gap = round(total - summed, 2)
        side = f"少{yuan(gap)}元" if gap > 0 else f"多{yuan(-gap)}元"
        problems.add("[plan] total", f"预算明细合计{yuan(summed)}元，比总额{side}", yuan(total))


def _equipment(number: int, entry: dict, problems: KeyProblems) -> dict:
    """One `[[plan.equipment]]`: a name, a quantity, a unit price; its amount, when
    written, is quantity × price (a typo in either shows)."""
    where = f"第{number}项 [[plan.equipment]]"
    name = clean.prose(entry.get("name"))
    if name:
        where += f"（{name}）"
    _unknown(entry, EQUIPMENT_KEYS, where, problems)
    if not name:
        problems.add(f"{where} name", "缺少这一项（设备名称）")
    quantity = entry.get("quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
        problems.add(f"{where} quantity", "应为正整数（数量）", quantity)
        quantity = 0
    price = _amount(entry.get("price"), f"{where} price", problems)
    amount = round(quantity * price, 2)
    if "amount" in entry:
        written = _amount(entry["amount"], f"{where} amount", problems)
        if quantity and abs(written - amount) > 0.005:
            reason = f"数量{quantity}×单价{yuan(price)}元是{yuan(amount)}元，与金额不符"
            problems.add(f"{where} amount", reason, entry["amount"])
    return {
        "name": name,
        "spec": clean.prose(entry.get("spec")),
        "quantity": quantity,
        "unit": clean.text(entry.get("unit")),
        "price": price,
        "amount": amount,
        "note": clean.prose(entry.get("note")),
    }


def _sections(entries: list[dict], folder: Path, problems: KeyProblems) -> list[dict]:
    """Every `[[plan.sections]]`: a title, its text (from the file when it names one)
    and the parts it shows."""
    sections = []
    for number, entry in enumerate(entries, 1):
        title = clean.text(entry.get("title"))
        where = f"第{number}节 [[plan.sections]]" + (f"（{title}）" if title else "")
        _unknown(entry, SECTION_KEYS, where, problems)
        if not title:
            problems.add(f"{where} title", "缺少这一项（这一节的标题）")
        elif _NUMBERED_TITLE.match(title):
            problems.add(f"{where} title", "标题不用写序号（按顺序自动编为一、二、三……）", title)
        show = _show(entry.get("show", []), where, problems)
        before = len(problems)
        text = _section_text(entry, where, folder, problems)
        if not text and not show and len(problems) == before:  # never a heading alone
            problems.add(where, "缺少 text 或 file（这一节的正文），或 show（显示的表）")
        sections.append({"title": title, "text": text, "show": show})
    return sections


def _show(raw: object, where: str, problems: KeyProblems) -> list[str]:
    """The parts a section shows after its text: names of PARTS, as a list (or one)."""
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        problems.add(f"{where} show", f'应写成列表，如 ["budget"]（可用：{"、".join(PARTS)}）', raw)
        return []
    for name in names:
        if name not in PARTS:
            problems.add(f"{where} show", f"不认识（可用：{'、'.join(PARTS)}）", name)
    return [n for n in names if n in PARTS]


def _section_text(entry: dict, where: str, folder: Path, problems: KeyProblems) -> str:
    """The section's text: `text` as written, or the Markdown file `file` (relative to
    the TOML file's folder) read now, UTF-8."""
    if "text" in entry and "file" in entry:
        problems.add(where, "text 和 file 只能写一个")
        return ""
    if "text" in entry:
        if not isinstance(entry["text"], str):
            problems.add(f"{where} text", "应为文字", entry["text"])
            return ""
        return clean.prose(entry["text"])
    if "file" not in entry:
        return ""
    name = entry["file"]
    if not isinstance(name, str) or not name.strip():
        problems.add(f"{where} file", '应为文件名，如 "plan/必要性.md"', name)
        return ""
    path = folder / name.strip()
    try:
        if not path.is_file():
            problems.add(
                f"{where} file", "找不到这个文件（从这个 TOML 文件所在的文件夹找起）", name
            )
            return ""
        if path.stat().st_size > TEXT_FILE_LIMIT:
            problems.add(f"{where} file", "文件太大（正文文件应小于1MB）", name)
            return ""
        return clean.prose(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        problems.add(f"{where} file", "不是 UTF-8 编码的文本（请用记事本等另存为 UTF-8）", name)
    except OSError as exc:
        problems.add(f"{where} file", f"无法读取（{exc.strerror or exc}）", name)
    return ""


def _check_shown(plan: dict, problems: KeyProblems) -> None:
    """Each part shown once, and only a part the plan has (a budget, an equipment list)."""
    seen: dict[str, int] = {}
    for number, section in enumerate(plan["sections"], 1):
        where = f"第{number}节 [[plan.sections]]（{section['title']}） show"
        for name in section["show"]:
            if name in seen:
                problems.add(where, f"已在第{seen[name]}节显示过", name)
            seen.setdefault(name, number)
            if name in ("budget", "equipment") and not plan.get(name):
                problems.add(where, f"没有 [[plan.{name}]] 可显示", name)


def yuan(amount: float, *, grouped: bool = False) -> str:
    """An amount as a clerk writes it: 415688, 265432.2 (with thousands separators if asked)."""
    text = f"{amount:,.2f}" if grouped else f"{amount:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
