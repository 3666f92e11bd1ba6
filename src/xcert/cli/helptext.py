"""`--help` in Chinese, on a terminal and off one. Typer draws every help with rich
(`typer.rich_utils`, in its own words: panel titles, [default: …], [required]) from
Click's pieces (the help option's text, the usage line, a type's name as the metavar);
each is replaced here, so no English of theirs reaches a clerk. Only the text a help
shows changes: option names, values and Click's checks stay as they are."""

from __future__ import annotations

import copy
import os
import sys
from typing import TYPE_CHECKING, Any

from xcert.cli.console import is_terminal

if TYPE_CHECKING:
    from typer.core import TyperCommand as _Command
else:
    _Command = object

HELP_OPTION = "显示此帮助并退出"
USAGE = "用法："
OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
PIPE_WIDTH = 200  # off a terminal whole lines, like xcert's own output (grep, logs)

# typer.rich_utils's fixed strings: it reads these module globals each time it draws.
RICH_WORDS = {
    "DEPRECATED_STRING": "（已停用）",
    "DEFAULT_STRING": "[默认：{}]",
    "ENVVAR_STRING": "[环境变量：{}]",
    "REQUIRED_LONG_STRING": "[必填]",
    "RANGE_STRING": "",  # the range is in the metavar: <整数 1–8>
    "ARGUMENTS_PANEL_TITLE": "参数",
    "OPTIONS_PANEL_TITLE": "选项",
    "COMMANDS_PANEL_TITLE": "命令",
    "ERRORS_PANEL_TITLE": "错误",
    "ABORTED_TEXT": "已中断。",
    "RICH_HELP": "用 {command_path} {help_option} 查看用法。",
}

# Click's type names (<int>, <int range>, <str> …), which Typer shows as the metavar.
# A type not here (a flag, a list of choices) keeps Typer's own.
TYPE_WORDS = {
    "int": "整数",
    "integer": "整数",
    "int range": "整数",
    "integer range": "整数",
    "float": "数字",
    "float range": "数字",
    "str": "文字",
    "text": "文字",
    "path": "路径",
    "filename": "文件",
    "file": "文件",
    "datetime": "日期时间",
}


class ChineseHelp(_Command):
    """Mixed into xcert's command and group classes (cli/app.py): their help option,
    usage line and `--help` in Chinese."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.options_metavar == "[OPTIONS]":
            self.options_metavar = OPTIONS_METAVAR
        if getattr(self, "subcommand_metavar", None) == "COMMAND [ARGS]...":  # a group
            self.subcommand_metavar = SUBCOMMAND_METAVAR

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def format_usage(self, ctx, formatter) -> None:
        pieces = " ".join(self.collect_usage_pieces(ctx))
        formatter.write_usage(ctx.command_path, pieces, prefix=USAGE)

    def format_help(self, ctx, formatter) -> None:
        """Always rich's boxes (the same with TYPER_USE_RICH=0), in Chinese."""
        draw_help(self, ctx)


def draw_help(command, ctx) -> None:
    """Print `command`'s help as Typer draws it, with xcert's words."""
    from typer import rich_utils

    for name, text in RICH_WORDS.items():
        setattr(rich_utils, name, text)
    rich_utils.MAX_WIDTH = help_width()
    for param in command.get_params(ctx):
        word = type_word(param.type)
        if word is not None:  # this help's copy of the type: its checks are Click's own
            param.type = copy.copy(param.type)
            param.type.name = word
    if not getattr(rich_utils._get_parameter_help, "folds", False):
        rich_utils._get_parameter_help = _folded(rich_utils._get_parameter_help)
        rich_utils._make_command_help = _folded(rich_utils._make_command_help)
    rich_utils.rich_format_help(obj=command, ctx=ctx, markup_mode="rich")


def _folded(parameter_help):
    """Typer lays an option's help out as rich Columns, and a command's as a Text, which
    a narrow terminal cuts with "…" (Chinese has no spaces to wrap at): each folds
    instead, so every word of the help stays on the screen."""
    from rich.text import Text

    def folded(**kwargs):
        made = parameter_help(**kwargs)
        for part in getattr(made, "renderables", [made]):  # Columns, or one Text
            if isinstance(part, Text):
                part.overflow = "fold"
        return made

    folded.folds = True  # type: ignore[attr-defined]  # wrapped once per process
    return folded


def help_width() -> int | None:
    """TERMINAL_WIDTH when given; else a terminal's own width, and 200 off one."""
    given = os.environ.get("TERMINAL_WIDTH", "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return None if is_terminal(sys.stdout) else PIPE_WIDTH


def type_word(kind: Any) -> str | None:
    """A type as the metavar says it: 整数, 整数 1–8, 整数，不小于 0, 路径 …"""
    word = TYPE_WORDS.get(str(getattr(kind, "name", "")))
    if word is None or not hasattr(kind, "min"):
        return word
    low, high = kind.min, kind.max
    if low is not None and high is not None and not (kind.min_open or kind.max_open):
        return f"{word} {low}–{high}"
    bounds = []
    if low is not None:
        bounds.append(f"{'大于' if kind.min_open else '不小于'} {low}")
    if high is not None:
        bounds.append(f"{'小于' if kind.max_open else '不大于'} {high}")
    return "，".join([word, *bounds])
