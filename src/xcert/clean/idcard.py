"""Chinese resident ID numbers (GB 11643-1999): validation, 15→18 upgrade, gender.

SPEC 5.1. How an ID number is shown (masked) is `xcert.privacy`'s.
"""

from __future__ import annotations

import datetime as _dt
import functools
import itertools
import operator

from xcert import clock

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# First digit of the administrative division code: 1 North … 8 HK/Macau/Taiwan
# residence permits (81, 82, 83). 9 is foreigners' permanent residence (91).
REGION_FIRST = frozenset("123456789")


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
    return birth_date_of(number[6:14])


@functools.lru_cache(maxsize=8192)  # a school's students share a few thousand birthdays
def _calendar_date(digits: str) -> _dt.date:
    """The birth date as a calendar day since 1900; not whether it has come yet (that
    depends on the clock, which a cache must not remember)."""
    try:
        born = _dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError("第7–14位的出生日期不是有效日期") from None
    if born.year < 1900:
        raise IdNumberError("第7–14位的出生日期不在合理范围内")
    return born


def birth_date_of(digits: str, today: _dt.date | None = None) -> _dt.date:
    born = _calendar_date(digits)
    if born > (today or clock.today()):
        raise IdNumberError("第7–14位的出生日期不在合理范围内")
    return born


# A student's plausible birth years: from 1985 (adult learners included) to ten years
# before today. A 15-digit number always gives 19xx: one outside this range is most
# likely an 18-digit number missing its last 3 digits (440000200810100 → born 1920).
PLAUSIBLE_BIRTH_FROM = 1985
YOUNGEST_STUDENT_AGE = 10


def upgraded_birth_warning(number: str, today: _dt.date | None = None) -> str | None:
    """Why an 18-character number upgraded from 15 digits (`upgrade15`) may be wrong:
    a birth year no student has (shown neither: the warning does not tell the birth
    date). None when the year is plausible."""
    born = int(number[6:10])
    latest = (today or clock.today()).year - YOUNGEST_STUDENT_AGE
    if PLAUSIBLE_BIRTH_FROM <= born <= latest:
        return None
    return (  # the year itself is not shown: it is part of the birth date
        "这是15位旧身份证号，补成18位后的出生年份不像在校学生"
        f"（应在{PLAUSIBLE_BIRTH_FROM}–{latest}年之间）；"
        "可能是18位身份证号漏了后3位，请核对"
    )


def normalize_id(text: str) -> str:
    """The valid 18-character form of an ID number, or IdNumberError saying why not.

    `text` is already cleaned (trimmed, full-width folded); a lower-case `x` is accepted.
    """
    number = text.upper()
    if len(number) == 15:
        if not (number.isascii() and number.isdigit()):
            raise IdNumberError("15位身份证号只能由数字组成")
        number = upgrade15(number)
        _birth_date(number)
        return number
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为18位（或旧式15位），这里是{len(number)}位")
    body, last = number[:17], number[17]
    # ASCII digits only: str.isdigit() also admits ١ or ², which no ID number holds
    if not (body.isascii() and body.isdigit()) or last not in "0123456789X":
        raise IdNumberError("身份证号前17位须为数字，最后一位为数字或 X")
    if number[0] not in REGION_FIRST:
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
            birth_date_of(digits, today)
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
