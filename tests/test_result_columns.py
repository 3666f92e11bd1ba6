"""Results are written column by column (office/result_columns.py), whole or a slice at
a time (ingest/results.py). Both must give what the careful way gives, row by row
(`records.apply`, as results were written before): the same database and the same
report, word for word, whatever the rows; a sheet in slices gives what the whole sheet
gives, going back to the whole way (`Restart`) for what only the whole sheet decides."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from tests.conftest import DRAWING, Cli, catalogue_toml, make_id
from xcert.ingest import columns, run
from xcert.ingest import results as ingest_results
from xcert.ingest.sliced import Restart
from xcert.office import records, result_columns
from xcert.read import slices

ROSTER = [
    ["学号", "姓名", "身份证号", "班级"],
    ["2023010101", "周明", make_id("20080101", "011"), "23数控1"],
    ["2023010102", "吴芳", make_id("20080202", "022"), "23数控1"],
    ["2023010103", "郑强", None, "23数控1"],
    ["2023010104", "王磊", make_id("20080404", "041"), "23数控2"],
    [None, "冯雪", make_id("20080505", "052"), "23数控2"],  # no 学号
    ["2023010106", "陈静", None, "23数控2"],
    ["2023010107", "陈静", None, "23数控1"],
    ["2023010108", "林一", make_id("20080808", "081"), "23数控2"],
]
CERTIFICATES = [
    {**DRAWING, "levels": ["初级", "中级"]},  # 1+X: a 人社 number on it is worth a warning
    {"name": "机械设计工程师 (AutoCAD)", "kind": "other", "number_pattern": "^AC[0-9]{6}$"},
    {"name": "电工（人社）", "kind": "other", "number_pattern": "^[YS][0-9]{21}$"},
]
SCORING = "[scoring]\ntheory_weight = 0.3\npractical_weight = 0.7\npass_mark = 60\n"
HEADER = ["学号", "姓名", "身份证号", "班级", "证书名称", "等级", "考核日期"]
HEADER += ["理论成绩", "实操成绩", "总成绩", "考核结果", "证书编号"]
D, A = "机械工程制图职业技能等级证书", "机械设计工程师 (AutoCAD)"
ID1, ID2, ID4 = (ROSTER[k][2] for k in (1, 2, 4))
Y_NUMBER = "Y" + "4" * 21
EARLIER = [  # stored before the sheet under test: some rows update them, some repeat them
    ["2023010101", None, None, None, D, "初级", "2025-06-14", None, None, 70, "合格", None],
    ["2023010102", None, None, None, D, "初级", "2025-06-14", None, None, 50, "不合格", None],
    ["2023010104", None, None, None, A, None, "2025-05-10", None, None, 80, "合格", "AC000004"],
]


def row(
    number: str | None,
    cert: str,
    level: str | None,
    date: str | None,
    total: object,
    result: str | None,
    *,
    name: str | None = None,
    id_number: str | None = None,
    class_code: str | None = None,
    scores: tuple[object, object] = (None, None),
    cert_no: str | None = None,
) -> list[object]:
    """A row under HEADER."""
    return [number, name, id_number, class_code, cert, level, date, *scores, total, result, cert_no]


S1, S2, S3, S4, S6, S8 = (ROSTER[k][0] for k in (1, 2, 3, 4, 6, 8))


def messy_rows() -> list[list[object]]:
    """Every kind of row a results sheet may hold (row numbers in the comments)."""
    d, a, june, nov, may = D, A, "2025-06-14", "2025-11-08", "2025-05-10"
    return [
        ["考核成绩（虚构数据）"] + [None] * 11,  # 1: a title above the header
        HEADER,
        row(S1, d, "初级", june, 70, "合格", name="周明"),  # 3: as stored
        row(S2, d, "初级", june, 65, "合格", name="吴芳"),  # 4: corrected
        row(S3, d, "中级", nov, None, None, name="郑强", scores=(80, 90)),  # 5: worked out
        row(S3, a, None, "2025.5-6", 59, None, name="郑强", cert_no="AC000003"),  # 6
        row(None, d, "初级", nov, 75, "合格", id_number=ID4),  # 7: by ID number
        row(S1, a, None, may, 90, "合格", id_number=ID2),  # 8: another student's ID
        row(None, d, "初级", nov, 61, "合格", name="陈静", class_code="23数控2"),  # 9
        row(None, d, "初级", nov, 61, "合格", name="冯雪", class_code="23数控2"),  # 10
        row("2099999999", d, "初级", nov, 61, "合格", name="无此人"),  # 11
        row(S4, d, "初级", nov, 61, "合格", name="王小磊"),  # 12: not the student's name
        row(S6, "焊工职业技能等级证书", "初级", "2025-09-20", 88, "合格"),  # 13: new
        row(S6, "机械制图", "中级", nov, 72, "合格", name="陈静"),  # 14: an alias
        row(S8, d, "高级", nov, 72, "合格"),  # 15: a level it has not
        row(S8, a, None, may, 72, "合格", cert_no="BAD-1"),  # 16: not its pattern
        row(S8, d, "初级", nov, 72, "合格", cert_no=Y_NUMBER),  # 17: a warning
        row(S8, "电工", "初级", "2025-10-01", 66, "合格", cert_no="S" + "1" * 21),  # 18
        row(S8, a, None, "2025-12-01", None, None),  # 19: no result
        row(S4, a, None, None, None, "缺考"),  # 20: undated
        [None] * 12,  # 21: a blank row
        row(S1, d, "初级", june, 70, "合格", name="周明"),  # 22: row 3 again
        row(S3, d, "中级", nov, 60, "合格", scores=(80, 90)),  # 23: row 5, another total
        row(S6, a, None, may, 66, "合格", cert_no="AC000003"),  # 24: row 6's number
        ["注：成绩以考核机构公布为准"] + [None] * 11,  # 25: a note
        row(S4, a, None, may, 85, "合格", cert_no="AC000004"),  # 26: corrected
        row(S2, a, None, "2025-12-01", None, None, name="吴芳", scores=(70, 80)),  # 27
    ]


def book(path: Path, rows: list[list[object]], sheet: str = "成绩") -> Path:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


@pytest.fixture(scope="module")
def school(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A school's database: roster, catalogue with a scoring rule, and earlier results."""
    folder = tmp_path_factory.mktemp("school")
    cli = Cli(folder / "x.db")
    toml = folder / "catalogue.toml"
    toml.write_text(catalogue_toml(certificates=CERTIFICATES) + SCORING, encoding="utf-8")
    for path in (
        book(folder / "roster.xlsx", ROSTER, "名单"),
        toml,
        book(folder / "earlier.xlsx", [HEADER, *EARLIER]),
    ):
        result = cli("import", path)
        assert result.exit_code == 0, result.output
    return folder / "x.db"


class RowByRow:
    """The careful way for every row: `records.apply`, as results were written before."""

    def __init__(self, conn: sqlite3.Connection, import_id: int, **options: object) -> None:
        self.conn, self.import_id = conn, import_id
        self.add_students = bool(options["add_students"])
        self.program_years = int(options["program_years"])  # type: ignore[call-overload]

    def apply(self, cols):  # noqa: ANN001, ANN201
        return records.apply(
            self.conn,
            "results",
            cols.rows(),
            self.import_id,
            add_students=self.add_students,
            program_years=self.program_years,
        )


def imported(school: Path, path: Path, *options: str) -> tuple[str, int, list[str]]:
    """Import `path` into a copy of the school: the report, exit code and database (its
    statements sorted: a bulk load makes the same indexes again, later in the schema)."""
    folder = Path(tempfile.mkdtemp(dir=path.parent))
    shutil.copy(school, folder / "x.db")
    cli = Cli(folder / "x.db")
    result = cli("import", path, *options)
    return result.output.replace(str(folder), "DB"), result.exit_code, sorted(cli.dump())


@contextmanager
def row_by_row(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with monkeypatch.context() as patch:
        patch.setattr(ingest_results, "ResultSheet", RowByRow)
        yield


@contextmanager
def in_slices(monkeypatch: pytest.MonkeyPatch, size: int = 600) -> Iterator[list[str]]:
    """Every workbook read in slices of `size` bytes of XML; yields what happened to the
    sliced import of results: began, then restarted (the whole way) or not."""
    said: list[str] = []
    real, pieces = run.import_result_slices, ingest_results.data_slices

    def counted(*args: object) -> Iterator[object]:
        for piece in pieces(*args):  # type: ignore[arg-type]
            said.append("slice")
            yield piece

    def spy(*args: object, **kwargs: object) -> None:
        said.append("began")
        try:
            real(*args, **kwargs)  # type: ignore[arg-type]
        except Restart:
            said.append("restarted")
            raise

    with monkeypatch.context() as patch:
        patch.setattr(slices, "SLICED_BYTES", 0)
        patch.setattr(slices, "SLICE_BYTES", size)
        patch.setattr(slices, "_BLOCK", size)  # the first slice too
        patch.setattr(run, "import_result_slices", spy)
        patch.setattr(ingest_results, "data_slices", counted)
        yield said


OPTIONS = [(), ("--skip-invalid",), ("--skip-invalid", "--add-students"), ("--dry-run",)]


@pytest.mark.parametrize("options", OPTIONS, ids=" ".join)
def test_columns_give_what_the_careful_way_gives(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    path = book(tmp_path / "results.xlsx", messy_rows())
    fast = imported(school, path, *options)
    with row_by_row(monkeypatch):
        careful = imported(school, path, *options)
    assert fast == careful


def test_rows_looked_at_one_by_one_give_the_same(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cleaning looks at a row alone only when it may be blank, a note or refused
    (`columns.suspect_rows`): a row whose other cells are blank (an absent student's
    总成绩, an undated result) passes without a look. Looking at every row changes nothing."""
    path = book(tmp_path / "results.xlsx", messy_rows())
    fast = imported(school, path, "--skip-invalid")

    def every_row(fields, values, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        return set(range(len(values[fields[0]])))

    monkeypatch.setattr(columns, "suspect_rows", every_row)
    assert imported(school, path, "--skip-invalid") == fast
    with in_slices(monkeypatch, 1500):  # the title and the header in the first slice
        assert imported(school, path, "--skip-invalid") == fast


def test_the_messy_sheet_says_what_it_should(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """So that the comparison above compares something: every kind of row is there, and
    most rows are settled column by column, not the careful way."""
    careful: list[int] = []
    real = result_columns.record_of

    def spy(sheet, row, outcome):  # noqa: ANN001, ANN202
        careful.append(row.row)
        return real(sheet, row, outcome)

    monkeypatch.setattr(result_columns, "record_of", spy)
    path = book(tmp_path / "results.xlsx", messy_rows())
    output, code, _ = imported(school, path, "--skip-invalid")
    assert code == 0, output
    for expected in (
        "新增 8，更新 2，未变 1，拒绝 11",
        "「焊工职业技能等级证书」不在证书目录中，已加入",
        "不是本行学号的学生",
        "「23数控2 冯雪」没有学号",
        "找不到这名学生",
        "不是「王小磊」",
        "没有高级",
        "编号格式",
        "人社职业技能等级认定的格式",
        "缺少考核结果",
        "第22行：与第3行重复",
        "第23行：与第5行是同一记录，但「总成绩」不同",
        "第24行 L列「证书编号」 值「AC000003」：证书编号与第6行相同",
        "只有一个值的行",
        "王磊 机械设计工程师 (AutoCAD) 2025.5.10 总成绩 80 → 85",
        "吴芳 机械工程制图职业技能等级证书（初级） 2025.6.14 总成绩 50 → 65",
    ):
        assert expected in output, expected
    assert 0 < len(careful) < 20, careful


@pytest.mark.parametrize(
    "shape, restarts",
    [
        ("clean", False),
        ("messy", False),
        ("into an empty results table", False),
        ("--add-students", False),
        ("the same result twice across slices", True),
        ("one result differing across slices", True),
        ("a certificate number twice across slices", True),
        ("a stored result twice across slices", True),
        ("a certificate not in the catalogue", False),
        ("a renshe number for a certificate not in the catalogue", True),
    ],
)
def test_results_in_slices_give_what_the_whole_sheet_gives(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shape: str, restarts: bool
) -> None:
    rows = sliced_rows(shape)
    path = book(tmp_path / "results.xlsx", [HEADER, *rows])
    options = ("--add-students",) if shape == "--add-students" else ("--skip-invalid",)
    into = school
    if shape == "into an empty results table":
        into = tmp_path / "empty.db"
        shutil.copy(school, into)
        with sqlite3.connect(into) as conn:
            conn.execute("DELETE FROM results")
    whole = imported(into, path, *options)
    with in_slices(monkeypatch) as said:
        cut = imported(into, path, *options)
    assert cut == whole
    assert said.count("slice") > 5
    assert [s for s in said if s != "slice"] == (["began", "restarted"] if restarts else ["began"])
    with row_by_row(monkeypatch):
        assert imported(into, path, *options) == whole


def sliced_rows(shape: str) -> list[list[object]]:
    """Forty rows over every student and a few sessions; then what the shape changes."""
    numbers = [row[0] for row in ROSTER[1:] if row[0]]
    dates = ["2025-06-14", "2025-11-08", "2025.5-6", "2026-01-10", None]
    rows = [
        [numbers[k % 7], None, None, None, (D, A)[k % 2], ("初级", None)[k % 2]]
        + [dates[k // 7 % 5], None, None, 40 + k, "合格" if k % 3 else "不合格", None]
        for k in range(35)
    ]
    if shape == "messy":
        rows[3][0] = "2099999999"  # nobody
        rows[9][5] = "高级"  # a level the certificate has not
        rows[12] = [None] * 12
        rows[15][11] = Y_NUMBER  # a warning
        rows[20][10] = rows[20][9] = None  # no result
        rows[25][1] = "冒名"  # a name that is not the student's
    elif shape == "--add-students":
        rows[4][0], rows[4][1] = "2023019999", "新同学"
        rows[30][0], rows[30][1] = "2023019999", "新同学"
    elif shape == "the same result twice across slices":
        rows.append(list(rows[2]))
    elif shape == "one result differing across slices":
        rows.append(list(rows[2]))
        rows[-1][9] = 99
    elif shape == "a certificate number twice across slices":
        rows[1][11] = "AC123456"
        rows[33][11] = "AC123456"
    elif shape == "a stored result twice across slices":
        rows[0][4:7] = [D, "初级", "2025-06-14"]  # 2023010101's stored result
        rows[34][:7] = ["2023010101", None, None, None, D, "初级", "2025-06-14"]
    elif shape == "a certificate not in the catalogue":  # added in one slice, met in later ones
        for k in (3, 17, 30):
            rows[k][4:6] = ["焊工职业技能等级证书", None]
    elif shape == "a renshe number for a certificate not in the catalogue":
        for k in (3, 17, 30):
            rows[k][4:6] = ["焊工职业技能等级证书", None]
        rows[30][11] = Y_NUMBER  # the whole sheet's guess: other, not 1+X
    return rows


students = st.sampled_from([row[0] for row in ROSTER[1:]] + ["2099999999"])
names = st.sampled_from([None, "周明", "吴芳", "陈静", "冯雪", "别人"])
id_numbers = st.sampled_from([None, None, None, ID1, ID2, ID4])
classes = st.sampled_from([None, None, "23数控1", "23数控2"])
certificates = st.sampled_from([D, D, A, "机械制图", "电工", "焊工职业技能等级证书"])
levels = st.sampled_from([None, "初级", "中级", "高级"])
dates = st.sampled_from([None, "2025-06-14", "2025-11-08", "2025.5-6", "2025年11月"])
scores = st.sampled_from([None, None, 45, 60, 72.5, 90])
outcomes = st.sampled_from([None, "合格", "合格", "不合格", "缺考"])
numbers = st.sampled_from([None, None, None, "AC000001", "AC000002", "BAD", Y_NUMBER])
result_row = st.tuples(
    students, names, id_numbers, classes, certificates, levels, dates, scores, scores, scores
).flatmap(lambda row: st.tuples(st.just(list(row)), outcomes, numbers))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(result_row, min_size=1, max_size=25), size=st.integers(300, 3000))
def test_any_results_sheet_gives_the_same_every_way(
    school: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list, size: int
) -> None:
    """Whole and in slices, column by column, or row by row: one database, one report."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = book(folder / "results.xlsx", [HEADER, *([*r, o, n] for r, o, n in rows)])
    expected = imported(school, path, "--skip-invalid")
    with row_by_row(monkeypatch):
        assert imported(school, path, "--skip-invalid") == expected
    with in_slices(monkeypatch, size):
        assert imported(school, path, "--skip-invalid") == expected
