"""The README's tour runs as written: every `$ xcert …` line of its ```text blocks, in
order, from a folder holding a copy of `examples/`, and prints what the README shows.

A README block shortens output: a line `…` stands for any lines (none too), and `…` inside
a line for any text. Spaces are compared loosely (a table pads its columns to the widest
cell of all its rows, the README shows a few), and a table's ruling lines are skipped."""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xcert.cli import app

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"^```text\n(.*?)^```", re.M | re.S)
RULING = re.compile(r"^[\s━─┏┓┗┛┡┩┣┫┳┻╇╈╋┼┬┴├┤└┘┌┐╭╮╰╯═║╔╗╚╝]*$")


@dataclass
class Step:
    """One `$ command` of the README and the output shown under it."""

    line: int
    command: str
    shown: list[str] = field(default_factory=list)


def readme_steps(text: str) -> list[Step]:
    """Every `$` line of the README's text blocks, with the lines shown under it."""
    steps: list[Step] = []
    for block in BLOCK.finditer(text):
        first_line = text.count("\n", 0, block.start(1)) + 1
        current: Step | None = None
        for offset, line in enumerate(block.group(1).splitlines()):
            if line.startswith("$ "):
                current = Step(first_line + offset, line[2:])
                steps.append(current)
            elif current is not None:
                current.shown.append(line)
    return steps


def loose(line: str) -> str:
    return " ".join(line.split())


def line_pattern(shown: str) -> re.Pattern[str]:
    """A shown line as a pattern: `…` inside it matches any text."""
    return re.compile(".*".join(re.escape(part) for part in loose(shown).split("…")))


def mismatch(shown: list[str], printed: list[str]) -> str | None:
    """Why `printed` is not what `shown` shows, or None when it is."""
    got = [loose(line) for line in printed if line.strip() and not RULING.match(line)]
    want = [line for line in shown if line.strip()]
    at = 0
    free = False  # after a `…` line, the next shown line may come later
    for line in want:
        if loose(line) == "…":
            free = True
            continue
        pattern = line_pattern(line)
        found = next(
            (
                i
                for i in range(at, len(got) if free else min(at + 1, len(got)))
                if pattern.fullmatch(got[i])
            ),
            None,
        )
        if found is None:
            return f"shown line not printed{' next' if not free else ''}: {line!r}"
        at, free = found + 1, False
    if not free and at < len(got):
        return f"printed more than shown: {got[at]!r}"
    return None


def test_mismatch_rules() -> None:
    """The comparison itself: a wrong line, a missing `…`, a wildcard in a line."""
    printed = ["┏━━┓", "┃ a  ┃ b ┃", "│ 1 │ 2 │", "│ 3 │ 4 │", "done 12 rows"]
    assert mismatch(["┃ a ┃ b ┃", "…", "done … rows"], printed) is None
    assert mismatch(["┃ a ┃ b ┃", "│ 3 │ 4 │", "…"], printed) is not None
    assert mismatch(["┃ a ┃ b ┃", "…"], printed) is None
    assert mismatch(["┃ a ┃ b ┃"], printed) is not None
    assert mismatch(["…", "done 13 rows"], printed) is not None


def run_step(runner: CliRunner, step: Step) -> str:
    """Run one step in the current folder; `mkdir` makes a folder, anything else fails."""
    argv = shlex.split(step.command)
    if argv[0] == "mkdir":
        for folder in argv[1:]:
            if not folder.startswith("-"):
                Path(folder).mkdir(parents=True, exist_ok=True)
        return ""
    assert argv[0] == "xcert", f"README line {step.line}: only xcert and mkdir run here"
    result = runner.invoke(app, argv[1:], catch_exceptions=False)
    return result.output


def test_readme_tour_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("XCERT_DB", raising=False)
    steps = readme_steps((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(steps) >= 15, "the README's tour lost its examples"
    runner = CliRunner()
    problems = []
    for step in steps:
        printed = run_step(runner, step)
        why = mismatch(step.shown, printed.splitlines())
        if why:
            problems.append(f"README line {step.line}: $ {step.command}\n  {why}\n{printed}")
    assert not problems, "\n".join(problems)
