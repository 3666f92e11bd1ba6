"""A date at the precision the clerk gave it: kept, compared and shown (SPEC 5.1).

A sheet writes a day (2024.9.28), a month (2024年9月), a year (2024年) or a month range
(2022.5-6). xcert never makes a day up:

- A span keeps its first and last day: May 2022 is 2022-05-01 … 2022-05-31
  (sessions.date_start/date_end, awards.assessed_start/assessed_end). Figures compare
  those bounds; the precision is what they cover (one day, whole months, a whole year).
- A column of single dates (awards.issued_on, signed_on) holds ISO 8601 at the given
  precision: `2024-09-28`, `2024-09`, `2024`, or an interval `2022-05/2022-06`. Its first
  four characters are its (first) year, and text order is date order, so SQL compares
  and sorts it as before. Days written before precision was kept (a `2024-09-01` that
  was `2024年9月` in the sheet) cannot be told from real ones and are left as they are.
- Every date a person reads is `shown()`: `2024.9.28`, `2024.9`, `2024`, `2022.5-6`,
  `2022.11-2023.1`, as the office's sign-off lists write them, in terminal tables,
  reports and exports alike. The one exception is a document's own date line
  (`formal()`: 2024年1月15日, GB/T 9704).
"""

import datetime as _dt
import functools
from typing import NamedTuple


def month_end(year: int, month: int) -> _dt.date:
    """The last day of a month (December 9999 included); ValueError for no month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month}")
    if month == 12:
        return _dt.date(year, 12, 31)
    return _dt.date(year, month + 1, 1) - _dt.timedelta(days=1)


def _whole_months(first: _dt.date, last: _dt.date) -> bool:
    return first.day == 1 and last == month_end(last.year, last.month) and first <= last


def _day(day: _dt.date) -> str:
    return f"{day.year:04d}.{day.month}.{day.day}"


def text(first: _dt.date, last: _dt.date) -> str:
    """The one written form of the dates `first` … `last`: a day `2024.9.28`, a month
    `2024.9`, a year `2024`, months `2022.5-6` or `2022.11-2023.1`. `cells.date_span`
    reads each back as the same dates."""
    if first == last:
        return _day(first)
    if not _whole_months(first, last):  # no sheet writes one; a database edited by hand
        return f"{_day(first)}-{_day(last)}"
    year, month = f"{first.year:04d}", first.month
    if first.year == last.year:
        if (first.month, last.month) == (1, 12):
            return year
        if first.month == last.month:
            return f"{year}.{month}"
        return f"{year}.{month}-{last.month}"
    return f"{year}.{month}-{last.year:04d}.{last.month}"


def iso(first: _dt.date, last: _dt.date) -> str:
    """The dates `first` … `last` as one stored text: ISO 8601 at their precision
    (`2024-09-28`, `2024-09`, `2024`), or an interval (`2022-05/2022-06`)."""
    if first == last:
        return first.isoformat()
    if not _whole_months(first, last):
        return f"{first.isoformat()}/{last.isoformat()}"
    if first.year == last.year and (first.month, last.month) == (1, 12):
        return f"{first.year:04d}"
    start = f"{first.year:04d}-{first.month:02d}"
    if (first.year, first.month) == (last.year, last.month):
        return start
    return f"{start}/{last.year:04d}-{last.month:02d}"


def bounds(stored: str) -> tuple[_dt.date, _dt.date]:
    """The first and last day a stored date covers (`iso`'s forms, a full day too);
    ValueError for anything else."""
    if "/" in stored:
        start, end = stored.split("/", 1)
        first, last = bounds(start)[0], bounds(end)[1]
        if last < first:
            raise ValueError(stored)
        return first, last
    parts = stored.split("-")  # YYYY, YYYY-MM or YYYY-MM-DD, ASCII digits only
    digits = "".join(parts)
    if [len(p) for p in parts] not in ([4], [4, 2], [4, 2, 2]) or not digits.isascii():
        raise ValueError(stored)
    if not digits.isdigit():
        raise ValueError(stored)
    numbers = [int(p) for p in parts]
    if len(numbers) == 3:
        day = _dt.date(*numbers)
        return day, day
    if len(numbers) == 2:
        return _dt.date(numbers[0], numbers[1], 1), month_end(*numbers)
    return _dt.date(numbers[0], 1, 1), _dt.date(numbers[0], 12, 31)


@functools.lru_cache(maxsize=4096)  # a list of 10,000 rows holds a few dozen dates
def shown(start: str | None, end: str | None = None) -> str:
    """How every date is printed, from what the database holds: one stored date
    (`2024-09` → `2024.9`), or a span's first and last day (`2022-05-01`, `2022-06-30`
    → `2022.5-6`). Blank stays blank; text that is no date xcert wrote is shown as it is."""
    if not start:
        return ""
    try:
        first = bounds(start)[0]
        last = bounds(end or start)[1]
    except ValueError:
        return start if not end else f"{start}-{end}"
    if last < first:
        return f"{start}-{end}"
    return text(first, last)


def formal(stored: str | None) -> str:
    """A document's own date line, as GB/T 9704 writes it (2024年1月15日), at the
    precision stored (2024年9月, 2024年)."""
    if not stored:
        return ""
    try:
        first, last = bounds(stored)
    except ValueError:
        return stored
    if first == last:
        return f"{first.year}年{first.month}月{first.day}日"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.year}年{first.month}月"
    if first.year == last.year and (first.month, last.month) == (1, 12):
        return f"{first.year}年"
    return text(first, last)


def before(earlier: str | None, later: str | None) -> bool:
    """Whether `earlier` is surely before `later` (stored dates at any precision): it ends
    before the other begins. `2024-09` is not before `2024-09-05`, nor after it."""
    if not earlier or not later:
        return False
    try:
        return bounds(earlier)[1] < bounds(later)[0]
    except ValueError:
        return False


class DateSpan(NamedTuple):
    """A date cell as read (`cells.date_span`): its first and last day. `2022.5-6` keeps
    both ends; `2024年9月` is the whole month, never its first day. A NamedTuple: small
    for an import's many cells, and cheap to define at every start (`xcert stats`)."""

    start: _dt.date
    end: _dt.date

    @property
    def is_day(self) -> bool:
        return self.start == self.end

    @property
    def text(self) -> str:
        """As xcert writes it (`text()`): 2024.9.28, 2024.9, 2022.5-6."""
        return text(self.start, self.end)

    @property
    def iso(self) -> str:
        """As a single-date column stores it (`iso()`): 2024-09-28, 2024-09, 2024."""
        return iso(self.start, self.end)
