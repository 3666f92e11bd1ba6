"""A province's database made of schools' databases (issue 22, SPEC 6.8): each school
kept apart, merged again only where it changed, sources never touched, the catalogue
unified, no name, ID number or phone in the province file unless --keep-ids."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from pathlib import Path

import pytest

from xcert.store import migrations

from conftest import AWARD_COLUMNS, NOW, RESULT_COLUMNS, Cli, make_id, set_clock

# Three fictional schools: two majors each; one certificate under three spellings.
SCHOOLS = {
    "甲": ("示例甲职业学校", "4144000101", "机械工程制图职业技能等级证书", ["机械制图"]),
    "乙": ("示例乙职业学校", "4144000102", "机械工程制图职业技能等级证书", ["工程制图"]),
    "丙": ("示例丙职业学校", "4144000103", "机械工程制图", []),
}
MAJORS = ("数控技术应用", "电子商务")
OLDER = 10  # school 丙's file is kept at this schema version


def school_rows(key: str, seed: int) -> tuple[list[list[object]], list[list[object]], list]:
    """Roster, results and awards of one school: 2 majors × 6 students, cohorts 2023-24."""
    roster: list[list[object]] = [["学号", "姓名", "性别", "身份证号", "班级", "专业", "手机号"]]
    results: list[list[object]] = []
    awards: list[list[object]] = []
    for m, major in enumerate(MAJORS):
        for i in range(6):
            n = seed * 100 + m * 10 + i
            year = 2020 + (i % 2)
            born = f"{2004 + (i % 2)}0{1 + m}{10 + i}"
            number = f"{seed}{year}{n:04d}"
            roster.append(
                [
                    number,
                    f"{key}{major[:1]}同学{i}",
                    "男" if int(make_id(born, f"{n % 1000:03d}")[16]) % 2 else "女",
                    make_id(born, f"{n % 1000:03d}"),
                    f"{year % 100}{major[:2]}{m + 1}",
                    major,
                    f"1380000{n:04d}",
                ]
            )
            outcome = ("合格", "不合格", "缺考")[(i + seed) % 3]
            name = SCHOOLS[key][2] if i % 2 else (SCHOOLS[key][3] or [SCHOOLS[key][2]])[0]
            results.append([number, name, "初级", f"{2022 + (i % 2)}-06-0{1 + seed}", outcome])
            if outcome == "合格" and i < 3:
                awards.append([number, SCHOOLS[key][2], "初级", "2022.6", "2022-09-01", "本人"])
    return roster, results, awards


def build_school(key: str, seed: int, folder: Path, xlsx, school: str = "") -> Path:
    """One school's database; `school`: more lines of its site profile's [school]."""
    folder.mkdir(parents=True)
    cli = Cli(folder / "school.db")
    name, code, certificate, aliases = SCHOOLS[key]
    roster, results, awards = school_rows(key, seed)
    toml = folder / "school.toml"
    toml.write_text(
        f'[school]\nname = "{name}"\ncode = "{code}"\n{school}\n'
        f'[[certificate]]\nname = "{certificate}"\nkind = "1+X"\naliases = {json.dumps(aliases, ensure_ascii=False)}\n\n'
        "[[target]]\nyear = 2023\nparticipants = 10\npass_rate = 0.8\n",
        encoding="utf-8",
    )
    files = [
        xlsx(f"{key}-roster.xlsx", {"名单": roster}),
        toml,
        xlsx(f"{key}-results.xlsx", {"成绩": [RESULT_COLUMNS, *results]}),
        xlsx(f"{key}-awards.xlsx", {"发证": [AWARD_COLUMNS, *awards]}),
    ]
    for path in files:
        result = cli("import", path)
        assert result.exit_code == 0, result.output
    return folder / "school.db"


def set_back(path: Path, version: int) -> Path:
    """The same school as an older xcert wrote it: a new file through the first
    `version` migrations, every row copied (the columns that version has)."""
    older = path.with_name(f"v{version}.db")
    conn = sqlite3.connect(older, isolation_level=None)
    for migration in migrations.MIGRATIONS[:version]:
        migration(conn)
    conn.execute("ATTACH DATABASE ? AS new", (str(path),))
    tables = [
        r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")
    ]
    for table in tables:
        ours = [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
        theirs = {r[1] for r in conn.execute(f"PRAGMA new.table_info({table})")}
        shared = ", ".join(c for c in ours if c in theirs)
        conn.execute(
            f"INSERT OR REPLACE INTO main.{table} ({shared}) SELECT {shared} FROM new.{table}"
        )
    conn.execute("DETACH DATABASE new")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return older


@pytest.fixture
def schools(tmp_path, xlsx) -> dict[str, Path]:
    made = {
        key: build_school(key, seed, tmp_path / key, xlsx) for seed, key in enumerate(SCHOOLS, 1)
    }
    made["丙"] = set_back(made["丙"], OLDER)
    return made


def stats(db: Path, *args: str) -> dict:
    result = Cli(db)("stats", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def merge(province: Path, *files: Path, options: tuple[str, ...] = ()):
    return Cli(province)("merge", *files, "--into", province, *options, db=False)


def fingerprint(path: Path) -> tuple[str, float]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime


def dump(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every data table's rows (not the write log, the journal or the data version)."""
    conn = sqlite3.connect(path)
    tables = ("schools", "students", "sessions", "results", "awards", "teachers", "targets")
    try:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall() for t in tables}
    finally:
        conn.close()


def test_each_school_alone_in_a_province_has_its_own_figures(schools, tmp_path):
    for key, school in schools.items():
        province = tmp_path / f"p-{key}.db"
        result = merge(province, school)
        assert result.exit_code == 0, result.output
        assert "新合并" in result.stdout and SCHOOLS[key][0] in result.stdout
        own, merged = stats(school), stats(province)
        assert merged["pass_rates"] == own["pass_rates"] and own["pass_rates"]
        assert merged["dual_certificate"] == own["dual_certificate"]


def test_the_province_total_is_the_sum_of_its_schools(schools, tmp_path):
    province = tmp_path / "province.db"
    result = merge(province, *schools.values())
    assert result.exit_code == 0, result.output
    total = stats(province)
    by_year: dict[int, list[int]] = {}
    for school in schools.values():
        for row in stats(school)["pass_rates"]:
            sums = by_year.setdefault(row["year"], [0, 0, 0])
            for i, key in enumerate(("tested", "passed", "absent")):
                sums[i] += row[key]
    assert {
        r["year"]: [r["tested"], r["passed"], r["absent"]] for r in total["pass_rates"]
    } == by_year
    cohorts: dict[int, list[int]] = {}
    for school in schools.values():
        for row in stats(school)["dual_certificate"]:
            sums = cohorts.setdefault(row["cohort"], [0, 0])
            sums[0] += row["graduates"]
            sums[1] += row["certified"]
    assert {
        r["cohort"]: [r["graduates"], r["certified"]] for r in total["dual_certificate"]
    } == cohorts
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT code, source_version FROM schools ORDER BY code").fetchall() == [
        ("4144000101", migrations.SCHEMA_VERSION),
        ("4144000102", migrations.SCHEMA_VERSION),
        ("4144000103", OLDER),
    ]
    # one certificate under three spellings: one catalogue entry
    assert conn.execute("SELECT count(*) FROM certificates").fetchone() == (1,)
    assert conn.execute("SELECT count(DISTINCT school_id) FROM students").fetchone() == (3,)


def test_the_sources_are_never_changed_even_an_older_one(schools, tmp_path):
    before = {key: fingerprint(path) for key, path in schools.items()}
    merge(tmp_path / "province.db", *schools.values())
    assert {key: fingerprint(path) for key, path in schools.items()} == before
    conn = sqlite3.connect(schools["丙"])
    assert conn.execute("PRAGMA user_version").fetchone() == (OLDER,)


def test_merging_again_changes_nothing_and_a_newer_file_replaces_only_its_school(
    schools, tmp_path, xlsx
):
    province = tmp_path / "province.db"
    merge(province, *schools.values())
    first = dump(province)
    again = merge(province, *schools.values())
    assert again.exit_code == 0 and again.stdout.count("未改动") == 3
    assert dump(province) == first
    # school 甲 sends a newer file: one more student
    extra = [["学号", "姓名", "班级", "专业"], ["19999", "甲新同学", "24数控1", "数控技术应用"]]
    assert Cli(schools["甲"])("import", xlsx("new.xlsx", {"S": extra})).exit_code == 0
    conn = sqlite3.connect(province)
    others = "SELECT * FROM students WHERE school_id <> 1 ORDER BY id"
    before_others = conn.execute(others).fetchall()
    conn.close()
    result = merge(province, schools["甲"])
    assert result.exit_code == 0 and "已替换" in result.stdout
    conn = sqlite3.connect(province)
    assert conn.execute(others).fetchall() == before_others
    counts = dict(conn.execute("SELECT school_id, count(*) FROM students GROUP BY school_id"))
    assert counts == {1: 13, 2: 12, 3: 12}


def test_an_older_file_of_a_school_does_not_replace_a_newer_one(
    schools, tmp_path, xlsx, monkeypatch
):
    """A school's old copy sent again by mistake is refused, naming both files' times;
    --allow-older takes it (the school asked to go back)."""
    old = tmp_path / "甲-old.db"
    with sqlite3.connect(schools["甲"]) as source, sqlite3.connect(old) as copy:
        source.backup(copy)
    set_clock(monkeypatch, NOW + dt.timedelta(days=3))
    extra = [["学号", "姓名", "班级", "专业"], ["19999", "甲新同学", "24数控1", "数控技术应用"]]
    assert Cli(schools["甲"])("import", xlsx("new.xlsx", {"S": extra})).exit_code == 0
    province = tmp_path / "province.db"
    assert merge(province, *schools.values()).exit_code == 0
    before = dump(province)
    refused = merge(province, old)
    assert refused.exit_code == 1
    assert "甲-old.db" in refused.output and "旧" in refused.output
    assert "2026-11-25 20:00" in refused.output and "2026-11-28 20:00" in refused.output
    assert "--allow-older" in refused.output
    assert dump(province) == before
    taken = merge(province, old, options=("--allow-older",))
    assert taken.exit_code == 0 and "已替换" in taken.stdout
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT count(*) FROM students WHERE school_id = 1").fetchone() == (12,)
    assert conn.execute("SELECT source_as_of FROM schools WHERE id = 1").fetchone() == (
        "2026-11-25T20:00:00",
    )
    conn.close()
    # the newer file again: newer than the old one now merged, so it replaces it
    again = merge(province, schools["甲"])
    assert again.exit_code == 0 and "已替换" in again.stdout


def test_no_name_id_number_or_phone_enters_the_province_file(schools, tmp_path):
    province = tmp_path / "province.db"
    merge(province, *schools.values())
    conn = sqlite3.connect(province)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = province.read_bytes()
    for school in schools.values():
        source = sqlite3.connect(school)
        for name, number, phone, student_no in source.execute(
            "SELECT name, id_number, phone, student_no FROM students"
        ):
            for text in (name, number, phone, student_no):
                assert text.encode() not in data, text
    conn = sqlite3.connect(province)
    assert conn.execute(
        "SELECT count(*) FROM students WHERE id_number IS NOT NULL OR phone IS NOT NULL"
        " OR student_no IS NOT NULL OR person IS NULL"
    ).fetchone() == (0,)


def test_a_student_in_two_schools_is_one_person(tmp_path, xlsx):
    """The same ID number in two schools (a student who moved): the same `person`."""
    a = build_school("甲", 1, tmp_path / "a", xlsx)
    b = build_school("乙", 2, tmp_path / "b", xlsx)
    moved = sqlite3.connect(a).execute("SELECT id_number FROM students LIMIT 1").fetchone()[0]
    rows = [
        ["学号", "姓名", "身份证号", "班级", "专业"],
        ["29999", "转学同学", moved, "23电子2", "电子商务"],
    ]
    assert Cli(b)("import", xlsx("moved.xlsx", {"S": rows})).exit_code == 0
    province = tmp_path / "province.db"
    assert merge(province, a, b).exit_code == 0
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT count(*), count(DISTINCT person) FROM students").fetchone() == (
        25,
        24,
    )


def test_keep_ids_keeps_them(schools, tmp_path):
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"], options=("--keep-ids",)).exit_code == 0
    conn = sqlite3.connect(province)
    source = sqlite3.connect(schools["甲"])
    wanted = "SELECT student_no, name, id_number, phone FROM students ORDER BY student_no"
    assert conn.execute(wanted).fetchall() == source.execute(wanted).fetchall()


def test_a_bad_file_leaves_the_province_as_it_was_unless_skip_invalid(schools, tmp_path):
    province = tmp_path / "province.db"
    merge(province, schools["甲"])
    before = dump(province)
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"SQLite format 3\x00" + b"\x00" * 2000)
    text = tmp_path / "notes.db"
    text.write_text("hello", encoding="utf-8")
    newer = tmp_path / "newer.db"
    newer.write_bytes(schools["乙"].read_bytes())
    sqlite3.connect(newer).execute(f"PRAGMA user_version = {migrations.SCHEMA_VERSION + 1}")
    result = merge(province, schools["乙"], corrupt, text, newer)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 4 and "没有写入任何数据" in lines[-1]
    assert "corrupt.db" in lines[0] and "notes.db" in lines[1] and "newer.db" in lines[2]
    assert "Traceback" not in result.output and dump(province) == before
    result = merge(province, schools["乙"], corrupt, text, newer, options=("--skip-invalid",))
    assert result.exit_code == 0 and "示例乙职业学校" in result.stdout
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT code FROM schools ORDER BY id").fetchall() == [
        ("4144000101",),
        ("4144000102",),
    ]


def test_a_school_without_a_code_is_refused_naming_the_file(tmp_path, xlsx):
    folder = tmp_path / "s"
    folder.mkdir()
    cli = Cli(folder / "s.db")
    assert cli("import", xlsx("r.xlsx", {"S": [["学号", "姓名"], ["1", "甲"]]})).exit_code == 0
    result = merge(tmp_path / "p.db", folder / "s.db")
    assert result.exit_code == 1 and "s.db" in result.stderr and "学校代码" in result.stderr
    assert not (tmp_path / "p.db").exists()


def test_one_name_two_kinds_is_refused_for_that_school(schools, tmp_path):
    province = tmp_path / "province.db"
    merge(province, schools["甲"])
    other = tmp_path / "other"
    other.mkdir()
    cli = Cli(other / "o.db")
    (other / "o.toml").write_text(
        '[school]\nname = "示例丁职业学校"\ncode = "4144000104"\n\n'
        '[[certificate]]\nname = "机械制图"\nkind = "other"\n',
        encoding="utf-8",
    )
    assert cli("import", other / "o.toml").exit_code == 0
    result = merge(province, other / "o.db")
    assert result.exit_code == 1 and "o.db" in result.stderr and "机械制图" in result.stderr


def test_dry_run_and_a_school_database_as_the_target_write_nothing(schools, tmp_path):
    province = tmp_path / "province.db"
    result = merge(province, *schools.values(), options=("--dry-run",))
    assert result.exit_code == 0 and "试运行" in result.stdout and "新合并" in result.stdout
    assert not province.exists()
    result = merge(schools["甲"], schools["乙"])
    assert result.exit_code == 1 and "学校自己的数据库" in result.stderr


def test_a_province_takes_only_merges_and_a_merge_can_be_undone(schools, tmp_path, xlsx):
    province = tmp_path / "province.db"
    merge(province, schools["甲"])
    first = rows(province)
    merge(province, schools["乙"])
    assert rows(province) != first
    cli = Cli(province)
    result = cli("import", xlsx("r.xlsx", {"S": [["学号", "姓名"], ["1", "甲"]]}))
    assert result.exit_code == 1 and "省级数据库" in result.stderr
    write_id = cli.query("SELECT max(id) FROM imports WHERE kind = 'merge'")[0][0]
    assert cli("undo", write_id).exit_code == 0
    assert rows(province) == first


def data(path: Path) -> list[str]:
    """`dump` without the write log, the journal and the data version: the data alone."""
    kept = ('"imports"', '"journal"', '"meta"')
    return [line for line in dump(path) if not any(name in line for name in kept)]


def test_a_merge_that_replaced_schools_can_be_undone_exactly(schools, tmp_path, xlsx):
    """The replaced schools' rows come back as they were, though their newer rows took
    their ids and keys (a session of the same certificate and date); undone twice:
    refused; merged again: replaced again; two files of one school in one run too."""
    province = tmp_path / "province.db"
    assert merge(province, *schools.values()).exit_code == 0
    before, before_rows = data(province), rows(province)
    old = tmp_path / "甲-old.db"
    with sqlite3.connect(schools["甲"]) as source, sqlite3.connect(old) as copy:
        source.backup(copy)
    for key, number in (("甲", "19999"), ("乙", "29999")):
        extra = [
            ["学号", "姓名", "班级", "专业"],
            [number, f"{key}新同学", "24数控1", "数控技术应用"],
        ]
        assert Cli(schools[key])("import", xlsx(f"{key}-new.xlsx", {"S": extra})).exit_code == 0
    cli = Cli(province)
    last_merge = "SELECT max(id) FROM imports WHERE kind = 'merge'"
    school = "SELECT name, person, cohort FROM students WHERE school_id = 1 ORDER BY id"
    for _ in range(2):  # undone, then merged again and undone again
        replaced = merge(province, *schools.values())
        assert replaced.exit_code == 0 and replaced.stdout.count("已替换") == 2, replaced.output
        counts = dict(cli.query("SELECT school_id, count(*) FROM students GROUP BY school_id"))
        assert counts == {1: 13, 2: 13, 3: 12}
        newer = cli.query(school)
        write_id = cli.query(last_merge)[0][0]
        undone = cli("undo", write_id)
        assert undone.exit_code == 0, undone.output
        assert data(province) == before and rows(province) == before_rows
        again = cli("undo", write_id)
        assert again.exit_code == 1 and "撤销过了" in again.stderr
        assert data(province) == before
    assert cli.query(school) != newer
    # a newer and an older file of one school in one run: each replaces the one before
    twice = merge(province, schools["甲"], old, options=("--allow-older",))
    assert twice.exit_code == 0 and twice.stdout.count("已替换") == 2, twice.output
    assert cli("undo", cli.query(last_merge)[0][0]).exit_code == 0
    assert data(province) == before


def test_a_provinces_summary_leaves_the_remedies_to_the_schools(schools, tmp_path):
    """Its reminders say what is found, and that the schools fix it and send the file
    again: the province's file takes no graduate or import."""
    province = tmp_path / "province.db"
    merge(province, *schools.values())
    out = tmp_path / "日报"
    out.mkdir()
    result = Cli(province)("summary", "--output-dir", out)
    assert result.exit_code == 0, result.output
    (text,) = [p.read_text(encoding="utf-8") for p in out.glob("*.md")]
    reminders = text.split("数据提醒", 1)[1]
    assert "仍有" in reminders and "重新交来合并" in reminders
    assert "xcert graduate" not in reminders and "合并学校数据" in text


def test_stats_by_school_gives_each_merged_school_its_own_figures(schools, tmp_path):
    """The issue's test: three schools merged (one of an older schema, one certificate
    under three spellings); each school's rows of `stats --by school` are its own stats,
    every figure; the totals their sum (no student in two schools here)."""
    province = tmp_path / "province.db"
    assert merge(province, *schools.values()).exit_code == 0
    by_school = stats(province, "--by", "school")
    for key, school in schools.items():
        own, code = stats(school), SCHOOLS[key][1]
        for table, keys in (
            ("pass_rates", ("year", "tested", "passed", "absent", "pass_rate")),
            ("dual_certificate", ("cohort", "graduates", "certified", "rate")),
        ):
            rows = [r for r in by_school[table] if r["school_code"] == code]
            shown = [{k: r[k] for k in keys} for r in rows if r[keys[1]] or r.get("absent")]
            assert shown == [{k: r[k] for k in keys} for r in own[table]], (key, table)
    totals = {r["year"]: r for r in by_school["pass_rates_total"]}
    assert {y: r["tested"] for y, r in totals.items()} == {
        r["year"]: r["tested"] for r in stats(province)["pass_rates"]
    }
    assert [r["graduates"] for r in by_school["dual_certificate_total"]] == [
        r["graduates"] for r in stats(province)["dual_certificate"]
    ]


def test_each_school_keeps_its_graduation_day_in_the_province(tmp_path, xlsx):
    """School 甲's site profile has its 届 graduate on 06-15, 乙's on 07-01 (the default):
    on 2024-06-20 甲's 2024届 has graduated, 乙's not. Each school's rows in the province
    (`--by school`, `--school`) are its own stats, for one cohort and for a span; the
    total counts each school's graduates from its own day, the sum of the rows shown."""
    early = build_school("甲", 1, tmp_path / "甲", xlsx, 'graduation_day = "06-15"\n')
    late = build_school("乙", 2, tmp_path / "乙", xlsx)
    province = tmp_path / "province.db"
    assert merge(province, early, late).exit_code == 0
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT graduation_day FROM schools ORDER BY code").fetchall() == [
        ("06-15",),
        (None,),
    ]
    conn.close()
    keys = ("cohort", "graduates", "certified", "rate", "graduated")
    on = ("--date", "2024-06-20")
    for asked in (("--cohort", "2024"), ("--from", "2023", "--to", "2025")):
        by_school = stats(province, "--by", "school", *on, *asked)
        sums: dict[int, list[int]] = {}
        for key, school in (("甲", early), ("乙", late)):
            own = [{k: r[k] for k in keys} for r in stats(school, *on, *asked)["dual_certificate"]]
            code = SCHOOLS[key][1]
            alone = stats(province, "--school", code, *on, *asked)["dual_certificate"]
            assert [{k: r[k] for k in keys} for r in alone] == own, (key, asked)
            rows = [r for r in by_school["dual_certificate"] if r["school_code"] == code]
            assert [{k: r[k] for k in keys} for r in rows if r["graduates"]] == own, (key, asked)
            for row in own:  # the total: the sum of the rows (nobody moved here)
                got = sums.setdefault(row["cohort"], [0, 0])
                got[0], got[1] = got[0] + row["graduates"], got[1] + row["certified"]
        total = by_school["dual_certificate_total"]
        assert {r["cohort"]: [r["graduates"], r["certified"]] for r in total} == sums
        assert [{k: r[k] for k in keys} for r in total] == [
            {k: r[k] for k in keys} for r in stats(province, *on, *asked)["dual_certificate"]
        ]
    # one cohort: everyone, a projection until the last school's day; a span: 2024届 of 甲 only
    assert [
        r["graduated"] for r in stats(province, *on, "--cohort", "2024")["dual_certificate"]
    ] == [False]
    span = stats(province, *on, "--from", "2023", "--to", "2025")["dual_certificate"]
    assert [(r["cohort"], r["graduated"]) for r in span] == [(2023, True), (2024, True)]
    assert (
        span[1]["graduates"]
        == stats(early, *on, "--cohort", "2024")["dual_certificate"][0]["graduates"]
    )
    shown = Cli(province)("stats", "--by", "school", *on, "--from", "2023", "--to", "2025")
    assert shown.exit_code == 0, shown.output
    assert f"{SCHOOLS['乙'][0]}还没到毕业日" in shown.stdout.replace("\n", "")


def test_the_progress_follows_the_schools(schools, tmp_path, monkeypatch):
    """One step per school file, in order; on a terminal a bar is drawn (here on a
    console that says it is one), in a pipe nothing."""
    from xcert.office.merge import merge_files
    from xcert.store.schema import open_db

    seen: list[Path] = []
    (tmp_path / "p").mkdir()
    conn = open_db(tmp_path / "p" / "province.db")
    merge_files(
        conn, list(schools.values()), key_file=tmp_path / "p" / "k.key", on_school=seen.append
    )
    conn.close()
    assert seen == list(schools.values())
    monkeypatch.setattr("xcert.cli.merge.is_terminal", lambda stream: True)
    result = merge(tmp_path / "q.db", *schools.values())
    assert result.exit_code == 0 and result.stdout.count("新合并") == 3


def test_a_provinces_session_list_names_each_sessions_school(schools, tmp_path):
    province = tmp_path / "province.db"
    assert merge(province, *schools.values()).exit_code == 0
    listed = Cli(province)("session", "list")
    assert listed.exit_code == 0, listed.output
    header = next(line for line in listed.stdout.splitlines() if "编号" in line)
    assert [w for w in header.split() if w != "┃"][:3] == ["编号", "学校", "证书"], header
    for name, *_ in SCHOOLS.values():
        assert listed.stdout.count(name) == 2  # two sessions each
    own = Cli(schools["甲"])("session", "list")
    header = next(line for line in own.stdout.splitlines() if "编号" in line)
    assert [w for w in header.split() if w != "┃"][:2] == [
        "编号",
        "证书",
    ]  # a school's own database: no such column
