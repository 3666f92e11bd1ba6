"""`xcert import` of a corrected copy read from the reading the import before kept
(read/memo.py): the same database and report as when the copy is read whole; what is
kept, and when it is forgotten."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import Cli, make_id
from xcert.read import memo
from xcert.store import readings


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memo, "BLOCK", 512)


HEADER = ["学号", "姓名", "性别", "身份证号", "班级", "入学年份", "手机号"]


def people(count: int) -> list[list[object]]:
    return [
        [
            f"2024{i:04d}",
            f"学生{i}",
            "男" if i % 2 else "女",
            make_id("20090101", f"{i % 1000:03d}", f"4401{i // 1000:02d}"),
            f"24数控{1 + i // 45}",
            2024,
            f"1380000{i:04d}",
        ]
        for i in range(count)
    ]


def roster(path: Path, rows: list[list[object]]) -> Path:
    """As the national platform exports: streamed, text inline."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("花名册")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def replays(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each workbook read since was read from an earlier reading."""
    seen: list[bool] = []
    original = memo.Pending.replay

    def spy(self: memo.Pending) -> list[memo.KeptSheet] | None:
        found = original(self)
        seen.append(found is not None)
        return found

    monkeypatch.setattr(memo.Pending, "replay", spy)
    return seen


def test_a_corrected_copy_imports_as_if_read_whole(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = people(300)
    assert cli("import", roster(tmp_path / "花名册.xlsx", rows)).exit_code == 0
    twin = Cli(tmp_path / "twin.db")
    shutil.copy(cli.db, twin.db)
    twin.query("SELECT 1")
    rows[150][6] = "13912345678"
    rows[151][1] = "学生151?"  # a warning, reported from the row read again
    corrected = roster(tmp_path / "花名册-修正.xlsx", rows)
    seen = replays(monkeypatch)
    again = cli("import", corrected)
    assert seen == [True]
    forget(twin)
    whole = twin("import", corrected)
    assert seen == [True, False]
    assert again.exit_code == whole.exit_code == 0
    assert again.stdout.replace(str(cli.db), "") == whole.stdout.replace(str(twin.db), "")
    assert "139****5678" in again.stdout and "学生151?" in again.stdout
    assert cli.dump() == twin.dump()


def forget(cli: Cli) -> None:
    import sqlite3

    with sqlite3.connect(cli.db) as conn:
        readings.forget(conn)


def test_readings_are_kept_for_the_last_files_only(tmp_path: Path, cli: Cli) -> None:
    for n in range(readings.KEPT + 2):
        book = Workbook(write_only=True)
        sheet = book.create_sheet(f"第{n}批")  # another workbook part: another key
        sheet.append(HEADER)
        for row in people(5 + n):
            sheet.append(row)
        book.save(tmp_path / f"{n}.xlsx")
        assert cli("import", tmp_path / f"{n}.xlsx").exit_code == 0
    assert cli.query("SELECT count(*) FROM readings") == [(readings.KEPT,)]


def test_a_dry_run_or_a_refused_import_keeps_no_reading(tmp_path: Path, cli: Cli) -> None:
    assert cli("import", "--dry-run", roster(tmp_path / "a.xlsx", people(20))).exit_code == 0
    bad = people(20)
    bad[3][5] = "去年"
    assert cli("import", roster(tmp_path / "b.xlsx", bad)).exit_code == 1
    assert cli.query("SELECT count(*) FROM readings") == [(0,)]


@pytest.mark.parametrize("how", ["undo", "undo --forget"])
def test_undo_forgets_the_readings(
    tmp_path: Path, cli: Cli, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roster imported by mistake, undone: its rows are not kept as a reading either,
    and its corrected copy is read whole."""
    rows = people(200)
    assert cli("import", roster(tmp_path / "a.xlsx", rows)).exit_code == 0
    assert cli.query("SELECT count(*) FROM readings") == [(1,)]
    assert cli(*how.split(), "1").exit_code == 0
    assert cli.query("SELECT count(*) FROM readings") == [(0,)]
    rows[100][6] = "13912345678"
    seen = replays(monkeypatch)
    assert cli("import", roster(tmp_path / "b.xlsx", rows)).exit_code == 0
    assert seen == [False]  # nothing kept to replay


def test_a_reading_of_another_version_is_read_whole(
    tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = people(200)
    assert cli("import", roster(tmp_path / "a.xlsx", rows)).exit_code == 0
    cli_query_damage(cli)
    rows[100][6] = "13912345678"
    seen = replays(monkeypatch)
    result = cli("import", roster(tmp_path / "b.xlsx", rows))
    assert result.exit_code == 0 and seen == [False]
    assert cli.query("SELECT phone FROM students WHERE student_no = '20240100'") == [
        ("13912345678",)
    ]


def cli_query_damage(cli: Cli) -> None:
    """The reading's rows replaced by bytes that are no reading."""
    import sqlite3

    with sqlite3.connect(cli.db) as conn:
        conn.execute("UPDATE readings SET rows = x'00010203'")


Build = Callable[..., Path]
