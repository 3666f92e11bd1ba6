"""Open the database with the pragmas a shared office file needs, and migrate it.

Migrations are ordered functions recorded in `PRAGMA user_version`; a shipped one is
never edited, later issues append new ones (STYLE: llm's `m001_…`).
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from xcert import clock
from xcert.errors import XcertError

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_MS = 30_000  # a cron summary waits for a clerk's import instead of failing


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one: `executescript` would COMMIT the migration halfway."""
    statement = ""
    for line in sql.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def m001_students_and_imports(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            file_name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            file_format TEXT,
            encoding TEXT,
            options TEXT NOT NULL DEFAULT '{}',
            started_at TEXT NOT NULL,
            finished_at TEXT,
            rows_added INTEGER NOT NULL DEFAULT 0,
            rows_updated INTEGER NOT NULL DEFAULT 0,
            rows_unchanged INTEGER NOT NULL DEFAULT 0,
            rows_rejected INTEGER NOT NULL DEFAULT 0,
            problems INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            data_version INTEGER,  -- meta 'data_version' once this import was written
            note TEXT
        );
        CREATE INDEX imports_sha256 ON imports(sha256);
        CREATE TABLE students (
            id INTEGER PRIMARY KEY,
            student_no TEXT,
            name TEXT NOT NULL,
            gender TEXT,
            id_number TEXT,
            class_code TEXT,
            major TEXT,
            department TEXT,
            enrollment_year INTEGER,
            cohort INTEGER,
            cohort_derived INTEGER NOT NULL DEFAULT 0,
            phone TEXT,
            status TEXT NOT NULL DEFAULT 'enrolled',
            -- Year of the earliest pass or award (0 = undated), NULL = none: kept by the
            -- triggers of migration 2, read by the dual-certificate figure (stats.py).
            first_certified INTEGER,
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id)
        );
        CREATE UNIQUE INDEX students_student_no ON students(student_no);
        CREATE UNIQUE INDEX students_id_number ON students(id_number);
        CREATE INDEX students_cohort ON students(cohort, status, first_certified);
        -- Values an import overwrote, so that an import can be reversed exactly.
        CREATE TABLE changes (
            id INTEGER PRIMARY KEY,
            import_id INTEGER NOT NULL REFERENCES imports(id),
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,
            before TEXT NOT NULL
        );
        CREATE INDEX changes_import ON changes(import_id);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        """,
    )


def m002_certificates_results_awards(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE certificates (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('1+X', 'other')),
            kind_guessed INTEGER NOT NULL DEFAULT 0,
            organisation TEXT,
            levels TEXT,  -- 初级,中级,高级; NULL: any
            number_pattern TEXT,  -- a regular expression its certificate numbers match
            created_import INTEGER REFERENCES imports(id)
        );
        CREATE TABLE certificate_aliases (
            alias TEXT PRIMARY KEY,  -- compared folded, without spaces, lower case
            text TEXT NOT NULL,  -- as the catalogue file wrote it
            certificate_id INTEGER NOT NULL REFERENCES certificates(id) ON DELETE CASCADE
        );
        CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            certificate_id INTEGER NOT NULL REFERENCES certificates(id),
            level TEXT,
            date_start TEXT,
            date_end TEXT,
            date_text TEXT,  -- as the sheet wrote it: 2022.5-6
            site TEXT,
            capacity_per_day INTEGER,
            days INTEGER,
            created_import INTEGER REFERENCES imports(id)
        );
        CREATE UNIQUE INDEX sessions_key ON sessions(
            certificate_id, coalesce(level, ''), coalesce(date_start, ''), coalesce(date_end, '')
        );
        CREATE TABLE results (
            id INTEGER PRIMARY KEY,
            student_id INTEGER NOT NULL REFERENCES students(id),
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            theory REAL,
            practical REAL,
            total REAL,
            outcome TEXT NOT NULL CHECK (outcome IN ('pass', 'fail', 'absent')),
            certificate_no TEXT,
            exam_year INTEGER,  -- the session's year, kept here so yearly figures need no join
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id),
            UNIQUE (student_id, session_id)
        );
        -- Covering indexes for the figures: per session, and each student's passes by year.
        CREATE INDEX results_session ON results(session_id, outcome);
        CREATE INDEX results_passes ON results(outcome, student_id, exam_year);
        CREATE TABLE awards (
            id INTEGER PRIMARY KEY,
            student_id INTEGER NOT NULL REFERENCES students(id),
            certificate_id INTEGER NOT NULL REFERENCES certificates(id),
            level TEXT,
            assessed_start TEXT,
            assessed_end TEXT,
            assessed_text TEXT,  -- 鉴定时间 as written: 2022.5-6
            issued_on TEXT,
            certificate_no TEXT,
            signed_by TEXT,
            signed_on TEXT,
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id)
        );
        CREATE UNIQUE INDEX awards_number ON awards(certificate_no)
            WHERE certificate_no IS NOT NULL;
        CREATE INDEX awards_student ON awards(student_id);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)
        """,
    )
    _script(conn, _certified_triggers())


def _certified_triggers() -> str:
    """students.first_certified follows every change to results and awards (SPEC 3:
    a pass or an award of any kind counts, dated or not), so the figure reads one column."""
    earliest = (
        "(SELECT min(y) FROM ("
        " SELECT coalesce(exam_year, 0) AS y FROM results WHERE student_id = {sid} AND outcome = 'pass'"
        " UNION ALL SELECT coalesce(CAST(substr(coalesce(issued_on, assessed_start), 1, 4)"
        " AS INTEGER), 0) FROM awards WHERE student_id = {sid}))"
    )
    statements = []
    for table in ("results", "awards"):
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            body = " ".join(
                f"UPDATE students SET first_certified = {earliest.format(sid=f'{r}.student_id')}"
                f" WHERE id = {r}.student_id;"
                for r in rows
            )
            statements.append(
                f"CREATE TRIGGER {table}_{event.lower()}_certified AFTER {event} ON {table}"
                f" BEGIN {body} END;"
            )
    return "\n".join(statements)


def m003_targets(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        CREATE TABLE targets (
            year INTEGER PRIMARY KEY,
            participants INTEGER,  -- 1+X candidates tested
            pass_rate REAL,  -- a fraction: 0.9
            certificates INTEGER,  -- distinct 1+X certificates examined
            updated_import INTEGER REFERENCES imports(id)
        )
        """,
    )


def m004_sites_and_plans(conn: sqlite3.Connection) -> None:
    _script(
        conn,
        """
        -- The forms' facts, kept once (SPEC 6.5): validated by sites.py, stored as JSON.
        CREATE TABLE sites (
            name TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            updated_import INTEGER REFERENCES imports(id)
        );
        CREATE TABLE plans (
            year INTEGER PRIMARY KEY,
            data TEXT NOT NULL,
            updated_import INTEGER REFERENCES imports(id)
        )
        """,
    )


def m005_journal(conn: sqlite3.Connection) -> None:
    """The write journal behind `xcert undo` and `xcert log` (journal.py); its triggers
    are made by `migrate` after the last migration, from the tables as they are then."""
    _script(
        conn,
        """
        CREATE TABLE journal (
            id INTEGER PRIMARY KEY,
            write_id INTEGER NOT NULL REFERENCES imports(id),
            table_name TEXT NOT NULL,
            row_id INTEGER NOT NULL,  -- the row's rowid
            op TEXT NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
            old TEXT  -- the row before an update or delete, as JSON
        );
        CREATE INDEX journal_write ON journal(write_id);
        CREATE INDEX journal_row ON journal(table_name, row_id, write_id);
        ALTER TABLE imports ADD COLUMN command TEXT;  -- as typed, ID numbers masked
        ALTER TABLE imports ADD COLUMN undone_by INTEGER REFERENCES imports(id);
        CREATE INDEX students_created ON students(created_import);
        CREATE INDEX results_created ON results(created_import);
        CREATE INDEX awards_created ON awards(created_import);
        -- Writes before this one were kept only in part (the changes table): no undo.
        INSERT INTO meta (key, value) SELECT 'journal_since', coalesce(max(id), 0) + 1 FROM imports;
        """,
    )


def m006_registrations(conn: sqlite3.Connection) -> None:
    """Who is entered for a session, and how each selection test ranked them (SPEC 6.4)."""
    _script(
        conn,
        """
        CREATE TABLE registrations (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            student_id INTEGER NOT NULL REFERENCES students(id),
            via TEXT NOT NULL CHECK (via IN ('select', 'retest', 'hand')),
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id),
            UNIQUE (session_id, student_id)
        );
        CREATE INDEX registrations_student ON registrations(student_id);
        ALTER TABLE sessions ADD COLUMN updated_import INTEGER REFERENCES imports(id);
        -- Every candidate of a selection test, chosen or not: a retest draws on the rest.
        CREATE TABLE selections (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            student_id INTEGER NOT NULL REFERENCES students(id),
            round INTEGER NOT NULL CHECK (round IN (1, 2)),
            group_key TEXT NOT NULL,
            score REAL NOT NULL,
            rank INTEGER NOT NULL,  -- within the group, 1 = best
            outcome TEXT NOT NULL CHECK (outcome IN ('chosen', 'below', 'capacity')),
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id),
            UNIQUE (session_id, student_id, round)
        );
        """,
    )


BULK_CACHE_KIB = 64 * 1024  # page cache while a bulk load rebuilds indexes


@contextmanager
def bulk_load(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Inside a write: set aside the table's indexes, and the journal's insert trigger
    (a row carrying this write's `created_import` is never journalled one by one), then
    make them again from their own SQL. For a load into an empty table, sorting once
    beats 100,000 index updates; a rollback restores everything."""
    saved = conn.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
        " AND (type = 'index' OR name = ?)",
        (table, f"journal_{table}_insert"),
    ).fetchall()
    for kind, name, _ in saved:
        conn.execute(f"DROP {kind.upper()} {name}")
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]  # pages if > 0, KiB if < 0
    page_kib = conn.execute("PRAGMA page_size").fetchone()[0] / 1024
    if (-cache if cache < 0 else cache * page_kib) < BULK_CACHE_KIB:
        conn.execute(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")  # to sort an index in memory
    try:
        yield
        for _, _, sql in saved:
            conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA cache_size = {int(cache)}")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_students_and_imports,
    m002_certificates_results_awards,
    m003_targets,
    m004_sites_and_plans,
    m005_journal,
    m006_registrations,
]
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """A connection in autocommit mode; writes go through `transaction()`."""
    if path.is_dir():
        raise XcertError(f"{path} 是一个文件夹，不是数据库文件")
    if not path.parent.exists():
        raise XcertError(f"数据库所在文件夹 {path.parent} 不存在")
    if path.exists() and path.stat().st_size > 0:
        with path.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise XcertError(f"{path} 不是 xcert 数据库（不是 SQLite 文件）")
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        raise XcertError(
            f"无法打开数据库 {path}（{exc}）；请检查文件夹是否存在、是否有写权限"
        ) from None
    return conn


def schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> tuple[int, int, Path | None]:
    """Apply pending migrations in one transaction; back the file up first if it has data.

    Returns (version before, version after, backup path or None).
    """
    before = schema_version(conn)
    if before == 0:
        foreign = conn.execute(
            "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        if foreign:
            where = f"{path}" if path else "这个文件"
            raise XcertError(
                f"{where} 是别的程序的 SQLite 数据库，不是 xcert 数据库；xcert 不会改动它"
            )
    if before > SCHEMA_VERSION:
        raise XcertError(f"数据库版本 {before} 比本程序支持的 {SCHEMA_VERSION} 新，请升级 xcert")
    if before == SCHEMA_VERSION:
        return before, before, None
    backup_path = None
    if before > 0 and path is not None:
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        backup_path = path.with_name(f"{path.name}.v{before}-{stamp}.bak")
        backup(conn, backup_path)
    with transaction(conn):
        for number in range(before, SCHEMA_VERSION):
            MIGRATIONS[number](conn)
        if before < SCHEMA_VERSION:  # the journal follows every column of every table
            from xcert.store import journal

            journal.create_triggers(conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return before, SCHEMA_VERSION, backup_path


def now() -> str:
    """The time every write is recorded with: local time, to the second."""
    return clock.now().isoformat(timespec="seconds")


def update_row(
    conn: sqlite3.Connection, table: str, row_id: int, after: dict[str, object], import_id: int
) -> None:
    """Change one row as a write; the journal's trigger keeps what it was (journal.py).
    `table` and the field names are the code's, never input."""
    assignments = ", ".join(f"{field} = ?" for field in after)
    conn.execute(
        f"UPDATE {table} SET {assignments}, updated_import = ? WHERE id = ?",
        [*after.values(), import_id, row_id],
    )


_command_line: str | None = None


def set_command_line(args: list[str]) -> None:
    """The command as the user typed it (after the global options), for `xcert log`."""
    from xcert.clean.idcard import mask_ids_in

    global _command_line
    _command_line = mask_ids_in(storable(" ".join(["xcert", *args])))


def storable(text: str) -> str:
    """Text SQLite can store: a file or folder name in another encoding (a GBK-named
    folder on a USB stick) arrives with surrogate escapes; they become U+FFFD."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def command_line() -> str | None:
    return _command_line


def data_version(conn: sqlite3.Connection) -> int:
    """A counter every write that changes data bumps: equal counters, equal data."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchone()
    return int(row[0]) if row else 0


def bump_data_version(conn: sqlite3.Connection) -> int:
    version = data_version(conn) + 1
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('data_version', ?)", (str(version),)
    )
    return version


def init(path: Path) -> str:
    """Create or upgrade the database at `path`; say what was done, in the user's words."""
    existed = path.exists() and path.stat().st_size > 0
    conn = connect(path)
    try:
        before, after, backup_path = migrate(conn, path)
    finally:
        conn.close()
    if not existed:
        return f"已创建数据库 {path}（结构版本 {after}）"
    if before == after:
        return f"数据库 {path} 已是最新（结构版本 {after}），无需改动"
    if backup_path is None:
        return f"数据库 {path} 已建好结构（版本 {after}）"
    return f"数据库 {path} 已从版本 {before} 升级到 {after}；升级前的备份：{backup_path}"


def backup(conn: sqlite3.Connection, dest: Path) -> None:
    """A consistent copy through SQLite's backup API, safe while others write; checked
    before it replaces `dest`, so a failed copy never takes the place of a good one."""
    tmp = dest.with_name(dest.name + ".part")
    check = None
    try:
        tmp.unlink(missing_ok=True)
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target)
            check = target.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            target.close()
        if check == "ok":
            shutil.move(tmp, dest)
    except (OSError, sqlite3.Error) as exc:  # a full disk, a read-only stick
        tmp.unlink(missing_ok=True)
        why = getattr(exc, "strerror", None) or str(exc)
        raise XcertError(f"无法写入备份 {dest}（{why}）；原有的备份没有改动") from None
    if check != "ok":
        tmp.unlink(missing_ok=True)
        raise XcertError(f"备份副本校验失败（{check}），没有写入 {dest}")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error: all or nothing."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # also when COMMIT itself failed (a full disk)
            conn.execute("ROLLBACK")
        raise


def open_db(path: Path, *, create: bool = True) -> sqlite3.Connection:
    """Open (and create or migrate) the database at `path`."""
    if not create and not path.exists():
        raise XcertError(f"数据库 {path} 不存在；先运行 xcert init，或用 --db 指定")
    conn = connect(path)
    migrate(conn, path)
    return conn


def utils_db(conn: sqlite3.Connection) -> sqlite_utils.Database:
    """sqlite-utils' API over the same connection, for queries that read better with it."""
    import sqlite_utils

    return sqlite_utils.Database(conn)
