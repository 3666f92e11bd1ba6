import datetime as dt

import pytest

from xcert.clean import cells as clean
from xcert.clean.cells import CellError

from conftest import make_id


def test_full_width_digits_letters_and_spaces_fold():
    assert clean.text("　２０２１ＡＢ　") == "2021AB"


def test_zero_width_characters_are_dropped():
    assert clean.text("2021\u200b0101\ufeff") == "20210101"


def test_whole_numbers_print_without_decimal_point():
    assert clean.text(2021010101.0) == "2021010101"


def test_spaces_inside_chinese_names_are_removed_but_latin_names_keep_theirs():
    assert clean.name("陈 晓 明") == "陈晓明"
    assert clean.name("陈\u3000晓明") == "陈晓明"
    assert clean.name("买买提 · 吐尔逊") == "买买提·吐尔逊"
    assert clean.name("Anna  Li") == "Anna Li"


def test_rare_character_placeholders_warn():
    assert clean.name_warning("王?明")
    assert clean.name_warning("王[王火]明")
    assert clean.name_warning("王明") is None


def test_student_number_stored_as_number_matches_its_text():
    assert clean.student_number(2021010101.0) == "2021010101"
    assert clean.student_number(" 2021010101 ") == "2021010101"
    assert clean.student_number("00123") == "00123"  # leading zeros kept


def test_nineteen_digit_number_that_excel_rounded_is_an_error():
    with pytest.raises(CellError, match="15位"):
        clean.student_number(4.40000200603151e18)


def test_student_number_in_scientific_notation_is_an_error():
    with pytest.raises(CellError, match="科学计数法"):
        clean.student_number("2.02101E+09")


def test_id_number_stored_as_a_number_lost_digits():
    number = make_id()
    with pytest.raises(CellError, match="丢失"):
        clean.id_number(float(number[:17] + "0"))
    with pytest.raises(CellError, match="科学计数法"):
        clean.id_number("4.40000E+17")


def test_fifteen_digit_id_stored_as_a_number_is_upgraded():
    assert clean.id_number(440000860315123.0).startswith("44000019860315123")


def test_id_number_with_spaces_and_full_width_x():
    number = make_id()
    spaced = number[:6] + " " + number[6:14] + " " + number[14:]
    assert clean.id_number(spaced) == number


@pytest.mark.parametrize(
    "value, expected",
    [
        (2021, 2021),
        (2021.0, 2021),
        ("2021", 2021),
        ("2021级", 2021),
        ("21级", 2021),
        ("2023届", 2023),
        ("23届", 2023),
        ("2021年", 2021),
        (dt.date(2021, 9, 1), 2021),
    ],
)
def test_year_forms(value, expected):
    assert clean.year(value, "年份") == expected


def test_year_that_is_not_one():
    with pytest.raises(CellError, match="年份"):
        clean.year("二〇二一", "入学年份")


@pytest.mark.parametrize(
    "code, year", [("20数控1", 2020), ("2021级电商2班", 2021), ("数控1班", None), ("19模具", 2019)]
)
def test_class_code_leading_digits_give_enrolment_year(code, year):
    assert clean.class_year(code) == year


@pytest.mark.parametrize(
    "word, code",
    [
        ("在读", "enrolled"),
        ("毕业", "graduated"),
        ("退学", "dropped_out"),
        ("转学", "transferred"),
        ("转出", "transferred"),
        ("休学", "suspended"),
        ("Graduated", "graduated"),
    ],
)
def test_status_words(word, code):
    assert clean.status(word) == code


def test_unknown_status_lists_accepted_words():
    with pytest.raises(CellError, match="在读"):
        clean.status("失联")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13800001111", "13800001111"),
        (13800001111.0, "13800001111"),
        ("+86 138-0000-1111", "13800001111"),
        ("0758-2345678", "0758-2345678"),
    ],
)
def test_phone_forms(value, expected):
    assert clean.phone(value) == expected


def test_phone_that_is_not_one():
    with pytest.raises(CellError):
        clean.phone("1380000")


def test_levels_and_outcomes():
    assert [clean.level(v) for v in ("初级", "2", 3.0, "Advanced")] == [
        "初级",
        "中级",
        "高级",
        "高级",
    ]
    assert [clean.outcome(v) for v in ("合格", "通过", "是", "不合格", "未通过", "否", "缺考")] == [
        "pass",
        "pass",
        "pass",
        "fail",
        "fail",
        "fail",
        "absent",
    ]


@pytest.mark.parametrize(
    "value, start, end",
    [
        (dt.date(2022, 9, 28), "2022-09-28", "2022-09-28"),
        (dt.datetime(2022, 9, 28, 0, 0), "2022-09-28", "2022-09-28"),
        (44832.0, "2022-09-28", "2022-09-28"),
        ("2022-09-28", "2022-09-28", "2022-09-28"),
        ("2022/9/28", "2022-09-28", "2022-09-28"),
        ("2022.9.28", "2022-09-28", "2022-09-28"),
        ("2022年9月28日", "2022-09-28", "2022-09-28"),
        ("２０２２．９．２８", "2022-09-28", "2022-09-28"),
        ("20220928", "2022-09-28", "2022-09-28"),
        ("2022.5-6", "2022-05-01", "2022-06-30"),
        ("2022年5月-6月", "2022-05-01", "2022-06-30"),
        ("2022.11-2023.1", "2022-11-01", "2023-01-31"),
        ("2022.5", "2022-05-01", "2022-05-31"),
        ("2024.2", "2024-02-01", "2024-02-29"),
    ],
)
def test_date_forms(value, start, end):
    span = clean.date_span(value)
    assert (span.start.isoformat(), span.end.isoformat()) == (start, end)


def test_month_range_keeps_the_text_as_written():
    assert clean.date_span("2022.5-6").text == "2022.5-6"


@pytest.mark.parametrize("bad", ["2022.13.1", "2022.2.30", "明年五月", "2022.6-5", 12.5])
def test_dates_that_are_not_dates(bad):
    with pytest.raises(CellError):
        clean.date_span(bad)


@pytest.mark.parametrize(
    "value, expected", [(88, 88.0), ("92.5", 92.5), ("60分", 60.0), (0, 0.0), (100.0, 100.0)]
)
def test_scores(value, expected):
    assert clean.score(value) == expected


@pytest.mark.parametrize("bad", [101, -1, "优秀", "120分"])
def test_scores_out_of_range_or_not_numbers(bad):
    with pytest.raises(CellError):
        clean.score(bad)


# `clean.settled`: a column of a cleaner's fixed points passes without a cleaner call
# per value, so every string its pattern admits must be one.
_CJK_SAMPLE = "陈林黄张李王吴刘蔡杨许郑谢何罗梁周叶苏曾彭卢邓冯钟㐀䶵豈𠀀𪜶·•・"


def _settled_samples(rng) -> dict:
    return {
        clean.student_number: [
            "".join(rng.choices("0123456789", k=rng.randint(1, 30))) for _ in range(300)
        ],
        clean.name: ["".join(rng.choices(_CJK_SAMPLE, k=rng.randint(1, 8))) for _ in range(300)],
        clean.phone: [f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}" for _ in range(300)],
        clean.id_number: [
            make_id(
                f"{rng.randint(1950, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
                f"{rng.randrange(1000):03d}",
                f"{rng.randint(110000, 820000)}",
            )
            for _ in range(300)
        ],
    }


def test_settled_columns_are_their_cleaners_fixed_points():
    import random

    for cleaner, values in _settled_samples(random.Random(7)).items():
        assert clean.settled(cleaner, values), cleaner.__name__
        assert [cleaner(v) for v in values] == values, cleaner.__name__


@pytest.mark.parametrize(
    ("cleaner", "odd_one"),
    [
        (clean.student_number, "２０２１０１"),  # full-width: folds
        (clean.student_number, "2021 01"),  # a space: dropped
        (clean.student_number, 2021010101.0),  # a number Excel stored
        (clean.student_number, None),  # a blank cell
        (clean.student_number, "1" * 201),  # longer than any field may be
        (clean.student_number, "2021\n01"),  # a line break inside the cell
        (clean.name, "陈 晓明"),  # a space inside a Chinese name
        (clean.name, "陈晓明\u200b"),  # a zero-width character
        (clean.name, "Anna Li"),
        (clean.phone, "138 0000 1111"),
        (clean.phone, "+8613800001111"),
        (clean.phone, "1380000\u0661\u0661\u0661\u0661"),  # Arabic-Indic digits
        (clean.student_number, "2021\u0661"),
        (clean.id_number, make_id()[:16] + "\u0661" + make_id()[17]),
        (clean.id_number, make_id()[:-1] + "x"),  # a lower-case x
        (clean.id_number, make_id()[:-1] + str((int(make_id()[-1:].replace("X", "0")) + 1) % 10)),
        (clean.id_number, make_id(born="20061331")),  # no such date
        (clean.id_number, make_id(born="20990101")),  # born in the future
        (clean.id_number, "0" + make_id()[1:]),  # no region starts with 0
    ],
)
def test_a_column_with_one_unclean_value_is_not_settled(cleaner, odd_one):
    good = {
        clean.student_number: "2021010101",
        clean.name: "陈晓明",
        clean.phone: "13800001111",
        clean.id_number: make_id(),
    }[cleaner]
    assert clean.settled(cleaner, [good, good])
    assert not clean.settled(cleaner, [good, odd_one, good])


def test_cleaners_without_a_settled_form_are_never_settled():
    assert not clean.settled(clean.text, ["21数控1"])
    assert not clean.settled(clean.status, ["在读"])


def test_control_characters_are_dropped_from_text_and_prose():
    assert clean.text("陈\x1b[31m晓明") == "陈[31m晓明"
    assert clean.name("林\x07小\x00雨") == "林小雨"
    assert clean.text("21数控\x7f1\x9b") == "21数控1"
    assert clean.text("a\tb\nc\x1fd\x85e") == "a b c d e"  # whitespace stays whitespace
    assert clean.prose("第一行\r\n第二\x1b行\x08") == "第一行\r\n第二行"
