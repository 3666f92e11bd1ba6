"""Option values checked as a clerk would type them; a value that cannot be is a
usage mistake (exit 2) named by its option."""

from collections.abc import Callable, Collection
from pathlib import Path
from typing import TypeVar

import typer

from xcert.clean.dates import DateSpan

T = TypeVar("T")


def option(cleaner: Callable[[object], T], value: object, name: str) -> T | None:
    """An option's value cleaned as a cell would be; a value that cannot be is a usage
    mistake (exit 2), named by its option."""
    if value is None:
        return None
    from xcert.clean.cells import CellError  # the cleaning rules, once a value is given

    try:
        return cleaner(value)
    except CellError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def number(value: int | None) -> int | None:
    """A write or session number: positive, and small enough for SQLite."""
    if value is not None and not 1 <= value <= 2**62:
        raise typer.BadParameter(f"{value} 不是有效的编号（应为正整数）")
    return value


def date_option(value: str | None, what: str) -> DateSpan | None:
    if value is None:
        return None
    from xcert.clean import cells as clean

    return option(clean.date_span, value, what)


def choice(
    allowed: Collection[str], option: str, aliases: dict[str, str] | None = None
) -> Callable[[str | None], str | None]:
    """A callback that lets an option take one of `allowed` (or an alias of one), and
    says which there are otherwise: one way for every option with a fixed set."""

    def check(value: str | None) -> str | None:
        if value is not None:
            value = (aliases or {}).get(value, value)
        if value is not None and value not in allowed:
            raise typer.BadParameter(
                f"「{value}」不可用；可用：{'、'.join(allowed)}", param_hint=option
            )
        return value

    return check


def output_file(path: Path, option: str = "-o") -> None:
    """A file a command is to write: a name, in a folder that is there (a usage mistake
    otherwise, exit 2, the same for every command)."""
    if path.is_dir():
        raise typer.BadParameter(f"{path} 是一个文件夹，请给出文件名", param_hint=option)
    if not path.parent.exists():
        raise typer.BadParameter(f"文件夹「{path.parent}」不存在", param_hint=option)


def not_future(span: DateSpan | None, option: str, what: str) -> DateSpan | None:
    """A date that must have come already (an exam sat, a signature given): one that
    starts after today cannot be true, a usage mistake (exit 2) named by its option."""
    from xcert import clock
    from xcert.clean.dates import shown

    today = clock.today()
    if span is not None and span.start > today:
        raise typer.BadParameter(
            f"「{span.text}」还没到（今天是 {shown(today.isoformat())}）；{what}",
            param_hint=option,
        )
    return span


def day_option(value: str | None, option: str, what: str) -> DateSpan | None:
    """A date that must be one day (a report's date, the day a cohort graduated): a
    month or a range is a usage mistake (exit 2) named by its option."""
    span = date_option(value, option)
    if span is not None and not span.is_day:
        raise typer.BadParameter(f"{what}请写具体哪一天，如 2024-01-15", param_hint=option)
    return span
