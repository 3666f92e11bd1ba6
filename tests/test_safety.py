"""Nothing lost: a database is never made by a slip of the hand, and a file that cannot
be one is refused in one clear line (issue 17)."""

from __future__ import annotations

import sqlite3

from xcert.resources import bundled
from xcert.store import connect

from conftest import Cli

ROSTER = bundled("examples") / "roster.xlsx"


def test_a_mistyped_db_beside_the_real_one_is_refused_and_not_made(tmp_path):
    real = Cli(tmp_path / "xcert.db")
    assert real("import", ROSTER).exit_code == 0
    typo = Cli(tmp_path / "xcret.db")
    result = typo("import", ROSTER)
    assert result.exit_code == 1 and "xcert.db" in result.stderr and "init" in result.stderr
    assert not typo.db.exists()
    assert typo("init").exit_code == 0 and typo("import", ROSTER).exit_code == 0  # on purpose


def test_a_write_that_creates_the_database_says_so(tmp_path):
    result = Cli(tmp_path / "new.db")("import", ROSTER)
    assert result.exit_code == 0 and f"已创建新数据库 {tmp_path / 'new.db'}" in result.stderr


def test_an_empty_file_as_database_is_refused_by_a_read(tmp_path):
    empty = tmp_path / "copy.db"
    empty.write_bytes(b"")
    for command in (("stats",), ("find", "陈"), ("log",)):
        result = Cli(empty)(*command)
        assert result.exit_code == 1 and "空文件" in result.stderr, command
    assert empty.read_bytes() == b""


def test_a_device_or_a_folder_is_no_database(tmp_path):
    for target in ("/dev/null", str(tmp_path)):
        result = Cli(tmp_path / "x.db")("--db", target, "stats", db=False)
        assert result.exit_code == 1 and "内部错误" not in result.stderr
        assert result.stderr.count("\n") == 1


def test_a_database_that_cannot_be_written_is_one_sentence(cli, monkeypatch):
    assert cli("init").exit_code == 0
    # chmod 444 stops a clerk, not root (who runs the tests): ask the check itself
    monkeypatch.setattr(connect, "_can_write", lambda path: False)
    result = cli("stats")
    assert result.exit_code == 1 and "只读" in result.stderr and "内部错误" not in result.stderr


def test_a_negative_schema_version_is_refused(cli):
    assert cli("init").exit_code == 0
    conn = sqlite3.connect(cli.db)
    conn.execute("PRAGMA user_version = -1")
    conn.close()
    result = cli("stats")
    assert (
        result.exit_code == 1 and "版本号 -1" in result.stderr and "内部错误" not in result.stderr
    )
