"""Dossier codes (mã hồ sơ), spec §5.

Codes are issued by the one-stop system, never by sohoa: we only check their
shape and reception date so that a typo is caught at the counter instead of
producing a document filed under a code nobody will ever search for.

Codes are ASCII after NFKC: fullwidth forms (U+FF10 to U+FF19, U+FF0D…, what an IME in
full-width mode types) are folded to ASCII and accepted, so the stored code is
always ASCII; other digits (Arabic-Indic U+0660…, Devanagari…) look like digits
but no one-stop system will ever ask for them, so they are refused by name.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

CodeFormat = Literal["legacy", "centralised"]

_LEGACY_BODY = (
    r"(?P<agency>[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2})"
    r"-(?P<date>[0-9]{6})-(?P<serial>[0-9]{4})"
)
_CENTRAL_BODY = (
    r"(?P<agency>[A-Y][0-9]{2}\.[0-9A-Z]{3}\.[0-9A-Z]{2})"
    r"-(?P<date>[0-9]{6})-(?P<serial>[0-9]{2}[0-9]{4,})"
)

_FORMATS: tuple[tuple[CodeFormat, re.Pattern[str]], ...] = (
    ("legacy", re.compile(rf"^{_LEGACY_BODY}$")),
    ("centralised", re.compile(rf"^{_CENTRAL_BODY}$")),
)

# Inside free text a code must not be glued to other letters/digits, otherwise
# "X000.00.04.H40-230414-00021" would yield a code that is not really there.
# (``\d`` here is any Unicode digit: a code glued to "٣" is not there either.)
_EMBEDDED = re.compile(
    rf"(?<![0-9A-Z])(?<!\d)(?:{_LEGACY_BODY.replace('?P<', '?P<l_')}(?!\d)"
    rf"|{_CENTRAL_BODY.replace('?P<', '?P<c_')}(?!\d))"
)
# Only ASCII letters are upper-cased in free text: dotless i upper-cases to "I", a look-alike.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_SPACES_AROUND_SEPARATORS = re.compile(r"\s*([.\-])\s*")

EXPECTED_FORMATS = (
    "legacy AAA.BB.CC.DNN-YYMMDD-XXXX (e.g. 000.00.04.H40-230414-0002) "
    "or centralised MXX.YYY.ZZ-YYMMDD-AA<serial of at least 4 digits>"
)
EXPECTED_FORMATS_VI = (
    "dạng cũ AAA.BB.CC.DNN-YYMMDD-XXXX (ví dụ 000.00.04.H40-230414-0002) "
    "hoặc dạng tập trung MXX.YYY.ZZ-YYMMDD-AA<số thứ tự ít nhất 4 chữ số>"
)


class DossierCodeError(ValueError):
    """A dossier code typed or scanned by a clerk is not acceptable.

    Carries the problem in English (logs, developers) and Vietnamese (the
    clerk at the counter) so the CLI can show whichever it needs.
    """

    def __init__(self, code_text: str, problem: str, problem_vi: str) -> None:
        self.code_text = code_text
        self.problem = problem
        self.problem_vi = problem_vi
        super().__init__(f"{code_text!r}: {problem}")

    @property
    def message_vi(self) -> str:
        """The error for a Vietnamese-speaking clerk."""
        return f"{self.code_text!r}: {self.problem_vi}"


@dataclass(frozen=True)
class DossierCode:
    """A validated, normalised dossier code; ``str()`` gives the canonical text."""

    value: str
    format: CodeFormat
    agency: str
    received: datetime.date
    serial: str

    def __str__(self) -> str:
        return self.value

    def result_code(self, n: int) -> str:
        """Code under which result ``n`` is kept (spec §4: ``<mã hồ sơ>-KQ<n>``)."""
        _require_positive(n)
        return f"{self.value}-KQ{n}"

    def component_name(self, n: int) -> str:
        """Name of the n-th scanned component of the dossier (spec §7: ``<mã hồ sơ>.<n>``)."""
        _require_positive(n)
        return f"{self.value}.{n}"


def parse_dossier_code(text: str) -> DossierCode:
    """Validate and normalise a dossier code typed by a clerk or read from a QR code.

    Lower case and stray spaces (around the text or its separators) are
    accepted because they are how codes are actually typed; anything else is
    rejected with a :class:`DossierCodeError` that names the problem.
    """
    _require_ascii(text)
    normalised = normalise_code_text(text)
    if not normalised:
        raise DossierCodeError(text, "the dossier code is empty", "mã hồ sơ đang để trống")
    for code_format, pattern in _FORMATS:
        match = pattern.match(normalised)
        if match:
            return _build(text, normalised, code_format, match)
    raise DossierCodeError(
        text,
        f"this is not a dossier code; expected {EXPECTED_FORMATS}",
        f"không đúng định dạng mã hồ sơ; cần {EXPECTED_FORMATS_VI}",
    )


def normalise_code_text(text: str) -> str:
    """NFKC (fullwidth → ASCII), uppercase, and drop whitespace around the text and ``.``/``-``."""
    folded = unicodedata.normalize("NFKC", text)
    return _SPACES_AROUND_SEPARATORS.sub(r"\1", folded.strip()).upper()


def _require_ascii(text: str) -> None:
    """Refuse look-alikes NFKC keeps non-ASCII (Arabic-Indic digits, Cyrillic letters…).

    Checked before upper-casing, because ``"ß".upper()`` is ``"SS"`` and
    dotless i (U+0131) upper-cases to ``"I"``: ASCII produced by case mapping is still a look-alike.
    """
    folded = unicodedata.normalize("NFKC", text)
    odd = next((ch for ch in folded if not ch.isascii()), None)
    if odd is None:
        return
    name = unicodedata.name(odd, "unnamed character")
    shown = f"{odd!r} (U+{ord(odd):04X} {name})"
    raise DossierCodeError(
        text,
        f"contains the non-ASCII character {shown}; a dossier code has only "
        "the digits 0-9, the letters A-Z, '.' and '-'",
        f"có ký tự không phải ASCII {shown}; mã hồ sơ chỉ gồm chữ số 0-9, "
        "chữ cái A-Z, dấu '.' và '-'",
    )


def find_dossier_codes(text: str) -> list[DossierCode]:
    """All valid dossier codes inside free text such as a QR payload, in order, without repeats.

    QR payload encodings are not standardised (spec §5), so we scan for the
    code shapes instead of parsing the payload; shapes with impossible dates
    are skipped rather than reported, because free text is not a clerk's input.
    """
    found: dict[str, DossierCode] = {}
    folded = unicodedata.normalize("NFKC", text).translate(_ASCII_UPPER)
    for match in _EMBEDDED.finditer(folded):
        try:
            code = parse_dossier_code(match.group(0))
        except DossierCodeError:
            continue
        found.setdefault(code.value, code)
    return list(found.values())


def _build(
    text: str, normalised: str, code_format: CodeFormat, match: re.Match[str]
) -> DossierCode:
    return DossierCode(
        value=normalised,
        format=code_format,
        agency=match.group("agency"),
        received=_reception_date(text, match.group("date")),
        serial=match.group("serial"),
    )


def _reception_date(text: str, yymmdd: str) -> datetime.date:
    """YYMMDD of a code issued this century; must be a real calendar date."""
    try:
        return datetime.date(2000 + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        raise DossierCodeError(
            text,
            f"the reception date {yymmdd} is not a real date (YYMMDD)",
            f"ngày tiếp nhận {yymmdd} không phải ngày hợp lệ (YYMMDD)",
        ) from None


def _require_positive(n: int) -> None:
    if n < 1:
        raise ValueError(f"document numbers start at 1, got {n}")
