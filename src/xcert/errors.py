"""The one error type a user can fix, and the problem records imports collect.

A `Problem` is data: where (file, sheet, row, column; or a TOML file's table and key),
what (value) and why (reason).
The CLI decides how to print it; nothing below the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a file, where a clerk finds it; slots: an import may collect
    a problem on every row."""

    file: str
    reason: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as the spreadsheet shows it
    column: str | None = None  # header text as the file wrote it
    value: str | None = None
    letter: str | None = None  # the column's letter, as Excel shows it
    key: str | None = None  # in a TOML file: the table and key, e.g. [school] pilot

    def line(self) -> str:
        """One line a clerk can act on: where first, then the value and why."""
        where = [self.file]
        if self.key:
            where.append(self.key)
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第{self.row}行")
        if self.column:
            where.append(
                f"{self.letter}列「{self.column}」" if self.letter else f"「{self.column}」列"
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


class KeyProblems(list[Problem]):
    """The problems of one TOML file (site profile, catalogue, targets), each at its
    table and key with the value as written: collected, then refused as one error that
    lists them one per line, like an import's (SPEC 5.1)."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def add(self, key: str, reason: str, value: object = None) -> None:
        shown = None if value is None else toml_text(value)
        self.append(Problem(self.file, reason, key=key or None, value=shown))

    def refuse(self) -> None:
        """Raise the one error naming how many problems there are, if any."""
        if self:
            raise XcertError(
                f"{self.file}：{len(self)}处问题，没有写入任何数据；改正后重新导入",
                problems=list(self),
            )


def toml_text(value: object) -> str:
    """A TOML value as the file writes it: true (not True), ["初级"], 2022-09-18."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (RecursionError, ValueError):  # nested deeper than a message can show
            return "[…]" if isinstance(value, list) else "{…}"
    return str(value)
