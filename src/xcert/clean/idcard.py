"""Chinese resident ID numbers (GB 11643-1999): validation, 15→18 upgrade, masking.

SPEC 5.1 (validation) and 5.3 (the one mask rule: first 2 and last 2 characters, so
the birth date is never shown).
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import operator
import re

from xcert import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# First digit of the administrative division code: 1 North … 8 HK/Macau/Taiwan
# residence permits (81, 82, 83). 9 is foreigners' permanent residence (91).
_REGION_FIRST = frozenset("123456789")


class IdNumberError(ValueError):
    """Why an ID number is not one; the text is shown to the user."""


def check_digit(first17: str) -> str:
    """GB 11643's weights are 2**k mod 11, and 13 ≡ 2 (mod 11): reading the 17 digits
    as a base-13 number gives the weighted sum (÷2) in one C call."""
    return _CHECK[(2 * int(first17, 13)) % 11]


def _check_digit_by_weights(first17: str) -> str:
    """The standard's own formulation; kept to test the fast one against."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def upgrade15(old: str) -> str:
    """A first-generation 15-digit number as its 18-digit form (born 19xx, check digit added)."""
    body = old[:6] + "19" + old[6:]
    return body + check_digit(body)


def _birth_date(number: str) -> _dt.date:
    return _parse_birth_date(number[6:14])


@functools.lru_cache(maxsize=8192)  # a school's students share a few thousand birthdays
def _calendar_date(digits: str) -> _dt.date:
    """The birth date as a calendar day since 1900; not whether it has come yet (that
    depends on the clock, which a cache must not remember)."""
    try:
        born = _dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("第 7–14 位的出生日期不是有效日期") from None
    if born.year < 1900:
        raise IdNumberError("第 7–14 位的出生日期不在合理范围内")
    return born


def _parse_birth_date(digits: str, today: _dt.date | None = None) -> _dt.date:
    born = _calendar_date(digits)
    if born > (today or clock.today()):
        raise IdNumberError("第 7–14 位的出生日期不在合理范围内")
    return born


def normalize_id(text: str) -> str:
    """The valid 18-character form of an ID number, or IdNumberError saying why not.

    `text` is already cleaned (trimmed, full-width folded); a lower-case `x` is accepted.
    """
    number = text.upper()
    if len(number) == 15:
        if not (number.isascii() and number.isdigit()):
            raise IdNumberError("15 位身份证号只能由数字组成")
        number = upgrade15(number)
        _birth_date(number)
        return number
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为 18 位（或旧式 15 位），这里是 {len(number)} 位")
    body, last = number[:17], number[17]
    # ASCII digits only: str.isdigit() also admits ١ or ², which no ID number holds
    if not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        raise IdNumberError("身份证号前 17 位须为数字，最后一位为数字或 X")
    if number[0] not in _REGION_FIRST:
        raise IdNumberError("身份证号的地区码不存在")
    _birth_date(number)
    expected = check_digit(body)
    if last != expected:
        raise IdNumberError(f"校验位错误（按 GB 11643 应为 {expected}），请核对是否抄错")
    return number


def all_valid(numbers: list[str]) -> bool:
    """Whether every number of a well-formed column has a real birth date and its check
    digit: `normalize_id`'s remaining checks, a column at a time (a school's students
    share a few thousand birthdays). Well-formed (a region digit 1-9, 16 ASCII digits,
    a digit or X) is the caller's part: `clean.settled` matches the column first."""
    today = clock.today()
    try:
        for digits in set(map(operator.itemgetter(slice(6, 14)), numbers)):
            _parse_birth_date(digits, today)
    except (IdNumberError, ValueError, TypeError):
        return False
    # check_digit's arithmetic, each step mapped over the column in C
    sums = map(int, map(operator.itemgetter(slice(17)), numbers), itertools.repeat(13))
    remainders = map(
        operator.mod, map(operator.mul, sums, itertools.repeat(2)), itertools.repeat(11)
    )
    try:
        expected = list(map(_CHECK.__getitem__, remainders))
        return expected == list(map(operator.itemgetter(17), numbers))
    except (ValueError, TypeError, IndexError):
        return False


_GENDER_BY_DIGIT = {digit: "男" if int(digit) % 2 else "女" for digit in "0123456789"}


def gender(number: str) -> str:
    """男 or 女, from the 17th digit of a valid 18-character number."""
    return _GENDER_BY_DIGIT[number[16]]


def mask_id(number: str | None) -> str:
    """SPEC 5.3: first 2 and last 2 characters, the rest starred; blank stays blank."""
    if not number:
        return ""
    if len(number) <= 4:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


_ID_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9])")


def mask_ids_in(text: str) -> str:
    """Every ID number inside a longer text masked: a note `身份证44…1X`, a 学籍号
    `G` + ID number. A digit run counts when it is shaped like one (a region and a real
    birth date; a wrong check digit still counts: a mistyped ID is still personal), so a
    certificate number of 18 digits is left alone."""

    def mask(match: re.Match) -> str:
        number = match.group(1)
        return mask_id(number) if _looks_like_person(number) else number

    return _ID_IN_TEXT.sub(mask, text)


def _looks_like_person(number: str) -> bool:
    digits = number[6:14] if len(number) == 18 else "19" + number[6:12]
    if number[0] not in _REGION_FIRST or number[:2] == "00":
        return False
    try:
        _parse_birth_date(digits)
    except IdNumberError:
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


_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_WECHAT_IN_TEXT = re.compile(r"(微信号?|WeChat|wechat)([:：\s]*)([A-Za-z][-_A-Za-z0-9]{3,19})")


def mask_contacts_in(text: str) -> str:
    """--public: phones, e-mail addresses and WeChat IDs written inside free text."""
    text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group(0)), text)
    text = _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(1)), text)
    return _WECHAT_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + mask_wechat(m.group(3)), text)
