"""Where a command prints: rich on a terminal, plain lines off one (cron, pipes, logs),
never a control character; problems as a table or as one line each."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, cast

from xcert import model
from xcert.errors import Problem

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

# 学号 and the masked ID stay on one line in a table; names and majors fold.
WIDE_COLUMNS = {"学号": 10, "身份证号": 18}


def is_terminal(stream) -> bool:
    """rich's test (TTY_COMPATIBLE, FORCE_COLOR, then isatty), without importing rich."""
    compatible = os.environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = os.environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


UNPRINTABLE = dict.fromkeys(model.UNPRINTABLE)


class Console:
    """Where a command prints. On a terminal rich; off one (a pipe, a cron log) text
    as it is, one line per call, with no colour, never wrapped (a long path stays one
    line for grep), and rich, 200 columns wide, only for a table: a command that prints
    only text never loads rich, a good part of a cron job's start-up. Text never
    carries control characters, rich markup or emoji codes: names like 王[yan]明 and
    file names are data."""

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr
        self.is_terminal = is_terminal(sys.stderr if stderr else sys.stdout)
        self._rich: RichConsole | None = None

    def print(self, *objects: object, style: str | None = None, markup: bool | None = None):
        """Like rich's print, with only these options; `style` shows on a terminal only."""
        objects = tuple(o.translate(UNPRINTABLE) if type(o) is str else o for o in objects)
        try:
            if not self.is_terminal and all(type(o) is str for o in objects):
                stream = sys.stderr if self.stderr else sys.stdout
                stream.write(" ".join(cast("tuple[str, ...]", objects)) + "\n")
                stream.flush()  # in a log that takes both, report and problems stay in order
            else:
                self.rich.print(*objects, style=style, markup=markup)
        except BrokenPipeError:  # `xcert import … | head -1`: the import itself goes on
            stream_gone(self.stderr)

    @property
    def rich(self) -> RichConsole:
        """The rich Console behind it, made when first needed."""
        if self._rich is None:
            from rich.console import Console

            if self.is_terminal:
                self._rich = Console(stderr=self.stderr, highlight=False, markup=False, emoji=False)
            else:
                self._rich = Console(
                    stderr=self.stderr,
                    highlight=False,
                    markup=False,
                    emoji=False,
                    width=200,
                    no_color=True,
                    soft_wrap=True,
                )
            # rich would exit 1 when the reader goes; the command carries on instead
            self._rich.on_broken_pipe = lambda: stream_gone(self.stderr)  # type: ignore[method-assign]  # rich's handler would exit 1
        return self._rich


def stream_gone(stderr: bool = False) -> None:
    """The reader of stdout (or stderr) has gone (`xcert … | head`): what is left to print
    there goes nowhere, quietly (no Python noise at exit), and the command carries on:
    a write is still written, a rejects file still made, the exit code its own."""
    name = "stderr" if stderr else "stdout"
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), getattr(sys, name).fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it (a test runner)
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


def print_problems(problems: list[Problem]) -> None:
    """A table on a terminal; one plain line per problem otherwise (cron, pipes, logs)."""
    err = console(stderr=True)
    if not err.is_terminal:
        for problem in problems:
            err.print(problem.line(), markup=False)
        return
    from rich.table import Table

    table = Table(title=f"发现{len(problems)}处问题", show_lines=False)
    cells = {
        "文件": lambda p: p.file,
        "位置": lambda p: p.key or "",  # a TOML file's table and key
        "工作表": lambda p: p.sheet or "",
        "行": lambda p: str(p.row or ""),
        "列": lambda p: p.column or "",
        "值": lambda p: p.value or "",
        "原因": lambda p: p.reason,
    }
    if not any(p.key for p in problems):
        del cells["位置"]
    elif not any(p.sheet or p.row or p.column for p in problems):
        del cells["工作表"], cells["行"], cells["列"]
    for label in cells:
        table.add_column(label, overflow="fold")
    for p in problems:
        table.add_row(*(cell(p) for cell in cells.values()), style=None)
    err.print(table)


def console(stderr: bool = False) -> Console:
    return Console(stderr)
