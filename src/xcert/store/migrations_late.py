"""The schema's migrations from 12 on (migrations.py lists them all, in order)."""

from __future__ import annotations

import sqlite3

from xcert.store.ddl import add_column, script


def m012_schools(conn: sqlite3.Connection) -> None:
    """Issue 22: a province's database holds many schools (`xcert merge`). A school's own
    database leaves `school_id` NULL everywhere; keys that were unique in one school
    (学号, ID numbers, staff numbers, a session, a year's targets) are unique per school.
    `person`: a keyed hash of the ID number, the same student in two schools. Safe to run
    again on a file whose version was set back (IF NOT EXISTS, columns checked)."""
    script(
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
        add_column(conn, table, column)
    script(
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
    script(
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
    add_column(conn, "schools", "source_as_of TEXT")
    add_column(conn, "schools", "graduation_day TEXT")
    add_column(conn, "teachers", "person TEXT")


def m014_readings(conn: sqlite3.Connection) -> None:
    """Issue 21: the readings of the last workbooks imported (read/memo.py), so that a
    corrected copy is read without parsing the rows that did not change. A cache, not
    data: no journal, cleared by `undo` and `purge` (it holds the files' rows)."""
    script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS readings (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL,  -- what the file holds besides its worksheets (memo._key)
            digests BLOB NOT NULL,  -- of each piece of each worksheet's XML
            rows BLOB NOT NULL,  -- what the reader made of them, compressed
            changes BLOB  -- the rows read again since, in corrected copies
        );
        CREATE INDEX IF NOT EXISTS readings_key ON readings(key);
        """,
    )
