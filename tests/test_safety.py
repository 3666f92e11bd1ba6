"""Nothing lost: a database is never made by a slip of the hand, and a file that cannot
be one is refused in one clear line (issue 17)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from xcert.resources import bundled
from xcert.store import connect

from conftest import Cli, make_id

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


def test_a_dry_run_or_a_refused_first_import_leaves_no_database_behind(tmp_path, xlsx):
    new = Cli(tmp_path / "new.db")
    result = new("import", ROSTER, "--dry-run")
    assert result.exit_code == 0 and "将新增 44" in result.stdout
    assert "已创建" not in result.stderr and sorted(tmp_path.glob("new.db*")) == []
    bad = xlsx(
        "bad.xlsx", {"S": [["学号", "姓名", "班级", "身份证号"], ["1", "甲", "22会计1", "123"]]}
    )
    result = new("import", bad)
    assert result.exit_code == 1 and "已创建" not in result.stderr
    assert sorted(tmp_path.glob("new.db*")) == []
    # A database that was there before a refused import stays, whatever it holds.
    assert new("init").exit_code == 0 and new("import", bad).exit_code == 1
    assert new.db.exists()


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


def test_backup_never_replaces_a_file_that_is_not_an_xcert_backup(cli, tmp_path):
    assert cli("import", ROSTER).exit_code == 0
    notes = tmp_path / "notes.txt"
    notes.write_text("别删我", encoding="utf-8")
    for args in ((notes,), (notes, "--force")):
        result = cli("backup", *args)
        assert result.exit_code == 1 and "不是 xcert 的备份" in result.stderr
    assert notes.read_text(encoding="utf-8") == "别删我"


def test_backup_replaces_an_earlier_backup_only_with_force(cli, tmp_path):
    assert cli("import", ROSTER).exit_code == 0
    target = tmp_path / "周一.db"
    assert cli("backup", target).exit_code == 0
    again = cli("backup", target)
    assert again.exit_code == 1 and "--force" in again.stderr
    assert cli("backup", target, "--force").exit_code == 0
    assert Cli(target)("stats").exit_code == 0


def test_backup_over_a_backup_someone_holds_open_is_refused_then_sound(cli, tmp_path):
    assert cli("import", ROSTER).exit_code == 0
    target = tmp_path / "周二.db"
    assert cli("backup", target).exit_code == 0
    holder = sqlite3.connect(target)  # a clerk browsing the backup: its -wal is live
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("CREATE TABLE scratch (x)")
    holder.execute("INSERT INTO scratch VALUES (1)")
    assert Path(f"{target}-wal").exists()
    busy = cli("backup", target, "--force")
    assert busy.exit_code == 1 and "正被" in busy.stderr
    holder.close()
    assert cli("backup", target, "--force").exit_code == 0
    check = sqlite3.connect(target)
    assert check.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert check.execute("SELECT count(*) FROM students").fetchone()[0] == 44
    check.close()


def test_the_demo_remakes_its_database_beside_a_backup_of_it(tmp_path):
    folder = tmp_path / "演示"
    demo = Cli(folder / "xcert.db")
    assert demo("demo", folder, db=False).exit_code == 0
    assert demo("backup").exit_code == 0  # a dated backup now sits in the folder
    again = demo("demo", folder, db=False)
    assert again.exit_code == 0, again.output


def test_an_id_number_in_a_file_name_is_never_shown_or_stored(cli, tmp_path):
    number = make_id("20050506", "048")
    named = tmp_path / f"陈锦曦{number}.csv"
    named.write_text("学号,姓名,班级\n1,陈锦曦,22数控1\n", encoding="utf-8")
    assert cli("import", named).exit_code == 0
    assert number not in cli("log").stdout
    assert number not in json.dumps(cli.query("SELECT file_name, command FROM imports"))
    conn = sqlite3.connect(cli.db)  # as xcert stored it before schema version 7
    conn.execute("UPDATE imports SET file_name = ?", (named.name,))
    conn.execute("PRAGMA user_version = 6")
    conn.commit()
    conn.close()
    assert cli("stats").exit_code == 0  # the upgrade masks what was logged
    assert number not in json.dumps(cli.query("SELECT file_name FROM imports"))


def test_check_never_prints_an_id_written_into_a_student_number(cli, tmp_path):
    number = make_id("20080106", "005")
    roster = tmp_path / "r.csv"
    roster.write_text(f"学号,姓名,班级\nG{number},林一,22数控1\n", encoding="utf-8")
    assert cli("import", roster).exit_code == 0
    assert cli("import", bundled("examples") / "catalogue.toml").exit_code == 0
    date = "2026-06-01"  # over: the registration should have a result by now
    added = cli("session", "add", "--cert", "机械工程制图", "--level", "初级", "--date", date)
    assert added.exit_code == 0
    assert cli("register", "--session", "1", "--student", f"G{number}").exit_code == 0
    for fmt in ("table", "json"):
        shown = cli("check", "--format", fmt).stdout
        assert "林一" in shown and number not in shown


def test_an_id_number_typed_into_a_name_is_refused_and_never_shown(cli, tmp_path):
    number = make_id("20080106", "005")
    roster = tmp_path / "r.csv"
    roster.write_text(f"学号,姓名,班级\n1,林一{number},22数控1\n2,林二,22数控1\n", "utf-8")
    result = cli("import", roster)
    assert result.exit_code == 1 and "像是身份证号" in result.stderr
    assert number not in result.output
    assert cli("import", roster, "--skip-invalid").exit_code == 0
    assert [s[1] for s in cli.students()] == ["林二"]
    assert cli("find", number).exit_code == 1  # an ID typed into find still searches


def test_undo_forget_leaves_no_id_of_a_mistaken_roster_in_the_file(cli):
    assert cli("import", ROSTER).exit_code == 0
    ids = [
        row[0] for row in cli.query("SELECT id_number FROM students WHERE id_number IS NOT NULL")
    ]
    assert ids
    undone = cli("undo", "1", "--forget")
    assert undone.exit_code == 0 and "抹去" in undone.stdout
    wal = Path(f"{cli.db}-wal")
    raw = cli.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    assert not [number for number in ids if number.encode() in raw]
    assert cli.query("SELECT count(*) FROM students") == [(0,)]


def test_a_plain_undo_keeps_what_a_mistake_needs_to_be_seen(cli):
    """Without --forget the journal keeps the removed rows whole (as before)."""
    assert cli("import", ROSTER).exit_code == 0
    assert cli("undo", "1").exit_code == 0
    kept = cli.query("SELECT count(*) FROM journal WHERE old LIKE '%id_number\":\"44%'")
    assert kept[0][0] > 0


def test_a_summary_on_a_database_it_cannot_write_writes_nothing(cli, tmp_path, monkeypatch):
    assert cli("import", ROSTER).exit_code == 0
    monkeypatch.setattr(connect, "_can_write", lambda path: False)  # as for a clerk
    out = tmp_path / "日报"
    out.mkdir()
    result = cli("summary", "--output-dir", out)
    assert result.exit_code == 1 and "只读" in result.stderr
    assert list(out.iterdir()) == []


def test_the_demo_never_writes_over_a_clerks_file_of_a_report_name(tmp_path):
    folder = tmp_path / "演示"
    folder.mkdir()
    own = folder / "pass-rates.md"
    own.write_text("我自己的统计表\n", encoding="utf-8")
    result = Cli(tmp_path / "unused.db")("demo", folder, db=False)
    assert result.exit_code == 1 and "不是 xcert 写的文件" in result.stderr
    assert own.read_text(encoding="utf-8") == "我自己的统计表\n"
    assert not (folder / "xcert.db").exists()
    own.unlink()  # once it is gone the demo runs, and runs again over its own reports
    assert Cli(tmp_path / "unused.db")("demo", folder, db=False).exit_code == 0
    assert Cli(tmp_path / "unused.db")("demo", folder, db=False).exit_code == 0
