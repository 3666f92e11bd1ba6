"""xcert's command line: Typer commands that parse options, call one function below
and print. No SQL, no rules. Commands live by subject in this package's modules; the
app and its global options in `app.py`, printing in `console.py`, Click's messages in
Chinese in `usage.py`, `--help` in Chinese in `helptext.py`, shared option checks in
`options.py`. A group of commands is made with `app.Typer` (not `typer.Typer`): its
commands then get xcert's help.

A command's module is imported when that command runs (or a help lists it): the app's
group knows each command's module by name (`app.Group.COMMANDS`), so `xcert stats`
loads no more than stats needs. Heavy libraries (openpyxl, jinja2, the spreadsheet
readers) and the layers below are imported inside the commands that need them.
"""

import gc

from xcert.cli.app import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: runs one command, then the process ends."""
    try:
        app()
    except SystemExit as done:
        if done.code in (0, None):
            # Done, and what the command opened it closed: the interpreter's last
            # collections would walk every object of the run, Typer's modules and
            # xcert's, for memory the system takes back (about 10 ms of `xcert stats`).
            # A failed run keeps them: they close what its error left open.
            gc.freeze()
        raise
