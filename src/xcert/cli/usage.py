"""Click's usage mistakes as one Chinese line (Typer's box is English), exit 2."""

from __future__ import annotations

import re


def usage_message(exc: Exception) -> str:
    """What was wrong with the command line, and where to read how it goes."""
    kind = type(exc).__name__
    hint = getattr(exc, "param_hint", None)
    param = getattr(exc, "param", None)
    ctx = getattr(exc, "ctx", None)
    if hint is None and param is not None and ctx is not None:
        hint = param.get_error_hint(ctx)
    if isinstance(hint, (list, tuple)):
        hint = " / ".join(hint)
    hint = (hint or "").replace("'", "")
    name = hint if hint.startswith("-") else hint.upper()  # an option, or an argument
    message = str(getattr(exc, "message", ""))  # Click's own are in English
    out_of_range = re.fullmatch(r"(.+?) is not in the range (.+?)\.?", message)
    if kind == "MissingParameter":
        text = f"缺少 {name}"
    elif kind == "NoSuchOption":
        text = f"没有选项 {getattr(exc, 'option_name', '')}"
    elif kind == "BadOptionUsage" and "requires an argument" in str(exc):
        text = f"{getattr(exc, 'option_name', '')} 后面要写一个值"
    elif kind == "UsageError" and str(exc).startswith("Missing command"):
        text = "缺少命令"
    elif kind == "UsageError" and str(exc).startswith("Got unexpected extra argument"):
        extra = str(exc).rsplit("(", 1)[-1].rstrip(")")
        text = f"多了不认识的参数「{extra}」；值要写在它的选项后面，如 --student 学号"
    elif kind == "BadParameter" and " is not a valid " in message:
        value = message.split("'")[1] if message.count("'") >= 2 else ""
        wanted = (
            "整数" if "valid int" in message else "数字" if "valid float" in message else "有效值"
        )
        text = f"{name}：「{value}」不是{wanted}"
    elif kind == "BadParameter" and out_of_range:
        value, limits = out_of_range.groups()
        text = f"{name}：{value} 不在允许的范围内（{range_words(limits)}）"
    elif kind == "BadParameter":
        text = message or str(exc)
        if hint and not text.startswith(hint):  # our own messages may name the option
            text = f"{hint}：{text}"
    else:
        text = getattr(exc, "format_message", exc.__str__)()  # Click's own sentence
    where = (
        f"xcert {ctx.command_path.split(' ', 1)[1]}" if ctx and " " in ctx.command_path else "xcert"
    )
    return f"{text}（{where} -h 查看用法）"


def range_words(limits: str) -> str:
    """Click's `1<=x<=8`, `x>=0` as a clerk reads them: 1 到 8, 不小于 0."""
    low = re.search(r"([-\d.]+)<=?x", limits)
    high = re.search(r"x<=?([-\d.]+)", limits)
    at_least = re.search(r"x>=?([-\d.]+)", limits)
    if low and high:
        return f"{low.group(1)} 到 {high.group(1)}"
    bound = at_least or low
    if bound:
        return f"不小于 {bound.group(1)}"
    if high:
        return f"不大于 {high.group(1)}"
    return limits
