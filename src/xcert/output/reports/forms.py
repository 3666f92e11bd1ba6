"""What forms and formal documents share: the date line a signature goes on, and the
Chinese numbers of a document's sections (一、二、…)."""

from __future__ import annotations

from xcert.clean import dates

BLANK = "\u3000\u3000"  # room to write a figure by hand


def sign_date(stored: str | None) -> str:
    """The date under a signature: as stored (2022年9月18日), the parts not stored left
    blank to write by hand (2022年9月　　日; 　　年　　月　　日 with no date at all)."""
    if not stored:
        return f"{BLANK}年{BLANK}月{BLANK}日"
    try:
        first, last = dates.bounds(stored)
    except ValueError:
        return stored
    if first == last:
        return f"{first.year}年{first.month}月{first.day}日"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.year}年{first.month}月{BLANK}日"
    return f"{first.year}年{BLANK}月{BLANK}日"


_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: a section's number."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")
