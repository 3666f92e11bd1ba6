"""Where a printed HTML line may break. Chinese text breaks between any two characters,
but a clerk never splits a number from its unit (2022年, 13人, 2026年12月2日, 第3行) nor
an e-mail or a web address (leader-long-address@example.edu.cn). Chromium's rules break
both (2022÷年, leader-÷long), and CSS cannot name a token, so the text is marked up:
such a token in a span that does not wrap (`nb`), one too long for any line in a span
that may break anywhere (`lt`, `overflow-wrap: anywhere`). base.html styles both.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from typing import Any

from markupsafe import Markup, escape  # small, and Jinja's own: no cost to load

from xcert.output.tables import Table

# The units a number is written with in school documents (tests/test_words.py's and more)
UNITS = "年届月日号人名个条本张行次场位台天种项处份元岁级期批周时分秒页"
# A run of printable ASCII (no space), with a 第 before a number, and units after: one
# token. The parts alternate ASCII and a unit, so the match never backtracks.
_TOKEN = re.compile(rf"(?:第(?=[0-9]))?[!-~]+(?:[{UNITS}][!-~]+)*[{UNITS}]?")
_NUMBERED = re.compile(rf"[0-9][!-~]*[{UNITS}]")  # 2022年, 2022-2023年, 3.5万元
_BREAKS = re.compile(r"[-/@?&=+_~]")  # where Chromium would break a Latin token, or a URL
_WORTH = re.compile(rf"{_BREAKS.pattern}|{_NUMBERED.pattern}")
LONGEST = 40  # characters: a token longer than this may not fit a table cell, so may break
# What a line neither ends with (an opening bracket) nor starts with (closing punctuation)
_OPEN, _CLOSE = "（「『【〔《“‘([", "）」』】〕》”’，。、；：！？%)]"
_PIECE = re.compile(rf"[{re.escape(_OPEN)}]*(?:{_TOKEN.pattern}|\S)[{re.escape(_CLOSE)}]*|\s+")


def typeset(text: object) -> Markup:
    """`text` escaped, its numbers-with-units and Latin tokens each kept on one line;
    line breaks kept (templates print free text with `white-space: pre-line`)."""
    if isinstance(text, Markup):
        return text
    marked = _marked("" if text is None else str(text))
    return marked if isinstance(marked, Markup) else escape(marked)


def _worth(text: str) -> bool:
    """Whether `text` may hold a token to keep whole (most cells do not: a name, a date)."""
    return len(text) > LONGEST or _WORTH.search(text) is not None


@functools.lru_cache(maxsize=4096)
def _marked(text: str) -> str:
    """`text` with its tokens in spans (Markup), or `text` itself when it has none.
    (A list repeats its cells: 工种, dates, a class; each is marked once.)"""
    parts, last = [], 0
    for match in _TOKEN.finditer(text):
        kind = _kind(match.group())
        if kind is not None:
            parts += [escape(text[last : match.start()]), _span(kind, match.group())]
            last = match.end()
    if not parts:
        return text
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def pieces(text: str) -> list[str]:
    """`text` cut where a line may break, as typeset() lets a browser break it: between
    Chinese characters and at spaces, never inside a token, before closing punctuation
    or after an opening bracket (a chart's labels are wrapped by these)."""
    return _PIECE.findall(text)


def _kind(token: str) -> str | None:
    """`nb` (keep whole), `lt` (may break anywhere) or None (nothing to keep)."""
    if len(token) > LONGEST:
        return "lt"
    return "nb" if _NUMBERED.search(token) or _BREAKS.search(token) else None


def _span(kind: str, token: str) -> Markup:
    return Markup('<span class="{}">{}</span>').format(kind, escape(token))


def typeset_tables(value: Any) -> Any:
    """`value` with every Table in it (alone, or in lists and tuples, as the summary's
    sections hold them) typeset cell by cell, for an HTML template; the rest as it is."""
    if isinstance(value, Table):
        rows = [
            [_marked(c) if type(c) is str and _worth(c) else c for c in row] for row in value.rows
        ]
        return dataclasses.replace(value, rows=rows)
    if type(value) in (list, tuple):
        return type(value)(typeset_tables(item) for item in value)
    return value
