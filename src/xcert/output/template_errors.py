"""A report template's mistake as one Chinese line: which template file, which line,
and why. Mostly a school's own template (`render --templates DIR`), written by someone
who is no programmer: Jinja's English (and its Python traceback) reaches nobody."""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType

# Jinja's messages → what went wrong, in Chinese ({0}, {1}: the names in its message)
SYNTAX = (
    (r"No filter named '(.+?)'", "没有名为「{0}」的过滤器"),
    (r"No test named '(.+?)'", "没有名为「{0}」的测试"),
    (r"Encountered unknown tag '(.+?)'", "不认识的标签「{0}」"),
    (r"Unexpected end of template", "模板结束了，还有块没有结束"),
    (r"unexpected end of template", "模板在一个表达式或标签的中间结束了"),
    (r"Expected an expression, got '(.+?)'", "这里缺少表达式（变量或值）"),
    (r"expected token '(.+?)', got '(.+?)'", "这里应是「{0}」，却是「{1}」"),
    (r"unexpected char '(.+?)'", "不认识的字符「{0}」"),
    (r"unexpected '(.+?)'", "多了或错了一个「{0}」"),
    (r"tag name expected", "{{% 后面缺少标签名"),
    (r"[Bb]lock '(.+?)' defined twice", "块「{0}」定义了两次"),
)
UNDEFINED = (
    (r"'(.+?)' is undefined", "用了不存在的变量或函数「{0}」"),
    (r"'?.+?'? has no attribute '(.+?)'", "用了不存在的属性「{0}」"),
    (r".+? has no element (.+)", "用了不存在的一项 [{0}]"),
)
UNSAFE = (
    (r"access to attribute '(.+?)' of '(.+?)' object is unsafe", "访问「{0}」"),
    (r"'?(.+?)'? is not safely callable", "调用「{0}」"),
)
# Jinja's names of the marks in its messages
TOKENS = {
    "end of print statement": "}}",
    "begin of print statement": "{{",
    "end of statement block": "%}",
    "begin of statement block": "{%",
    "end of template": "模板结尾",
    "name": "名字",
}
PYTHON = {
    "ZeroDivisionError": "除数为 0",
    "TypeError": "值的类型或参数的个数不对",
    "ValueError": "值不对",
    "OverflowError": "数字太大",
}


def describe(name: str, exc: BaseException, folders: list[Path]) -> str:
    """`模板 pass-rates.md 第3行：用了不存在的变量「nosuch」`, for template `name` (or
    the one it includes or extends where the mistake is) in `folders` (a school's first,
    the built-in last)."""
    import jinja2
    from jinja2.exceptions import SecurityError

    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = _where(exc.filename, exc.name or name, exc.lineno, folders)
        return f"{where}：{_syntax(exc)}"
    file, line = _innermost_template_line(exc.__traceback__)
    where = _where(file, name, line, folders)
    message = _one_line(getattr(exc, "message", None) or str(exc))
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"{where}：找不到它用到的模板「{exc.name}」"
    if isinstance(exc, SecurityError):
        what = _translated(message, UNSAFE) or "这样做"
        return f"{where}：出于安全不允许{what}；模板只能读报表里的数据"
    if isinstance(exc, jinja2.UndefinedError):
        return f"{where}：{_translated(message, UNDEFINED) or '用了不存在的变量'}"
    if isinstance(exc, jinja2.TemplateError):  # a filter unknown until it runs, and the like
        return f"{where}：{_translated(message, SYNTAX) or '出错'}"
    why = PYTHON.get(type(exc).__name__) or f"出错（{type(exc).__name__}: {message}）"
    return f"{where}：{why}"


def _syntax(exc) -> str:
    """Why the template cannot be read, and the line as written."""
    message = _one_line(exc.message or "")
    why = _translated(message, SYNTAX) or "语法有误"
    innermost = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    if innermost:
        why += f"，缺少 {{% end{innermost.group(1)} %}}"
    source = (exc.source or "").splitlines()
    if (
        innermost is None
        and exc.lineno
        and 0 < exc.lineno <= len(source)
        and source[exc.lineno - 1].strip()
    ):
        text = source[exc.lineno - 1].strip()
        why += f"（这一行：{text[:60]}{'…' if len(text) > 60 else ''}）"
    return why


def _translated(message: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for pattern, chinese in table:
        found = re.search(pattern, message)
        if found:
            return chinese.format(*(TOKENS.get(name, name) for name in found.groups()))
    return None


def _innermost_template_line(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """Where in a template the error was raised: Jinja rewrites the traceback so that
    each template frame names the template's file and line (globals marked)."""
    file, line = None, None
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            file, line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
        tb = tb.tb_next
    return file, line


def _where(file: str | None, name: str, line: int | None, folders: list[Path]) -> str:
    """`模板 NAME 第 N 行`: the name as in its folder; a built-in one said to be."""
    shown, note = name, ""
    if file:
        path = Path(file)
        for i, folder in enumerate(folders):
            if path.is_relative_to(folder):
                shown = path.relative_to(folder).as_posix()
                note = "（自带模板）" if 0 < i == len(folders) - 1 else ""
                break
    return f"模板 {shown}" + (f" 第{line}行" if line else "") + note


def _one_line(text: str) -> str:
    return " ".join(text.split())
