"""The Typer app: the group that turns errors into one line, the global options
(--db, --debug, --version, XCERT_NOW) and opening the database for a command."""

# No `from __future__ import annotations` here nor in options.py: Typer reads the
# options' annotations, and would evaluate their text at every start.
import difflib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
import typer.main
from typer.core import TyperCommand, TyperGroup
from typer.models import CommandInfo

from xcert import __version__, clock
from xcert.cli.console import console, print_problems, reader_may_leave, stream_gone
from xcert.cli.helptext import ChineseHelp
from xcert.errors import XcertError

if TYPE_CHECKING:
    from xcert.store.connect import Connection


class Command(ChineseHelp, TyperCommand):
    """Every xcert command: its --help in Chinese."""


class SubGroup(ChineseHelp, TyperGroup):
    """A group of commands (session, target, export): its --help in Chinese, and an
    unknown command named in Chinese, with the ones it may have meant."""

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        known = self.get_command(ctx, name) is not None
        if name[:1] not in ("", "-") and not known and not ctx.resilient_parsing:
            meant = difflib.get_close_matches(name, self.list_commands(ctx))
            guess = f"；是不是要用 {' 或 '.join(meant)}？" if meant else ""
            ctx.fail(f"没有命令 '{name}'{guess}")
        return super().resolve_command(ctx, args)


class Typer(typer.Typer):
    """typer.Typer whose commands and groups are xcert's: their help in Chinese."""

    def __init__(self, *, cls: type[TyperGroup] | None = SubGroup, **kwargs: Any) -> None:
        super().__init__(cls=cls, **kwargs)

    def command(
        self, name: str | None = None, *, cls: type[TyperCommand] | None = None, **kwargs: Any
    ):  # Typer's other keywords pass through
        return super().command(name, cls=cls or Command, **kwargs)


class Group(SubGroup):
    """Turns a user's error into one stderr line and exit 1, for every command; loads a
    command's module only when that command runs or a help lists it (start-up)."""

    # Every command and the module of xcert.cli that registers it on `app`, in the order
    # an office works (--help lists them so, not as the modules load). A module is
    # imported by name when one of its commands is asked for: `xcert stats` loads
    # neither the import nor the reports, `xcert --help` loads them all.
    COMMANDS = {
        "init": "students", "demo": "students", "import": "imports", "find": "students",
        "certs": "records", "teachers": "teachers", "record": "records", "sign": "records",
        "graduate": "students", "session": "sessions", "select": "sessions",
        "register": "sessions", "export": "sessions", "check": "sessions", "stats": "stats",
        "target": "stats", "render": "reports", "summary": "ops", "log": "ops", "undo": "ops",
        "backup": "ops", "purge": "ops", "merge": "merge",
    }  # fmt: skip

    def list_commands(self, ctx):
        self.load(*self.COMMANDS)  # a help lists every command with its own help
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(self.COMMANDS)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def get_command(self, ctx, cmd_name):
        if cmd_name not in self.commands and cmd_name in self.COMMANDS:
            self.load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def load(self, *names: str) -> None:
        """Import the modules of these commands (they register on `app`), and add these
        commands to this group, made into Click commands as Typer makes them."""
        modules = {self.COMMANDS[name] for name in names if name not in self.commands}
        if not modules:
            return
        for module in sorted(modules):
            importlib.import_module(f"{__package__}.{module}")
        wanted = set(names) - set(self.commands)  # each made once, when asked for
        new = Typer(rich_markup_mode=app.rich_markup_mode)
        new.registered_commands = [c for c in app.registered_commands if _name(c) in wanted]
        new.registered_groups = [g for g in app.registered_groups if g.name in wanted]
        self.commands.update(typer.main.get_group(new).commands)

    def main(  # type: ignore[override]  # Click's own is looser; this is how xcert calls it
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **kwargs: Any,
    ) -> Any:
        """Usage mistakes as one Chinese line on stderr, exit 2 (Typer's box is English);
        a reader that leaves early (`| head -1`) ends nothing but the output."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **kwargs)
        with reader_may_leave():  # `xcert … | head -1`: the rest goes nowhere, quietly
            try:
                code = super().main(args, prog_name, complete_var, standalone_mode=False, **kwargs)
            except typer.Abort:
                typer.echo("已中断，没有写入任何数据。", err=True)
                sys.exit(130)
            except Exception as exc:
                # Click's usage errors (vendored by newer Typer, imported by older): by name
                if not any(c.__name__ == "ClickException" for c in type(exc).__mro__):
                    raise
                if type(exc).__name__ != "NoArgsIsHelpError":  # that one printed the help
                    from xcert.cli.usage import usage_message

                    typer.echo(f"用法错误：{usage_message(exc)}", err=True)
                sys.exit(getattr(exc, "exit_code", 2))
            sys.exit(code if isinstance(code, int) else 0)

    def parse_args(self, ctx, args):
        state.command = command_line(without_global_options(args))
        state.created = None
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        """A database this run created is announced once the command succeeded."""
        try:
            result = self._invoke(ctx)
        except BaseException as exc:
            code = getattr(exc, "exit_code", getattr(exc, "code", 1))
            _settle_new_database(kept=code in (0, None))
            raise
        _settle_new_database(kept=True)
        return result

    def _invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except XcertError as exc:
            if state.debug:
                raise
            if exc.problems:
                print_problems(exc.problems)
            typer.echo(f"错误：{exc.reason}", err=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("已中断，没有写入任何数据。", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:  # stdout not guarded by main() (a caller's own) met `| head`
            stream_gone()
            raise typer.Exit(0) from None  # the reader chose to stop: not the command's fault
        except Exception as exc:  # a bug: one line, and the way to see more
            if is_busy(exc) and not state.debug:
                typer.echo(
                    "错误：数据库正被另一个 xcert 占用，等了 30 秒仍未完成；请稍后再试", err=True
                )
                raise typer.Exit(1) from None
            if state.debug or type(exc).__module__.startswith(("typer", "click")):
                raise  # usage errors and exits: Typer prints them (exit 2) as usual
            typer.echo(
                f"内部错误：{type(exc).__name__}: {exc}（加 --debug 可看详细信息；请报告此问题）",
                err=True,
            )
            raise typer.Exit(1) from None


def _name(info: CommandInfo) -> str:
    """A registered command's name, as Typer gives it."""
    return info.name or typer.main.get_command_name(getattr(info.callback, "__name__", ""))


def without_global_options(args: list[str]) -> list[str]:
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


def command_line(args: list[str]) -> str:
    """The command as the user typed it (after the global options), for `xcert log`:
    ID numbers in it masked, a file name in another encoding made storable."""
    from xcert.privacy import mask_ids_in
    from xcert.store.connect import storable

    return mask_ids_in(storable(" ".join(["xcert", *args])))


def is_busy(exc: Exception) -> bool:
    """SQLite gave up waiting for another process's write (after the busy timeout)."""
    return type(exc).__name__ == "OperationalError" and "locked" in str(exc)


app = Typer(
    name="xcert",
    cls=Group,
    help="1+X 证书试点管理：花名册、考证成绩、发证签领与年度统计，数据都在一个 SQLite 文件里。\n\n"
    "例：xcert import 花名册.xlsx 考核成绩.xlsx；xcert stats --year 2026；"
    "每个命令的用法和例子：xcert 命令 -h，如 xcert import -h",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class State:
    """This run's global options: the database, --debug, and the command line the
    write log records. A plain class: a dataclass costs `xcert stats` its definition."""

    def __init__(self) -> None:
        self.db = Path("xcert.db")
        self.debug = False
        self.command: str | None = None
        self.created: Path | None = None  # the database file this run made, if it made one


state = State()


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"xcert {__version__}")
        raise typer.Exit()


@app.callback()
def global_options(
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
        bool, typer.Option("--version", callback=show_version, is_eager=True, help="显示版本号")
    ] = False,
) -> None:
    """xcert [--db PATH] COMMAND ..."""
    state.db = (db or Path(os.environ.get("XCERT_DB") or "xcert.db")).expanduser()
    state.debug = debug
    set_clock(os.environ.get(clock.ENV))


def set_clock(text: str | None) -> None:
    """XCERT_NOW=2026-11-25T20:00 runs a command as on that day (a clerk's report of a
    past day reproduced); read here, at the edge, and nowhere else. Without it, the
    system clock, whatever an earlier run in the same process was told."""
    if not text:
        clock.freeze(None)
        return
    try:
        clock.freeze(clock.parse(text))
    except ValueError as exc:
        typer.echo(f"用法错误：{exc}", err=True)
        raise typer.Exit(2) from None


def db_path() -> Path:
    return state.db


def open_db(create: bool = True) -> "Connection":
    """The run's database: opened as it is when at the current version, else created,
    upgraded or refused by the migrations (loaded only then: start-up)."""
    from xcert.store.connect import open_current

    path = db_path()
    current = open_current(path, state.command)
    if current is not None:
        return current
    from xcert.store import schema

    created = create and not path.exists()
    conn = schema.open_db(path, create=create, command=state.command)
    if created:
        state.created = path
    return conn


def _settle_new_database(*, kept: bool) -> None:
    """Say that the run made a database, once it wrote to it; a dry run or a refused
    first import leaves no empty database behind (nothing was in it)."""
    path, state.created = state.created, None
    if path is None:
        return
    from xcert.outfiles import database_files
    from xcert.store import schema

    if kept and not schema.holds_no_writes(path):
        console(stderr=True).print(f"已创建新数据库 {path}")
    elif schema.holds_no_writes(path):
        for made in database_files(path):
            made.unlink(missing_ok=True)
