"""The next slice of a large sheet read on a helper thread while the import cleans,
matches and writes this one: python-calamine lets go of the interpreter while it
parses, so on two cores the parse of one slice and the work on the one before overlap
(a million results: about a quarter less time in all, docs/benchmarks.md).

At most one slice is made ahead, and only once the caller has come back for a second
(a sheet whose first slice is all it reads makes none). What the maker raises is
raised where the caller takes that slice, as if made there; a caller that stops early
leaves the one in the making to finish on its own and be dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

from xcert.threads import Background

Item = TypeVar("Item")
Made = TypeVar("Made")


def made_ahead(items: Iterable[Item], make: Callable[[Item], Made]) -> Iterator[Made]:
    """`make(item)` for each item, in order; from the third on each is made on a helper
    thread while the caller works on the one before."""
    remaining = iter(items)
    for first in remaining:
        yield make(first)  # in line: the caller may take no more
        break
    held: _Made[Made] | Background[Made] | None = None
    for item in remaining:
        if held is None:  # the second, in line; the third is started before it is handed over
            held = _Made(make(item))
            continue
        made = held.result()
        held = Background(functools.partial(make, item), name="xcert-read-ahead")
        yield made
    if held is not None:
        yield held.result()


class _Made(Generic[Made]):
    def __init__(self, made: Made) -> None:
        self._made = made

    def result(self) -> Made:
        return self._made
