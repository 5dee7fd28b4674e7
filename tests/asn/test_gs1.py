"""SSCC numbers: check digits against GS1's published examples, parsing, capacity."""

import pytest

from asn.gs1 import (
    InvalidCompanyPrefix,
    InvalidSSCC,
    SerialOutOfRange,
    check_digit,
    gs1_128_data,
    make_sscc,
    normalise_sscc,
    serial_capacity,
    sscc_hri,
    validate_company_prefix,
)
from tests.support.domain_helpers import is_valid_sscc

# Published examples (not made up here):
# * 106141411234567897: GS1's example SSCC (extension digit 1, GS1 company prefix 0614141 of
#   GS1's examples, serial reference 123456789, check digit 7). It is the SSCC of the GS1
#   Digital Link URI examples, https://id.gs1.org/00/106141411234567897, and the example the
#   issue cites from the GS1 General Specifications.
# * 629104150021 -> 3: the worked example of the GS1 check digit calculation, shown step by
#   step on GS1 Hong Kong's check digit calculator page
#   (https://www.gs1hk.org/CheckDigitCalculator_en.htm) for GTIN-13 6291041500213. The SSCC
#   uses the same mod-10 algorithm with weights 3, 1 from the right (GS1 General
#   Specifications section 7.9.1), so it checks the weights' direction on an even length.
GS1_SSCC_EXAMPLE = "106141411234567897"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("10614141123456789", 7),  # GS1 example SSCC 106141411234567897
        ("629104150021", 3),  # GS1 Hong Kong worked example, GTIN-13 6291041500213
    ],
)
def test_check_digit_matches_gs1_published_examples(data, expected):
    assert check_digit(data) == expected


def test_make_sscc_builds_gs1s_example():
    assert make_sscc("0614141", 123456789, extension=1) == GS1_SSCC_EXAMPLE


@pytest.mark.parametrize(
    "text",
    [
        "106141411234567897",
        "(00) 1 0614141 123456789 7",  # as printed under a GS1 logistic label barcode
        "(00)106141411234567897",
        "00106141411234567897",  # element string with AI 00
        "00 106141411234567897",
        " 1 0614141 123456789 7 ",
        "1-0614141-123456789-7",
        "]C100106141411234567897",  # a scanner's output with the GS1-128 symbology identifier
    ],
)
def test_normalise_sscc_accepts_how_people_and_scanners_write_it(text):
    assert normalise_sscc(text) == GS1_SSCC_EXAMPLE
    assert is_valid_sscc(text)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("106141411234567898", "check digit) is 8, but the first 17 digits need 7"),
        ("10614141123456789", "has 17"),
        ("1061414112345678977", "has 19"),
        ("01106141411234567897", "has 20"),  # 20 digits but not AI 00
        ("10614141123456789O", "contains 'O'"),
        ("SSCC106141411234567897", "contains 'S'"),
        ("", "Enter an SSCC"),
        ("   ", "Enter an SSCC"),
        ("(00)", "has 2"),
    ],
)
def test_normalise_sscc_rejects_with_a_readable_message(text, fragment):
    with pytest.raises(InvalidSSCC) as error:
        normalise_sscc(text)
    assert fragment in str(error.value)
    assert isinstance(error.value, ValueError)
    assert not is_valid_sscc(text)


def test_a_single_wrong_digit_is_always_caught():
    for position in range(17):
        for digit in "0123456789":
            if digit == GS1_SSCC_EXAMPLE[position]:
                continue
            typo = GS1_SSCC_EXAMPLE[:position] + digit + GS1_SSCC_EXAMPLE[position + 1 :]
            assert not is_valid_sscc(typo), typo


@pytest.mark.parametrize("length", range(6, 13))
def test_serial_capacity_depends_on_the_prefix_length(length):
    prefix = "4012345678901"[:length]
    capacity = serial_capacity(prefix)
    assert capacity == 10 ** (16 - length)
    last = make_sscc(prefix, capacity - 1, extension=9)
    assert len(last) == 18 and is_valid_sscc(last)
    assert last[1 : 1 + length] == prefix and last[0] == "9"
    with pytest.raises(SerialOutOfRange) as error:
        make_sscc(prefix, capacity, extension=9)
    message = str(error.value)
    assert f"{length}-digit GS1 company prefix" in message
    assert f"{capacity:,}" in message and "another extension digit" in message


def test_capacity_overflow_message_for_a_12_digit_prefix():
    with pytest.raises(SerialOutOfRange, match=r"4 digits for the serial reference.*0 to 9,999"):
        make_sscc("401234567890", 10_000)


def test_generated_ssccs_are_valid_and_distinct():
    ssccs = {make_sscc("4012345", serial) for serial in range(0, 2_000_000, 997)}
    assert len(ssccs) == len(range(0, 2_000_000, 997))
    assert all(normalise_sscc(s) == s for s in ssccs)


@pytest.mark.parametrize(
    ("bad", "kwargs", "error"),
    [
        ("4012345", {"serial": -1}, SerialOutOfRange),
        ("4012345", {"serial": 1, "extension": 10}, ValueError),
        ("4012345", {"serial": 1, "extension": -1}, ValueError),
        ("4012345", {"serial": "12"}, TypeError),
    ],
)
def test_make_sscc_rejects_bad_arguments(bad, kwargs, error):
    with pytest.raises(error):
        make_sscc(bad, **kwargs)


@pytest.mark.parametrize(
    ("prefix", "fragment"),
    [
        ("40123", "6 to 12 digits; 40123 has 5"),
        ("4012345678901", "has 13"),
        ("40I2345", "digits only"),
        ("", "Enter the GS1 company prefix"),
        ("2012345", "restricted circulation"),
        ("9781234", "ISBN"),
        ("0212345", "restricted circulation"),
    ],
)
def test_company_prefix_validation(prefix, fragment):
    with pytest.raises(InvalidCompanyPrefix) as error:
        validate_company_prefix(prefix)
    assert fragment in str(error.value)


def test_company_prefix_may_be_written_with_spaces():
    assert validate_company_prefix(" 0614 141 ") == "0614141"


def test_gs1_128_data_is_fnc1_ai_00_and_the_sscc():
    assert gs1_128_data("(00) 1 0614141 123456789 7") == "\xf1" + "00" + GS1_SSCC_EXAMPLE
    with pytest.raises(InvalidSSCC):
        gs1_128_data("106141411234567890")


def test_human_readable_interpretation():
    assert sscc_hri(GS1_SSCC_EXAMPLE) == "(00) 106141411234567897"
    assert sscc_hri(GS1_SSCC_EXAMPLE, company_prefix_length=7) == "(00) 1 0614141 123456789 7"
