"""Typer commands: parse options, call one function below, print. No SQL, no rules.

Heavy libraries (openpyxl, jinja2, the spreadsheet readers) are imported inside the
commands that need them, so `xcert --help` starts fast (issue 4's start-up target).
"""

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from xcert import __version__, clock
from xcert.errors import Problem, XcertError

if TYPE_CHECKING:
    import sqlite3

    from xcert.office.search import StudentRecords


class _Group(TyperGroup):
    """Turns a user's error into one stderr line and exit 1, for every command."""

    # --help lists the commands in the order an office works, not as the modules load
    ORDER = (
        "init", "demo", "import", "find", "certs", "record", "sign", "session", "select",
        "register", "export", "check", "stats", "target", "render", "summary", "log",
        "undo", "backup", "purge",
    )  # fmt: skip

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(self.ORDER)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """Usage mistakes as one Chinese line on stderr, exit 2 (Typer's box is English)."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        # Help in a pipe: whole lines, like our own output. Typer reads the variable when
        # help is first due; it is this run's only, never left to later runs or children.
        widen = not _is_terminal(sys.stdout) and "TERMINAL_WIDTH" not in os.environ
        if widen:
            os.environ["TERMINAL_WIDTH"] = "200"
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except typer.Abort:
            typer.echo("已中断，没有写入任何数据。", err=True)
            sys.exit(130)
        except Exception as exc:
            # Click's usage errors (vendored by newer Typer, imported by older): by name
            if not any(c.__name__ == "ClickException" for c in type(exc).__mro__):
                raise
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one printed the help
                typer.echo(f"用法错误：{_usage_message(exc)}", err=True)
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        finally:
            if widen:
                os.environ.pop("TERMINAL_WIDTH", None)
        sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx, args):
        _state["command"] = _command_line(_without_global_options(args))
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except XcertError as exc:
            if _state["debug"]:
                raise
            if exc.problems:
                _print_problems(exc.problems)
            typer.echo(f"错误：{exc.reason}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("已中断，没有写入任何数据。", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # output that is not a _Console's (a JSON dump) met `| head`
            _stream_gone()
            raise typer.Exit(1) from None
        except Exception as exc:  # a bug: one line, and the way to see more
            if _is_busy(exc) and not _state["debug"]:
                typer.echo(
                    "错误：数据库正被另一个 xcert 占用，等了 30 秒仍未完成；请稍后再试", err=True
                )
                raise typer.Exit(1) from None
            if _state["debug"] or type(exc).__module__.startswith(("typer", "click")):
                raise  # usage errors and exits: Typer prints them (exit 2) as usual
            typer.echo(
                f"内部错误：{type(exc).__name__}: {exc}（加 --debug 可看详细信息；请报告此问题）",
                err=True,
            )
            raise typer.Exit(1) from None


def _usage_message(exc: Exception) -> str:
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
    elif kind == "UsageError" and str(exc).startswith("No such command"):
        text = f"没有命令 {str(exc).split(' ', 3)[-1].strip('.')}"
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
        text = f"{name}：{value} 不在允许的范围内（{_range_words(limits)}）"
    elif kind == "BadParameter":
        text = message or str(exc)
        if hint and not text.startswith(hint):  # our own messages may name the option
            text = f"{hint}：{text}"
    else:
        text = exc.format_message()  # type: ignore[attr-defined]
    where = (
        f"xcert {ctx.command_path.split(' ', 1)[1]}" if ctx and " " in ctx.command_path else "xcert"
    )
    return f"{text}（{where} -h 查看用法）"


def _range_words(limits: str) -> str:
    """Click's `1<=x<=8`, `x>=0` as a clerk reads them: 1 到 8, 不小于 0."""
    low = re.search(r"([-\d.]+)<=?x", limits)
    high = re.search(r"x<=?([-\d.]+)", limits)
    at_least = re.search(r"x>=?([-\d.]+)", limits)
    if low and high:
        return f"{low.group(1)} 到 {high.group(1)}"
    if at_least or low:
        return f"不小于 {(at_least or low).group(1)}"  # type: ignore[union-attr]
    if high:
        return f"不大于 {high.group(1)}"
    return limits


def _without_global_options(args: list[str]) -> list[str]:
    """The command line for the write log: the database path is the log's own."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("--db=") and arg != "--debug":
            out.append(arg)
    return out


def _command_line(args: list[str]) -> str:
    """The command as the user typed it (after the global options), for `xcert log`:
    ID numbers in it masked, a file name in another encoding made storable."""
    from xcert.clean.idcard import mask_ids_in
    from xcert.store.connect import storable

    return mask_ids_in(storable(" ".join(["xcert", *args])))


def _is_busy(exc: Exception) -> bool:
    """SQLite gave up waiting for another process's write (after the busy timeout)."""
    return type(exc).__name__ == "OperationalError" and "locked" in str(exc)


app = typer.Typer(
    name="xcert",
    cls=_Group,
    help="1+X 证书试点管理：花名册、考证成绩、发证签领与年度统计，数据都在一个 SQLite 文件里。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, object] = {"db": Path("xcert.db"), "debug": False, "command": None}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"xcert {__version__}")
        raise typer.Exit()


@app.callback()
def _global(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="数据库文件；默认取环境变量 XCERT_DB，再默认 ./xcert.db",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示 Python 调用栈（给开发者看）")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号")
    ] = False,
) -> None:
    """xcert [--db PATH] COMMAND ..."""
    _state["db"] = (db or Path(os.environ.get("XCERT_DB") or "xcert.db")).expanduser()
    _state["debug"] = debug
    _set_clock(os.environ.get(clock.ENV))


def _set_clock(text: str | None) -> None:
    """XCERT_NOW=2026-11-25T20:00 runs a command as on that day (a clerk's report of a
    past day reproduced); read here, at the edge, and nowhere else."""
    if not text:
        return
    try:
        clock.freeze(clock.parse(text))
    except ValueError as exc:
        typer.echo(f"用法错误：{exc}", err=True)
        raise typer.Exit(2) from None


def _db_path() -> Path:
    return Path(_state["db"])  # type: ignore[arg-type]


def _open(create: bool = True) -> "sqlite3.Connection":
    from xcert.store import schema

    command = _state["command"]
    return schema.open_db(_db_path(), create=create, command=str(command) if command else None)


def _console(stderr: bool = False) -> "_Console":
    return _Console(stderr)


def _is_terminal(stream) -> bool:
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


# What a line may not carry to a terminal or a log: control characters (an escape
# sequence in a file or sheet name would recolour, retitle or rewrite a clerk's screen).
_UNPRINTABLE = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])


class _Console:
    """Where a command prints. On a terminal rich; off one (a pipe, a cron log) text
    as it is, one line per call, with no colour, never wrapped (a long path stays one
    line for grep), and rich, 200 columns wide, only for a table: a command that prints
    only text never loads rich, a good part of a cron job's start-up. Text never
    carries control characters, rich markup or emoji codes: names like 王[yan]明 and
    file names are data."""

    def __init__(self, stderr: bool) -> None:
        self.stderr = stderr
        self.is_terminal = _is_terminal(sys.stderr if stderr else sys.stdout)
        self._rich = None

    def print(self, *objects: object, style: str | None = None, markup: bool | None = None):
        """Like rich's print, with only these options; `style` shows on a terminal only."""
        objects = tuple(o.translate(_UNPRINTABLE) if type(o) is str else o for o in objects)
        try:
            if not self.is_terminal and all(type(o) is str for o in objects):
                stream = sys.stderr if self.stderr else sys.stdout
                stream.write(" ".join(objects) + "\n")  # type: ignore[arg-type]
                stream.flush()  # in a log that takes both, report and problems stay in order
            else:
                self.rich.print(*objects, style=style, markup=markup)
        except BrokenPipeError:  # `xcert import … | head -1`: the import itself goes on
            _stream_gone(self.stderr)

    @property
    def rich(self):
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
            self._rich.on_broken_pipe = lambda: _stream_gone(self.stderr)  # type: ignore[method-assign]
        return self._rich


def _stream_gone(stderr: bool = False) -> None:
    """The reader of stdout (or stderr) has gone (`xcert … | head`): what is left to print
    there goes nowhere, quietly (no Python noise at exit), and the command carries on:
    a write is still written, a rejects file still made, the exit code its own."""
    name = "stderr" if stderr else "stdout"
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), getattr(sys, name).fileno())
    except (OSError, ValueError, AttributeError):  # no file behind it (a test runner)
        setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


@app.command()
def init() -> None:
    """创建数据库，或把旧数据库升级到当前版本（可重复运行；升级前自动备份）。

    例：xcert --db 1x.db init
    """
    from xcert.store import schema

    done = schema.init(_db_path())
    if not done.existed:
        said = f"已创建数据库 {done.path}（结构版本 {done.after}）"
    elif done.before == done.after:
        said = f"数据库 {done.path} 已是最新（结构版本 {done.after}），无需改动"
    elif done.backup_path is None:
        said = f"数据库 {done.path} 已建好结构（版本 {done.after}）"
    else:
        said = f"数据库 {done.path} 已从版本 {done.before} 升级到 {done.after}；升级前的备份：{done.backup_path}"
    typer.echo(said)


def _option(cleaner, value, option: str):
    """An option's value cleaned as a cell would be; a value that cannot be is a usage
    mistake (exit 2), named by its option."""
    from xcert.clean import cells as clean

    if value is None:
        return None
    try:
        return cleaner(value)
    except clean.CellError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _print_problems(problems: list[Problem]) -> None:
    """A table on a terminal; one plain line per problem otherwise (cron, pipes, logs)."""
    err = _console(stderr=True)
    if not err.is_terminal:
        for problem in problems:
            err.print(problem.line(), markup=False)
        return
    from rich.table import Table

    table = Table(title=f"发现 {len(problems)} 处问题", show_lines=False)
    for label in ("文件", "工作表", "行", "列", "值", "原因"):
        table.add_column(label, overflow="fold")
    for p in problems:
        table.add_row(
            p.file,
            p.sheet or "",
            str(p.row or ""),
            p.column or "",
            p.value or "",
            p.reason,
            style=None,
        )
    err.print(table)


@app.command()
def find(
    text: Annotated[str, typer.Argument(help="姓名（可只写一部分）、学号、班级或身份证号")],
) -> None:
    """按姓名、学号、班级或身份证号查找学生，并列出其成绩和证书。身份证号只显示前 2 位和后 2 位。

    例：xcert find 陈明
    """
    from xcert.office import search

    conn = _open(create=False)
    students, cut = search.find_students(conn, text)
    details = (
        [search.student_records(conn, s["id"]) for s in students]
        if len(students) <= DETAIL_LIMIT
        else []
    )
    conn.close()
    if not students:
        from xcert.clean.idcard import mask_ids_in

        _console().print(f"没有找到与「{mask_ids_in(text)}」匹配的学生")
        raise typer.Exit(1)
    _print_students(students)
    for student, records in zip(students, details, strict=False):
        _print_records(student, records)
    if cut:
        _console().print(f"只显示前 {search.MAX_SHOWN} 名；请写得更具体些（完整学号、班级或姓名）")


WIDE_COLUMNS = {"学号": 10, "身份证号": 18}
DETAIL_LIMIT = 5  # up to this many students found: their results and certificates too


def _print_records(student: dict, records: "StudentRecords") -> None:
    from rich.table import Table

    from xcert.clean.idcard import mask_ids_in
    from xcert.model import CERTIFICATE_KIND_LABELS as kinds
    from xcert.model import OUTCOME_LABELS

    out = _console()
    results, awards = records.results, records.awards
    name = f"{student['name']}（{mask_ids_in(student['student_no'] or '无学号')}）"
    if not results and not awards:
        out.print(f"{name}：还没有考核成绩和证书")
        return
    if results:
        table = Table(title=f"{name} 的考核成绩")
        for label in ("证书", "类型", "等级", "考核时间", "理论", "实操", "总分", "结果"):
            table.add_column(label, overflow="fold")
        for r in results:
            table.add_row(
                r.certificate,
                kinds[r.kind] + ("（推测）" if r.kind_guessed else ""),
                r.level or "",
                r.when or "",
                *(f"{v:g}" if v is not None else "" for v in (r.theory, r.practical, r.total)),
                OUTCOME_LABELS[r.outcome],
            )
        out.print(table)
    if awards:
        table = Table(title=f"{name} 的证书")
        for label in ("证书", "类型", "等级", "鉴定时间", "发证日期", "证书编号", "签领"):
            table.add_column(label, overflow="fold")
        unsigned = 0
        for a in awards:
            unsigned += a.signed_by is None
            signed = f"{a.signed_by} {a.signed_on or ''}".strip() if a.signed_by else "未签领"
            table.add_row(
                a.certificate,
                kinds[a.kind] + ("（推测）" if a.kind_guessed else ""),
                a.level or "",
                a.assessed or "",
                a.issued_on or "",
                mask_ids_in(a.certificate_no or ""),
                signed,
            )
        out.print(table)
        if unsigned:
            out.print(f"{name} 还有 {unsigned} 张证书未签领")


def _print_students(students: list[dict]) -> None:
    from rich.table import Table

    from xcert.clean.idcard import mask_id, mask_ids_in
    from xcert.model import STATUS_LABELS

    table = Table(title=f"找到 {len(students)} 名学生")
    for label in ("学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "届别", "状态"):
        # 学号 and the masked ID stay on one line; names and majors fold on a narrow screen.
        table.add_column(label, overflow="fold", min_width=WIDE_COLUMNS.get(label))
    for s in students:
        table.add_row(
            mask_ids_in(s["student_no"] or ""),
            s["name"],
            s["gender"] or "",
            mask_id(s["id_number"]),
            s["class_code"] or "",
            s["major"] or "",
            s["department"] or "",
            f"{s['cohort']}届" if s["cohort"] else "",
            STATUS_LABELS.get(s["status"], s["status"]),
        )
    _console().print(table)


@app.command()
def demo(
    folder: Annotated[Path, typer.Argument(help="放演示数据库的文件夹")] = Path("xcert-demo"),
) -> None:
    """用自带的示例文件建一个演示数据库（FOLDER/xcert.db，不用 --db），展示 xcert 能做什么。

    再次运行会重建演示数据库；不是演示建的数据库不会被覆盖。

    例：xcert demo /tmp/试试看
    """
    from xcert.cli import demo_steps as demo

    out = _console()
    db_path, files = demo.prepare(folder)  # refuses a database the demo did not make, first
    out.print(
        f"xcert 演示：在 {folder}/ 新建数据库 xcert.db，导入自带的示例花名册、证书目录、"
        "考核成绩和考证签领名单\n",
        style="bold",
    )
    command = _state["command"]
    result = demo.run(db_path, files, str(command) if command else None)
    from xcert.cli.imports import print_import

    print_import(result.outcome, result.options)
    out.print("\n查一名学生的成绩和证书（身份证号只显示前 2 位和后 2 位）：")
    out.print(f"  xcert --db {result.db_path} find {demo.SAMPLE_STUDENT}", style="bold")
    _print_students([result.sample])
    _print_records(result.sample, result.records)
    if result.selection is not None:
        from xcert.cli.sessions import print_selection

        out.print("\n按选拔成绩为下一场考试选考生（每班 60%）：")
        out.print(
            f"  xcert --db {result.db_path} select --session {result.selection.session.id}"
            f" --scores examples/{demo.SELECTION_SCORES} --group class --quota 60%",
            style="bold",
        )
        print_selection(result.selection, dry_run=False, brief=True)
    out.print(f"\n证书目录：xcert --db {result.db_path} certs")
    out.print(f"统计：xcert --db {result.db_path} stats")
    out.print(f"写入记录（可撤销）：xcert --db {result.db_path} log")
    out.print(f"\n已生成报表（Markdown、网页、Excel）：{'、'.join(p.name for p in result.reports)}")
    out.print(f"\n接着可以试：xcert --db {result.db_path} import 你的花名册.xlsx --dry-run")


def main() -> None:
    """Console-script entry point."""
    app()


# Commands by subject, registered on `app` when this package is imported.
from xcert.cli import imports as _imports  # noqa: E402, F401
from xcert.cli import ops as _ops  # noqa: E402, F401
from xcert.cli import records as _records  # noqa: E402, F401
from xcert.cli import reports as _reports  # noqa: E402, F401
from xcert.cli import sessions as _sessions  # noqa: E402, F401
from xcert.cli import stats as _stats  # noqa: E402, F401
