"""Patterns a school writes (a catalogue's `number_pattern`), bounded: one that could take
exponential time on a long number (ReDoS) is refused, and no number longer than a
certificate number is ever matched, whatever the pattern. And `Lazy`, xcert's own
patterns compiled when first used: a command that never cleans a name does not pay
for compiling the CJK classes (start-up)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from typing import Any

# A certificate number is short; a longer text is no number, and is never matched.
MAX_NUMBER_CHARS = 64
_sre_parser = importlib.import_module("re._parser")  # the parser re itself uses
_MANY = 8  # a repeat up to this many times cannot make the engine's work explode


def pattern_problem(pattern: str) -> str | None:
    """Why a school's number pattern cannot be used: it does not compile, or it could
    take exponential time on a long number (a repeat inside a repeat, `(\\d+)+`, or
    alternatives under a repeat, `(a|ab)*`: the regex engine tries every split)."""
    try:
        parsed = _sre_parser.parse(pattern)
    except re.error as exc:
        return f"不是有效的正则表达式（{exc}）"
    if _nested_repeat(parsed, inside=False):
        return (
            "有嵌套的重复或重复的多选（如 (\\d+)+），匹配长编号时可能很久不结束；"
            "请写成简单的形式，如 '^[YS]\\d{21}$'"
        )
    return None


def _nested_repeat(parsed: object, *, inside: bool) -> bool:
    """True when a part that can match in more than one way (a repeat of variable
    length, alternatives) sits under a repeat of many (+, *, {2,}): the engine then
    tries every way to split a long number."""
    for op, av in parsed:  # type: ignore[attr-defined]  # re's parser: (opcode, argument) pairs
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            least, most, sub = av
            if inside and least != most:
                return True
            if _nested_repeat(sub, inside=inside or most > _MANY):
                return True
        elif name == "SUBPATTERN" and _nested_repeat(av[-1], inside=inside):
            return True
        elif name == "BRANCH":
            if inside or any(_nested_repeat(branch, inside=inside) for branch in av[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _nested_repeat(av[1], inside=inside):
            return True
    return False


def number_matches(pattern: str, number: str) -> bool:
    """A stored pattern against a number, within bounds whatever the pattern: a number
    too long to be one, or a pattern stored before it was checked, never matches."""
    if len(number) > MAX_NUMBER_CHARS or pattern_problem(pattern):
        return False
    return re.search(pattern, number) is not None


class Lazy:
    """A regular expression compiled on its first use, then as fast as the compiled
    one: its methods are the compiled pattern's own, set on the instance once."""

    __slots__ = ("source", "flags", "match", "fullmatch", "search", "sub", "split", "finditer")
    match: Callable[..., re.Match[str] | None]
    fullmatch: Callable[..., re.Match[str] | None]
    search: Callable[..., re.Match[str] | None]
    sub: Callable[..., str]
    split: Callable[..., list[Any]]
    finditer: Callable[..., Iterator[re.Match[str]]]

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source = source
        self.flags = flags

    def __getattr__(self, name: str) -> Any:
        """Only while a method is not set yet (a slot not filled): compile, fill all."""
        if name not in self.__slots__[2:]:
            raise AttributeError(name)
        compiled = re.compile(self.source, self.flags)
        for method in self.__slots__[2:]:
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)
