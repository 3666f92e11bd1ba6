"""Running whole processes side by side: one child at a time (started by launcher.py),
its wall time and its own peak RSS (os.wait4's rusage), several rounds taking turns
with the yardstick so that a slow spell of a shared machine weighs on both sides of a
ratio."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

XCERT = Path(sys.executable).parent / "xcert"
TIMEOUT = 900.0  # seconds: a child still running then is killed and its case fails


class CaseFailed(Exception):
    """A run that did not do its job (wrong exit code, rows missing, no output file)."""

    def __init__(self, what: str, run: Run | None = None) -> None:
        super().__init__(what)
        self.what = what
        self.run = run

    def summary(self) -> str:
        """One line: what went wrong, and the last line the command printed to stderr."""
        said = [line for line in (self.run.stderr if self.run else "").splitlines() if line]
        return self.what + (f": {said[-1].strip()}" if said else "")

    def details(self) -> str:
        if self.run is None:
            return self.what
        return (
            f"{self.what}\n  command: {' '.join(self.run.argv)}\n  {self.run.ended()}"
            f"\n---- stdout (end) ----\n{self.run.stdout[-3000:]}"
            f"\n---- stderr (end) ----\n{self.run.stderr[-3000:]}"
        )


@dataclass
class Run:
    """One finished child."""

    argv: list[str]
    seconds: float
    returncode: int
    max_rss_mb: float
    stdout: str
    stderr: str
    timed_out: bool = False

    def ended(self) -> str:
        if self.timed_out:
            return f"killed after {self.seconds:.0f} s"
        return f"exit code {self.returncode}"


def child_env() -> dict[str, str]:
    """The environment as it is, without what would point xcert elsewhere or colour it."""
    env = {**os.environ, "NO_COLOR": "1"}
    for name in ("XCERT_DB", "XCERT_NOW", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


class Launcher:
    """The small process that starts every child (launcher.py says why), and the folder
    the children's output goes to."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="xcert-bench-output-"))
        script = Path(__file__).with_name("launcher.py")
        self.proc = subprocess.Popen(
            [sys.executable, "-S", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env(),
            text=True,
        )

    def run(self, argv: list[str], cwd: Path, timeout: float) -> Run:
        out, err = self.folder / "stdout", self.folder / "stderr"
        request = {"argv": argv, "cwd": str(cwd), "timeout": timeout}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        print(json.dumps(request | {"stdout": str(out), "stderr": str(err)}), file=self.proc.stdin)
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return Run(
            argv=argv,
            seconds=answer["seconds"],
            returncode=answer["returncode"],
            max_rss_mb=answer["max_rss_kb"] / 1024,
            stdout=out.read_bytes().decode(errors="replace"),
            stderr=err.read_bytes().decode(errors="replace"),
            timed_out=answer["timed_out"],
        )

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_launcher: Launcher | None = None


def run_process(argv: Sequence[str | Path], cwd: Path, timeout: float = TIMEOUT) -> Run:
    """Run one child to completion with stdout and stderr pipes (as under cron or a
    script: not a terminal); its wall time and its own peak RSS."""
    global _launcher
    if _launcher is None:
        _launcher = Launcher()
        atexit.register(_launcher.close)
    return _launcher.run([str(a) for a in argv], cwd, timeout)


Check = Callable[[Run], None]


def exits(code: int = 0) -> Check:
    def check(run: Run) -> None:
        if run.returncode != code:
            raise CaseFailed(f"exit code {run.returncode}, expected {code}", run)

    return check


def no_traceback(run: Run) -> None:
    if "Traceback (most recent call last)" in run.stderr:
        raise CaseFailed("the command printed a traceback", run)


@dataclass
class Command:
    """One side of a comparison: the command, what to do before each run (untimed: remove
    the database of a fresh import, copy the one a corrected file goes into) and the checks
    that the run did its job."""

    argv: Sequence[str | Path]
    cwd: Path
    before: Callable[[], None] = lambda: None
    checks: Sequence[Check] = (exits(0),)

    def run(self) -> Run:
        self.before()
        run = run_process(self.argv, self.cwd)
        for check in (*self.checks, no_traceback):
            check(run)
        return run


@dataclass
class Sample:
    """The seconds of several runs of one command, and their peak RSS."""

    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)

    def add(self, run: Run) -> None:
        self.seconds.append(run.seconds)
        self.rss_mb.append(run.max_rss_mb)

    def clear(self) -> None:
        self.seconds.clear()
        self.rss_mb.clear()

    def __len__(self) -> int:
        return len(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def low(self) -> float:
        return min(self.seconds)

    @property
    def high(self) -> float:
        return max(self.seconds)

    @property
    def peak_rss(self) -> float | None:
        return max(self.rss_mb) if self.rss_mb else None


@dataclass(frozen=True)
class Rounds:
    """How many rounds a case runs, decided by its first: one that takes under a second
    (start-up, a small report) is a warm-up, and `short` rounds follow; otherwise the
    first counts, up to `rounds` in all, or `long` when it took over half a minute."""

    rounds: int
    short: int
    long: int

    def after(self, first_round: float) -> tuple[int, bool]:
        """(rounds still to run, whether the first one counts)"""
        if first_round < 1.0:
            return self.short, False
        if first_round > 30.0:
            return self.long - 1, True
        return self.rounds - 1, True


def take_turns(sides: list[tuple[Command, Sample]], rounds: Rounds) -> None:
    """Rounds of each side in turn (the yardstick first), as many as the first round's
    length calls for. Each run goes into its sample as it ends, so a failed run leaves
    the figures measured before it."""
    first = []
    for command, sample in sides:
        first.append(command.run())
        sample.add(first[-1])
    more, counts = rounds.after(sum(run.seconds for run in first))
    if not counts:
        for _, sample in sides:
            sample.clear()
    for _ in range(more):
        for command, sample in sides:
            sample.add(command.run())
