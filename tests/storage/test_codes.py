"""Dossier codes (spec §5): what a clerk may type, and what they are told when it is wrong."""

from __future__ import annotations

import datetime
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sohoa.storage.codes import DossierCodeError, find_dossier_codes, parse_dossier_code

REAL_LEGACY_CODES = [
    "000.00.04.H40-230414-0002",
    "000.17.22.H56-210531-0001",
    "000.00.14.H56-200203-0118",
    "000.00.53.H48-220921-0099",
    "000.A0.01.H26-210212-9090",
]
# The spec has no published centralised example; these follow TT 04/2025's pattern.
CENTRALISED_CODES = ["H56.001.02-260301-010001", "G06.A12.00-260125-99123456"]


@pytest.mark.parametrize("text", REAL_LEGACY_CODES)
def test_real_legacy_codes_are_accepted_unchanged(text: str) -> None:
    code = parse_dossier_code(text)
    assert code.value == text
    assert str(code) == text
    assert code.format == "legacy"


@pytest.mark.parametrize("text", CENTRALISED_CODES)
def test_centralised_codes_are_accepted(text: str) -> None:
    assert parse_dossier_code(text).format == "centralised"


def test_a_legacy_code_is_split_into_agency_reception_date_and_serial() -> None:
    code = parse_dossier_code("000.A0.01.H26-210212-9090")
    assert code.agency == "000.A0.01.H26"
    assert code.received == datetime.date(2021, 2, 12)
    assert code.serial == "9090"


def test_a_centralised_code_is_split_into_agency_reception_date_and_serial() -> None:
    code = parse_dossier_code("H56.001.02-260301-010001")
    assert code.agency == "H56.001.02"
    assert code.received == datetime.date(2026, 3, 1)
    assert code.serial == "010001"


@pytest.mark.parametrize(
    "typed",
    [
        "000.a0.01.h26-210212-9090",
        "  000.A0.01.H26-210212-9090\n",
        "\t000.a0.01.H26 - 210212 - 9090 ",
    ],
)
def test_lower_case_and_stray_spaces_are_normalised(typed: str) -> None:
    assert parse_dossier_code(typed).value == "000.A0.01.H26-210212-9090"


@pytest.mark.parametrize("typed", ["", "   ", "\n"])
def test_an_empty_code_is_reported_as_empty(typed: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        parse_dossier_code(typed)
    assert "empty" in caught.value.problem
    assert "trống" in caught.value.problem_vi


@pytest.mark.parametrize(
    "text",
    [
        "000.00.04.H40-230414-002",  # serial too short
        "000.00.04.40-230414-0002",  # unit group must start with a letter
        "000.00.04.H40/230414/0002",  # wrong separators
        "Z56.001.02-260301-010001",  # centralised level-1 letter is A to Y
        "H56.001.02-260301-01001",  # centralised serial needs AA + at least 4 digits
        "not a code",
    ],
)
def test_a_wrong_shape_is_reported_with_both_accepted_formats(text: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        parse_dossier_code(text)
    error = caught.value
    assert error.code_text == text
    assert "AAA.BB.CC.DNN-YYMMDD-XXXX" in str(error)
    assert "MXX.YYY.ZZ-YYMMDD-AA" in str(error)
    assert "MXX.YYY.ZZ-YYMMDD-AA" in error.message_vi


@pytest.mark.parametrize(
    ("text", "yymmdd"),
    [
        ("000.00.20.H56-241301-0001", "241301"),  # month 13
        ("000.00.20.H56-240230-0001", "240230"),  # 30 February
        ("000.00.20.H56-230229-0001", "230229"),  # 29 February outside a leap year
        ("H56.001.02-260100-010001", "260100"),  # day 0
    ],
)
def test_a_reception_date_that_does_not_exist_is_reported(text: str, yymmdd: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        parse_dossier_code(text)
    assert str(caught.value) == f"{text!r}: the reception date {yymmdd} is not a real date (YYMMDD)"
    assert caught.value.problem_vi == f"ngày tiếp nhận {yymmdd} không phải ngày hợp lệ (YYMMDD)"


def test_29_february_of_a_leap_year_is_a_real_date() -> None:
    assert parse_dossier_code("000.00.20.H56-240229-0001").received == datetime.date(2024, 2, 29)


def test_dossier_code_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        parse_dossier_code("nonsense")


def test_results_are_named_code_dash_kq_n() -> None:
    code = parse_dossier_code("000.00.04.H40-230414-0002")
    assert code.result_code(1) == "000.00.04.H40-230414-0002-KQ1"
    assert code.result_code(12) == "000.00.04.H40-230414-0002-KQ12"


def test_components_are_named_code_dot_n() -> None:
    assert parse_dossier_code("000.00.04.H40-230414-0002").component_name(3) == (
        "000.00.04.H40-230414-0002.3"
    )


def test_document_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        parse_dossier_code("000.00.04.H40-230414-0002").result_code(0)


def test_codes_are_found_inside_a_qr_payload() -> None:
    payload = (
        "MaHS:000.00.04.H40-230414-0002|MaTTHC:1.001612|CCCD:001203004567|"
        "TenGT:Don de nghi|HeThong:DVC|ThoiGian:2023-04-14 08:15:00"
    )
    assert [c.value for c in find_dossier_codes(payload)] == ["000.00.04.H40-230414-0002"]


def test_qr_payload_search_ignores_invalid_dates_duplicates_and_glued_text() -> None:
    payload = (
        '{"ma_ho_so": "h56.001.02-260301-010001", "cu": "000.00.20.H56-241301-0001", '
        '"lap_lai": "H56.001.02-260301-010001", "ket_qua": "000.17.22.H56-210531-0001-KQ1", '
        '"rac": "X000.00.14.H56-200203-01189"}'
    )
    assert [c.value for c in find_dossier_codes(payload)] == [
        "H56.001.02-260301-010001",
        "000.17.22.H56-210531-0001",
    ]


def test_text_without_codes_yields_nothing() -> None:
    assert find_dossier_codes("Ủy ban nhân dân phường Bến Nghé") == []


# Look-alike codes: a code is ASCII after NFKC (issue 8). Fullwidth forms are what an IME in
# full-width mode types, and NFKC folds them to ASCII, so they are accepted and stored as ASCII;
# digits NFKC keeps (Arabic-Indic, Devanagari...) are refused by name.

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789.-ABCDEFGHIJKLMNOPQRSTUVWXYZ"}


@pytest.mark.parametrize("text", [*REAL_LEGACY_CODES, *CENTRALISED_CODES])
def test_a_fullwidth_code_is_stored_as_its_ascii_form(text: str) -> None:
    assert parse_dossier_code(text.translate(FULLWIDTH)).value == text


@pytest.mark.parametrize("text", [*REAL_LEGACY_CODES, *CENTRALISED_CODES])
def test_arabic_indic_digits_are_refused_by_name(text: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        parse_dossier_code(text.translate(ARABIC_INDIC))
    first = text.translate(ARABIC_INDIC)[text.index(next(c for c in text if c.isdigit()))]
    assert f"non-ASCII character '{first}' (U+{ord(first):04X} ARABIC-INDIC DIGIT" in str(
        caught.value
    )
    assert "không phải ASCII" in caught.value.message_vi


@pytest.mark.parametrize(
    "text",
    [
        "000.00.04.H40-230414-000\u0662",  # one Arabic-Indic 2 in the serial
        "000.00.04.H40-\u0968\u0969\u0966414-0002",  # Devanagari digits in the date
        "000.00.04.\u041d40-230414-0002",  # Cyrillic EN, not H
        "000.00.04.H\u01310-230414-0002",  # dotless i upper-cases to I
        "000.00.04.H40\u200b-230414-0002",  # zero-width space
    ],
)
def test_look_alikes_that_nfkc_keeps_are_refused(text: str) -> None:
    with pytest.raises(DossierCodeError) as caught:
        parse_dossier_code(text)
    assert "non-ASCII" in caught.value.problem


def test_a_qr_payload_with_arabic_indic_digits_holds_no_code() -> None:
    payload = "MaHS:" + "000.00.04.H40-230414-0002".translate(ARABIC_INDIC)
    assert find_dossier_codes(payload) == []
    assert find_dossier_codes("MaHS:000.00.04.H40-230414-00021٢") == []


def test_a_fullwidth_qr_payload_yields_the_ascii_code() -> None:
    payload = "MaHS:" + "000.00.04.H40-230414-0002".translate(FULLWIDTH)
    assert [c.value for c in find_dossier_codes(payload)] == ["000.00.04.H40-230414-0002"]


@given(st.text(max_size=40))
def test_every_accepted_code_is_ascii(text: str) -> None:
    try:
        code = parse_dossier_code(text)
    except DossierCodeError:
        return
    assert code.value.isascii()
    assert parse_dossier_code(code.value) == code


@given(st.sampled_from([*REAL_LEGACY_CODES, *CENTRALISED_CODES]), st.data())
def test_any_single_non_ascii_digit_is_refused(code: str, data: st.DataObject) -> None:
    position = data.draw(st.sampled_from([i for i, c in enumerate(code) if c.isdigit()]))
    digit = data.draw(
        st.characters(categories=["Nd"]).filter(
            lambda c: not unicodedata.normalize("NFKC", c).isascii()
        )
    )
    with pytest.raises(DossierCodeError):
        parse_dossier_code(code[:position] + digit + code[position + 1 :])
    assert find_dossier_codes(code[:position] + digit + code[position + 1 :]) == []
