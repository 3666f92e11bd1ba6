"""The benchmark data: fictional rosters, results files and databases, generated once and
cached in benchmarks/out/ (git-ignored, never committed).

Every file comes from one deterministic generator, so a corrected copy or a copy with
warnings differs from the plain roster in exactly the rows it says. Files are named by
their generator's version and size; delete benchmarks/out/ (or bump a version) after
changing a generator. The databases built straight in SQLite are named by a digest of
the schema's source too, so a new migration builds them again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import excel_style

from xcert.clean.idcard import check_digit

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
GENERATOR_VERSION = 1  # bump when a generated roster changes, to invalidate the cache
RESULTS_VERSION = 1
DB_VERSION = 4  # the databases built straight in SQLite (stats-… and sign-list-…)

HEADERS = ("学号", "姓名", "性别", "身份证号", "班级", "专业", "系部", "入学年份", "手机号")
SURNAMES = "陈林黄张李王吴刘蔡杨许郑谢何罗梁周叶苏曾彭卢邓冯钟"
GIVEN = "子涵浩然宇轩梓豪俊杰嘉怡思远欣悦家乐晓彤志明文博雅婷泽楷锦程诗琪伟健晨曦一鸣"
# (short name in the class code, major, department)
MAJORS = (
    ("数控", "数控技术应用", "机电工程系"),
    ("模具", "模具制造技术", "机电工程系"),
    ("汽修", "汽车运用与维修", "汽车工程系"),
    ("电商", "电子商务", "商贸系"),
    ("会计", "会计事务", "商贸系"),
    ("计网", "计算机网络技术", "信息技术系"),
    ("软件", "软件与信息服务", "信息技术系"),
    ("幼教", "幼儿保育", "教育系"),
)
YEARS = (2021, 2022, 2023, 2024)
REGIONS = ("440100", "440300", "440600", "441900")  # city-level codes only: no real person
STUDENTS_PER_CLASS = 45
CORRECTED_PHONE = "13912345678"

RESULT_HEADERS = ("学号", "姓名", "证书名称", "等级", "考核日期", "总成绩", "考核结果")
# (name, kind) of the school's certificates: eight 1+X, four others.
CERTIFICATES = tuple(
    (f"{name}职业技能等级证书", "1+X")
    for name in (
        "机械工程制图",
        "数控车铣加工",
        "智能制造设备",
        "汽车运用与维修",
        "网店运营推广",
        "业财一体信息化",
        "网络系统建设与运维",
        "幼儿照护",
    )
) + (("机械设计工程师", "other"), ("电工", "other"), ("车工", "other"), ("茶艺师", "other"))
LEVELS = ("初级", "中级", "高级")
EXAM_SESSIONS = 60  # (certificate, level, date) triples the results spread over


def roster_rows(count: int, seed: int = 20261125) -> Iterator[list[object]]:
    """`count` fictional students: unique 学号 and ID numbers, IDs with valid check digits."""
    rng = random.Random(seed)
    for i in range(count):
        year = YEARS[i % len(YEARS)]
        short, major, department = MAJORS[(i // len(YEARS)) % len(MAJORS)]
        class_no = 1 + (i // (len(YEARS) * len(MAJORS) * STUDENTS_PER_CLASS))
        # Unique ID: (region, birth date, 3-digit sequence) derived from i, never repeated.
        region = REGIONS[i % len(REGIONS)]
        serial = i // len(REGIONS)
        born = dt.date(year - 16, 1, 1) + dt.timedelta(days=serial // 1000)
        seq = f"{serial % 1000:03d}"
        body = region + born.strftime("%Y%m%d") + seq
        yield [
            f"{year}{i:07d}",  # 学号 as text
            rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))),
            "男" if int(seq[-1]) % 2 else "女",  # consistent with the ID's 17th digit
            body + check_digit(body),
            f"{year % 100:02d}{short}{class_no}",
            major,
            department,
            year,
            f"1380000{rng.randrange(10000):04d}",
        ]


def corrected_row(count: int) -> int:
    """The data row (0-based) whose phone the corrected copy changes: row 50,000 of 100,000."""
    return count // 2 - 1


def corrected_student(count: int) -> str:
    """The 学号 of the student whose phone the corrected copy changes."""
    row = next(itertools.islice(roster_rows(count), corrected_row(count), None))
    return str(row[0])


def corrected_rows(count: int) -> Iterator[list[object]]:
    """The roster as a clerk sends it back: one phone number changed, the rest as before."""
    changed = corrected_row(count)
    for i, row in enumerate(roster_rows(count)):
        if i == changed:
            row[8] = CORRECTED_PHONE
        yield row


def warning_rows(count: int) -> Iterator[list[object]]:
    """The roster with the stated gender disagreeing with the ID number on every other row:
    each such row imports with a warning."""
    for i, row in enumerate(roster_rows(count)):
        if i % 2 == 0:
            row[2] = "女" if row[2] == "男" else "男"
        yield row


ROSTERS = {"plain": roster_rows, "corrected": corrected_rows, "warnings": warning_rows}


def roster_file(count: int, variant: str = "plain") -> Path:
    """The cached roster of `count` rows (plain, corrected or warnings), generated if missing;
    variant "shared": the plain rows as Excel writes them (excel_style.py)."""
    prefix = "roster" if variant == "plain" else f"roster-{variant}"
    path = OUT / f"{prefix}-v{GENERATOR_VERSION}-{count}.xlsx"
    if path.exists():
        return path
    if variant == "shared":
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        partial = path.with_suffix(".partial.xlsx")
        excel_style.write(partial, "花名册", HEADERS, roster_rows(count))
        partial.replace(path)
        generated(path, started)
    else:
        write_xlsx(path, "花名册", HEADERS, ROSTERS[variant](count))
    return path


def write_xlsx(
    path: Path, sheet_name: str, headers: Iterable[object], rows: Iterable[list[object]]
) -> None:
    """One sheet written with openpyxl's write_only mode (rows streamed, never all held),
    to a temporary name first so that an interrupted run leaves no half file behind."""
    from openpyxl import Workbook

    OUT.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_name)
    sheet.append(list(headers))
    for row in rows:
        sheet.append(row)
    handle, partial = tempfile.mkstemp(suffix=".partial.xlsx", dir=OUT)
    os.close(handle)
    book.save(partial)
    Path(partial).replace(path)
    generated(path, started)


def generated(path: Path, started: float) -> None:
    size = path.stat().st_size / 2**20
    print(f"  generated {path.name} ({size:.1f} MB) in {time.perf_counter() - started:.1f} s")


# --------------------------------------------------------------------------- results


def exam_sessions() -> list[tuple[str, str, str]]:
    """(certificate, level, date) of each exam the results file reports, 2022 to 2024."""
    first = dt.date(2022, 3, 5)
    return [
        (
            CERTIFICATES[s % len(CERTIFICATES)][0],
            LEVELS[(s // len(CERTIFICATES)) % len(LEVELS)],
            (first + dt.timedelta(days=14 * s)).isoformat(),
        )
        for s in range(EXAM_SESSIONS)
    ]


def results_rows(students: int, results: int, seed: int = 7) -> Iterator[list[object]]:
    """`results` exam results of the first `students` roster students, each student at
    most once per exam: student by student, a few exams each (1,000,000 over 200,000: 5)."""
    per_student = -(-results // students)
    if per_student > EXAM_SESSIONS:
        raise ValueError(f"{results} results over {students} students: too many per student")
    step = EXAM_SESSIONS // per_student
    sessions = exam_sessions()
    rng = random.Random(seed)
    written = 0
    for i, row in enumerate(roster_rows(students)):
        for j in range(per_student):
            if written == results:
                return
            certificate, level, date = sessions[(i + j * step) % EXAM_SESSIONS]
            score = rng.randrange(30, 101)
            outcome = "缺考" if score < 33 else "合格" if score >= 60 else "不合格"
            total = None if outcome == "缺考" else score
            yield [row[0], row[1], certificate, level, date, total, outcome]
            written += 1


def results_file(students: int, results: int) -> Path:
    """The cached results workbook: `results` rows over the first `students` students."""
    path = OUT / f"results-v{RESULTS_VERSION}-{students}-{results}.xlsx"
    if not path.exists():
        write_xlsx(path, "考核成绩", RESULT_HEADERS, results_rows(students, results))
    return path


def catalogue_file() -> Path:
    """The school's certificate catalogue, so that results find their certificates' kinds."""
    import json

    path = OUT / f"catalogue-v{RESULTS_VERSION}.toml"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        text = "".join(
            f"[[certificate]]\nname = {json.dumps(name, ensure_ascii=False)}\nkind = {json.dumps(kind)}\n\n"
            for name, kind in CERTIFICATES
        )
        path.write_text('[school]\nname = "示例职业技术学校"\n\n' + text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- databases


def schema_digest() -> str:
    """Eight hex digits of the schema's source: a cached database older than it is stale."""
    store = ROOT / "src" / "xcert" / "store"
    digest = hashlib.sha256()
    for source in (store / "schema.py", store / "migrations.py"):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:8]


def cached_db(prefix: str, build: Callable[..., None], *args: int) -> Path:
    """The cached database `prefix-…`, built by `build(path, *args)` into a temporary name."""
    sizes = "-".join(str(a) for a in args)
    path = OUT / f"{prefix}-v{DB_VERSION}-{sizes}-{schema_digest()}.db"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        # Its own folder: xcert refuses a new database beside another one (a mistyped --db).
        with tempfile.TemporaryDirectory(dir=OUT) as folder:
            partial = Path(folder) / "xcert.db"
            build(partial, *args)
            partial.replace(path)
        generated(path, started)
    return path


def stats_db(students: int, results: int) -> Path:
    """A large school's database: 6 cohorts, 12 certificates, 300 sessions, `results` results."""
    return cached_db("stats", build_stats_db, students, results)


def sign_list_db(rows: int) -> Path:
    """One class of `rows` students, each with one certificate to sign for."""
    return cached_db("sign-list", build_sign_list_db, rows)


def build_stats_db(path: Path, students: int, results: int) -> None:
    """Rows inserted straight into xcert's schema (an import of a million results would
    take minutes): the figures' triggers and indexes keep up as they would."""
    from xcert.store import schema, writes
    from xcert.store.connect import transaction

    rng = random.Random(6)
    conn = schema.open_db(path)
    with transaction(conn):
        writes.log_write(conn, "bench", "benchmark data")  # the journal files rows under it
        conn.executemany(
            "INSERT INTO students (id, student_no, name, class_code, major, department,"
            " cohort, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    f"S{i:08d}",
                    f"学生{i}",
                    f"{20 + i % 6}数控{i % 40}",
                    f"专业{i % 12}",
                    f"系部{i % 5}",
                    2023 + i % 6,
                    "dropped_out" if i % 50 == 0 else "enrolled",
                )
                for i in range(1, students + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO certificates (id, name, kind) VALUES (?, ?, ?)",
            ((c, f"证书{c}职业技能等级证书", "1+X" if c <= 8 else "other") for c in range(1, 13)),
        )
        year_of = _insert_sessions(conn)
        _insert_results(conn, rng, students, results, year_of)
        conn.executemany(
            "INSERT INTO awards (student_id, certificate_id, issued_on) VALUES (?, ?, ?)",
            ((i, 9 + i % 4, f"{2021 + i % 6}-06-30") for i in range(1, students + 1, 3)),
        )
        conn.execute(
            "INSERT INTO targets (year, participants, pass_rate, certificates)"
            " VALUES (2024, 300, 0.9, 6)"
        )
    conn.execute("ANALYZE")
    conn.close()


def _insert_sessions(conn: sqlite3.Connection) -> dict[int, int]:
    """300 sessions a week apart from 2020 on; returns each session's year."""
    first = dt.date(2020, 1, 6)
    sessions = [
        (s, 1 + s % 12, LEVELS[s % 3], (first + dt.timedelta(weeks=s)).isoformat())
        for s in range(1, 301)
    ]
    conn.executemany(
        "INSERT INTO sessions (id, certificate_id, level, date_start, date_end)"
        " VALUES (?, ?, ?, ?, ?)",
        ((s, c, level, d, d) for s, c, level, d in sessions),
    )
    return {s: int(d[:4]) for s, _, _, d in sessions}


def _insert_results(
    conn: sqlite3.Connection,
    rng: random.Random,
    students: int,
    results: int,
    year_of: dict[int, int],
) -> None:
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < results:
        pairs.add((rng.randrange(1, students + 1), rng.randrange(1, len(year_of) + 1)))
    conn.executemany(
        "INSERT INTO results (student_id, session_id, outcome, exam_year) VALUES (?, ?, ?, ?)",
        (
            (st, se, rng.choice(("pass", "pass", "pass", "fail", "absent")), year_of[se])
            for st, se in pairs
        ),
    )


def build_sign_list_db(path: Path, rows: int) -> None:
    """The class 20数控1 with `rows` students, each awarded one certificate."""
    from xcert.store import schema
    from xcert.store.connect import transaction

    conn = schema.open_db(path)
    with transaction(conn):
        conn.execute(
            "INSERT INTO certificates (id, name, kind)"
            " VALUES (1, '机械设计工程师 (AutoCAD)', 'other')"
        )
        conn.executemany(
            "INSERT INTO students (id, student_no, name, class_code, major)"
            " VALUES (?, ?, ?, '20数控1', '数控技术应用')",
            ((i, f"S{i:06d}", f"学生{i}") for i in range(1, rows + 1)),
        )
        conn.executemany(
            "INSERT INTO awards (student_id, certificate_id, assessed_start, assessed_end,"
            " assessed_text, issued_on, signed_by) VALUES (?, 1, '2022-05-01', '2022-06-30',"
            " '2022.5-6', '2022-09-28', ?)",
            ((i, "学习委员" if i % 7 else None) for i in range(1, rows + 1)),
        )
    conn.close()


def school_dbs(schools: int, students: int, results: int) -> list[Path]:
    """`schools` schools' databases for `xcert merge`, each with its own code and its own
    students (ID numbers differ), built once from one school (cached like the others)."""
    template = cached_db("school", build_school_db, students, results)
    folder = OUT / f"schools-v{DB_VERSION}-{schools}-{students}-{results}-{schema_digest()}"
    paths = [folder / f"school-{i:03d}.db" for i in range(1, schools + 1)]
    if all(p.exists() for p in paths):
        return paths
    started = time.perf_counter()
    folder.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(paths, 1):
        partial = path.with_suffix(".partial")
        partial.write_bytes(template.read_bytes())
        conn = sqlite3.connect(partial, isolation_level=None)
        conn.execute(
            "UPDATE settings SET value = ? WHERE key = 'school_name'", (f'"示例第{i}职业学校"',)
        )
        conn.execute("UPDATE settings SET value = ? WHERE key = 'school_code'", (f'"41{i:08d}"',))
        conn.execute(
            "UPDATE students SET id_number = printf('44%04d%s', ?, substr(id_number, 7))", (i,)
        )
        conn.close()
        partial.replace(path)
    took = time.perf_counter() - started
    print(f"  generated {schools} school databases in {folder.name} in {took:.1f} s")
    return paths


def build_school_db(path: Path, students: int, results: int) -> None:
    """One school as a province receives it: the stats database's rows, ID numbers, and
    a site profile with a name and a code."""
    build_stats_db(path, students, results)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE students SET id_number = printf('4400002006%04d%04d', id % 10000, id)")
    conn.executemany(
        "INSERT INTO settings (key, value) VALUES (?, ?)",
        [("school_name", '"示例职业学校"'), ("school_code", '"4100000000"')],
    )
    conn.close()
