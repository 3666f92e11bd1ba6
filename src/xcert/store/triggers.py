"""The journal's triggers: each data table gets an AFTER INSERT / UPDATE / DELETE
trigger that records the row's earlier values under the current write, the latest row
of `imports` (every write records itself there first), so that no code path can forget
to (journal.py: undo and the log read what they keep). A row an import adds carries
`created_import` where the table has that column; those inserts are not journalled one
by one (a 100,000-row roster would double its writes), the undo finds them by that
column instead.

Apart from journal.py because opening a database needs only these (`schema.migrate`
remakes them after any migration, so a column a migration adds is journalled too), and
a command that only reads should not load the undo (start-up).
"""

from __future__ import annotations

import sqlite3

# A student's students.first_certified: the year of the earliest pass or award (0 undated),
# None for none; `{sid}` the student's id (schema's triggers keep it, writes.py refreshes it).
EARLIEST_CERTIFIED = (
    "(SELECT min(y) FROM ("
    " SELECT coalesce(exam_year, 0) AS y FROM results WHERE student_id = {sid} AND outcome = 'pass'"
    " UNION ALL SELECT coalesce(CAST(substr(coalesce(issued_on, assessed_start), 1, 4)"
    " AS INTEGER), 0) FROM awards WHERE student_id = {sid}))"
)

# Data tables whose rows the journal follows; bookkeeping (imports, meta, journal) is not.
TABLES = (
    "students",
    "certificates",
    "certificate_aliases",
    "sessions",
    "results",
    "awards",
    "settings",
    "targets",
    "sites",
    "plans",
    "registrations",
    "selections",
    "teachers",
    "teacher_roles",
    "schools",
)
# Kept by other triggers from the rows they summarise: never journalled, never restored.
DERIVED = {"students": ("first_certified",)}
_CURRENT = "(SELECT max(id) FROM imports)"


def create_triggers(conn: sqlite3.Connection) -> None:
    """(Re)create the journal triggers of every table from its current columns."""
    for table in TABLES:
        info = conn.execute(f"PRAGMA table_info({table})").fetchall()
        if not info:  # made by a later migration, which calls this again
            continue
        columns = [(row[1], (row[2] or "").upper()) for row in info]
        names = [name for name, _ in columns]
        kept = [(n, t) for n, t in columns if n not in DERIVED.get(table, ())]
        # REAL as 17 significant digits: SQLite's JSON keeps only 15, and a score
        # restored from it would differ in its last bits. REAL affinity reads it back.
        old = ", ".join(
            f"'{n}', "
            + (f"CASE typeof(OLD.{n}) WHEN 'real' THEN printf('%!.17g', OLD.{n}) ELSE OLD.{n} END")
            if "REAL" in t or "FLOA" in t or "DOUB" in t
            else f"'{n}', OLD.{n}"
            for n, t in kept
        )
        record = (
            "INSERT INTO journal (write_id, table_name, row_id, op, old)"
            f" VALUES ({_CURRENT}, '{table}', {{row}}.rowid, '{{op}}', {{old}});"
        )
        when = f" WHEN NEW.created_import IS NOT {_CURRENT}" if "created_import" in names else ""
        of = ", ".join(n for n, _ in kept)
        for op, timing, body in (
            (
                "insert",
                f"AFTER INSERT ON {table}{when}",
                record.format(row="NEW", op="insert", old="NULL"),
            ),
            (
                "update",
                f"AFTER UPDATE OF {of} ON {table}",
                record.format(row="OLD", op="update", old=f"json_object({old})"),
            ),
            (
                "delete",
                f"AFTER DELETE ON {table}",
                record.format(row="OLD", op="delete", old=f"json_object({old})"),
            ),
        ):
            conn.execute(f"DROP TRIGGER IF EXISTS journal_{table}_{op}")
            conn.execute(f"CREATE TRIGGER journal_{table}_{op} {timing} BEGIN {body} END")
