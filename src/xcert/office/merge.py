"""Many schools' databases in one (SPEC 6.8): what a provincial guidance centre or a
city bureau keeps to compare its schools.

Each school is kept apart by its site profile's code (`schools`, and `school_id` on its
students, sessions, teachers and targets); merging a school again replaces all of its
rows, so a second merge of the same file changes nothing and a newer file of the same
school replaces the older. Rows are copied in SQL from the source's copy (attached),
their ids shifted past the province's own; the certificate catalogue is shared, each
school's certificate found by name or alias (`catalogue.Catalogue`). The day the
school's 届 graduate on (its site profile's graduation_day) is kept with it: the
province's figures count its cohorts from that day, as its own database does.

Anonymised (the default), no name, 学号, ID number or phone of a student or teacher
enters the province file: a student is kept under `person`, a keyed hash of the ID
number (the province's own random key), so that a student who moved between schools
is one person in both; names become 学生…/教师… pseudonyms. A teacher has a `person`
too, anonymised or not (a teacher registered at two schools counts once in the
province's totals: figures/teachers.py). The key is kept in a file beside the
province's database, never in it (`province_key`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from xcert.clean import cells as clean
from xcert.errors import XcertError
from xcert.office import merge_rows, province_key, sites
from xcert.office.province_key import ProvinceKey
from xcert.store import writes
from xcert.store.connect import is_province, transaction
from xcert.store.copy import Copy, read_copy


@dataclass
class Merged:
    """What merging one school did (or, in a dry run, would do)."""

    path: Path
    name: str = ""
    code: str = ""
    state: str = ""  # new, replaced, unchanged
    counts: dict[str, int] = field(default_factory=dict)
    new_certificates: list[str] = field(default_factory=list)


def school_of(copy: Copy, path: Path) -> tuple[str, str]:
    """(name, code) of a school's database, from its site profile; refused without."""
    if is_province(copy.conn):
        raise XcertError(f"{path}：这是合并后的省级数据库，不是学校数据库")
    profile = sites.school(copy.conn)
    name, code = clean.text(profile.get("name")), clean.text(profile.get("code"))
    if not name or not code:
        missing = "、".join(w for w, v in (("学校名称", name), ("学校代码", code)) if not v)
        raise XcertError(
            f"{path}：没有{missing}；请学校在考点资料文件的 [school] 里写上 name 和 code，"
            "导入后再交来合并"
        )
    return name, code


def check_province(conn: sqlite3.Connection, path: Path) -> None:
    """A province database holds no school's own students: students, and no school
    merged. Asked before the target is brought up to date (a school's file of an older
    xcert is left as it was)."""
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "students" not in tables or not conn.execute("SELECT 1 FROM students LIMIT 1").fetchone():
        return
    if "schools" not in tables or not is_province(conn):
        raise XcertError(f"{path} 是学校自己的数据库（有本校学生），不能作为合并的目标；请另选文件")


def merge_school(
    conn: sqlite3.Connection,
    copy: Copy,
    path: Path,
    write_id: int,
    *,
    key: ProvinceKey,
    anonymise: bool,
    allow_older: bool = False,
) -> Merged:
    """One school's rows into the province, replacing what it held (inside a write)."""
    name, code = school_of(copy, path)
    done = Merged(path, name, code)
    stored = conn.execute(
        "SELECT id, source_sha256, anonymised, source_as_of, source_name, name FROM schools"
        " WHERE code = ?",
        (code,),
    ).fetchone()
    if stored is not None and stored[5] != name:
        raise XcertError(
            f"{path}：学校代码 {code} 已属于已合并的「{stored[5]}」（{stored[4]}），这份文件是"
            f"「{name}」；请学校核对考点资料里的 [school] code。若确是同一所学校更名，"
            "请用新的省级文件重新合并全部学校"
        )
    if stored is not None and stored[1] == copy.sha256 and stored[2] == int(anonymise):
        done.state = "unchanged"
        return done
    as_of = as_of_time(copy)
    if stored is not None and not allow_older:
        _refuse_older(path, as_of, stored[3], stored[4])
    done.state = "new" if stored is None else "replaced"
    facts = (
        *(name, path.name, copy.sha256, copy.version, int(anonymise), write_id, as_of),
        graduation_day(copy),
    )
    school_id = _school_row(conn, None if stored is None else int(stored[0]), facts, code)
    conn.create_function("xcert_person", 1, key.person, deterministic=True)
    done.new_certificates = merge_rows.certificates(conn, copy.conn, path, write_id)
    merge_rows.stage(conn, copy.conn)
    try:
        done.counts = merge_rows.copy_rows(
            conn, school_id, write_id, code=code, anonymise=anonymise
        )
    except XcertError as exc:
        raise XcertError(f"{path}：{exc.reason}") from None
    return done


def _school_row(
    conn: sqlite3.Connection, school_id: int | None, facts: tuple[object, ...], code: str
) -> int:
    """The school's row with this file's facts; a school merged before loses its rows."""
    if school_id is not None:
        _forget(conn, school_id)
        conn.execute(
            "UPDATE schools SET name = ?, source_name = ?, source_sha256 = ?,"
            " source_version = ?, anonymised = ?, merge_id = ?, source_as_of = ?,"
            " graduation_day = ? WHERE id = ?",
            (*facts, school_id),
        )
        return school_id
    cursor = conn.execute(
        "INSERT INTO schools (name, source_name, source_sha256, source_version,"
        " anonymised, merge_id, source_as_of, graduation_day, code)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*facts, code),
    )
    return int(cursor.lastrowid or 0)


def as_of_time(copy: Copy) -> str | None:
    """When the school's file was last written: its latest write's time (ISO text)."""
    row = copy.conn.execute("SELECT max(coalesce(finished_at, started_at)) FROM imports").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def graduation_day(copy: Copy) -> str | None:
    """The day the school's 届 graduate on (its site profile's [school] graduation_day,
    MM-DD as `sites` stores it after checking it); None when it sets none (07-01)."""
    day = sites.school(copy.conn).get("graduation_day")
    return day if isinstance(day, str) and day else None


def _refuse_older(path: Path, as_of: str | None, stored: str | None, stored_name: str) -> None:
    """A school's file last written before the one merged already: most likely an old
    copy sent again by mistake; replacing would lose the school's later work."""
    if as_of is None or stored is None or as_of >= stored:
        return
    raise XcertError(
        f"{path}：这份文件最后写入于 {_shown(as_of)}，比已合并的「{stored_name}」"
        f"（{_shown(stored)}）旧，未替换；如确要换回旧文件，加 --allow-older"
    )


def _shown(stamp: str) -> str:
    return stamp.replace("T", " ")[:16]


def _forget(conn: sqlite3.Connection, school_id: int) -> None:
    """Every row of a school, before its newer file comes in (journalled: undoable)."""
    students = "SELECT id FROM students WHERE school_id = :school"
    teachers = "SELECT id FROM teachers WHERE school_id = :school"
    for sql in (
        f"DELETE FROM results WHERE student_id IN ({students})",
        f"DELETE FROM awards WHERE student_id IN ({students})",
        f"DELETE FROM teacher_roles WHERE teacher_id IN ({teachers})",
        "DELETE FROM teachers WHERE school_id = :school",
        "DELETE FROM sessions WHERE school_id = :school",
        "DELETE FROM targets WHERE school_id = :school",
        "DELETE FROM students WHERE school_id = :school",
    ):
        conn.execute(sql, {"school": school_id})


@dataclass
class Outcome:
    """A merge run: each school merged, each file refused and why, whether it was written."""

    merged: list[Merged] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    written: bool = False
    new_key: Path | None = None  # the key file this run made


def _reason(exc: Exception, path: Path) -> str:
    """Why a school's file could not be merged, naming it once."""
    if isinstance(exc, XcertError):
        return exc.reason if str(path) in exc.reason else f"{path}：{exc.reason}"
    if isinstance(exc, OSError):
        return f"{path}：无法读取（{exc.strerror or exc}）"
    return f"{path}：数据库无法读取，可能已损坏（{exc}）"


class _RollBack(Exception):
    """Raised inside the transaction to undo it without an error."""


def merge_files(
    conn: sqlite3.Connection,
    paths: list[Path],
    *,
    anonymise: bool = True,
    dry_run: bool = False,
    skip_invalid: bool = False,
    allow_older: bool = False,
    key_file: Path,
    on_school: Callable[[Path], None] | None = None,
) -> Outcome:
    """Every school file into the province database as one write, each school in its
    own savepoint: a file that fails leaves nothing of it; without `skip_invalid`, it
    leaves nothing of any. A run that changes nothing writes nothing, not even its log."""
    outcome = Outcome()
    _same_care(conn, anonymise)
    key = province_key.load(conn, key_file)
    try:
        with transaction(conn):
            write_id = writes.log_write(conn, "merge", "、".join(p.name for p in paths), bump=False)
            with writes.certified_after(conn, write_id):
                for path in paths:
                    if on_school is not None:
                        on_school(path)
                    conn.execute("SAVEPOINT school")
                    try:
                        with read_copy(path) as copy:
                            merged = merge_school(
                                conn,
                                copy,
                                path,
                                write_id,
                                key=key,
                                anonymise=anonymise,
                                allow_older=allow_older,
                            )
                        outcome.merged.append(merged)
                    except (XcertError, OSError, sqlite3.DatabaseError) as exc:
                        conn.execute("ROLLBACK TO school")
                        outcome.failed.append((path, _reason(exc, path)))
                    conn.execute("RELEASE school")
            changed = [m for m in outcome.merged if m.state != "unchanged"]
            if dry_run or not changed or (outcome.failed and not skip_invalid):
                raise _RollBack
            added = sum(sum(m.counts.values()) for m in changed)
            if key.new:
                outcome.new_key = key.path
            key.keep(conn)
            writes.finish_write(conn, write_id, added=added, bump=True)
            outcome.written = True
    except _RollBack:
        pass
    if outcome.written and key.legacy:
        conn.execute("VACUUM")  # the key it held: not even in the file's free pages
        province = Path(conn.execute("PRAGMA database_list").fetchone()[2])
        province_key.scrub_backups(province)
    return outcome


def _same_care(conn: sqlite3.Connection, anonymise: bool) -> None:
    """A province's file keeps personal data or not from its first merge on: an
    anonymised file must never have held any (its journal keeps what a merge replaced)."""
    held = {row[0] for row in conn.execute("SELECT DISTINCT anonymised FROM schools")}
    if held and held != {int(anonymise)}:
        kept = "去除了个人信息（默认）" if 1 in held else "保留了个人信息（--keep-ids）"
        raise XcertError(
            f"这个省级文件首次合并时{kept}，之后的合并须与之一致；"
            + ("请去掉 --keep-ids" if 1 in held else "请加上 --keep-ids")
            + "，或另用一个新的省级文件"
        )
