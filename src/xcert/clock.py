""" "Now" for the whole program: the one place that reads the system clock.

Every rule that depends on the day (a cohort not yet graduated, a session to come,
the semester of the summary, a birth date in the future, the name of a backup) asks
`now()` or `today()`, so tests can freeze time and a clerk can reproduce a past
day's report with `XCERT_NOW=2026-11-25T20:00` (read by the command line only).
"""

from __future__ import annotations

import datetime as dt

ENV = "XCERT_NOW"

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Local time without a zone, as the office's clock on the wall shows it."""
    return _frozen if _frozen is not None else dt.datetime.now()


def today() -> dt.date:
    return now().date()


def freeze(moment: dt.datetime | None) -> None:
    """Stop the clock at `moment` (None: the system clock again)."""
    global _frozen
    _frozen = moment


def parse(text: str) -> dt.datetime:
    """`2026-11-25`, `2026-11-25T20:00` or `2026-11-25 20:00:00`, local time, no zone.

    Raises ValueError with a sentence for the clerk."""
    cleaned = text.strip()
    try:
        moment = dt.datetime.fromisoformat(cleaned.replace(" ", "T", 1))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise ValueError(
            f"{ENV}「{text}」看不懂；可写 2026-11-25 或 2026-11-25T20:00（本地时间，不带时区）"
        )
    return moment
