"""The one error type a user can fix, and the problem records imports collect.

A `Problem` is data: where (file, sheet, row, column), what (value) and why (reason).
The CLI decides how to print it; nothing below the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    reason: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # header text as the file wrote it
    value: str | None = None
    letter: str | None = None  # the column's letter, as Excel shows it

    def line(self) -> str:
        """One line a clerk can act on: where first, then the value and why."""
        where = [self.file]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(
                f"{self.letter} 列「{self.column}」" if self.letter else f"「{self.column}」列"
            )
        text = " ".join(where)
        if self.value not in (None, ""):
            text += f" 值「{self.value}」"
        return f"{text}：{self.reason}"


class XcertError(Exception):
    """A refusal the user can act on: printed as one line, exit 1, nothing written."""

    def __init__(self, reason: str, *, problems: list[Problem] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems or []
