"""A roster imported into a database that already holds students (issue 21): the rows
`roster_match` sorts out in SQL (unchanged, changed alone, new) and those it leaves to
the identity rule row by row must give exactly what the row-by-row rule gives on the
whole file: the same database (students, their ids, the journal `undo` reads) and the
same report (counts, warnings, refusals, change lines)."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from xcert.ingest import roster
from xcert.ingest.report import ImportOptions, ImportOutcome
from xcert.ingest.run import run_import
from xcert.model import STUDENT_FIELDS
from xcert.office import roster_match, students
from xcert.store import schema

from conftest import make_id

# Small pools, so that rows often share a 学号, an ID number or a class + name with
# each other and with the stored students: duplicates, conflicts, renames, blanks.
NUMBERS = [f"20210000{i:02d}" for i in range(1, 13)]
IDS = [make_id(f"200601{day:02d}", f"{day:03d}") for day in range(1, 13)]  # odd: male
COLUMNS = {  # header -> values a cell may hold (None: blank)
    "学号": [*NUMBERS, None],
    "姓名": ["陈晓明", "林小雨", "黄子轩", "李嘉怡", "王浩然"],
    "性别": ["男", "女", None],
    "身份证号": [*IDS, None],
    "班级": ["21数控1", "21数控2", None],
    "专业": ["数控技术应用", "汽车运用与维修", None],
    "入学年份": ["2021", "2022", None],
    "届别": ["2024", None],
    "手机号": ["13800001111", "13900002222", None],
    "学籍状态": ["在读", "休学", None],
}
OPTIONAL = [h for h in COLUMNS if h != "姓名"]


@st.composite
def sheets(draw: st.DrawFn, max_rows: int = 8) -> list[list[list[object]]]:
    """One or two roster sheets: a header of 姓名 and some other columns, and rows."""
    result = []
    for _ in range(draw(st.integers(1, 2))):
        chosen = draw(st.lists(st.sampled_from(OPTIONAL), unique=True, min_size=1))
        if "学号" not in chosen and draw(st.integers(0, 3)):  # most rosters have one
            chosen.insert(0, "学号")
        header = ["姓名", *chosen]
        rows = draw(
            st.lists(
                st.tuples(*(st.sampled_from(COLUMNS[h]) for h in header)).map(list),
                max_size=max_rows,
            )
        )
        if draw(st.booleans()):  # a tidy sheet: each row its own 学号 and ID number
            first = draw(st.integers(0, 11))
            for i, row in enumerate(rows):
                for at, pool in ((header.index(h), p) for h, p in TIDY if h in header):
                    row[at] = pool[(first + i) % len(pool)] if row[at] is not None else None
        result.append([header, *rows])
    return result


TIDY = (("学号", NUMBERS), ("身份证号", IDS))


@st.composite
def corrected(draw: st.DrawFn, book: list[list[list[object]]]) -> list[list[list[object]]]:
    """A clerk's corrected copy of a stored file: most rows as they were; some cells
    changed, blanked or copied from another row (a slip of the mouse); some rows left
    out, new ones put in anywhere, some rows twice (and then perhaps edited apart)."""
    result = []
    for header, *rows in book:
        fresh = st.tuples(*(st.sampled_from(COLUMNS[h]) for h in header)).map(list)
        copy = [list(row) for row in rows if draw(st.integers(0, 5))]  # a sixth left out
        for _ in range(draw(st.integers(0, 3))):
            copy.insert(draw(st.integers(0, len(copy))), draw(fresh))
        for _ in range(draw(st.integers(0, 2)) if copy else 0):  # a row twice
            copy.insert(draw(st.integers(0, len(copy))), list(draw(st.sampled_from(copy))))
        for row in copy:
            if not draw(st.integers(0, 3)):  # a quarter of the rows get an edit
                at = draw(st.integers(0, len(header) - 1))
                source = draw(st.sampled_from(["pool", "blank", "other row"]))
                if source == "pool":
                    row[at] = draw(st.sampled_from(COLUMNS[header[at]]))
                elif source == "blank":
                    row[at] = None
                else:
                    row[at] = draw(st.sampled_from(copy))[at]
        result.append([header, *copy])
    return result


# What other commands may have left in a stored student (an edit, `graduate`): fields
# an import of a roster never leaves so, such as a gender blank beside an ID number.
TAMPER = [
    "gender = NULL",
    "cohort = NULL",
    "cohort = 2025",
    "cohort_derived = 1 - cohort_derived",
    "enrollment_year = NULL",
    "enrollment_year = 2022",
    "status = 'graduated'",
    "class_code = NULL",
]


def write(path: Path, book: list[list[list[object]]]) -> Path:
    """One sheet as CSV (the fast way), several as an xlsx."""
    if len(book) == 1:
        with path.with_suffix(".csv").open("w", encoding="utf-8", newline="") as out:
            csv.writer(out, quoting=csv.QUOTE_ALL).writerows(book[0])
        return path.with_suffix(".csv")
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(book, 1):
        sheet = workbook.create_sheet(f"名单{number}")
        for row in rows:
            sheet.append(row)
    workbook.save(path.with_suffix(".xlsx"))
    return path.with_suffix(".xlsx")


def row_by_row(conn, parts, options, on_progress):
    """The identity rule on every row against every stored student: the way before
    issue 21, kept here as the reference."""
    total = sum(len(part.columns) for part in parts)
    resolution = students.resolve(
        roster._row_ins(parts, options, range(total)), students.Index.load(conn)
    )
    return resolution, roster._new_columns(resolution.new)


def import_into(db: Path, path: Path, options: ImportOptions) -> ImportOutcome:
    conn = schema.open_db(db, command="xcert import")
    try:
        return run_import(conn, [path], options)
    finally:
        conn.close()


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def both_ways(
    folder: Path,
    stored: list[Path],
    tampered: list[tuple[int, str]],
    path: Path,
    options: ImportOptions,
):
    """Import `stored` into a new database and change some students there (`tampered`:
    student id, SQL assignment), then import `path` into two copies of it: as xcert
    does and row by row. Returns each way's outcome and database."""
    base = folder / "base.db"
    for earlier in stored:
        import_into(base, earlier, ImportOptions(skip_invalid=True))
    schema.init(base)
    conn = sqlite3.connect(base)
    with conn:
        for student_id, assignment in tampered:
            conn.execute(f"UPDATE students SET {assignment} WHERE id = ?", (student_id,))
    conn.close()
    fast, slow = folder / "fast.db", folder / "slow.db"
    shutil.copy(base, fast)
    shutil.copy(base, slow)
    fast_outcome = import_into(fast, path, options)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(roster, "_resolve_against_stored", row_by_row)
        slow_outcome = import_into(slow, path, options)
    return (fast_outcome, dump(fast)), (slow_outcome, dump(slow))


def check(stored, tampered, book, options: ImportOptions) -> None:
    """Both ways give the same report and the same database."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        earlier = [write(folder / f"stored{i}", sheets) for i, sheets in enumerate(stored)]
        path = write(folder / "roster", book)
        fast, slow = both_ways(folder, earlier, tampered, path, options)
    assert fast[0] == slow[0]  # the report: counts, problems, warnings, change lines
    assert fast[1] == slow[1]  # the database, journal included


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    stored=st.lists(sheets(), min_size=1, max_size=2),
    data=st.data(),
    tampered=st.lists(st.tuples(st.integers(1, 16), st.sampled_from(TAMPER)), max_size=4),
    skip_invalid=st.booleans(),
    program_years=st.sampled_from([3, 2]),
)
def test_sorting_rows_in_sql_gives_what_the_row_by_row_rule_gives(
    stored, data, tampered, skip_invalid, program_years
):
    book = data.draw(st.one_of(sheets(), corrected(stored[-1])), label="book")
    options = ImportOptions(skip_invalid=skip_invalid, program_years=program_years)
    check(stored, tampered, book, options)


# Each rule of `roster_match` that keeps a row from the shortcut, shown where leaving it
# out would change the outcome (random files meet some of these only rarely).
N1, N2, N3 = NUMBERS[:3]
ID1, ID2 = IDS[:2]
KEYS = ["学号", "姓名", "身份证号"]
CLASS = ["学号", "姓名", "班级"]
BY_ID = ["姓名", "身份证号", "班级"]
SCENARIOS = {
    "an ID number held by another stored student": (
        [[KEYS, [N1, "陈晓明", ID1], [N2, "林小雨", ID2]]],
        [],
        [[KEYS, [N1, "陈晓明", ID2]]],
    ),
    "a new 学号 with a stored student's ID number": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [N2, "陈晓明", ID1]]],
    ),
    "another name for a 学号 without the ID number that would make it a rename": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [N1, "陈小明", None]]],
    ),
    "the stored student's ID number on another row": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [N1, "陈晓明", None], [None, "陈晓明", ID1]]],
    ),
    "a new class, and a row by class and name finding the old one": (
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
        [],
        [[CLASS, [N1, "陈晓明", "21数控2"], [None, "陈晓明", "21数控1"]]],
    ),
    "a row by class and name only": (
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
        [],
        [[["姓名", "班级", "手机号"], ["陈晓明", "21数控1", "13800001111"]]],
    ),
    "a new class, and a row by class and name finding the new one": (
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
        [],
        [[CLASS, [N1, "陈晓明", "21数控2"], [None, "陈晓明", "21数控2"]]],
    ),
    "a 学号 for a stored student known by class and name only": (
        [[CLASS, [None, "林小雨", "21数控1"]]],
        [],
        [[CLASS, [N2, "林小雨", "21数控1"]]],
    ),
    "a new student whom a row without 学号 names by class and name": (
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
        [],
        [[CLASS, [N2, "林小雨", "21数控1"], [None, "林小雨", "21数控1"]]],
    ),
    "a stored student without a gender beside the ID number": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [(1, "gender = NULL")],
        [[KEYS, [N1, "陈晓明", ID1]]],
    ),
    "a derived cohort now stated": (
        [[["学号", "姓名", "入学年份"], [N1, "陈晓明", "2021"]]],
        [],
        [[["学号", "姓名", "入学年份", "届别"], [N1, "陈晓明", "2021", "2024"]]],
    ),
    "a cohort from the class code giving way to a stored 入学年份": (
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
        [(1, "enrollment_year = 2022")],
        [[CLASS, [N1, "陈晓明", "21数控1"]]],
    ),
    "a new student twice before a new student once": (
        [[KEYS[:2], [N1, "陈晓明"]]],
        [],
        [[KEYS[:2], [N2, "林小雨"], [N2, "林小雨"], [N3, "黄子轩"]]],
    ),
    "a change settled alone before a change of a student on two rows": (
        [[["学号", "姓名", "手机号"], [N1, "陈晓明", "13800001111"], [N2, "林小雨", None]]],
        [],
        [
            [
                ["学号", "姓名", "手机号"],
                [N2, "林小雨", "13900002222"],
                [N1, "陈晓明", "13900002222"],
                [N1, "陈晓明", None],
            ]
        ],
    ),
    # Rows without a 学号, known by their ID number: after every row with one.
    "an ID number whose stored student's 学号 is on another row": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [None, "陈晓明", ID1], [N1, "陈晓明", None]]],
    ),
    "another name for an ID number": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [None, "陈小明", ID1]]],
    ),
    "an ID number's new class, and a row by class and name finding it": (
        [[BY_ID, ["陈晓明", ID1, "21数控1"]]],
        [],
        [[BY_ID, ["陈晓明", ID1, "21数控2"], ["陈晓明", None, "21数控2"]]],
    ),
    "an ID number's new class, and a row by class and name finding the old one": (
        [[BY_ID, ["陈晓明", ID1, "21数控1"]]],
        [],
        [[BY_ID, ["陈晓明", ID1, "21数控2"], ["陈晓明", None, "21数控1"]]],
    ),
    "an ID number without a class, and a row by its stored class and name": (
        [[BY_ID, ["陈晓明", ID1, "21数控1"]]],
        [],
        [[BY_ID, ["陈晓明", ID1, None], ["陈晓明", None, "21数控1"]]],
    ),
    "an ID number for a stored student known by class and name only": (
        [[["姓名", "班级"], ["林小雨", "21数控1"]]],
        [],
        [[BY_ID, ["林小雨", ID2, "21数控1"]]],
    ),
    "a new ID number whom a row by class and name names too": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[BY_ID, ["林小雨", ID2, "21数控1"], ["林小雨", None, "21数控1"]]],
    ),
    "a change by ID number before a change of a student on two rows by 学号": (
        [[[*KEYS, "手机号"], [N1, "陈晓明", ID1, None], [N2, "林小雨", ID2, None]]],
        [],
        [
            [
                [*KEYS, "手机号"],
                [None, "陈晓明", ID1, "13800001111"],
                [N2, "林小雨", ID2, "13900002222"],
                [N2, "林小雨", ID2, "13900002222"],
            ]
        ],
    ),
    "a new student by ID number before a new student by 学号": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [None, "黄子轩", IDS[2]], [N3, "李嘉怡", None]]],
    ),
    "a new student by ID number before a new student twice by 学号": (
        [[KEYS, [N1, "陈晓明", ID1]]],
        [],
        [[KEYS, [None, "黄子轩", IDS[2]], [N3, "李嘉怡", None], [N3, "李嘉怡", None]]],
    ),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_rule_of_the_shortcut_keeps_what_the_row_by_row_rule_decides(scenario):
    stored, tampered, book = SCENARIOS[scenario]
    check([stored], tampered, book, ImportOptions())


# -- which rows take which way ------------------------------------------------------------

HEADER = ["学号", "姓名", "性别", "身份证号", "班级", "入学年份", "手机号"]


def students_rows(count: int, first: int = 0) -> list[list[object]]:
    return [HEADER] + [
        [
            f"2021{i:06d}",
            f"学生{i}",
            "男" if i % 2 else "女",
            make_id("20060101", f"{i % 1000:03d}") if i < 1000 else None,
            f"21数控{1 + i % 3}",
            "2021",
            f"1380000{i:04d}",
        ]
        for i in range(first, first + count)
    ]


@pytest.fixture
def spy(monkeypatch):
    """The rows the identity rule is given one by one, per call of `resolve`."""
    calls: list[list[int]] = []
    resolve = students.resolve

    def watched(rows, index, on_progress=None):
        rows = list(rows)
        calls.append([row.row for row in rows])
        return resolve(rows, index, on_progress)

    monkeypatch.setattr(students, "resolve", watched)
    return calls


def test_a_corrected_copy_compares_its_rows_in_sql_and_settles_the_changed_one_alone(
    make_school, xlsx, spy
):
    school = make_school(roster=students_rows(300))
    spy.clear()
    rows = students_rows(300)
    rows[150][6] = "13912345678"
    result = school("import", xlsx("改.xlsx", {"名单": rows}))
    assert result.exit_code == 0, result.output
    assert "新增 0，更新 1，未变 299" in result.stdout
    assert "2021000149 学生149 手机号 138****0149 → 139****5678" in result.stdout
    assert spy == [[]]  # no row needed the identity rule one by one
    assert school.query("SELECT phone FROM students WHERE student_no = '2021000149'") == [
        ("13912345678",)
    ]


def test_new_students_after_stored_ones_are_written_as_their_columns_give_them(
    make_school, xlsx, spy
):
    school = make_school(roster=students_rows(5))
    spy.clear()
    rows = students_rows(5) + students_rows(3, first=5)[1:]
    result = school("import", xlsx("加.xlsx", {"名单": rows}))
    assert "新增 3，更新 0，未变 5" in result.stdout
    assert spy == [[]]
    assert school.query("SELECT id, student_no, cohort, cohort_derived FROM students")[5:] == [
        (6, "2021000005", 2024, 1),
        (7, "2021000006", 2024, 1),
        (8, "2021000007", 2024, 1),
    ]


def test_rows_tied_to_other_rows_go_to_the_identity_rule_with_only_the_students_they_reach(
    make_school, xlsx, spy, monkeypatch
):
    school = make_school(roster=students_rows(50))
    spy.clear()
    loaded: list[int] = []
    load = students.Index.load

    def watched(conn, where="", params=()):
        index = load(conn, where, params)
        loaded.append(len(index.by_no))
        return index

    monkeypatch.setattr(students.Index, "load", watched)
    rows = students_rows(50)
    twice = list(rows[10])  # the same student twice: a duplicate
    other = list(rows[20])
    other[0] = "2021999999"  # 学生19's ID number under a new 学号: refused
    result = school("import", xlsx("重复.xlsx", {"名单": [*rows, twice, other]}))
    assert "与第11行重复（同一学生），只导入一次" in result.stdout
    assert "但学号不同" in result.output
    assert spy == [[11, 21, 52, 53]]  # both rows of 学生9, both of 学生19's ID number
    assert loaded == [2]  # 学生9 (by 学号) and 学生19 (by ID number), not all 50


def test_a_value_sql_would_compare_differently_sends_every_row_the_slow_way():
    conn = sqlite3.connect(":memory:")
    schema.migrate(conn)
    stated: dict[str, list[object]] = {f: [None] for f in STUDENT_FIELDS}
    stated.update(student_no=["2021000001"], name=["陈晓明"], enrollment_year=["2021"])
    derived = {"gender": [None], "cohort": [None]}
    with roster_match.file_rows(conn, stated, derived) as rows:
        sorting = rows.sort(3)
    assert sorting == roster_match.Sorting(hard=[0])
    assert conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
