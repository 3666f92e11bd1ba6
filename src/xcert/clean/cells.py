"""Cell cleaning the way a careful clerk would do it (SPEC 5.1). Pure functions.

Cleaners return the clean value or raise `CellError` with a reason the user reads.
`text()` is on the hot path of every import, so its common case stays cheap.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from xcert.clean import idcard
from xcert.clean.dates import DateSpan, month_end
from xcert.clean.patterns import Lazy
from xcert.model import (
    CONTROL_CHARACTERS,
    FIRST_ENROLLMENT_YEAR,
    GENDER_WORDS,
    LAST_YEAR,
    LEVEL_WORDS,
    OUTCOME_WORDS,
    STATUS_WORDS,
    TEACHER_ROLE_WORDS,
    YES_NO_WORDS,
)


class CellError(ValueError):
    """A cell that cannot be used; the message says why, in the user's words."""


# Full-width ASCII (U+FF01..U+FF5E) folds to ASCII; the ideographic space and NBSP
# become spaces; zero-width and soft-hyphen characters vanish.
_FOLD: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD.update({0x3000: 0x20, 0x00A0: 0x20})
_FOLD.update(dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD, 0x180E)))
# Control characters go too; tabs and line breaks are whitespace: text() collapses them.
CONTROL = dict.fromkeys(CONTROL_CHARACTERS)
_FOLD.update(CONTROL)

# The cleaning rules' edition: raised when a cell reads differently than before (2: a
# month stays a month, issue 18; 3: headers of a teachers' list, 所属部门 and 教师姓名
# among them, are read, issue 19), so that importing a file already imported reads it
# again instead of taking the earlier import's result as its own.
RULES = 3
MAX_FIELD_CHARS = 200  # longer than any real name, class or major: a pasted paragraph
# Excel keeps 15 significant digits: any number this large may have lost some.
_EXACT_LIMIT = 10**15
_NUMBER_TEXT = Lazy(r"^[0-9]+\.0+$")
_SCIENTIFIC = Lazy(r"^[0-9](\.[0-9]+)?E\+?[0-9]+$", re.IGNORECASE)
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f·•・"
_SPACE_IN_NAME = Lazy(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_YEAR = Lazy(r"^(\d{2}|\d{4})\s*(年|级|届|年级|级别)?$")
_MOBILE = Lazy(r"^1[3-9]\d{9}$", re.ASCII)  # ASCII: \d alone also takes ١ or ５
_LANDLINE = Lazy(r"^0\d{2,3}-?\d{7,8}(-\d{1,5})?$", re.ASCII)


def text(value: object) -> str:
    """Any cell as trimmed, folded text; numbers that are whole print without '.0'."""
    if value is None:
        return ""
    if type(value) is str:
        if not (value.isascii() and value.isprintable()):
            value = value.translate(_FOLD)
        return " ".join(value.split())
    if type(value) is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if not value.time() else value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    return " ".join(str(value).translate(_FOLD).split())


def prose(value: object) -> str:
    """Free text (an introduction, a room description) as written: its own punctuation
    and line breaks kept, only zero-width and control characters dropped and the ends
    trimmed."""
    if value is None:
        return ""
    text = str(value).translate(CONTROL)
    for char in ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"):
        text = text.replace(char, "")
    return text.strip()


def name(value: object) -> str:
    """A person's name as typed, without the spaces clerks put inside Chinese names."""
    cleaned = text(value)
    if " " in cleaned:
        cleaned = _SPACE_IN_NAME.sub("", cleaned)
    return cleaned


_DIGIT_RUN = Lazy(r"[0-9]{15}")


def person_name(value: object) -> str:
    """A name cell of a sheet: `name`, and never an ID number typed into it (it would
    be shown and stored unmasked as the student's name)."""
    cleaned = name(value)
    if _DIGIT_RUN.search(cleaned):
        raise CellError("姓名里有一长串数字，像是身份证号；请把身份证号写在身份证号列")
    return cleaned


def name_warning(cleaned: str) -> str | None:
    """SPEC 2: `?` or `[ ]` is how rare characters get written: warn, do not refuse."""
    if "?" in cleaned or "[" in cleaned or "]" in cleaned:
        return "姓名含「?」或「[ ]」，可能是生僻字未能录入，请核对"
    return None


def _whole_number(value: float, what: str) -> str:
    if not value.is_integer():
        raise CellError(f"{what}不应有小数")
    if abs(value) >= _EXACT_LIMIT:
        raise CellError(
            f"{what}被 Excel 存成了数字，超过15位的部分已丢失；请把该列设为文本后重新录入"
        )
    return str(int(value))


def student_number(value: object) -> str:
    """学号 / 学籍号 as text: Excel numbers match their typed text; never an ID check."""
    return code(value, "学号")


def staff_number(value: object) -> str:
    """A teacher's 工号, like a 学号: text, an Excel number matching its typed text."""
    return code(value, "工号")


def certificate_number(value: object) -> str:
    """证书编号 as text, upper-cased (人社 numbers start with Y or S)."""
    return code(value, "证书编号").upper()


def code(value: object, what: str) -> str:
    """An identifier typed as text or stored by Excel as a number: digits kept exactly."""
    if type(value) is str and value.isascii() and value.isdigit():
        return value  # the common case, typed as text
    if type(value) is float or type(value) is int:
        return _whole_number(float(value), what)
    cleaned = text(value).replace(" ", "")
    if _SCIENTIFIC.match(cleaned):
        raise CellError(f"{what}被写成了科学计数法，数字已丢失；请把该列设为文本后重新录入")
    if _NUMBER_TEXT.match(cleaned):  # `2021010101.0`: a number exported as text
        return cleaned.split(".", 1)[0]
    return cleaned


def id_number(value: object) -> str:
    """The valid 18-character ID; a number that lost digits is an error, never kept."""
    if type(value) is str and len(value) == 18 and value.isascii() and value[:17].isdigit():
        try:  # the common case: typed as text, nothing to clean
            return idcard.normalize_id(value)
        except idcard.IdNumberError as exc:
            raise CellError(str(exc)) from None
    if type(value) is float or type(value) is int:
        cleaned = _whole_number(float(value), "身份证号")
    else:
        cleaned = text(value).replace(" ", "").replace("-", "")
        if _SCIENTIFIC.match(cleaned):
            raise CellError("身份证号被写成了科学计数法，后几位已丢失；请把该列设为文本后重新录入")
    try:
        return idcard.normalize_id(cleaned)
    except idcard.IdNumberError as exc:
        raise CellError(str(exc)) from None


def id_number_warning(value: object, number: str) -> str | None:
    """What to check about a cell `id_number` accepted as `number`: a 15-digit number
    upgraded to a birth year no student has (`idcard.upgraded_birth_warning`)."""
    if type(value) is str and len(value) == 18 and value.isascii() and value.isalnum():
        return None  # the common case: 18 characters typed as text, nothing was upgraded
    if type(value) is float or type(value) is int:
        written = str(int(value)) if float(value).is_integer() else ""
    else:
        written = text(value).replace(" ", "").replace("-", "")
    return idcard.upgraded_birth_warning(number) if len(written) == 15 else None


def year(value: object, what: str) -> int:
    """Years as schools write them: 2020, 2020级, 20级, 2023届, 23届, an Excel date."""
    if isinstance(value, _dt.date):
        return value.year
    cleaned = text(value)
    match = _YEAR.match(cleaned)
    if not match:
        raise CellError(f"{what}应为年份，如 2023 或2023届")
    number = int(match.group(1))
    number = number + 2000 if number < 100 else number
    if not FIRST_ENROLLMENT_YEAR <= number <= LAST_YEAR:
        raise CellError(f"{what}「{number}」不在合理范围内")
    return number


def class_year(class_code: str) -> int | None:
    """Enrolment year from a class code's leading digits: `20数控1` → 2020 (SPEC 2)."""
    head = re.match(r"^(\d{2,4})", class_code)
    if not head:
        return None
    digits = head.group(1)
    if len(digits) == 4 and digits.startswith(("19", "20")):
        return int(digits)
    return 2000 + int(digits[:2])


def _word(value: object, words: dict[str, str], what: str) -> str:
    cleaned = text(value)
    found = words.get(cleaned) or words.get(cleaned.lower())
    if found is None:
        accepted = "、".join(w for w in words if not w.isascii())
        raise CellError(f"无法识别的{what}；可用：{accepted}")
    return found


def status(value: object) -> str:
    return _word(value, STATUS_WORDS, "学籍状态")


def gender(value: object) -> str:
    return _word(value, GENDER_WORDS, "性别")


def level(value: object) -> str:
    return _word(value, LEVEL_WORDS, "等级")


def outcome(value: object) -> str:
    return _word(value, OUTCOME_WORDS, "考核结果")


_ROLE_SEPARATORS = Lazy(r"[、,，/;；\s和及]+")
_ROLES_ACCEPTED = "可用：培训师、考评员、督导员、考务人员、持证教师（一格可写几个，用「、」隔开）"


def roles(value: object) -> tuple[str, ...]:
    """A teacher's 角色, one or several in a cell (`培训师、考评员`): their codes, in the
    order written, each once."""
    found: list[str] = []
    for part in _ROLE_SEPARATORS.split(text(value)):
        if not part:
            continue
        role = TEACHER_ROLE_WORDS.get(part) or TEACHER_ROLE_WORDS.get(part.lower())
        if role is None:
            raise CellError(f"无法识别的角色「{part}」；{_ROLES_ACCEPTED}")
        if role not in found:
            found.append(role)
    if not found:
        raise CellError(f"没有角色；{_ROLES_ACCEPTED}")
    return tuple(found)


def yes_no(value: object) -> bool:
    """是 or 否 (also true or false, written as TOML's own or as text)."""
    if isinstance(value, bool):
        return value
    found = YES_NO_WORDS.get(text(value).lower()) if isinstance(value, str) else None
    if found is None:
        raise CellError("应为「是」或「否」")
    return found


def phone(value: object) -> str:
    """A mobile (11 digits) or landline number with area code; +86 and separators dropped."""
    if type(value) is float or type(value) is int:
        cleaned = _whole_number(float(value), "电话")
    else:
        cleaned = re.sub(r"[\s()（）]", "", text(value))
    if cleaned.startswith("+86"):
        cleaned = cleaned[3:]
    elif cleaned.startswith("86") and len(cleaned) == 13:
        cleaned = cleaned[2:]
    compact = cleaned.replace("-", "")
    if _MOBILE.match(compact):
        return compact
    if _LANDLINE.match(cleaned):
        return cleaned
    raise CellError("电话号码应为11位手机号或带区号的固定电话")


_SERIAL_EPOCH = _dt.date(1899, 12, 30)  # Excel's day 0 (with its 1900 leap-year bug)
# One separator used twice is a day (2022.5.6 = 6 May); `2022.5-6` is a month range.
_DAY = Lazy(r"^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})$|^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
_COMPACT_DAY = Lazy(r"^(\d{4})(\d{2})(\d{2})$")
_MONTH = Lazy(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
_MONTH_RANGE = Lazy(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*[-~至到—–]\s*(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*月?$"
)
_YEAR_ONLY = Lazy(r"^(\d{4})\s*年?$")
_YEAR_NUMBERS = range(1900, 2101)  # a whole number here is a year, never an Excel serial


def date_span(value: object) -> DateSpan:
    """Excel dates and serials, 2022-09-28, 2022/9/28, 2022.9.28, 2022年9月28日, a month
    (2022.5, 2022年5月), a year (2022, 2022年) and month ranges (2022.5-6, 2022.11-2023.1):
    the dates it covers, never a day made up for a month (`dates.DateSpan`)."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return DateSpan(value, value)
    if type(value) is float or type(value) is int:
        if float(value).is_integer() and int(value) in _YEAR_NUMBERS:
            return _year(int(value))
        if 20000 <= value <= 80000 and float(value).is_integer():
            day = _SERIAL_EPOCH + _dt.timedelta(days=int(value))
            return DateSpan(day, day)
        raise CellError("日期应写成 2022-09-28、2022.9.28 或2022年9月28日")
    cleaned = text(value)
    try:
        span = _written_span(cleaned)
    except CellError:
        raise
    except ValueError:
        raise CellError(f"「{cleaned}」不是有效日期") from None
    if span is None:
        raise CellError(
            "日期应写成 2022-09-28、2022.9.28、2022年9月28日、月份 2022.9 或月份范围 2022.5-6"
        )
    return span


def _year(year: int) -> DateSpan:
    return DateSpan(_dt.date(year, 1, 1), _dt.date(year, 12, 31))


def _written_span(cleaned: str) -> DateSpan | None:
    """A date written as text (`date_span`), None when it is no form of one."""
    if match := _DAY.match(cleaned.replace(" ", "")):
        year, month, day_of_month = (
            (match[1], match[3], match[4]) if match[1] else match.group(5, 6, 7)
        )
        day = _dt.date(int(year), int(month), int(day_of_month))
        return DateSpan(day, day)
    if match := _COMPACT_DAY.match(cleaned):
        day = _dt.date(int(match[1]), int(match[2]), int(match[3]))
        return DateSpan(day, day)
    if match := _YEAR_ONLY.match(cleaned):
        return _year(int(match[1]))
    if match := _MONTH.match(cleaned):
        year, month = int(match[1]), int(match[2])
        return DateSpan(_dt.date(year, month, 1), month_end(year, month))
    if match := _MONTH_RANGE.match(cleaned):
        year, first, last = int(match[1]), int(match[2]), int(match[4])
        end_year = int(match[3]) if match[3] else year
        start, end = _dt.date(year, first, 1), month_end(end_year, last)
        if end < start:
            raise CellError("月份范围的结束早于开始")
        return DateSpan(start, end)
    return None


NOT_SAT = frozenset({"缺考", "缺席", "未参加", "未考", "absent"})


def selection_score(value: object) -> float | str:
    """A selection test's score, or `absent` for a student who did not sit it."""
    if type(value) is str and text(value).lower() in NOT_SAT:
        return "absent"
    return score(value)


def score(value: object) -> float:
    """A score from 0 to 100."""
    if type(value) is float or type(value) is int:
        number = float(value)
    else:
        try:
            number = float(text(value).rstrip("分"))
        except ValueError:
            raise CellError("成绩应为 0–100 的数字") from None
    if not 0 <= number <= 100:
        raise CellError(f"成绩 {number:g} 不在 0–100 之间")
    return number


@dataclass(frozen=True)
class _Settled:
    """A column's settled form: strings its cleaner returns exactly as they are (its
    fixed points). A run of such cells, joined, matches `pattern`, and each cell's
    length lies between `shortest` and `longest` (a fixed length keeps the pattern's
    units on the cells' bounds); `check`, if any, is what a pattern cannot say (an
    ID's check digit)."""

    pattern: Lazy
    shortest: int = 1
    longest: int = MAX_FIELD_CHARS
    check: Callable[[list[str]], bool] | None = None


_SETTLED: dict[Callable[[object], object], _Settled] = {
    student_number: _Settled(Lazy(r"[0-9]+")),
    id_number: _Settled(Lazy(r"(?:[1-9][0-9]{16}[0-9X])+"), 18, 18, idcard.all_valid),
    name: _Settled(Lazy(rf"[{_CJK}]+")),
    person_name: _Settled(Lazy(rf"[{_CJK}]+")),  # CJK only: no digits to look at
    phone: _Settled(Lazy(r"(?:1[3-9][0-9]{9})+"), 11, 11),
}


def settled(cleaner: Callable[[object], object], cells: list[object]) -> bool:
    """Whether every cell is a string `cleaner` returns unchanged. A large roster typed
    as text is mostly such columns; checking one takes a few C calls over the whole
    column instead of a cleaner call per distinct value."""
    form = _SETTLED.get(cleaner)
    if form is None or not cells:
        return False
    strings = cast("list[str]", cells)  # checked next: join raises TypeError on a non-str
    try:
        joined = "".join(strings)
    except TypeError:  # a number, a date or a blank cell: the cleaner decides
        return False
    lengths = list(map(len, strings))
    if min(lengths) < form.shortest or max(lengths) > form.longest:
        return False
    if not form.pattern.fullmatch(joined):
        return False
    return form.check is None or form.check(strings)
