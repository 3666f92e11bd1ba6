import pytest

from xcert.clean import idcard
from xcert.clean.idcard import IdNumberError, normalize_id
from xcert.privacy import mask_id

from conftest import make_id


def test_valid_number_passes_unchanged():
    number = make_id()
    assert normalize_id(number) == number


def test_lower_case_x_check_digit_is_upper_cased():
    body = "44000020060315" + "004"
    for seq in range(1000):
        body = "44000020060315" + f"{seq:03d}"
        if idcard.check_digit(body) == "X":
            break
    assert normalize_id(body + "x") == body + "X"


def test_bad_check_digit_names_the_expected_digit():
    number = make_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(IdNumberError, match=f"应为 {number[17]}"):
        normalize_id(wrong)


def test_fifteen_digit_number_is_upgraded_to_eighteen():
    old = "440000" + "860315" + "123"
    new = normalize_id(old)
    assert new[:17] == "440000" + "19860315" + "123"
    assert len(new) == 18 and new[17] == idcard.check_digit(new[:17])


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("44000020061332123X", "出生日期"),
        ("4400002006031512", "18位"),
        ("44000020A60315123X", "前17位"),
        ("04000020060315123X", "地区码"),
        ("440000290603151234", "出生日期"),
    ],
)
def test_impossible_numbers_are_refused_with_a_reason(bad, reason):
    with pytest.raises(IdNumberError, match=reason):
        normalize_id(bad)


def _other_digits(number: str, digits: str) -> str:
    """`number` written with another script's digits 0-9 (str.isdigit() takes them)."""
    return number.translate(str.maketrans("0123456789", digits))


@pytest.mark.parametrize(
    "bad",
    [
        make_id()[:16] + "\u0661" + make_id()[17],  # an Arabic-Indic 1 as the gender digit
        _other_digits(make_id()[:17], "٠١٢٣٤٥٦٧٨٩") + make_id()[17],
        make_id()[:10] + "\u00b2" + make_id()[11:],  # a superscript 2
        _other_digits("440000860315123", "٠١٢٣٤٥٦٧٨٩"),  # 15 digits
    ],
)
def test_digits_of_other_scripts_are_not_an_id_number(bad):
    with pytest.raises(IdNumberError, match="数字"):
        normalize_id(bad)


def test_mask_shows_only_first_two_and_last_two_characters():
    number = make_id()
    masked = mask_id(number)
    assert masked == number[:2] + "*" * 14 + number[-2:]
    assert number[6:14] not in masked  # the birth date never shows
    assert mask_id(None) == "" and mask_id("") == ""


def test_fast_check_digit_agrees_with_the_standards_weights():
    import random

    rng = random.Random(11643)
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert idcard.check_digit(body) == idcard._check_digit_by_weights(body)
