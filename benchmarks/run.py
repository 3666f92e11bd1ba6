"""Every benchmark of xcert in one command, each side by side with its yardstick.

    .venv/bin/python benchmarks/run.py                 # the full sizes; writes benchmarks/results.md
    .venv/bin/python benchmarks/run.py --quick         # small sizes, well under a minute
    .venv/bin/python benchmarks/run.py --only import,reimport --rounds 3

The data is generated once and cached in benchmarks/out/ (git-ignored). Each case runs
its subject and its yardstick as whole processes, taking turns, and prints median and
min–max of both, the ratio of the medians, the subject's peak RSS and PASS or FAIL
against the target. Exit status: 0 when every case passes; 1 when a run fails or a
target is missed (with --quick: only a ratio beyond 3× its target).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from cases import FULL, QUICK, Case, Result, Sizes
from cases_import import import_cases
from cases_province import province_cases
from cases_reports import report_cases
from harness import XCERT, CaseFailed, Rounds, Sample
from report import Session, console_table, document, load, verdict

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results.md"


def all_cases() -> list[Case]:
    return [*import_cases(), *report_cases(), *province_cases()]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer rounds")
    parser.add_argument("--only", help="run only these cases (names or groups, comma-separated)")
    parser.add_argument(
        "--rounds", type=int, help="rounds per case (default 5, quick 1; see Rounds)"
    )
    parser.add_argument("--out", type=Path, help="the Markdown table (default results.md)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    args = parser.parse_args(argv)
    if args.rounds is not None and args.rounds < 1:
        parser.error("--rounds must be at least 1")
    return args


def chosen(cases: list[Case], only: str | None) -> list[Case]:
    """The cases named (or of the groups named) by --only, in the table's order."""
    if not only:
        return cases
    names = {name.strip() for name in only.split(",") if name.strip()}
    known = {c.name for c in cases} | {c.group for c in cases if c.group}
    unknown = sorted(names - known)
    if unknown:
        raise SystemExit(f"unknown case {', '.join(unknown)}; --list shows them")
    return [c for c in cases if c.name in names or c.group in names]


def compile_package() -> None:
    """Byte-compile xcert as `pip install .` does, so that no case pays for compiling."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("xcert")
    if spec is None or spec.origin is None:
        raise SystemExit("xcert is not installed in this Python; pip install -e . first")
    compileall.compile_dir(Path(spec.origin).parent, quiet=1)


def measure(case: Case, sizes: Sizes, rounds: Rounds, folder: Path) -> Result:
    """Prepare one case in its own folder and time it; a failed run fails the case loudly."""
    result = Result(case)
    started = time.perf_counter()
    print(f"\n{case.name}: {case.what}", flush=True)
    try:
        folder.mkdir(parents=True)
        plan = case.prepare(sizes, folder)
        result.size = plan.size
        result.subject = Sample()
        result.yardstick = Sample() if plan.has_yardstick() else None
        plan.measure(rounds, result.subject, result.yardstick)
    except CaseFailed as failure:
        result.error, result.reason = failure.details(), failure.summary()
    except Exception as exc:  # a broken case must not hide the others' figures
        result.error = "the benchmark itself failed:\n" + traceback.format_exc()
        result.reason = f"the benchmark itself failed: {exc!r}"
    if result.error is not None:
        print(f"  FAILED: {result.error}", file=sys.stderr, flush=True)
    print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)
    return result


def rounds_of(args: argparse.Namespace) -> Rounds:
    """5 rounds; 15 after it for a case whose first round took under a second; 3 for one
    whose first round took over half a minute. Quick: 1, and 2 after a warm-up (the
    tests run it: a check that every case runs, not figures). --rounds N: N, and 3N
    after a warm-up for the short ones."""
    if args.rounds is not None:
        return Rounds(args.rounds, 3 * args.rounds, args.rounds)
    return Rounds(1, 2, 1) if args.quick else Rounds(5, 15, 3)


def command_line(argv: Sequence[str] | None) -> str:
    """The command as typed from the repository's folder."""

    def shown(path: str) -> str:
        try:
            return str(Path(path).absolute().relative_to(Path.cwd()))
        except ValueError:
            return path

    args = list(sys.argv[1:] if argv is None else argv)
    return shlex.join([shown(sys.executable), shown(sys.argv[0]), *args])


def output_path(args: argparse.Namespace) -> Path:
    """--out, else results.md; a quick run never writes over results.md unless told."""
    if args.out is not None:
        return args.out
    if args.quick:
        handle, name = tempfile.mkstemp(prefix="xcert-bench-quick-", suffix=".md")
        Path(name).unlink()
        return Path(name)
    return DEFAULT_OUT


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cases = chosen(all_cases(), args.only)
    if args.list:
        width = max(len(c.name) for c in cases)
        print("\n".join(f"{c.name:{width}}  {c.what}" for c in cases))
        return 0
    if not XCERT.exists():
        print(f"xcert executable not found at {XCERT}; pip install -e . first", file=sys.stderr)
        return 1
    compile_package()
    sizes = QUICK if args.quick else FULL
    rounds = rounds_of(args)
    began, load_before = dt.datetime.now(), load()
    workdir = Path(tempfile.mkdtemp(prefix="xcert-bench-"))
    try:
        results = [measure(c, sizes, rounds, workdir / c.name) for c in cases]
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    session = Session(
        command_line(argv), began, dt.datetime.now(), rounds, args.quick, load_before, load()
    )
    print("\n" + console_table(results, args.quick))
    out = output_path(args)
    out.write_text(document(results, session), encoding="utf-8")
    print(f"\nwritten to {out}")
    return 1 if any(verdict(r, args.quick).failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
