"""The search page's form, read from the query string and checked.

The form is a GET (results can be bookmarked and shared), so everything a person
typed arrives in the URL: words, a dossier code or its beginning, two days
(dd/mm/yyyy) and a kind. A value that cannot be read is not a traceback but a
message on the page, in the person's language; the search then does not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from sohoa.i18n import N_
from sohoa.storage.codes import normalise_code_text
from sohoa.storage.search import MAX_LIMIT, parse_day

#: Results on one page.
PER_PAGE = 20
#: The longest words field read (the API's limit too).
MAX_WORDS = 200
#: A dossier code or its beginning: ASCII letters, digits, '.' and '-' (as the API checks).
_CODE_PREFIX = re.compile(r"^[0-9A-Z.\-]*$")
KINDS = ("intake", "result")
#: The form's fields as they appear in the URL.
FIELDS = ("q", "code", "from", "to", "kind")

BAD_CODE = N_("A dossier code (or its beginning) has only digits 0-9, letters A-Z, '.' and '-'.")
BAD_DAY = N_("“%(value)s” is not a date: write it as dd/mm/yyyy, for example 15/06/2024.")
BAD_ORDER = N_("The first day (%(start)s) is after the last day (%(end)s).")


@dataclass(frozen=True)
class Problem:
    """A field that could not be read: a message id and its values (translated by the page)."""

    field: str
    message: str
    values: dict[str, str] = _field(default_factory=dict)


@dataclass(frozen=True)
class SearchForm:
    """What was typed (kept as typed, to fill the form again) and what it means."""

    words: str = ""
    code: str = ""
    day_from: str = ""
    day_to: str = ""
    kind: str = ""
    page: int = 1
    #: Results per page (``n`` in the URL; the form does not show it).
    per_page: int = PER_PAGE
    #: True once the form was sent (any of its fields is in the URL).
    sent: bool = False
    code_prefix: str | None = None
    start: date | None = None
    end: date | None = None
    problems: tuple[Problem, ...] = ()

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def url(self, page: int) -> str:
        """This search's URL at ``page`` (empty fields left out, so links stay short)."""
        values = {
            "q": self.words,
            "code": self.code,
            "from": self.day_from,
            "to": self.day_to,
            "kind": self.kind,
        }
        query = [(name, value) for name, value in values.items() if value]
        if self.per_page != PER_PAGE:
            query.append(("n", str(self.per_page)))
        if page > 1:
            query.append(("page", str(page)))
        return "/search?" + urlencode(query) if query else "/search"


def read_form(params: QueryParams) -> SearchForm:
    """The form in ``params``, with a problem for each field that cannot be read."""
    words = params.get("q", "").strip()[:MAX_WORDS]
    code = params.get("code", "").strip()[:80]
    day_from = params.get("from", "").strip()[:40]
    day_to = params.get("to", "").strip()[:40]
    kind = params.get("kind", "")
    problems: list[Problem] = []
    prefix = normalise_code_text(code) if code else None
    if prefix is not None and not _CODE_PREFIX.match(prefix):
        problems.append(Problem("code", BAD_CODE))
    start = _day(day_from, "from", problems)
    end = _day(day_to, "to", problems)
    if start and end and start > end:
        values = {"start": f"{start:%d/%m/%Y}", "end": f"{end:%d/%m/%Y}"}
        problems.append(Problem("from", BAD_ORDER, values))
    return SearchForm(
        words=words,
        code=code,
        day_from=day_from,
        day_to=day_to,
        kind=kind if kind in KINDS else "",
        page=_number(params.get("page"), 1, 100_000),
        per_page=_number(params.get("n"), PER_PAGE, MAX_LIMIT),
        sent=any(name in params for name in FIELDS),
        code_prefix=prefix,
        start=start,
        end=end,
        problems=tuple(problems),
    )


def _day(text: str, name: str, problems: list[Problem]) -> date | None:
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        problems.append(Problem(name, BAD_DAY, {"value": text}))
        return None


def _number(text: str | None, default: int, most: int) -> int:
    """A page number or size from the URL, within 1..``most``; unreadable: ``default``."""
    try:
        return max(1, min(int(text), most)) if text else default
    except ValueError:
        return default
