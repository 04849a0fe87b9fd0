"""How clerks refer to one document of a dossier on the command line.

A bare number is the intake component a clerk sees on the dossier
(``<code>.<n>``), so it cannot also mean a catalog id; ids need ``#``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sohoa.storage.codes import DossierCodeError, normalise_code_text, parse_dossier_code
from sohoa.storage.errors import BadReference

RefKind = Literal["id", "intake", "result"]

REF_FORMS = "2 (intake component), KQ1 (result), <code>.2, <code>-KQ1, or #17 (catalog id)"

#: Numbers and ids have at most this many digits: a longer one names no document, and
#: 20 digits overflow the database's integers (a 500 and a traceback, before).
MAX_DIGITS = 9

# ASCII digits only: int() would read "٣" as 3, a look-alike reference.
_ID = re.compile(r"^(?:#|ID:)(?P<n>[0-9]+)$")
_INTAKE = re.compile(r"^(?P<n>[0-9]+)$")
_RESULT = re.compile(r"^KQ\(?(?P<n>[0-9]+)\)?$")
_SHORT_FORMS: tuple[tuple[RefKind, re.Pattern[str]], ...] = (
    ("id", _ID),
    ("intake", _INTAKE),
    ("result", _RESULT),
)
_FULL = re.compile(r"^(?P<code>.+?)(?:-KQ\(?(?P<result>[0-9]+)\)?|\.(?P<intake>[0-9]+))$")


@dataclass(frozen=True)
class DocumentRef:
    """A parsed reference: a catalog id, or a kind and number within the dossier."""

    kind: RefKind
    number: int


def parse_document_ref(dossier_code: str, ref: str) -> DocumentRef:
    """Understand ``ref`` relative to the (normalised) ``dossier_code``.

    Full names must belong to that dossier: a clerk pasting another
    dossier's result code is told so instead of getting a silent miss.
    """
    text = normalise_code_text(ref)
    for kind, pattern in _SHORT_FORMS:
        match = pattern.match(text)
        if match:
            return DocumentRef(kind, _number(match.group("n"), ref))
    match = _FULL.match(text)
    if match and _same_dossier(match.group("code"), dossier_code, ref):
        if match.group("result"):
            return DocumentRef("result", _number(match.group("result"), ref))
        return DocumentRef("intake", _number(match.group("intake"), ref))
    raise BadReference(f"cannot understand document reference {ref!r}; use {REF_FORMS}")


def _number(digits: str, ref: str) -> int:
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise BadReference(
            f"document reference {ref!r} has a number of more than {MAX_DIGITS} digits; "
            f"use {REF_FORMS}"
        )
    return int(digits)


def _same_dossier(code_text: str, dossier_code: str, ref: str) -> bool:
    try:
        owner = parse_dossier_code(code_text).value
    except DossierCodeError:
        return False
    if owner != dossier_code:
        raise BadReference(f"{ref!r} belongs to dossier {owner}, not {dossier_code}")
    return True
