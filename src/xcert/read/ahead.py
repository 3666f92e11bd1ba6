"""The next slice of a large sheet read on a helper thread while the import cleans,
matches and writes this one: python-calamine lets go of the interpreter while it
parses, so on two cores the parse of one slice and the work on the one before overlap
(a million results or roster rows: a fifth to a quarter less time, docs/benchmarks.md).

At most one slice is made ahead, and only once the caller has come back for a second
(a sheet whose first slice is all it reads makes none). What the maker raises is
raised where the caller takes that slice, as if made there; a caller that stops early
leaves the one in the making to finish on its own and be dropped.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

Item = TypeVar("Item")
Made = TypeVar("Made")


def made_ahead(items: Iterable[Item], make: Callable[[Item], Made]) -> Iterator[Made]:
    """`make(item)` for each item, in order; from the third on each is made on a helper
    thread while the caller works on the one before."""
    remaining = iter(items)
    for first in remaining:
        yield make(first)  # in line: the caller may take no more
        break
    held: _Made[Made] | _Making[Made] | None = None
    for item in remaining:
        if held is None:  # the second, in line; the third is started before it is handed over
            held = _Made(make(item))
            continue
        made = held.result()
        held = _Making(functools.partial(make, item))
        yield made
    if held is not None:
        yield held.result()


class _Made(Generic[Made]):
    def __init__(self, made: Made) -> None:
        self._made = made

    def result(self) -> Made:
        return self._made


class _Making(Generic[Made]):
    """`make()` on a thread of its own, started at once; `result()` waits for it and
    returns what it made or raises what it raised, as if called there. A caller that
    never asks leaves it to finish on its own. Not a daemon: exit waits for it (one slice),
    so that its `quiet_panics` gives stderr back, and what the caller printed meanwhile
    (an error line, "已中断") is written out, not lost with the thread."""

    def __init__(self, make: Callable[[], Made]) -> None:
        self._make: Callable[[], Made] | None = make
        self._made: list[Made] = []  # empty until made (Made itself may be None)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xcert-read-ahead", daemon=False)
        self._thread.start()

    def _run(self) -> None:
        assert self._make is not None  # run once
        try:
            self._made.append(self._make())
        except BaseException as exc:  # raised again in the caller's thread (`result`)
            self._error = exc
        finally:
            self._make = None

    def result(self) -> Made:
        self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        return self._made.pop()
