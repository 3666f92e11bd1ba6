import pytest

from xcert.read.headers import ALIASES, detect_kind, find_header, normalize_header

from conftest import make_id


@pytest.mark.parametrize("field, aliases", ALIASES.items())
def test_every_alias_is_recognised_in_a_header_row(field, aliases):
    if field in ("row_no", "score"):
        return
    for alias in aliases:
        other = "姓名" if field != "name" else "学号"
        header = find_header([[other, alias]])
        assert header is not None and header.columns.get(field) == 1, alias


def test_headers_fold_full_width_spaces_stars_and_notes():
    assert normalize_header("姓　名") == "姓名"
    assert normalize_header(" 身份证号码* ") == "身份证号码"
    assert normalize_header("学号（必填）") == "学号"
    assert normalize_header("Student_No") == "student_no"
    assert normalize_header("身份证\n号码") == "身份证号码"


def test_header_row_is_found_below_title_rows():
    rows = [
        ["数控技术应用专业2022年20数控1班考证签领名单", "", ""],
        ["制表：教务处", "", ""],
        ["序号", "姓名", "班号"],
        [1, "陈晓明", "20数控1"],
    ]
    header = find_header(rows)
    assert header.row == 2
    assert header.columns == {"row_no": 0, "name": 1, "class_code": 2}


def test_the_first_of_two_aliases_for_one_field_wins():
    header = find_header([["学籍号", "姓名", "学号"]])
    assert header.columns["student_no"] == 2
    assert header.duplicates == ["学籍号（已用「学号」）"] and header.ignored == []


def test_no_header_in_a_notes_sheet():
    assert find_header([["本工作簿为示例"], ["说明：……"]]) is None


@pytest.mark.parametrize(
    "fields, kind",
    [
        ({"name", "class_code"}, "roster"),
        ({"student_no", "name", "id_number"}, "roster"),
        ({"name", "certificate", "result"}, "results"),
        ({"name", "certificate", "theory", "practical"}, "results"),
        ({"name", "certificate", "signed_by"}, "awards"),
        ({"name", "certificate", "issued_on", "result"}, "awards"),
        ({"name", "certificate"}, None),
    ],
)
def test_kind_detection(fields, kind):
    assert detect_kind(frozenset(fields)) == kind


# Other organisations' headers (issue 18): the national platform's results, an evaluation
# organisation's certificate list.


@pytest.mark.parametrize(
    "written, field",
    [("考生姓名", "name"), ("考生　姓名", "name"), ("是否通过", "result"), ("成绩", "total")],
)
def test_platform_headers_are_aliases(written, field):
    header = find_header([["证件号码", written]])
    assert header is not None and header.columns.get(field) == 1


def test_a_score_file_reads_cheng_ji_as_the_selection_score():
    header = find_header([["学号", "姓名", "成绩"]], with_score=True)
    assert header.columns == {"student_no": 0, "name": 1, "score": 2}
    assert find_header([["学号", "姓名", "成绩"]]).columns["total"] == 2
    both = find_header([["学号", "总成绩", "成绩"]])
    assert both.columns["total"] == 1 and both.duplicates == ["成绩（已用「总成绩」）"]


def test_matched_headers_say_which_field_each_was_read_as():
    header = find_header([["序号", "考生姓名", "证件号码 ", "证书名称", "等级", "成绩", "备注"]])
    assert header.matched() == [
        "考生姓名→姓名",
        "证件号码→身份证号",
        "证书名称",
        "等级",
        "成绩→总成绩",
    ]
    assert header.matched(wanted={"name", "id_number"}) == ["考生姓名→姓名", "证件号码→身份证号"]
    assert header.ignored == ["备注"]


@pytest.mark.parametrize(
    "fields, kind",
    [
        ({"name", "id_number", "certificate", "level", "certificate_no"}, "awards"),
        ({"name", "certificate", "certificate_no", "result"}, "results"),
        ({"name", "certificate", "total"}, "results"),
        ({"name", "certificate_no"}, "roster"),
    ],
)
def test_a_certificate_with_its_number_is_an_award(fields, kind):
    assert detect_kind(frozenset(fields)) == kind


ROSTER = [
    ["学号", "姓名", "身份证号", "班级"],
    ["2021010101", "陈晓明", make_id("20060101", "011"), "21数控1"],
    ["2021010102", "林小雨", make_id("20060202", "022"), "21数控1"],
]
DRAWING = {"name": "机械工程制图职业技能等级证书", "kind": "1+X", "aliases": ["机械制图"]}


def test_an_organisations_certificate_list_imports_as_awards(make_school, xlsx):
    school = make_school(roster=ROSTER, certificates=[DRAWING])
    rows = [
        ["机械工程制图职业技能等级证书获证名单"],
        ["姓 名", "证件号码（身份证）", "证书　名称", "等级", "证书编号"],
        ["陈晓明", make_id("20060101", "011"), "机械制图", "初级", "X2023000001"],
        ["林小雨", make_id("20060202", "022"), "机械制图", "初级", "X2023000002"],
    ]
    result = school("import", xlsx("获证名单.xlsx", {"Sheet1": rows}))
    assert result.exit_code == 0, result.output
    assert (
        "工作表「Sheet1」：发证签领，表头在第2行（姓 名、证件号码(身份证)→身份证号、"
        "证书 名称、等级、证书编号），2行数据" in result.stdout
    )
    assert school.query("SELECT certificate_no FROM awards ORDER BY certificate_no") == [
        ("X2023000001",),
        ("X2023000002",),
    ]


def test_the_national_platforms_results_import_with_their_own_headers(make_school, xlsx):
    school = make_school(roster=ROSTER, certificates=[DRAWING])
    rows = [
        ["考生姓名", "证件号码", "证书名称", "等级", "考试日期", "成绩", "是否通过"],
        ["陈晓明", make_id("20060101", "011"), "机械制图", "初级", "2023-06-18", 78.5, "是"],
        ["林小雨", make_id("20060202", "022"), "机械制图", "初级", "2023-06-18", 52, "否"],
    ]
    result = school("import", xlsx("平台成绩.xlsx", {"Sheet1": rows}))
    assert result.exit_code == 0, result.output
    assert (
        "考核成绩，表头在第1行（考生姓名→姓名、证件号码→身份证号、证书名称、等级、"
        "考试日期→考核日期、成绩→总成绩、是否通过→考核结果），2行数据" in result.stdout
    )
    assert school.query("SELECT total, outcome FROM results ORDER BY total") == [
        (52.0, "fail"),
        (78.5, "pass"),
    ]
