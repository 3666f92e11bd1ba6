"""Where a command prints: rich on a terminal, plain lines off one (cron, pipes, logs),
never a control character; problems as a table or as one line each. A table (one
`output.tables.Table`) fits the terminal by wrapping its cells, or is stacked one
record per block when it cannot; off a terminal a row is one line, however long, and
rich is not loaded at all (`xcert stats | …`, cron: start-up).

The terminal's width is rich's: the window's, or the COLUMNS variable (which the
tests set)."""

from __future__ import annotations

import os
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO, cast

from xcert import model
from xcert.errors import Problem

if TYPE_CHECKING:
    from rich.console import Console as RichConsole

    from xcert.output.tables import Table

# Columns a narrow terminal never breaks inside a word: an identifier cut in two is
# misread (学号, the masked ID, a certificate number, a digest); a date or a time
# breaks only at a space. Other text wraps, down to NARROWEST cells (4 characters).
WHOLE_COLUMNS = frozenset({"学号", "身份证号", "证书编号", "SHA-256"})
WHOLE_ENDINGS = ("日期", "时间")
NARROWEST = 8


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
    line for grep), a table boxed as rich would box it, as wide as the table: a command
    that prints into a pipe never loads rich, a good part of a cron job's start-up.
    Text never carries control characters, rich markup or emoji codes: names like
    王[yan]明 and file names are data."""

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

    def table(self, table: Table) -> None:
        """A table in full, never a column dropped: on a terminal boxed with its cells
        wrapped to the width, or, when even that is too wide, one record per block of
        label：value lines; off one boxed, each row one line however long (grep, cut)."""
        header = [_printable(label) for label in table.header]
        rows = [[_printable(cell) for cell in row] for row in table.rows]
        rows = rows or [["—"] * len(header)]
        title = _printable(table.title)
        if not self.is_terminal:
            self._plain_table(title, header, rows)
        elif (widths := fit(header, rows, self.rich.width)) is None:
            self._stacked(title, header, rows)
        else:
            self.print(_boxed(title, header, rows, widths, fold=True))
        for note in table.notes:  # what the figures mean: under the table, every format
            self.print(f"注：{_printable(note)}", markup=False)

    def _plain_table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        """Every column as wide as its widest cell: a row never wraps, whatever the width.
        Drawn here as rich would draw it, so that a report into a pipe never loads rich."""
        widths = natural_widths(header, rows, plain_width)
        self.print("\n".join([title, *plain_box(header, rows, widths)]))

    def _stacked(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        """One block per record, a blank line between and after: label：value, a long
        value folded beside its label."""
        from rich.text import Text

        labels = [f"{label}：" for label in header]
        indent = max(_cells(label) for label in labels) + 1
        room = max(self.rich.width - indent, 4)
        self.print(title, style="bold")
        for row in rows:
            for label, cell in zip(labels, row, strict=False):
                parts = Text(cell).wrap(self.rich, room, overflow="fold") if cell else [Text()]
                lead = label + " " * (indent - _cells(label))
                for index, part in enumerate(parts):
                    self.print(((lead if index == 0 else " " * indent) + part.plain).rstrip())
            self.print("")

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


def _printable(cell: object) -> str:
    """A cell as one line of text: no control character, no line break, no tab (which
    would stretch its cell past the border)."""
    from xcert.output.tables import cell_text

    return " ".join(cell_text(cell).translate(UNPRINTABLE).replace("\t", " ").splitlines())


def _boxed(title: str | None, header: list[str], rows: list[list[str]], widths, *, fold: bool):
    """rich's boxed table with these column widths: cells fold to them, or never wrap.
    Its title starts at the left, as off a terminal and above a stacked table."""
    from rich.table import Table as RichTable

    view = RichTable(title=title, title_justify="left")
    for label, width in zip(header, widths, strict=True):
        view.add_column(label, width=width, overflow="fold", no_wrap=not fold)
    for row in rows:
        view.add_row(*row)
    return view


def _cells(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def natural_widths(
    header: list[str], rows: list[list[str]], cells: Callable[[str], int] = _cells
) -> list[int]:
    """Each column's width with nothing wrapped: its widest cell or label."""
    return [
        max(cells(label), *(cells(row[i]) for row in rows if i < len(row)))
        for i, label in enumerate(header)
    ]


# rich's box for a table (HEAVY_HEAD): the header ruled heavy, the body light.
_TOP, _UNDER_HEADER, _BOTTOM = "┏━┳┓", "┡━╇┩", "└─┴┘"


def plain_box(header: list[str], rows: list[list[str]], widths: list[int]) -> list[str]:
    """The lines of a boxed table as rich draws it off a terminal (no colour, nothing
    wrapped), each cell padded to its column's width with a space either side."""

    def rule(corners: str) -> str:
        fill = (corners[1] * (width + 2) for width in widths)
        return corners[0] + corners[2].join(fill) + corners[3]

    def line(cells: list[str], bar: str) -> str:
        cells = [*cells, *[""] * (len(widths) - len(cells))]  # rich pads a short row
        padded = (f" {c}{' ' * (w - plain_width(c))} " for c, w in zip(cells, widths, strict=True))
        return bar + bar.join(padded) + bar

    body = [line(row, "│") for row in rows]
    return [rule(_TOP), line(header, "┃"), rule(_UNDER_HEADER), *body, rule(_BOTTOM)]


_WIDTHS: dict[str, int] = {}  # each character's width, measured once


def plain_width(text: str) -> int:
    """How many columns a line takes in a terminal or a fixed-width log, counted as
    rich counts them but without loading it: a Chinese character or a full-width form
    2, a combining mark or a zero-width character 0, anything else 1."""
    if text.isascii():
        return len(text)  # a printable cell has no control character left
    width = 0
    for char in text:
        known = _WIDTHS.get(char)
        if known is None:
            known = _WIDTHS[char] = _char_width(char)
        width += known
    return width


def _char_width(char: str) -> int:
    code, kind = ord(char), unicodedata.category(char)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return 0
    if kind == "Cn":  # not a character yet in this Python's Unicode: as rich, one
        return 1
    if kind in ("Mn", "Me", "Mc") or (kind == "Cf" and code != 0xAD):  # marks, zero-width
        return 0
    if 0x1160 <= code < 0x1200 or 0xD7B0 <= code < 0xD800:  # Hangul vowels and finals
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _narrowest(label: str, cells: list[str]) -> int:
    """How narrow a column may get on a terminal and still be read (WHOLE_COLUMNS)."""
    head = min(_cells(label), NARROWEST)  # a label wraps within its column
    if label in WHOLE_COLUMNS or label.endswith(WHOLE_ENDINGS):
        body = max((_cells(word) for cell in cells for word in cell.split()), default=0)
    else:
        body = min(max((_cells(cell) for cell in cells), default=0), NARROWEST)
    return max(head, body, 2)  # a Chinese character is 2 cells wide


def fit(header: list[str], rows: list[list[str]], width: int) -> list[int] | None:
    """The columns' widths for a boxed table at most `width` cells wide (each column
    takes 3 more for its border and padding), the widest narrowed first; None when even
    the narrowest readable table is wider (its records are then stacked)."""
    room = width - 3 * len(header) - 1
    natural = natural_widths(header, rows)
    floors = [_narrowest(label, [row[i] for row in rows]) for i, label in enumerate(header)]
    if sum(floors) > room:
        return None

    def capped(cap: int) -> list[int]:
        return [max(floor, min(n, cap)) for n, floor in zip(natural, floors, strict=True)]

    low, high = 0, max(natural)  # the largest cap on a column's width that fits
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if sum(capped(middle)) <= room else (low, middle - 1)
    return capped(low)


def stream_gone(stderr: bool = False) -> None:
    """The reader of stdout (or stderr) has gone (`xcert … | head`): what is left to print
    there goes nowhere, quietly (no Python noise at exit), and the command carries on:
    a write is still written, a rejects file still made, the exit code its own."""
    name = "stderr" if stderr else "stdout"
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), getattr(sys, name).fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it (a test runner)
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


class _Guarded:
    """sys.stdout or sys.stderr, but a write to a reader that has gone ends in
    stream_gone() instead of an exception: whoever writes (rich drawing --help, Click's
    echo of a JSON dump, a Console) carries on, and the command ends as it would have."""

    def __init__(self, stream: TextIO, stderr: bool) -> None:
        self._stream = stream
        self._stderr = stderr

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            stream_gone(self._stderr)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            stream_gone(self._stderr)

    def __getattr__(self, name: str):  # isatty, fileno, encoding … as the stream's
        return getattr(self._stream, name)


@contextmanager
def reader_may_leave() -> Iterator[None]:
    """For one run: stdout and stderr whose reader may leave (`xcert … | head -1`)
    quietly, with no traceback, and the exit code the command's own (0 for a report)."""
    saved = sys.stdout, sys.stderr
    guards = _Guarded(saved[0], stderr=False), _Guarded(saved[1], stderr=True)
    sys.stdout, sys.stderr = guards  # a stream in all but name
    try:
        yield
    finally:  # a stream stream_gone() has set aside (no file behind it) stays aside
        if sys.stdout is guards[0]:
            sys.stdout = saved[0]
        if sys.stderr is guards[1]:
            sys.stderr = saved[1]


SHOWN_PROBLEMS = 1000  # listed; the rest counted (a file of a million bad rows)


def print_problems(problems: list[Problem]) -> None:
    """A table on a terminal; one plain line per problem otherwise (cron, pipes, logs).
    Past SHOWN_PROBLEMS, the rest are counted, not listed: --rejects writes them all."""
    err = console(stderr=True)
    listed = problems[:SHOWN_PROBLEMS]
    _print_problems(err, listed, len(problems))
    if len(problems) > len(listed):
        err.print(
            f"…另有{len(problems) - len(listed):,}处问题未列出（--rejects 文件.xlsx 可导出被拒绝的行及原因）",
            markup=False,
        )


def _print_problems(err: Console, problems: list[Problem], total: int) -> None:
    if not err.is_terminal:
        for problem in problems:
            err.print(problem.line(), markup=False)
        return
    from xcert.output.tables import Table

    cells = {
        "文件": lambda p: p.file,
        "位置": lambda p: p.key or "",  # a TOML file's table and key
        "工作表": lambda p: p.sheet or "",
        "行": lambda p: p.row or "",
        "列": lambda p: p.column or "",
        "值": lambda p: p.value or "",
        "原因": lambda p: p.reason,
    }
    if not any(p.key for p in problems):
        del cells["位置"]
    elif not any(p.sheet or p.row or p.column for p in problems):
        del cells["工作表"], cells["行"], cells["列"]
    rows = [[cell(p) for cell in cells.values()] for p in problems]
    err.table(Table(f"发现{total}处问题", tuple(cells), rows))


def console(stderr: bool = False) -> Console:
    return Console(stderr)
