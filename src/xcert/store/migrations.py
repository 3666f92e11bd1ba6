"""The schema's ordered migrations, recorded in `PRAGMA user_version`: a shipped one is
never edited, later issues append new ones (STYLE: llm's `m001_…`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from xcert.privacy import mask_ids_in
from xcert.store.triggers import EARLIEST_CERTIFIED


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
    earliest = EARLIEST_CERTIFIED
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


def m007_mask_logged_names(conn: sqlite3.Connection) -> None:
    """File names and command lines logged before they were masked: an ID number in
    them (陈锦曦4400….csv) masked like everywhere else (SPEC 5.3)."""
    rows = conn.execute("SELECT id, file_name, command FROM imports").fetchall()
    for write_id, name, command in rows:
        masked = [mask_ids_in(text) if text else text for text in (name, command)]
        if masked != [name, command]:
            conn.execute(
                "UPDATE imports SET file_name = ?, command = ? WHERE id = ?", (*masked, write_id)
            )


def m008_teachers(conn: sqlite3.Connection) -> None:
    """The teachers behind the pilot (SPEC 3, "Teachers"): one row per teacher (人), and
    one per role, certificate and level a teacher has (人次). Their journal triggers
    are made by `migrate` after the last migration, like every table's. `IF NOT EXISTS`:
    a file whose version number was set back (a test of an older file) keeps its tables."""
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS teachers (
            id INTEGER PRIMARY KEY,
            staff_no TEXT,  -- 工号
            name TEXT NOT NULL,
            id_number TEXT,
            department TEXT,  -- 所属部门
            phone TEXT,
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS teachers_staff_no ON teachers(staff_no);
        CREATE UNIQUE INDEX IF NOT EXISTS teachers_id_number ON teachers(id_number);
        CREATE INDEX IF NOT EXISTS teachers_created ON teachers(created_import);
        CREATE TABLE IF NOT EXISTS teacher_roles (
            id INTEGER PRIMARY KEY,
            teacher_id INTEGER NOT NULL REFERENCES teachers(id),
            role TEXT NOT NULL
                CHECK (role IN ('trainer', 'examiner', 'supervisor', 'exam_staff', 'holder')),
            certificate_id INTEGER REFERENCES certificates(id),  -- NULL: all (考务人员)
            level TEXT,
            obtained_on TEXT,  -- 取得日期, stored like awards.issued_on: 2024-09 stays a month
            certificate_no TEXT,  -- as written: the teacher's certificate, or qualification
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id)
        );
        CREATE UNIQUE INDEX IF NOT EXISTS teacher_roles_key ON teacher_roles(
            teacher_id, role, coalesce(certificate_id, 0), coalesce(level, '')
        );
        CREATE INDEX IF NOT EXISTS teacher_roles_certificate ON teacher_roles(certificate_id, role, teacher_id);
        CREATE INDEX IF NOT EXISTS teacher_roles_created ON teacher_roles(created_import);
        """,
    )


def m009_selection_ties(conn: sqlite3.Connection) -> None:
    """A selection's outcome may be `tie`: tied across a line under `select --ties
    retest`, not taken, kept for the second test (issue 20). SQLite cannot change a
    CHECK: the table is made anew with its rows (ids kept); `migrate` then remakes its
    journal triggers, as after every migration."""
    _script(
        conn,
        """
        CREATE TABLE selections_new (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            student_id INTEGER NOT NULL REFERENCES students(id),
            round INTEGER NOT NULL CHECK (round IN (1, 2)),
            group_key TEXT NOT NULL,
            score REAL NOT NULL,
            rank INTEGER NOT NULL,  -- within the group, 1 = best
            outcome TEXT NOT NULL CHECK (outcome IN ('chosen', 'below', 'capacity', 'tie')),
            created_import INTEGER REFERENCES imports(id),
            updated_import INTEGER REFERENCES imports(id),
            UNIQUE (session_id, student_id, round)
        );
        INSERT INTO selections_new SELECT id, session_id, student_id, round, group_key, score,
            rank, outcome, created_import, updated_import FROM selections;
        DROP TRIGGER IF EXISTS journal_selections_insert;
        DROP TRIGGER IF EXISTS journal_selections_update;
        DROP TRIGGER IF EXISTS journal_selections_delete;
        DROP TABLE selections;
        ALTER TABLE selections_new RENAME TO selections;
        """,
    )


def m010_reconciliation_indexes(conn: sqlite3.Connection) -> None:
    """Issue 21: each pass's session in the passes' index; results' certificate numbers."""
    for sql in (  # office/check.py: the passes an award covers, repeated numbers
        "DROP INDEX IF EXISTS results_passes",
        "CREATE INDEX results_passes ON results(outcome, student_id, exam_year, session_id)",
        "CREATE INDEX IF NOT EXISTS results_number ON results(certificate_no, student_id, session_id) WHERE certificate_no IS NOT NULL",
    ):
        conn.execute(sql)


def m011_import_warnings(conn: sqlite3.Connection) -> None:
    """Issue 21: the warnings an import printed (zlib-compressed JSON), so that the same
    file again on the same day can print them without reading it (ingest/run.py)."""
    _add_column(conn, "imports", "warning_list BLOB")


def _add_column(conn: sqlite3.Connection, table: str, column: str) -> None:
    """ALTER TABLE … ADD COLUMN, unless a file whose version was set back has it already."""
    name = column.split()[0]
    if name not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column}")


def m012_schools(conn: sqlite3.Connection) -> None:
    """Issue 22: a province's database holds many schools (`xcert merge`). A school's own
    database leaves `school_id` NULL everywhere; keys that were unique in one school
    (学号, ID numbers, staff numbers, a session, a year's targets) are unique per school.
    `person`: a keyed hash of the ID number, the same student in two schools. Safe to run
    again on a file whose version was set back (IF NOT EXISTS, columns checked)."""
    _script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS schools (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,  -- [school] code of the site profile
            name TEXT NOT NULL,
            source_name TEXT NOT NULL,  -- the file merged, as named then
            source_sha256 TEXT NOT NULL,
            source_version INTEGER NOT NULL,  -- its schema version
            anonymised INTEGER NOT NULL,
            merge_id INTEGER REFERENCES imports(id)
        )
        """,
    )
    for table, column in (
        ("students", "school_id INTEGER REFERENCES schools(id)"),
        ("students", "person TEXT"),
        ("sessions", "school_id INTEGER REFERENCES schools(id)"),
        ("teachers", "school_id INTEGER REFERENCES schools(id)"),
    ):
        _add_column(conn, table, column)
    _script(
        conn,
        """
        DROP INDEX IF EXISTS students_student_no;
        DROP INDEX IF EXISTS students_id_number;
        CREATE UNIQUE INDEX students_student_no ON students(student_no, coalesce(school_id, 0));
        CREATE UNIQUE INDEX students_id_number ON students(id_number, coalesce(school_id, 0));
        -- A province's figures count a person once: empty (and free) in a school's file.
        CREATE INDEX IF NOT EXISTS students_person ON students(person, first_certified)
            WHERE person IS NOT NULL;
        DROP INDEX IF EXISTS sessions_key;
        CREATE UNIQUE INDEX sessions_key ON sessions(
            certificate_id, coalesce(level, ''), coalesce(date_start, ''), coalesce(date_end, ''),
            coalesce(school_id, 0)
        );
        DROP INDEX IF EXISTS teachers_staff_no;
        DROP INDEX IF EXISTS teachers_id_number;
        CREATE UNIQUE INDEX teachers_staff_no ON teachers(staff_no, coalesce(school_id, 0));
        CREATE UNIQUE INDEX teachers_id_number ON teachers(id_number, coalesce(school_id, 0));
        """,
    )
    if "school_id" not in {row[1] for row in conn.execute("PRAGMA table_info(targets)")}:
        _targets_per_school(conn)


def _targets_per_school(conn: sqlite3.Connection) -> None:
    """targets keyed by year and school; the year stays each row's rowid, which the
    journal files its changes under."""
    _script(
        conn,
        """
        CREATE TABLE targets_new (
            id INTEGER PRIMARY KEY,
            year INTEGER NOT NULL,
            school_id INTEGER REFERENCES schools(id),
            participants INTEGER,
            pass_rate REAL,
            certificates INTEGER,
            updated_import INTEGER REFERENCES imports(id)
        );
        INSERT INTO targets_new (id, year, participants, pass_rate, certificates, updated_import)
            SELECT year, year, participants, pass_rate, certificates, updated_import FROM targets;
        DROP TRIGGER IF EXISTS journal_targets_insert;
        DROP TRIGGER IF EXISTS journal_targets_update;
        DROP TRIGGER IF EXISTS journal_targets_delete;
        DROP TABLE targets;
        ALTER TABLE targets_new RENAME TO targets;
        CREATE UNIQUE INDEX targets_year ON targets(year, coalesce(school_id, 0));
        """,
    )


def m013_school_as_of(conn: sqlite3.Connection) -> None:
    """Issue 22: when a school's merged file was last written (its latest write), so that
    an older file of a school does not replace a newer one by mistake; and the day its
    届 graduate on (its site profile's [school] graduation_day, MM-DD; NULL: 07-01), so
    that a province counts each school's cohorts from the school's own day. A teacher's
    `person`, as a student's (a keyed hash of the ID number, set by a merge), so that a
    teacher of two schools counts once in the province's totals."""
    _add_column(conn, "schools", "source_as_of TEXT")
    _add_column(conn, "schools", "graduation_day TEXT")
    _add_column(conn, "teachers", "person TEXT")


def m014_import_memo(conn: sqlite3.Connection) -> None:
    """Issue 21: the roster sheet imported last (its own table) and each row's student,
    kept for a corrected copy until anything else is written (ingest/memo.py)."""
    columns = "import_id, data_version, options, day, program, reading, rows, students"
    conn.execute(f"CREATE TABLE IF NOT EXISTS import_memo (id INTEGER PRIMARY KEY, {columns})")
    conn.execute("CREATE TABLE IF NOT EXISTS import_memo_file (id INTEGER PRIMARY KEY, file)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_students_and_imports,
    m002_certificates_results_awards,
    m003_targets,
    m004_sites_and_plans,
    m005_journal,
    m006_registrations,
    m007_mask_logged_names,
    m008_teachers,
    m009_selection_ties,
    m010_reconciliation_indexes,
    m011_import_warnings,
    m012_schools,
    m013_school_as_of,
    m014_import_memo,
]
SCHEMA_VERSION = len(MIGRATIONS)
