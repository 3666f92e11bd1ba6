"""The one mask rule (SPEC 5.3): what of a person's ID number, phone, e-mail or WeChat
any output shows. An ID number keeps its first 2 and last 2 characters, so the birth
date is never shown (a "first 6 + last 4" mask leaves only the birth date hidden, which
a class list can guess); `--public` documents also mask phones, e-mail and WeChat.
"""

from __future__ import annotations

import re

from xcert.clean import idcard
from xcert.clean.patterns import Lazy


def mask_id(number: str | None) -> str:
    """SPEC 5.3: first 2 and last 2 characters, the rest starred; blank stays blank."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


_ID_IN_TEXT = Lazy(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")


def mask_ids_in(text: str) -> str:
    """Every ID number inside a longer text masked: a note `身份证44…1X`, a 学籍号
    `G` + ID number. A digit run counts when it is shaped like one (a region and a real
    birth date; a wrong check digit still counts: a mistyped ID is still personal), so a
    certificate number of 18 digits is left alone."""

    def mask(match: re.Match) -> str:
        number = match.group(1)
        return mask_id(number) if _looks_like_person(number) else number

    if len(text) < 15:  # shorter than any ID number: no pattern to compile (start-up)
        return text
    return _ID_IN_TEXT.sub(mask, text)


def _looks_like_person(number: str) -> bool:
    digits = number[6:14] if len(number) == 18 else "19" + number[6:12]
    if number[0] not in idcard.REGION_FIRST or number[:2] == "00":
        return False
    try:
        idcard.birth_date_of(digits)
    except idcard.IdNumberError:
        return False
    return True


def mask_phone(number: str | None) -> str:
    """SPEC 5.3 --public: 189****8853 (a landline keeps its area code and last 4)."""
    if not number:
        return ""
    digits = number.replace("-", "")
    if len(digits) <= 4:
        return "*" * len(digits)
    head = number.split("-")[0] + "-" if "-" in number else digits[:3]
    return head + "****" + digits[-4:]


def mask_email(address: str | None) -> str:
    """ab****@example.com: the first two characters of a longer mailbox, the domain kept."""
    if not address or "@" not in address:
        return "*" * len(address or "")
    box, domain = address.split("@", 1)
    return (box[:2] if len(box) > 4 else "") + "****@" + domain


def mask_wechat(handle: str | None) -> str:
    if not handle:
        return ""
    if len(handle) <= 4:
        return "****"
    return handle[:2] + "****" + (handle[-2:] if len(handle) > 6 else "")


# Phones as people write them in free text: 13800138001, 138 0013 8001, 138-0013-8001,
# full-width １３８…, 0758-2345678, 0758 2345678.
_D = "[0-9０-９]"
_SEP = "[ \u3000-]?"
_PHONE_IN_TEXT = Lazy(
    rf"(?<![0-9０-９])([1１][3-9３-９]{_D}{_SEP}{_D}{{4}}{_SEP}{_D}{{4}}"
    rf"|[0０]{_D}{{2,3}}{_SEP}{_D}{{7,8}})(?![0-9０-９])"
)
_FOLD_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def _mask_phone_in_text(match: re.Match) -> str:
    """A phone found in text, masked as mask_phone masks a field (138****8001)."""
    parts = re.split("[ \u3000-]", match.group(1).translate(_FOLD_DIGITS))
    digits = "".join(parts)
    if digits.startswith("0") and len(parts) > 1:
        return parts[0] + "-****" + digits[-4:]  # a landline keeps its area code
    return digits[:3] + "****" + digits[-4:]


_EMAIL_IN_TEXT = Lazy(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_WECHAT_IN_TEXT = Lazy(r"(微信号?|WeChat|wechat)([:：\s]*)([A-Za-z][-_A-Za-z0-9]{3,19})")


def mask_contacts_in(text: str) -> str:
    """--public: phones, e-mail addresses and WeChat IDs written inside free text."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(_mask_phone_in_text, text)
    return _WECHAT_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + mask_wechat(m.group(3)), text)
