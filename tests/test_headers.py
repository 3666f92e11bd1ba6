import pytest

from xcert.read.headers import ALIASES, detect_kind, find_header, normalize_header


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
