"""Shared fixtures: a database path, a CLI runner, and real workbooks built with openpyxl."""

from __future__ import annotations

import compileall
import csv
import datetime as dt
import functools
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

import xcert
from xcert import clock
from xcert.clean.idcard import check_digit
from xcert.cli import app
from xcert.resources import bundled
from xcert.store import schema

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden from this run's output (review the diff before committing)",
    )


def pytest_configure(config: pytest.Config) -> None:
    global UPDATE_GOLDEN
    UPDATE_GOLDEN = config.getoption("--update-golden") or UPDATE_GOLDEN
    # Many tests run xcert as a command; with PYTHONDONTWRITEBYTECODE set (as on CI) each
    # of those processes compiled all of xcert again (about 25 s of a run). Compiled once
    # here, as `pip install .` does; the processes only read it.
    # Once, by the process that starts the workers (pytest-xdist), not by each of them.
    if not hasattr(config, "workerinput"):
        compileall.compile_dir(Path(xcert.__file__).parent, quiet=1)


# Goldens are regenerated only on purpose: `pytest --update-golden` or XCERT_UPDATE_GOLDEN=1
UPDATE_GOLDEN = os.environ.get("XCERT_UPDATE_GOLDEN") == "1"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def print_to_pdf(html: Path, pdf: Path) -> None:
    """Print a report as a browser would, headless, into its own throwaway profile."""
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={pdf.parent / 'chromium-profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


def check_golden(name: str, text: str) -> None:
    """Rendered text against tests/golden/NAME, byte for byte."""
    path = GOLDEN / name
    if UPDATE_GOLDEN:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"tests/golden/{name} is missing (pytest --update-golden writes it)"
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from tests/golden (pytest --update-golden to accept, then review)"
    )


def make_id(born: str = "20060315", seq: str = "123", region: str = "440000") -> str:
    """A valid fictional 18-character ID number (GB 11643 check digit)."""
    body = region + born + seq
    return body + check_digit(body)


NEEDS_CHROMIUM = pytest.mark.skipif(
    not (CHROMIUM and shutil.which("pdftotext")),
    reason="needs chromium and poppler-utils (.ci/run installs them)",
)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
NEEDS_OFFICE = pytest.mark.skipif(
    not (SOFFICE and shutil.which("pdftotext")),
    reason="needs LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui) and "
    "poppler-utils; .ci/run installs them",
)


def office_to_pdf(*documents: Path) -> list[str]:
    """Each docx or xlsx as LibreOffice prints it (its own throwaway profile), as the
    text pdftotext reads from the PDF: one string per document, pages split by \f."""
    folder = documents[0].parent
    subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(folder / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder / "pdf"),
            *map(str, documents),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return [
        subprocess.run(
            ["pdftotext", str(folder / "pdf" / f"{doc.stem}.pdf"), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for doc in documents
    ]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


class Cli:
    """Runs `xcert --db DB ...` in-process and keeps stdout and stderr apart."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: object, db: bool = True, env: dict | None = None):
        argv = (["--db", str(self.db)] if db else []) + [str(a) for a in args]
        return self.runner.invoke(app, argv, env=env, catch_exceptions=False)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple]:
        """On the database; when a refused first import left none, on an empty one (what
        "nothing written" means then), never on a file sqlite3 would create here."""
        conn = self._connect()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        if self.db.exists():
            return sqlite3.connect(self.db)
        return sqlite3.connect(f"{empty_database().as_uri()}?mode=ro", uri=True)

    def students(self) -> list[tuple]:
        return self.query(
            "SELECT student_no, name, gender, id_number, class_code, major, department,"
            " enrollment_year, cohort, phone, status FROM students ORDER BY student_no, name"
        )

    def dump(self) -> list[str]:
        """Everything except the import log (and the file an import keeps for a corrected
        copy, ingest/memo.py): to compare databases before and after."""
        conn = self._connect()
        try:
            return [
                line
                for line in conn.iterdump()
                if '"imports"' not in line
                and "INTO imports" not in line
                and 'INTO "import_memo' not in line
            ]
        finally:
            conn.close()


@functools.cache
def empty_database() -> Path:
    """A database as `xcert init` makes it, to read where a run left none."""
    path = Path(tempfile.mkdtemp(prefix="xcert-empty-")) / "empty.db"
    schema.init(path)
    return path


@pytest.fixture
def cli(db_path: Path) -> Cli:
    return Cli(db_path)


SheetSpec = Sequence[Sequence[object]]


@pytest.fixture
def xlsx(tmp_path: Path) -> Callable[..., Path]:
    """Write a workbook: xlsx("name.xlsx", {"Sheet": rows}, merges={"Sheet": ["A1:F1"]})."""

    def build(
        name: str,
        sheets: dict[str, SheetSpec],
        merges: dict[str, list[str]] | None = None,
        hidden: Sequence[str] = (),
    ) -> Path:
        book = Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(list(row))
            for area in (merges or {}).get(title, []):
                sheet.merge_cells(area)
            if title in hidden:
                sheet.sheet_state = "hidden"
        path = tmp_path / name
        book.save(path)
        return path

    return build


# What several test schools share; each test file's `school` fixture states the rest.
DRAWING = {"name": "机械工程制图职业技能等级证书", "kind": "1+X", "aliases": ["机械制图"]}
AUTOCAD = {"name": "机械设计工程师 (AutoCAD)", "kind": "other"}
RESULT_COLUMNS = ["学号", "证书名称", "等级", "考核日期", "考核结果"]
AWARD_COLUMNS = ["学号", "工种", "等级", "鉴定时间", "发证日期", "证书签领人"]
# The bundled examples in the demo's order: the write log and the summary's ids depend on it.
EXAMPLE_FILES = ("roster.xlsx", "site.toml", "catalogue.toml", "results.xlsx", "sign-off.xlsx")


def catalogue_toml(
    *,
    school_name: str | None = None,
    certificates: Sequence[dict[str, object]] = (),
    targets: Sequence[dict[str, object]] = (),
) -> str:
    """A catalogue file: [school], then [[certificate]] and [[target]] tables, in order.
    Values are strings, integers or lists of them, written as JSON (which TOML reads alike)."""

    def table(header: str, values: dict[str, object]) -> str:
        lines = [
            f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()
        ]
        return "\n".join([header, *lines, ""])

    parts = [table("[school]", {"name": school_name})] if school_name else []
    parts += [table("[[certificate]]", c) for c in certificates]
    parts += [table("[[target]]", t) for t in targets]
    return "\n".join(parts)


@pytest.fixture
def make_school(cli: Cli, xlsx: Callable[..., Path], tmp_path: Path) -> Callable[..., Cli]:
    """Build a school database through `xcert import`, each part only when given, in this order:
    the bundled `examples` named (in the order named), the roster (its header included; as CSV
    with `roster_csv`, since openpyxl would store a name like "=…" as a formula), the catalogue
    (school name, certificates, targets), results rows under RESULT_COLUMNS, award rows under
    AWARD_COLUMNS. Every import must succeed. Returns `cli`, on the database just built."""

    def build(
        *,
        examples: Sequence[str] = (),
        roster: SheetSpec = (),
        roster_csv: bool = False,
        school_name: str | None = None,
        certificates: Sequence[dict[str, object]] = (),
        targets: Sequence[dict[str, object]] = (),
        results: SheetSpec = (),
        awards: SheetSpec = (),
    ) -> Cli:
        paths = [bundled("examples") / name for name in examples]
        if roster and roster_csv:
            path = tmp_path / "roster.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(roster)
            paths.append(path)
        elif roster:
            paths.append(xlsx("roster.xlsx", {"名单": roster}))
        if school_name or certificates or targets:
            path = tmp_path / "catalogue.toml"
            text = catalogue_toml(
                school_name=school_name, certificates=certificates, targets=targets
            )
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        if results:
            paths.append(xlsx("results.xlsx", {"成绩": [RESULT_COLUMNS, *results]}))
        if awards:
            paths.append(xlsx("awards.xlsx", {"发证": [AWARD_COLUMNS, *awards]}))
        for path in paths:
            result = cli("import", path)
            assert result.exit_code == 0, result.output
        return cli

    return build


@pytest.fixture
def roster_rows() -> list[list[object]]:
    """A header and three ordinary students of one class."""
    return [
        ["学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "入学年份", "手机号"],
        [
            "2021010101",
            "陈晓明",
            "男",
            make_id("20060101", "011"),
            "21数控1",
            "数控技术应用",
            "机械部",
            2021,
            "13800001111",
        ],
        [
            "2021010102",
            "林小雨",
            "女",
            make_id("20060202", "022"),
            "21数控1",
            "数控技术应用",
            "机械部",
            2021,
            "13800002222",
        ],
        [
            "2021010103",
            "黄子轩",
            "男",
            make_id("20060303", "031"),
            "21数控1",
            "数控技术应用",
            "机械部",
            2021,
            "13800003333",
        ],
    ]


# The day the tests run on, whatever the machine's clock says: every rule that depends
# on "today" (a cohort not yet graduated, a session to come, the summary's window, a
# birth date in the future) is tested against this moment, and a test that needs
# another day moves the clock with `set_clock`.
NOW = dt.datetime(2026, 11, 25, 20, 0, 0)


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    """Freeze xcert's clock, in this process and in any `xcert` it starts (XCERT_NOW)."""
    clock.freeze(moment)
    monkeypatch.setenv(clock.ENV, moment.isoformat(timespec="seconds"))


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[dt.datetime]:
    set_clock(monkeypatch, NOW)
    yield NOW
    clock.freeze(None)


def today() -> dt.date:
    return clock.today()


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's folder as `xcert demo` leaves it (every report in every format), made
    once for the tests that print what it filed; they only add files beside them."""
    folder = tmp_path_factory.mktemp("demo") / "demo"
    with pytest.MonkeyPatch.context() as patch:
        set_clock(patch, NOW)
        result = Cli(folder / "none.db")("demo", folder, db=False)
    assert result.exit_code == 0, result.output
    return folder
