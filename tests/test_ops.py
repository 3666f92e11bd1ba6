"""The operations that keep data safe (SPEC 6.7): log, undo, backup, purge."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import time

import pytest

from xcert.resources import bundled
from xcert.store import journal

from conftest import EXAMPLE_FILES, make_id, set_clock, today

EXAMPLES = bundled("examples")


def data(db) -> dict[str, list[tuple]]:
    """Every data table, every column, by rowid: what `undo` must give back exactly."""
    conn = sqlite3.connect(db)
    try:
        return {
            table: conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
            for table in journal.TABLES
        }
    finally:
        conn.close()


def last_write(cli) -> int:
    return cli.query("SELECT max(id) FROM imports")[0][0]


@pytest.fixture
def demo(make_school):
    """The bundled examples imported, as the demo does."""
    return make_school(examples=EXAMPLE_FILES)


def test_log_lists_every_write_with_its_command_hash_and_counts(demo):
    demo("sign", "--class", "20数控1", "--by", "班长", "--date", "2022-10-08")
    result = demo("log", "--format", "json")
    writes = json.loads(result.stdout)
    assert [w["kind"] for w in writes] == [
        "sign",
        "awards",
        "results",
        "catalogue",
        "school+sites+plan+targets",
        "roster",
    ]
    roster = writes[-1]
    assert roster["file_name"] == "roster.xlsx" and len(roster["sha256"]) == 64
    assert roster["added"] == 44 and roster["command"] == f"xcert import {EXAMPLES / 'roster.xlsx'}"
    assert writes[0]["command"] == "xcert sign --class 20数控1 --by 班长 --date 2022-10-08"
    table = demo("log", "--limit", "2").stdout
    assert "签领" in table and "发证签领" in table and "花名册" not in table


def test_the_log_never_shows_an_id_number_typed_in_a_command(demo):
    number = demo.query("SELECT id_number FROM students WHERE student_no = '2021020101'")[0][0]
    demo(
        "record",
        number,
        "--cert",
        "机械工程制图",
        "--level",
        "初级",
        "--result",
        "合格",
        "--date",
        "2023-06-01",
    )
    assert number not in demo("log").stdout
    assert number not in json.dumps(demo.query("SELECT command FROM imports"), ensure_ascii=False)


def _corrected_roster(xlsx):
    rows = [
        ["学号", "姓名", "身份证号", "班级", "手机号", "状态"],
        ["202001001", "陈锦曦", "440000200505060489", "20数控1", "13900000001", "毕业"],
        ["202001099", "新同学", make_id("20050909", "019"), "20数控1", None, "毕业"],
    ]
    return xlsx("corrected.xlsx", {"名单": rows})


WRITES = {
    "roster correction": lambda cli, xlsx: cli("import", _corrected_roster(xlsx)),
    "sign": lambda cli, xlsx: cli("sign", "--class", "20数控1", "--by", "班长"),
    "record": lambda cli, xlsx: cli(
        "record",
        "2021020101",
        "--cert",
        "机械工程制图",
        "--level",
        "初级",
        "--result",
        "合格",
        "--date",
        "2024-06-01",
    ),
    "target set": lambda cli, xlsx: cli(
        "target", "set", "--year", "2023", "--participants", "99", "--pass-rate", "95%"
    ),
    "toml": lambda cli, xlsx: cli("import", _changed_toml(xlsx)),
    "results": lambda cli, xlsx: cli("import", EXAMPLES / "results.xlsx", "--add-students"),
}


def _changed_toml(xlsx):
    path = xlsx("x.xlsx", {"S": [["x"]]}).with_name("changed.toml")
    path.write_text(
        '[school]\nname = "改名后的学校"\n\n[[target]]\nyear = 2023\nparticipants = 31\n\n'
        '[[certificate]]\nname = "机械工程制图职业技能等级证书"\nkind = "1+X"\n'
        'levels = ["初级", "中级"]\naliases = ["工程制图"]\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("write", WRITES)
def test_undo_gives_back_exactly_what_the_write_changed(demo, xlsx, write):
    before = data(demo.db)
    result = WRITES[write](demo, xlsx)
    assert result.exit_code == 0, result.output
    write_id = last_write(demo)
    assert data(demo.db) != before or write == "results"  # the same file again: nothing new
    result = demo("undo", str(write_id))
    assert result.exit_code == 0, result.output
    assert data(demo.db) == before
    assert demo.query("SELECT undone_by FROM imports WHERE id = ?", (write_id,)) == [
        (write_id + 1,)
    ]


def test_undo_then_reimport_gives_the_same_database(demo, xlsx):
    path = _corrected_roster(xlsx)
    assert demo("import", path).exit_code == 0
    after_import = data(demo.db)
    write_id = last_write(demo)
    assert "删除学生1行" in demo("undo", str(write_id)).stdout
    assert demo("import", path).exit_code == 0
    again = data(demo.db)
    # Only the bookkeeping differs: which write created or last updated a row.
    strip = {"students": (15, 16)}  # rowid + created_import, updated_import positions
    for table, rows in after_import.items():
        drop = strip.get(table, ())
        assert [tuple(v for i, v in enumerate(r) if i not in drop) for r in rows] == [
            tuple(v for i, v in enumerate(r) if i not in drop) for r in again[table]
        ]


def test_undo_dry_run_says_what_it_would_do_and_changes_nothing(demo):
    before = data(demo.db)
    result = demo("undo", "5", "--dry-run")
    assert result.exit_code == 0 and "试运行" in result.stdout and "删除发证14行" in result.stdout
    assert data(demo.db) == before
    assert demo.query("SELECT count(*) FROM imports WHERE kind = 'undo'") == [(0,)]


def test_undo_refuses_when_a_later_write_changed_the_same_rows(demo, xlsx):
    assert demo("import", _corrected_roster(xlsx)).exit_code == 0
    first = last_write(demo)
    rows = [["学号", "姓名", "班级", "手机号"], ["202001001", "陈锦曦", "20数控1", "13900000002"]]
    assert demo("import", xlsx("again.xlsx", {"S": rows})).exit_code == 0
    before = data(demo.db)
    result = demo("undo", str(first))
    assert result.exit_code == 1
    assert f"第{first + 1}次（花名册：again.xlsx）" in result.stderr
    assert data(demo.db) == before
    # Newest first works, and then the earlier one can go too.
    assert demo("undo", str(first + 1)).exit_code == 0
    assert demo("undo", str(first)).exit_code == 0


def test_undo_refuses_when_later_results_belong_to_students_it_added(demo, xlsx):
    rows = [["学号", "姓名", "班级"], ["202301001", "新生甲", "23数控1"]]
    assert demo("import", xlsx("new.xlsx", {"S": rows})).exit_code == 0
    roster_id = last_write(demo)
    result = demo(
        "record",
        "202301001",
        "--cert",
        "机械工程制图",
        "--level",
        "初级",
        "--result",
        "合格",
        "--date",
        "2024-06-01",
    )
    assert result.exit_code == 0, result.output
    before = data(demo.db)
    result = demo("undo", str(roster_id))
    assert result.exit_code == 1
    assert f"第{roster_id + 1}次" in result.stderr and "用到了" in result.stderr
    assert data(demo.db) == before


def test_undo_refuses_what_cannot_be_undone(demo):
    assert "没有第99次写入" in demo("undo", "99").stderr
    assert demo("undo", "5").exit_code == 0
    assert "已在第6次写入时撤销过了" in demo("undo", "5").stderr
    assert "是撤销，不能撤销" in demo("undo", "6").stderr


def test_writes_from_before_the_journal_cannot_be_undone(cli, tmp_path):
    path = tmp_path / "old.db"
    cli.db = path
    assert cli("init").exit_code == 0
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value = '5' WHERE key = 'journal_since'")
    conn.execute(
        "INSERT INTO imports (id, kind, file_name, sha256, started_at) VALUES"
        " (1, 'roster', 'old.xlsx', '', '2021-01-01')"
    )
    conn.commit()
    conn.close()
    assert "早于撤销记录" in cli("undo", "1").stderr


def test_backup_is_a_valid_copy_even_while_another_process_writes(demo, tmp_path):
    conn = sqlite3.connect(demo.db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("INSERT INTO students (name) VALUES ('写到一半')")
    result = demo("backup", tmp_path / "copy.db")  # while the write is open
    conn.execute("COMMIT")
    conn.close()
    assert result.exit_code == 0 and "已备份到" in result.stdout
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert copy.execute("SELECT count(*) FROM students WHERE name = '写到一半'").fetchone() == (0,)
    assert copy.execute("SELECT count(*) FROM students").fetchone() == (44,)
    copy.close()


def test_backup_into_a_folder_names_the_file_and_refuses_a_missing_folder(demo, tmp_path):
    folder = tmp_path / "备份"
    folder.mkdir()
    assert demo("backup", folder).exit_code == 0
    assert [p.suffix for p in folder.iterdir()] == [".db"]
    result = demo("backup", tmp_path / "nope" / "x.db")
    assert result.exit_code == 1 and "不存在" in result.stderr
    assert demo("backup", demo.db).exit_code == 1


def test_backup_during_an_import_process_is_consistent(demo, tmp_path, xlsx):
    import subprocess
    import sys

    rows = [["学号", "姓名", "班级"]] + [
        [f"2024{i:06d}", f"学生{i}", "24数控1"] for i in range(4000)
    ]
    path = xlsx("big.xlsx", {"S": rows})
    proc = subprocess.Popen(
        [sys.executable, "-m", "xcert", "--db", str(demo.db), "import", str(path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    copies = []
    while proc.poll() is None and len(copies) < 20:
        copy = tmp_path / f"copy{len(copies)}.db"
        assert demo("backup", copy).exit_code == 0
        copies.append(copy)
    assert proc.wait() == 0, proc.stderr.read()
    for copy in copies:
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM students").fetchone()[0] in (44, 4044)
        conn.close()


def test_purge_scrubs_ids_and_phones_everywhere_and_keeps_every_figure(demo, xlsx):
    assert demo("import", _corrected_roster(xlsx)).exit_code == 0  # an update in the journal
    old = [n for (n,) in demo.query("SELECT id_number FROM students WHERE cohort < 2024")]
    stats_before = demo("stats", "--format", "json").stdout
    count = "SELECT count(id_number), count(phone) FROM students"
    counts_before = demo.query(count)
    dry = demo("purge", "--graduated-before", "2024", "--dry-run")
    assert "试运行" in dry.stdout and demo.query(count) == counts_before
    result = demo("purge", "--graduated-before", "2024")
    assert result.exit_code == 0, result.output
    assert "2024届以前的16名学生的身份证号16个、电话15个" in result.stdout
    assert demo("stats", "--format", "json").stdout == stats_before
    assert demo.query(
        "SELECT count(id_number), count(phone) FROM students WHERE cohort < 2024"
    ) == [(0, 0)]
    kept = demo.query("SELECT count(id_number) FROM students WHERE cohort >= 2024")[0][0]
    assert kept == counts_before[0][0] - 16
    wal = demo.db.with_name(demo.db.name + "-wal")
    raw = demo.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for number in old:
        assert number.encode() not in raw  # not in the journal, not left in free pages
    assert b"13800006499" not in raw
    purge_id = last_write(demo)
    assert "清除个人信息，不能撤销" in demo("undo", str(purge_id)).stderr
    assert "改动了或用到了它写入的数据" in demo("undo", str(purge_id - 1)).stderr
    again = demo("purge", "--graduated-before", "2024")
    assert "没有需要清除的个人信息" in again.stdout


def test_a_write_waits_for_another_writer_instead_of_failing(demo):
    conn = sqlite3.connect(demo.db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")

    released = []

    def release():
        time.sleep(1.0)
        released.append(time.monotonic())
        conn.execute("COMMIT")

    holder = threading.Thread(target=release)
    holder.start()
    result = demo("target", "set", "--year", "2030", "--participants", "5")
    finished = time.monotonic()
    holder.join()
    conn.close()
    # it finished after the other writer let go: it waited instead of failing
    assert result.exit_code == 0 and released and finished > released[0]


def _toml(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_undo_of_a_catalogue_merge_is_refused_once_later_results_use_the_session(
    cli, xlsx, tmp_path
):
    cert = '[[certificate]]\nname = "机械工程制图职业技能等级证书"\nkind = "1+X"\n'
    assert cli("import", EXAMPLES / "roster.xlsx").exit_code == 0
    assert cli("import", _toml(tmp_path, "c1.toml", cert)).exit_code == 0
    header = ["学号", "姓名", "证书名称", "等级", "考试日期", "考核结果"]
    first = [header, ["202001001", "陈锦曦", "机械制图", "初级", "2022-12-10", "合格"]]
    assert cli("import", xlsx("r1.xlsx", {"S": first})).exit_code == 0  # a guessed certificate
    merged = cert + 'aliases = ["机械制图"]\n'
    assert cli("import", _toml(tmp_path, "c2.toml", merged)).exit_code == 0  # merges it
    merge_id = last_write(cli)
    later = [
        header,
        ["202001002", "王豪彤", "机械工程制图职业技能等级证书", "初级", "2022-12-10", "合格"],
    ]
    assert cli("import", xlsx("r2.xlsx", {"S": later})).exit_code == 0  # into the merged session
    before = data(cli.db)
    result = cli("undo", str(merge_id))
    assert result.exit_code == 1 and f"第{merge_id + 1}次" in result.stderr, result.output
    assert data(cli.db) == before


def test_undo_is_refused_clearly_when_a_value_it_restores_was_given_to_someone_else(cli, xlsx):
    old, new = make_id("20070101", "011"), make_id("20070101", "029")
    header = ["学号", "姓名", "身份证号", "班级"]
    assert (
        cli("import", xlsx("a.xlsx", {"S": [header, ["300001", "甲", old, "23数控1"]]})).exit_code
        == 0
    )
    assert (
        cli("import", xlsx("b.xlsx", {"S": [header, ["300001", "甲", new, "23数控1"]]})).exit_code
        == 0
    )
    corrected = last_write(cli)
    assert (
        cli("import", xlsx("c.xlsx", {"S": [header, ["300002", "乙", old, "23数控1"]]})).exit_code
        == 0
    )
    before = data(cli.db)
    result = cli("undo", str(corrected))
    assert result.exit_code == 1 and "内部错误" not in result.stderr and "不能撤销" in result.stderr
    assert result.stderr.count("\n") == 1 and old not in result.stderr
    assert data(cli.db) == before


def test_purge_also_scrubs_students_an_undo_removed(demo):
    assert demo("undo", "5").exit_code == 0  # awards, then results, then the roster
    assert demo("undo", "4").exit_code == 0
    assert demo("undo", "3").exit_code == 0
    assert demo("undo", "2").exit_code == 0
    assert demo("undo", "1").exit_code == 0
    gone = [
        json.loads(old)
        for (old,) in demo.query(
            "SELECT old FROM journal WHERE table_name = 'students' AND op = 'delete'"
        )
    ]
    assert gone and demo.query("SELECT count(*) FROM students") == [(0,)]
    this_year = str(today().year)
    assert demo("purge", "--graduated-before", this_year).exit_code == 0  # nobody left
    wal = demo.db.with_name(demo.db.name + "-wal")
    raw = demo.db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    for student in gone:
        if (
            student["cohort"] is not None
            and student["cohort"] < int(this_year)
            and student["id_number"]
        ):
            assert student["id_number"].encode() not in raw


def test_purge_does_not_count_as_a_roster_update(demo):
    before = demo.query("SELECT id, updated_import FROM students ORDER BY id")
    assert demo("purge", "--graduated-before", "2024").exit_code == 0
    assert demo.query("SELECT id, updated_import FROM students ORDER BY id") == before


def test_a_folder_named_in_another_encoding_is_logged_without_failing(cli, tmp_path):
    import os

    folder = os.path.join(os.fsencode(tmp_path), b"gbk\xd6\xd0")  # 中 in GBK
    os.mkdir(folder)
    target = os.path.join(folder, b"site.toml")
    with open(target, "wb") as fh:
        fh.write((EXAMPLES / "site.toml").read_bytes())
    with open(os.path.join(folder, b"plan-safeguards.md"), "wb") as fh:  # a section's text
        fh.write((EXAMPLES / "plan-safeguards.md").read_bytes())
    result = cli("import", os.fsdecode(target))
    assert result.exit_code == 0, result.output
    command = cli.query("SELECT command FROM imports")[0][0]
    assert command.startswith("xcert import ") and command.endswith("site.toml")


def test_backup_to_a_missing_folder_or_onto_the_database_files_is_refused(demo, tmp_path):
    missing = demo("backup", f"{tmp_path}/备份/")
    assert missing.exit_code == 1 and "不存在" in missing.stderr
    assert not (tmp_path / "备份").exists()
    for suffix in ("", "-wal", "-shm"):
        result = demo("backup", f"{demo.db}{suffix}")
        assert result.exit_code == 1 and "数据库本身" in result.stderr, suffix
    assert demo.query("SELECT count(*) FROM students") == [(44,)]


def test_purge_refuses_cohorts_still_at_school_or_entered_for_an_exam(demo):
    # NOW is after 1 July: this year's 届 has graduated, next year's has not
    after_next = str(today().year + 2)
    assert "还没有毕业" in demo("purge", "--graduated-before", after_next).stderr
    # 21数控2 (cohort 2024) is still 在读 in the example roster
    enrolled = demo("purge", "--graduated-before", "2025")
    assert enrolled.exit_code == 1 and "学籍状态仍是在读" in enrolled.stderr
    assert demo.query("SELECT count(*) FROM students WHERE id_number IS NULL") == [(0,)]
    future = str(today().year + 1) + "-06-01"
    added = demo("session", "add", "--cert", "机械工程制图", "--level", "初级", "--date", future)
    assert added.exit_code == 0
    session = demo.query("SELECT max(id) FROM sessions")[0][0]
    assert demo("register", "--session", session, "--student", "2021020101").exit_code == 0
    entered = demo("purge", "--graduated-before", "2025")
    assert entered.exit_code == 1 and "报名了还没考的考试" in entered.stderr


def test_a_row_a_later_write_removed_cannot_come_back_under_an_undone_write(cli):
    assert cli("import", EXAMPLES / "roster.xlsx").exit_code == 0
    assert cli("import", EXAMPLES / "catalogue.toml").exit_code == 0
    future = str(today().year + 1) + "-12-12"
    assert (
        cli(
            "session", "add", "--cert", "数控车铣加工", "--level", "中级", "--date", future
        ).exit_code
        == 0
    )
    assert cli("register", "--session", "1", "--student", "2021020101").exit_code == 0
    added = last_write(cli)
    assert cli("register", "--session", "1", "--student", "2021020101", "--remove").exit_code == 0
    refused = cli("undo", str(added))
    assert refused.exit_code == 1 and f"第{added + 1}次" in refused.stderr
    assert cli("undo", str(added + 1)).exit_code == 0  # newest first: the removal …
    assert cli("undo", str(added)).exit_code == 0  # … then the registration
    assert cli.query("SELECT count(*) FROM registrations") == [(0,)]


def test_purge_dry_run_counts_what_only_the_journal_still_holds(cli, xlsx):
    header = ["学号", "姓名", "身份证号", "班级", "届别", "手机号", "学籍状态"]
    person = ["190001", "旧生", make_id("20010101", "013"), "16数控1", 2019, "13800009999", "毕业"]
    assert cli("import", xlsx("old.xlsx", {"S": [header, person]})).exit_code == 0
    person[5] = "13800008888"
    assert cli("import", xlsx("old2.xlsx", {"S": [header, person]})).exit_code == 0
    assert cli("undo", "2").exit_code == 0 and cli("undo", "1").exit_code == 0
    dry = cli("purge", "--graduated-before", "2021", "--dry-run")
    assert "写入记录里" in dry.stdout and "没有需要清除" not in dry.stdout, dry.stdout
    done = cli("purge", "--graduated-before", "2021")
    assert done.exit_code == 0 and "已清除" in done.stdout
    olds = " ".join(old for (old,) in cli.query("SELECT old FROM journal WHERE old IS NOT NULL"))
    assert person[2] not in olds and "13800009999" not in olds


def _graduates_of_2026(make_school, *, graduation_day: str | None = None):
    roster = [
        ["学号", "姓名", "班级", "届别", "学籍状态", "身份证号"],
        ["G01", "毕业甲", "23数控1", 2026, "毕业", make_id("20080101", "011")],
        ["G02", "毕业乙", "23数控1", 2026, "毕业", make_id("20080101", "022")],
    ]
    school = make_school(roster=roster, school_name="示例学校")
    if graduation_day is not None:
        path = school.db.with_name("school.toml")
        path.write_text(
            f'[school]\nname = "示例学校"\ngraduation_day = "{graduation_day}"\n', encoding="utf-8"
        )
        assert school("import", path).exit_code == 0
    return school


def test_purge_goes_by_the_graduation_day_not_the_end_of_the_year(make_school, monkeypatch):
    school = _graduates_of_2026(make_school)
    set_clock(monkeypatch, dt.datetime(2026, 12, 10, 9, 0))
    done = school("purge", "--graduated-before", "2027", "--dry-run")
    assert done.exit_code == 0, done.stderr
    assert "2027届以前的2名学生" in done.stdout
    set_clock(monkeypatch, dt.datetime(2026, 6, 30, 9, 0))
    early = school("purge", "--graduated-before", "2027", "--dry-run")
    assert early.exit_code == 1
    assert "2026届还没有毕业（2026年7月1日毕业），不能清除" in early.stderr
    assert "--graduated-before 最大为 2026" in early.stderr
    set_clock(monkeypatch, dt.datetime(2026, 7, 1, 9, 0))
    assert school("purge", "--graduated-before", "2027", "--dry-run").exit_code == 0


def test_the_site_profile_sets_the_graduation_day(make_school, monkeypatch):
    school = _graduates_of_2026(make_school, graduation_day="6月20日")
    assert school.query("SELECT value FROM settings WHERE key = 'school_graduation_day'") == [
        ('"06-20"',)
    ]
    set_clock(monkeypatch, dt.datetime(2026, 6, 25, 9, 0))
    assert school("purge", "--graduated-before", "2027", "--dry-run").exit_code == 0
    set_clock(monkeypatch, dt.datetime(2026, 6, 19, 9, 0))
    refused = school("purge", "--graduated-before", "2027", "--dry-run")
    assert "2026届还没有毕业（2026年6月20日毕业）" in refused.stderr


def test_a_later_hand_made_write_is_named_once_in_an_undo_refusal(demo):
    awards = last_write(demo)
    assert (
        demo("sign", "--class", "20数控1", "--by", "学习委员", "--date", "2022-10-08").exit_code
        == 0
    )
    refused = demo("undo", str(awards))
    assert refused.exit_code == 1
    assert f"之后的写入 第{awards + 1}次（签领：学习委员）" in refused.stderr
    assert "签领：签领" not in refused.stderr


def test_purge_dry_run_says_what_it_would_clear_without_a_stray_space(demo):
    dry = demo("purge", "--graduated-before", "2024", "--dry-run")
    assert dry.stdout.startswith("（试运行，未写入）将清除2024届以前的")


def test_undo_of_a_catalogue_that_gave_a_merged_certificates_id_to_a_new_one(cli, xlsx):
    """The catalogue merges guessed certificate 2 into another and then adds a new
    certificate, which SQLite gives the freed id 2: undo gives every row back exactly."""
    assert cli("import", EXAMPLES / "roster.xlsx").exit_code == 0
    header = ["学号", "姓名", "证书名称", "等级", "考试日期", "考核结果"]
    rows = [
        header,
        ["202001001", "陈锦曦", "机械工程制图", "初级", "2022-12-10", "合格"],
        ["202001002", "王豪彤", "机械制图", "初级", "2022-12-11", "合格"],
    ]
    assert cli("import", xlsx("two.xlsx", {"S": rows})).exit_code == 0  # two guessed
    before = data(cli.db)
    assert cli("import", EXAMPLES / "catalogue.toml").exit_code == 0
    catalogue = last_write(cli)
    reused = cli.query(
        "SELECT 1 FROM certificates WHERE id = 2 AND created_import = ?", [catalogue]
    )
    assert reused, "the catalogue no longer reuses the id: the test lost its point"
    result = cli("undo", str(catalogue))
    assert result.exit_code == 0, result.output
    assert data(cli.db) == before
