"""The `--help` text of every xcert command, for docs/commands.md and tests/test_docs.py.

docs/commands.md calls `show("session add")` in its cog blocks; regenerate them with

    .venv/bin/cog -r docs/commands.md

The text is rendered in a child Python process with a fixed environment (width, no
colour, not a terminal), so it is the same on every machine and in every terminal, and
no setting of the process that asks (pytest, a CI runner's FORCE_COLOR, Typer having
already rendered help at another width) can leak into it. One child renders every
command's help; the result is kept for the rest of the process.
"""

import functools
import json
import os
import subprocess
import sys

# Wide enough that Typer cuts no option's help short with "…" (at 100 columns it does).
WIDTH = 140

# The child's whole environment: nothing else of the caller's gets through.
FIXED_ENV = {
    "TERMINAL_WIDTH": str(WIDTH),
    "COLUMNS": str(WIDTH),
    "LINES": "50",
    "NO_COLOR": "1",
    "TTY_COMPATIBLE": "0",
    "TTY_INTERACTIVE": "0",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONUTF8": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
}
PASSED_THROUGH = ("PATH", "SYSTEMROOT", "PYTHONPATH", "VIRTUAL_ENV")


def _render_all() -> dict[str, str]:
    """In the child: every command path (`""`, `"import"`, `"session add"`) → its help."""
    import typer
    from typer.testing import CliRunner

    from xcert.cli import app

    runner = CliRunner()
    out: dict[str, str] = {}

    def walk(command, path: list[str]) -> None:
        result = runner.invoke(app, [*path, "--help"])
        if result.exit_code != 0:
            raise SystemExit(f"xcert {' '.join(path)} --help exited {result.exit_code}")
        out[" ".join(path)] = _plain(result.output)
        if hasattr(command, "list_commands"):  # a group: session, target, export
            ctx = command.context_class(command)
            for name in command.list_commands(ctx):
                walk(command.get_command(ctx, name), [*path, name])

    walk(typer.main.get_command(app), [])
    return out


def _plain(text: str) -> str:
    """Rich pads every line to the full width: drop that, and the blank lines around."""
    if "\x1b" in text:
        raise SystemExit("--help printed terminal escape codes")
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n")


@functools.cache
def all_help() -> dict[str, str]:
    """Command path → its `--help` text, rendered once in a child process."""
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(FIXED_ENV)
    result = subprocess.run(
        [sys.executable, os.path.abspath(__file__)],
        env=env,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            "rendering xcert --help failed:\n" + result.stderr.decode("utf-8", "replace")
        )
    return json.loads(result.stdout.decode("utf-8"))


def commands() -> list[str]:
    """Every command path in `xcert --help`'s order, groups before their subcommands."""
    return [path for path in all_help() if path]


def help_text(path: str = "") -> str:
    """`xcert PATH --help` as plain text; `""` is `xcert --help`."""
    return all_help()[path]


def fenced(path: str = "") -> str:
    """The help as a ```text block, with the command that prints it on its first line."""
    command = " ".join(["xcert", *path.split(), "--help"])
    return f"```text\n$ {command}\n{help_text(path)}\n```\n"


def show(path: str = "") -> None:
    """For a cog block in docs/commands.md: write `fenced(path)` as the block's output."""
    import cog  # provided by cogapp while it runs a generator

    cog.out(fenced(path))


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_render_all(), ensure_ascii=False))
