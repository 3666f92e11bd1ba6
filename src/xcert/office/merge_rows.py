"""The rows of one school's database copied into a province's: the catalogue matched
first (`certificates`), then students, sessions, results, awards, teachers and targets
(`copy_rows`), ids shifted past the province's own.

The school's rows are staged in TEMP tables (`src_<table>`) and copied in SQL from
there: a database cannot be attached and detached inside the one transaction a merge
is. Every column is copied as it is unless a rule below says otherwise (the copy is
brought to the same schema version first, so the tables have the same columns). A
student's and a teacher's `person` is the keyed hash of their ID number (`xcert_person`,
NULL without one), whether the merge anonymises or keeps the ID numbers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from xcert.errors import XcertError
from xcert.office import catalogue

# What anonymising puts in place of a personal column (None: the column as it is).
_STUDENT = {
    "student_no": "NULL",
    "name": "'学生' || coalesce(substr(xcert_person(s.id_number), 1, 8), :code || '-' || s.id)",
    "id_number": "NULL",
    "phone": "NULL",
}
_TEACHER = {
    "staff_no": "NULL",
    "name": "'教师' || :code || '-' || s.id",
    "id_number": "NULL",
    "phone": "NULL",
}
TABLES = ("students", "sessions", "results", "awards", "teachers", "teacher_roles", "targets")
_NUMBER = {"certificate_no": "NULL"}  # a certificate number leads to its holder
# who signed for a certificate is a name: kept as the fact that someone did (the summary
# and `check` count the certificates not yet handed out)
_SIGNED = {
    "certificate_no": "NULL",
    "signed_by": "CASE WHEN s.signed_by IS NULL THEN NULL ELSE '（已签领）' END",
}


def stage(conn: sqlite3.Connection, source: sqlite3.Connection) -> None:
    """The school's rows of every table into temp.src_<table>, emptied first; and the
    years its site profile's history covers (`[[plan.history]]`, which stays with the
    school: its targets for those years are judged against that history, not copied)."""
    conn.execute("DROP TABLE IF EXISTS temp.src_history_years")
    conn.execute("CREATE TEMP TABLE src_history_years (year INTEGER PRIMARY KEY)")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.src_history_years (year) VALUES (?)",
        source.execute(
            "SELECT CAST(json_extract(e.value, '$.year') AS INTEGER) FROM plans p,"
            " json_each(p.data, '$.history') e WHERE json_valid(p.data)"
            " AND json_type(p.data, '$.history') = 'array'"
        ),
    )
    for table in TABLES:
        columns = [row[1] for row in source.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(columns)
        conn.execute(f"DROP TABLE IF EXISTS temp.src_{table}")
        conn.execute(f"CREATE TEMP TABLE src_{table} ({names})")
        conn.executemany(
            f"INSERT INTO temp.src_{table} ({names}) VALUES ({', '.join('?' * len(columns))})",
            source.execute(f"SELECT {names} FROM main.{table}"),
        )


def certificates(
    conn: sqlite3.Connection, source: sqlite3.Connection, path: Path, write_id: int
) -> list[str]:
    """temp.cert_map: each certificate of the school and the province's one it is (found
    by its name or any alias, else added with its aliases). One name, two kinds stated:
    refused. Returns the names added."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS cert_map (src INTEGER PRIMARY KEY, dst INTEGER)")
    conn.execute("DELETE FROM temp.cert_map")
    known = catalogue.Catalogue(conn)
    aliases: dict[int, list[str]] = {}
    for cid, text in source.execute("SELECT certificate_id, text FROM certificate_aliases"):
        aliases.setdefault(cid, []).append(text)
    added = []
    rows = source.execute(
        "SELECT id, name, kind, kind_guessed, organisation, levels, number_pattern"
        " FROM certificates ORDER BY id"
    ).fetchall()
    for cid, name, kind, guessed, organisation, levels, pattern in rows:
        names = [name, *aliases.get(cid, [])]
        found = {c.id: c for c in (known.find(n) for n in names) if c is not None}
        if len(found) > 1:
            which = "、".join(f"「{c.name}」" for c in found.values())
            raise XcertError(
                f"{path}：证书「{name}」的名称和别名对应已合并目录里的{which}；请核对证书目录"
            )
        if found:
            (cert,) = found.values()
            _same_kind(conn, cert, name, kind, bool(guessed), path)
        else:
            cursor = conn.execute(
                "INSERT INTO certificates (name, kind, kind_guessed, organisation, levels,"
                " number_pattern, created_import) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, kind, guessed, organisation, levels, pattern, write_id),
            )
            known = catalogue.Catalogue(conn)
            cert = known.by_id[int(cursor.lastrowid or 0)]
            added.append(name)
        for alias in names[1:]:
            conn.execute(
                "INSERT OR IGNORE INTO certificate_aliases (alias, text, certificate_id)"
                " VALUES (?, ?, ?)",
                (catalogue.key(alias), alias, cert.id),
            )
        conn.execute("INSERT INTO temp.cert_map (src, dst) VALUES (?, ?)", (cid, cert.id))
    _one_each(conn, source, path)
    return added


def _one_each(conn: sqlite3.Connection, source: sqlite3.Connection, path: Path) -> None:
    """Two certificates of the school that the province's names and aliases make one:
    its figures per certificate would not be its own (and sessions may clash)."""
    row = conn.execute(
        "SELECT group_concat(src), dst FROM temp.cert_map GROUP BY dst HAVING count(*) > 1"
    ).fetchone()
    if row is None:
        return
    ids = [int(i) for i in str(row[0]).split(",")]
    names = dict(source.execute("SELECT id, name FROM certificates").fetchall())
    (province,) = conn.execute("SELECT name FROM certificates WHERE id = ?", (row[1],)).fetchone()
    both = "、".join(f"「{names.get(i, i)}」" for i in ids)
    raise XcertError(
        f"{path}：这所学校的证书{both}在已合并的证书目录里是同一个「{province}」（名称或别名）；"
        "请学校核对证书目录（合并为一个证书或改正别名）后再交来"
    )


def _same_kind(
    conn: sqlite3.Connection,
    cert: catalogue.Certificate,
    name: str,
    kind: str,
    guessed: bool,
    path: Path,
) -> None:
    """A stated kind wins over a guessed one; two stated kinds that differ: refused, while
    another school's rows use the certificate (a school merged again may correct its own
    statement: its earlier rows are gone by now)."""
    if kind == cert.kind or guessed:
        return
    if cert.kind_guessed or not _in_use(conn, cert.id):
        conn.execute(
            "UPDATE certificates SET kind = ?, kind_guessed = 0 WHERE id = ?", (kind, cert.id)
        )
        cert.kind, cert.kind_guessed = kind, False
        return
    words = {"1+X": "1+X 证书", "other": "其他证书（非 1+X）"}
    raise XcertError(
        f"{path}：证书「{name}」在这所学校是{words.get(kind, kind)}，在已合并的证书目录里"
        f"「{cert.name}」是{words.get(cert.kind, cert.kind)}；请核对证书目录后再合并"
    )


def _in_use(conn: sqlite3.Connection, certificate_id: int) -> bool:
    """Whether any school's rows in the province refer to the certificate."""
    return any(
        conn.execute(
            f"SELECT 1 FROM {table} WHERE certificate_id = ? LIMIT 1", (certificate_id,)
        ).fetchone()
        for table in ("sessions", "awards", "teacher_roles")
    )


def copy_rows(
    conn: sqlite3.Connection, school_id: int, write_id: int, *, code: str, anonymise: bool
) -> dict[str, int]:
    """Every row of the school, after `certificates`; the count of each table's rows."""
    shift = {
        table: conn.execute(f"SELECT coalesce(max(id), 0) FROM main.{table}").fetchone()[0]
        for table in ("students", "sessions", "teachers")
    }
    params = {"school": school_id, "write": write_id, "code": code, **shift}
    own = {"school_id": ":school", "created_import": ":write", "updated_import": ":write"}
    plans: list[tuple[str, dict[str, str], str]] = [
        (
            "students",
            {"id": ":students + s.id", "person": "xcert_person(s.id_number)", **own}
            | (_STUDENT if anonymise else {}),
            "temp.src_students s",
        ),
        (
            "sessions",
            {"id": ":sessions + s.id", "certificate_id": "m.dst", **own},
            "temp.src_sessions s JOIN temp.cert_map m ON m.src = s.certificate_id",
        ),
        (
            "results",
            {"student_id": ":students + s.student_id", "session_id": ":sessions + s.session_id"}
            | {"created_import": ":write", "updated_import": ":write"}
            | (_NUMBER if anonymise else {}),
            "temp.src_results s",
        ),
        (
            "awards",
            {"student_id": ":students + s.student_id", "certificate_id": "m.dst"}
            | {"created_import": ":write", "updated_import": ":write"}
            | (_SIGNED if anonymise else {}),
            "temp.src_awards s JOIN temp.cert_map m ON m.src = s.certificate_id",
        ),
        (
            "teachers",
            {"id": ":teachers + s.id", "person": "xcert_person(s.id_number)", **own}
            | (_TEACHER if anonymise else {}),
            "temp.src_teachers s",
        ),
        (
            "teacher_roles",
            {"teacher_id": ":teachers + s.teacher_id", "certificate_id": "m.dst"}
            | {"created_import": ":write", "updated_import": ":write"}
            | (_NUMBER if anonymise else {}),
            "temp.src_teacher_roles s LEFT JOIN temp.cert_map m ON m.src = s.certificate_id",
        ),
        (
            "targets",
            {"school_id": ":school", "updated_import": ":write"},
            "temp.src_targets s WHERE s.year NOT IN (SELECT year FROM temp.src_history_years)",
        ),
    ]
    return {table: _copy(conn, table, rules, source, params) for table, rules, source in plans}


def _copy(
    conn: sqlite3.Connection, table: str, rules: dict[str, str], source: str, params: dict
) -> int:
    """INSERT … SELECT of one table: the shared columns, each as `rules` says or as it is;
    a table's own id is left to SQLite unless a rule gives it (others refer to it)."""
    ours = [row[1] for row in conn.execute(f"PRAGMA main.table_info({table})")]
    theirs = {row[1] for row in conn.execute(f"PRAGMA temp.table_info(src_{table})")}
    columns = [c for c in ours if c in rules or (c in theirs and c != "id")]
    values = [rules.get(c, f"s.{c}") for c in columns]
    try:
        cursor = conn.execute(
            f"INSERT INTO main.{table} ({', '.join(columns)}) SELECT {', '.join(values)}"
            f" FROM {source} ORDER BY s.rowid",
            params,
        )
    except sqlite3.IntegrityError as exc:
        raise XcertError(f"{table} 的数据与已合并的其他学校冲突（{exc}）") from None
    return cursor.rowcount
