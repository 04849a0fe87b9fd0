"""The search page (/search, "Tìm kiếm"): stored documents by words of their OCR text
without diacritics, by dossier code (exact or beginning), by day received and kind.

The same search as the API and ``sohoa search`` (:func:`storage.search.search`),
limited to the user's unit and the units below it (admins: every unit), so a
clerk never sees another unit's document, not even as a count. The snippet is the
only HTML rendered as is: the search escapes the OCR text and adds only ``<mark>``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.i18n import N_
from sohoa.storage.accounts import User
from sohoa.storage.search import SearchPage, search
from sohoa.web.auth import require_user
from sohoa.web.context import web_of
from sohoa.web.lang import translate
from sohoa.web.search_form import SearchForm, read_form
from sohoa.web.templating import render
from sohoa.web.units import units_below

router = APIRouter()
KIND_LABELS = {"intake": N_("Intake component"), "result": N_("Result")}


@router.get("/search")
def search_page(request: Request, user: Annotated[User, Depends(require_user())]) -> Response:
    form = read_form(request.query_params)
    errors = [translate(request, p.message, **p.values) for p in form.problems]
    found = _search(request, user, form) if form.sent and not errors else None
    return render(
        request,
        "search.html",
        status_code=400 if errors else 200,
        form=form,
        errors=errors,
        found=found,
        kind_labels=KIND_LABELS,
        previous_url=form.url(form.page - 1) if found and form.page > 1 else None,
        next_url=form.url(form.page + 1) if found and _more(found) else None,
    )


def _search(request: Request, user: User, form: SearchForm) -> SearchPage:
    units = None if user.role == "admin" else units_below(request, user.unit_code)
    return search(
        web_of(request).catalog(),
        form.words,
        units=units,
        code_prefix=form.code_prefix,
        date_from=form.start,
        date_to=form.end,
        kind=form.kind or None,
        limit=form.per_page,
        offset=form.offset,
    )


def _more(found: SearchPage) -> bool:
    return found.offset + len(found.hits) < found.total
