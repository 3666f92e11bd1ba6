"""The write journal: every row a write inserts, changes or deletes, so that `xcert undo`
can reverse one import exactly (SPEC 6.7), and `xcert log` can say what each write did.

SQLite triggers keep it (triggers.py), so no code path can forget to. A row an import
adds carries `created_import` where the table has that column: the undo finds those by
that column, not in the journal.

Rows are addressed by rowid. xcert never runs VACUUM, which could renumber the rowids
of tables without an INTEGER PRIMARY KEY. `schema.migrate` remakes the triggers after any
migration, so a column a migration adds is journalled too.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from xcert.errors import XcertError
from xcert.model import PERSONAL_FIELDS, SHEET_KIND_LABELS
from xcert.store.connect import checkpoint, scrub_free_pages, transaction
from xcert.store.triggers import TABLES
from xcert.store.writes import finish_write, log_write

# Writes that cannot be undone: an undo (import again instead) and a purge (by design).
FINAL_KINDS = ("undo", "purge")


@dataclass
class Undone:
    """What `undo` did (or would do): rows removed, restored and brought back, per table."""

    write_id: int
    undo_id: int | None = None
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)
    recreated: dict[str, int] = field(default_factory=dict)
    wal_kept: bool = False  # with forget: another program held the write-ahead log open

    def count(self, what: dict[str, int], table: str) -> None:
        what[table] = what.get(table, 0) + 1


def undo(
    conn: sqlite3.Connection, write_id: int, *, dry_run: bool = False, forget: bool = False
) -> Undone:
    """Reverse one write exactly, in one transaction: rows it added go, rows it changed or
    deleted come back as they were. Refused when a later write built on its rows.
    `forget`: the personal data the reversed write brought (a roster imported by
    mistake) is not kept in the journal either, nor in the file's free pages."""
    done = Undone(write_id)
    if forget and not dry_run:
        conn.execute("PRAGMA secure_delete = ON")  # overwritten values are zeroed
    try:
        with transaction(conn):  # read inside it: two undos at once cannot both pass
            _reverse_write(conn, _write(conn, write_id), done)
            if dry_run:
                raise _DryRun
            if forget:
                _forget_personal(conn, done)
        if forget:
            done.wal_kept = checkpoint(conn)  # nor in the write-ahead log
    except _DryRun:
        done.undo_id = None
    except sqlite3.IntegrityError as exc:  # a value it restores is someone else's by now
        raise XcertError(
            f"不能撤销第{write_id}次写入：它要恢复的数据已被之后的写入另作他用（{exc}）；"
            "请先撤销之后的写入（从最近的开始）"
        ) from None
    return done


def _forget_personal(conn: sqlite3.Connection, done: Undone) -> None:
    """The undo's journal keeps what it removed or overwrote so that nothing is lost; of
    students and teachers, it keeps no ID number or phone when asked to forget (an undo
    is never undone, so nothing needs them)."""
    paths = ", ".join(f"'$.{name}'" for name in PERSONAL_FIELDS)
    conn.execute(
        f"UPDATE journal SET old = json_remove(old, {paths}) WHERE write_id = ?"
        " AND table_name IN ('students', 'teachers') AND old IS NOT NULL",
        (done.undo_id,),
    )
    scrub_free_pages(conn)


class _DryRun(Exception):
    """Raised inside the transaction to roll a dry run back."""


def _reverse_write(conn: sqlite3.Connection, write: dict, done: Undone) -> None:
    write_id = write["id"]
    _check_undoable(conn, write)
    done.undo_id = log_write(conn, "undo", f"撤销第{write_id}次写入")
    conn.execute("PRAGMA defer_foreign_keys = ON")  # checked once, below
    entries = conn.execute(
        "SELECT table_name, row_id, op, old FROM journal WHERE write_id = ? ORDER BY id DESC",
        (write_id,),
    ).fetchall()
    # The rows it added (no journal entry each) go first: a row it deleted comes back
    # with its rowid and keys, which a row it added in its place may hold (a merge
    # replaces a school's rows with its newer file's; a catalogue replaces a guessed
    # certificate with a new one under its id). A row it changed to refer to one it
    # added may go with it (ON DELETE CASCADE): the journal brings it back as it was.
    for table in TABLES:
        if "created_import" in _columns(conn, table):
            _remove_created(conn, table, write_id, done)
    for table, row_id, op, old in entries:
        _reverse(conn, table, row_id, op, old, done)
    _refuse_orphans(conn, write_id)
    conn.execute("UPDATE imports SET undone_by = ? WHERE id = ?", (done.undo_id, write_id))
    changed = sum(done.removed.values()) + sum(done.restored.values())
    finish_write(conn, done.undo_id, updated=changed + sum(done.recreated.values()))


def _remove_created(conn: sqlite3.Connection, table: str, write_id: int, done: Undone) -> None:
    """The rows of a table that the write added (`created_import`)."""
    cursor = conn.execute(f"DELETE FROM {table} WHERE created_import = ?", (write_id,))
    if cursor.rowcount > 0:
        done.removed[table] = done.removed.get(table, 0) + cursor.rowcount


def _write(conn: sqlite3.Connection, write_id: int) -> dict:
    cursor = conn.execute("SELECT * FROM imports WHERE id = ?", (write_id,))
    row = cursor.fetchone()
    if row is None:
        raise XcertError(f"没有第{write_id}次写入；用 xcert log 查看编号")
    return dict(zip((c[0] for c in cursor.description), row, strict=True))


def _check_undoable(conn: sqlite3.Connection, write: dict) -> None:
    wid = write["id"]
    if write["undone_by"] is not None:
        raise XcertError(f"第{wid}次写入已在第{write['undone_by']}次写入时撤销过了")
    if write["kind"] in FINAL_KINDS:
        what = "撤销" if write["kind"] == "undo" else "清除个人信息"
        raise XcertError(f"第{wid}次写入是{what}，不能撤销")
    since = conn.execute("SELECT value FROM meta WHERE key = 'journal_since'").fetchone()
    if since is not None and wid < int(since[0]):
        raise XcertError(
            f"第{wid}次写入早于撤销记录（数据库升级到结构版本 5 之前），无法精确撤销；"
            "可以改正文件后重新导入"
        )
    if write["kind"] == "select":  # its second test ranked those it did not choose
        retests = [
            r
            for (r,) in conn.execute(
                "SELECT DISTINCT s2.created_import FROM selections s1 JOIN selections s2"
                " ON s2.session_id = s1.session_id AND s2.round = 2"
                " JOIN imports i ON i.id = s2.created_import"
                " WHERE s1.created_import = ? AND i.undone_by IS NULL",
                (wid,),
            )
        ]
        if retests:
            raise XcertError(
                f"不能撤销第{wid}次写入（第一次选拔）：第{retests[0]}次写入的第二次选拔建立在它上面；"
                "请先撤销第二次选拔"
            )
    later = _later_writes(conn, wid)
    if later:
        listed = "、".join(f"第{w}次（{write_named(k, f)}）" for w, k, f in later[:5])
        more = f"等{len(later)}次" if len(later) > 5 else ""
        final = [w for w, k, _ in later if k in FINAL_KINDS]
        then = (
            f"第{final[0]}次写入不能撤销，所以这次写入也不能撤销了"
            if final
            else "请先撤销这些写入（从最近的开始）"
        )
        raise XcertError(
            f"不能撤销第{wid}次写入：之后的写入 {listed}{more} 改动了或用到了它写入的数据"
            f"（如给它新增的学生记了成绩）；{then}"
        )


def _later_writes(conn: sqlite3.Connection, wid: int) -> list[tuple[int, str, str]]:
    """Later writes, still in effect, that built on a row this write added, changed or
    deleted: they changed the same row, made a row with its rowid again, or made or
    changed a row that refers to it (a result in a session this write moved)."""
    conn.execute("DROP TABLE IF EXISTS temp.touched")
    conn.execute("CREATE TEMP TABLE touched (table_name TEXT, row_id INTEGER)")
    conn.execute(
        "INSERT INTO temp.touched SELECT DISTINCT table_name, row_id FROM journal WHERE write_id = ?",
        (wid,),
    )
    # rows it added that a later write has since deleted or changed (their journalled
    # earlier values still name it)
    conn.execute(
        "INSERT INTO temp.touched SELECT table_name, row_id FROM journal WHERE write_id > ?"
        " AND old IS NOT NULL AND CAST(json_extract(old, '$.created_import') AS INTEGER) = ?",
        (wid, wid),
    )
    with_created = [t for t in TABLES if "created_import" in _columns(conn, t)]
    for table in with_created:
        conn.execute(
            f"INSERT INTO temp.touched SELECT '{table}', rowid FROM {table} WHERE created_import = ?",
            (wid,),
        )
    # (table, rowid) of rows later writes made or changed
    later = [
        "SELECT j.table_name, j.row_id, j.write_id FROM journal j WHERE j.write_id > :wid",
        *(
            f"SELECT '{t}', rowid, created_import FROM {t} WHERE created_import > :wid"
            for t in with_created
        ),
    ]
    # ... and the rows those refer to
    refers = []
    for table in TABLES:
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})").fetchall():
            parent, column = fk[2], fk[3]
            if parent in TABLES:
                refers.append(
                    f"SELECT '{parent}', c.{column}, l.writer FROM later l JOIN {table} c"
                    f" ON l.table_name = '{table}' AND c.rowid = l.row_id WHERE c.{column} IS NOT NULL"
                )
    rows = conn.execute(
        f"""
        WITH later(table_name, row_id, writer) AS ({" UNION ALL ".join(later)}),
        reached(table_name, row_id, writer) AS (
            SELECT * FROM later UNION ALL {" UNION ALL ".join(refers)}
        )
        SELECT DISTINCT i.id, i.kind, i.file_name FROM reached r
        JOIN temp.touched t ON t.table_name = r.table_name AND t.row_id = r.row_id
        JOIN imports i ON i.id = r.writer
        WHERE i.undone_by IS NULL AND i.kind != 'undo'
        ORDER BY i.id
        """,
        {"wid": wid},
    ).fetchall()
    conn.execute("DROP TABLE temp.touched")
    return rows


def _refuse_orphans(conn: sqlite3.Connection, wid: int) -> None:
    """Rows of later writes that refer to a row this undo removed (a result for a student
    the import added): the undo would leave them pointing at nothing."""
    orphans = conn.execute("PRAGMA foreign_key_check").fetchall()
    if not orphans:
        return
    writers = set()
    for table, row_id, _parent, _fk in orphans:
        columns = _columns(conn, table)
        if "created_import" in columns:
            found = conn.execute(
                f"SELECT created_import FROM {table} WHERE rowid = ?", (row_id,)
            ).fetchone()
            if found and found[0] is not None:
                writers.add(found[0])
        for (writer,) in conn.execute(
            "SELECT write_id FROM journal WHERE table_name = ? AND row_id = ?", (table, row_id)
        ):
            writers.add(writer)
    writers.discard(wid)
    named = "、".join(f"第{w}次" for w in sorted(writers)) or "之后的写入"
    raise XcertError(
        f"不能撤销第{wid}次写入：{named}写入的{len(orphans)}行数据引用了它添加的行"
        "（如学生的成绩）；请先撤销那些写入"
    )


def _reverse(
    conn: sqlite3.Connection, table: str, row_id: int, op: str, old: str | None, done: Undone
) -> None:
    if op == "insert":
        if conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (row_id,)).rowcount:
            done.count(done.removed, table)
        return
    values = json.loads(old or "{}")
    if values.get("created_import") == done.write_id:
        return  # added by the write itself (and removed already): not there before it
    valid = _columns(conn, table)
    values = {k: v for k, v in values.items() if k in valid}  # names the code made, checked
    if op == "update":
        assignments = ", ".join(f"{k} = ?" for k in values)
        cursor = conn.execute(
            f"UPDATE {table} SET {assignments} WHERE rowid = ?", [*values.values(), row_id]
        )
        if cursor.rowcount:
            done.count(done.restored, table)
            return
    # deleted; or changed, then gone with a row the write added (ON DELETE CASCADE):
    # either way it was there before the write, as `old` has it
    conn.execute(
        f"INSERT INTO {table} (rowid, {', '.join(values)})"
        f" VALUES (?, {', '.join('?' * len(values))})",
        [row_id, *values.values()],
    )
    done.count(done.recreated, table)


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


WRITE_LABELS = {
    **SHEET_KIND_LABELS,
    "school": "学校",
    "sites": "考点",
    "plan": "实施方案",
    "catalogue": "证书目录",
    "targets": "绩效目标",
    "toml": "设置文件",
    "record": "手工录入成绩",
    "sign": "签领",
    "target": "绩效目标",
    "session": "考试场次",
    "register": "报名",
    "select": "选拔",
    "retest": "二次选拔",
    "undo": "撤销",
    "purge": "清除个人信息",
    "merge": "合并学校数据",
    "graduate": "毕业",
}


def write_label(kind: str) -> str:
    """roster+results → 花名册+考核成绩: an import's kinds as the office names them."""
    return "+".join(WRITE_LABELS.get(part, part) for part in kind.split("+"))


def write_named(kind: str, source: str) -> str:
    """签领：学习委员, not 签领：签领：学习委员 when the write's own text starts with its verb."""
    label = write_label(kind)
    return source if label in source.split("：", 1)[0] else f"{label}：{source}"


@dataclass
class Write:
    id: int
    time: str
    kind: str
    file_name: str
    sha256: str
    command: str | None
    added: int
    updated: int
    unchanged: int
    rejected: int
    undone_by: int | None
    note: str | None


def writes(conn: sqlite3.Connection, *, limit: int | None = None) -> list[Write]:
    """Every write, newest first (`xcert log`)."""
    rows = conn.execute(
        "SELECT id, started_at, kind, file_name, sha256, command, rows_added, rows_updated,"
        " rows_unchanged, rows_rejected, undone_by, note FROM imports ORDER BY id DESC"
        + (" LIMIT ?" if limit else ""),
        (limit,) if limit else (),
    ).fetchall()
    return [Write(*row) for row in rows]
