"""What forms and formal documents share: the date line a signature goes on."""

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
