"""Document references (storage.refs): numbers are bounded, digits are ASCII."""

from __future__ import annotations

import pytest

from sohoa.storage.errors import BadReference
from sohoa.storage.refs import DocumentRef, parse_document_ref

CODE = "000.00.20.H56-240101-0001"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("2", DocumentRef("intake", 2)),
        ("kq1", DocumentRef("result", 1)),
        ("#17", DocumentRef("id", 17)),
        (f"{CODE}-KQ3", DocumentRef("result", 3)),
        (f"{CODE}.4", DocumentRef("intake", 4)),
        ("999999999", DocumentRef("intake", 999_999_999)),
        ("0000000000001", DocumentRef("intake", 1)),
    ],
)
def test_the_documented_forms_are_understood(ref: str, expected: DocumentRef) -> None:
    assert parse_document_ref(CODE, ref) == expected


@pytest.mark.parametrize(
    "ref",
    [
        "9999999999",
        "99999999999999999999",
        "#99999999999999999999",
        "KQ99999999999999999999",
        f"{CODE}-KQ99999999999999999999",
        f"{CODE}.99999999999999999999",
    ],
)
def test_a_number_of_more_than_nine_digits_is_a_bad_reference(ref: str) -> None:
    with pytest.raises(BadReference, match="more than 9 digits"):
        parse_document_ref(CODE, ref)


@pytest.mark.parametrize("ref", ["\u0663", "#\u0661\u0667", "KQ\uff11"[:2] + "\u0661"])
def test_non_ascii_digits_are_not_numbers(ref: str) -> None:
    with pytest.raises(BadReference):
        parse_document_ref(CODE, ref)
