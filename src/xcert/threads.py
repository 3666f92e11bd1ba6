"""Work started on a thread of its own while the caller does other work: where the
work lets go of the interpreter (python-calamine parsing, SQLite counting), the two run
on two cores at once. Used by read/ahead.py and figures/stats.py."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Made = TypeVar("Made")


class Background(Generic[Made]):
    """`make()` on a thread of its own, started at once; `result()` waits for it and
    returns what it made or raises what it raised, as if called there. A caller that
    never asks leaves it to finish on its own (a daemon thread: exit does not wait)."""

    def __init__(self, make: Callable[[], Made], name: str = "xcert-background") -> None:
        self._make: Callable[[], Made] | None = make
        self._made: list[Made] = []  # empty until made (Made itself may be None)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
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
