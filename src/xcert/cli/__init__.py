"""xcert's command line: Typer commands that parse options, call one function below
and print. No SQL, no rules. Commands live by subject in this package's modules; the
app and its global options in `app.py`, printing in `console.py`, Click's messages in
Chinese in `usage.py`, `--help` in Chinese in `helptext.py`, shared option checks in
`options.py`. A group of commands is made with `app.Typer` (not `typer.Typer`): its
commands then get xcert's help.

Heavy libraries (openpyxl, jinja2, the spreadsheet readers) and the layers below are
imported inside the commands that need them, so `xcert --help` starts fast.
"""

# Commands by subject, registered on `app` when this package is imported.
from xcert.cli import imports as _imports  # noqa: F401, I001
from xcert.cli import ops as _ops  # noqa: F401
from xcert.cli import records as _records  # noqa: F401
from xcert.cli import reports as _reports  # noqa: F401
from xcert.cli import sessions as _sessions  # noqa: F401
from xcert.cli import stats as _stats  # noqa: F401
from xcert.cli import students as _students  # noqa: F401
from xcert.cli import teachers as _teachers  # noqa: F401
from xcert.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
