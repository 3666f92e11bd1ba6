"""A province's file handed on without its key cannot give back an ID number; a school is
never swapped for another under the same code; a province keeps personal data or not
from its first merge; a school's own file given as the target is left as it was."""

from __future__ import annotations

import hashlib
import hmac
import os
import sqlite3
from pathlib import Path

from test_merge import SCHOOLS, build_school, dump, fingerprint, merge, schools

from xcert.office import province_key

from conftest import Cli

__all__ = ["schools"]  # the fixture, used by name


def _checkpointed(path: Path) -> bytes:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path.read_bytes()


def test_the_key_is_kept_beside_the_province_file_never_in_it(schools, tmp_path):
    """Whoever holds only the province file cannot hash ID numbers to find a person:
    the key is in `province.db.key` (owner-only), and the file holds no trace of it."""
    province = tmp_path / "province.db"
    made = merge(province, *schools.values())
    assert made.exit_code == 0 and "已生成省级密钥文件" in made.stdout
    assert "密钥文件" not in merge(province, schools["甲"]).stdout  # said once, when made
    key_file = tmp_path / "province.db.key"
    key = bytes.fromhex(key_file.read_text(encoding="ascii"))
    assert os.stat(key_file).st_mode & 0o077 == 0
    data = _checkpointed(province)
    assert key.hex().encode() not in data and key not in data
    conn = sqlite3.connect(province)
    assert conn.execute(
        "SELECT count(*) FROM settings WHERE key = ?", (province_key.LEGACY_SETTING,)
    ).fetchone() == (0,)
    people = {row[0] for row in conn.execute("SELECT person FROM students")}
    source = sqlite3.connect(schools["甲"])
    for (number,) in source.execute("SELECT id_number FROM students"):
        digest = hmac.new(key, number.upper().encode(), hashlib.sha256).hexdigest()[:32]
        assert digest in people


def test_without_its_key_a_province_takes_no_more_merges(schools, tmp_path):
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"]).exit_code == 0
    key_file = tmp_path / "province.db.key"
    moved = tmp_path / "safe" / "province.key"
    moved.parent.mkdir()
    key_file.rename(moved)
    before = dump(province)
    refused = merge(province, schools["乙"])
    assert (
        refused.exit_code == 1
        and "密钥文件" in refused.output
        and "Traceback" not in refused.output
    )
    assert dump(province) == before and not key_file.exists()
    wrong = tmp_path / "wrong.key"
    wrong.write_text("ab" * 32 + "\n", encoding="ascii")
    refused = merge(province, schools["乙"], options=("--key", str(wrong)))
    assert refused.exit_code == 1 and "不符" in refused.output and dump(province) == before
    taken = merge(province, schools["乙"], options=("--key", str(moved)))
    assert taken.exit_code == 0, taken.output
    assert not key_file.exists()  # the key stays where it was said to be


def test_a_key_an_earlier_xcert_kept_in_the_file_moves_out_of_it(schools, tmp_path):
    """The first version kept the key in the province's settings: the next merge moves
    it to the key file and leaves no trace of it in the database."""
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"]).exit_code == 0
    key_file = tmp_path / "province.db.key"
    key = key_file.read_text(encoding="ascii").strip()
    key_file.unlink()
    conn = sqlite3.connect(province)
    conn.execute("DELETE FROM settings WHERE key = ?", (province_key.CHECK_SETTING,))
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)", (province_key.LEGACY_SETTING, key)
    )
    conn.commit()
    backup = tmp_path / "province.db.v12-20261201-080000.bak"  # as an upgrade leaves it
    with sqlite3.connect(backup) as copy:
        conn.backup(copy)
    conn.close()
    assert key.encode() in _checkpointed(backup)
    assert merge(province, schools["乙"]).exit_code == 0
    assert key_file.read_text(encoding="ascii").strip() == key
    assert key.encode() not in _checkpointed(province)
    assert key.encode() not in _checkpointed(backup)
    assert sqlite3.connect(backup).execute("SELECT count(*) FROM students").fetchone()[0] > 0
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT count(DISTINCT school_id) FROM students").fetchone() == (2,)


def test_a_province_keeps_personal_data_or_not_from_its_first_merge(schools, tmp_path):
    """Anonymising a school merged with --keep-ids would leave its names in the
    journal (what a merge replaces can be undone): refused, as is the other way round."""
    kept = tmp_path / "kept.db"
    assert merge(kept, schools["甲"], options=("--keep-ids",)).exit_code == 0
    before = dump(kept)
    refused = merge(kept, schools["甲"], schools["乙"])
    assert refused.exit_code == 1 and "--keep-ids" in refused.output
    assert dump(kept) == before
    plain = tmp_path / "plain.db"
    assert merge(plain, schools["甲"]).exit_code == 0
    refused = merge(plain, schools["乙"], options=("--keep-ids",))
    assert refused.exit_code == 1 and "去掉 --keep-ids" in refused.output


def test_a_code_another_school_has_is_refused(tmp_path, xlsx):
    """A typo in a school's code must not replace another school's data."""
    first = build_school("甲", 1, tmp_path / "a", xlsx)
    second = build_school("乙", 2, tmp_path / "b", xlsx)
    other = SCHOOLS["乙"][0]
    toml = tmp_path / "b" / "typo.toml"
    toml.write_text(f'[school]\nname = "{other}"\ncode = "{SCHOOLS["甲"][1]}"\n', encoding="utf-8")
    assert Cli(second)("import", toml).exit_code == 0
    province = tmp_path / "province.db"
    assert merge(province, first).exit_code == 0
    before = dump(province)
    refused = merge(province, second)
    assert refused.exit_code == 1
    assert SCHOOLS["甲"][0] in refused.output and other in refused.output
    assert dump(province) == before


def test_a_schools_own_file_as_the_target_is_left_as_it_was(schools, tmp_path):
    """An older school file given as --into by mistake: refused before it is brought
    up to date (no backup written beside it, not a byte changed)."""
    target = schools["丙"]  # kept at an older schema version
    before = fingerprint(target)
    refused = merge(target, schools["甲"])
    assert refused.exit_code == 1 and "学校自己的数据库" in refused.output
    assert fingerprint(target) == before
    assert not list(target.parent.glob("*.bak"))
    current = schools["甲"]  # a school's file of this version, closed: WAL, no -shm
    listed = sorted(p.name for p in current.parent.iterdir())
    before = fingerprint(current)
    refused = merge(current, schools["乙"])
    assert refused.exit_code == 1 and "学校自己的数据库" in refused.output
    assert fingerprint(current) == before
    assert sorted(p.name for p in current.parent.iterdir()) == listed  # no -wal, -shm


def test_a_certificate_signed_for_stays_signed_for(schools, tmp_path):
    """Anonymised, who signed is not kept, but that someone did: the province counts the
    certificates still to hand out as the schools do."""
    province = tmp_path / "province.db"
    assert merge(province, *schools.values()).exit_code == 0
    unsigned = "SELECT count(*) FROM awards WHERE signed_by IS NULL"
    own = sum(sqlite3.connect(path).execute(unsigned).fetchone()[0] for path in schools.values())
    conn = sqlite3.connect(province)
    assert conn.execute(unsigned).fetchone() == (own,)
    assert conn.execute("SELECT count(*) FROM awards").fetchone()[0] > own
    names = {row[0] for row in conn.execute("SELECT signed_by FROM awards")}
    assert names <= {None, "（已签领）"}


def _school_toml(folder: Path, text: str) -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / "school.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_school_merged_again_may_correct_its_own_certificates_kind(schools, tmp_path):
    """The kind a school stated is refused against another school's rows, not against
    the school's own earlier merge."""
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"]).exit_code == 0
    name = SCHOOLS["甲"][2]
    toml = _school_toml(tmp_path / "fix", f'[[certificate]]\nname = "{name}"\nkind = "other"\n')
    assert Cli(schools["甲"])("import", toml).exit_code == 0
    again = merge(province, schools["甲"])
    assert again.exit_code == 0, again.output
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT kind FROM certificates WHERE name = ?", (name,)).fetchone() == (
        "other",
    )
    conn.close()
    assert merge(province, schools["乙"]).exit_code == 1  # 乙 states 1+X, 甲's rows say other


def test_two_certificates_of_a_school_the_province_makes_one_are_named(schools, tmp_path):
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"]).exit_code == 0  # 机械制图 is an alias here
    folder = tmp_path / "two"
    toml = _school_toml(
        folder,
        '[school]\nname = "示例戊职业学校"\ncode = "4144000105"\n\n'
        '[[certificate]]\nname = "机械制图"\nkind = "1+X"\n\n'
        f'[[certificate]]\nname = "{SCHOOLS["甲"][2]}"\nkind = "1+X"\n',
    )
    assert Cli(folder / "s.db")("import", toml).exit_code == 0
    refused = merge(province, folder / "s.db")
    assert refused.exit_code == 1
    line = refused.stderr.strip().splitlines()[0]
    assert "s.db" in line and "机械制图" in line and "UNIQUE" not in line


def test_a_history_years_target_stays_with_the_school(schools, tmp_path):
    """`[[plan.history]]` (a year before the school's records) is not merged: its target
    for that year would be judged against nothing in the province, so it stays too."""
    certificate = SCHOOLS["甲"][2]
    toml = _school_toml(
        tmp_path / "hist",
        f'[plan]\nyear = 2023\ncertificates = ["{certificate}"]\n\n'
        f'[[plan.history]]\nyear = 2019\ncertificate = "{certificate}"\n'
        "participants = 40\npassed = 30\n\n"
        "[[target]]\nyear = 2019\nparticipants = 35\npass_rate = 0.7\n",
    )
    result = Cli(schools["甲"])("import", toml)
    assert result.exit_code == 0, result.output
    province = tmp_path / "province.db"
    assert merge(province, schools["甲"]).exit_code == 0
    conn = sqlite3.connect(province)
    assert conn.execute("SELECT year FROM targets ORDER BY year").fetchall() == [(2023,)]
