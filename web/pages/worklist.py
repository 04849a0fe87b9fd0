""" "Hồ sơ chưa số hóa": the dossiers a clerk still has to scan, oldest first, per unit
and receiving clerk.

From a row the clerk goes straight to the counter page for that code, or to the
reuse form to attach a document already digitised for an earlier dossier.

A clerk whose username the register names as receiving officer (``clerk`` field) sees
their own dossiers first (``?clerk=*`` lists every clerk's). Applicants' names are
shown to clerks and supervisors (the people who receive the dossiers) and to no other
role; the CSV download carries them only when asked (``personal=1``), and that is
recorded as an event (:mod:`register.personal`).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.register.personal import may_see, record_disclosure
from sohoa.register.worklist import has_dossiers_of, worklist, worklist_csv
from sohoa.storage.accounts import User
from sohoa.web.auth import require_user
from sohoa.web.context import web_of
from sohoa.web.errors import Forbidden
from sohoa.web.report_scope import allowed_units, filters
from sohoa.web.templating import render

router = APIRouter()

#: ``?clerk=`` value for "every clerk's dossiers".
EVERY_CLERK = "*"
WorklistUser = Annotated[User, Depends(require_user("clerk", "supervisor"))]


@router.get("/worklist")
def worklist_page(request: Request, user: WorklistUser) -> Response:
    chosen = filters(request, user)  # only the unit is used; refuses a unit not theirs
    clerk = _clerk(request, user)
    after = _after(request.query_params.get("after"))
    personal = may_see(user)
    page = worklist(web_of(request).catalog(), chosen.unit, after, clerk=clerk, personal=personal)
    query = {"unit": chosen.unit, "clerk": clerk or EVERY_CLERK}
    more = None
    if page.next_after:
        day, code = page.next_after
        more = "?" + urlencode({**query, "after": f"{day.isoformat()}/{code}"})
    return render(
        request,
        "worklist.html",
        unit=chosen.unit,
        units=allowed_units(request, user),
        clerk=clerk or "",
        own=clerk is not None and clerk == user.username,
        every_clerk="?" + urlencode({"unit": chosen.unit, "clerk": EVERY_CLERK}),
        mine="?" + urlencode({"unit": chosen.unit, "clerk": user.username}),
        items=page.items,
        more=more,
        may_scan=user.role in ("clerk", "admin"),
        show_names=personal,
        download="/worklist.csv?" + urlencode(query),
    )


@router.get("/worklist.csv")
def worklist_download(request: Request, user: WorklistUser) -> Response:
    """The whole worklist (the page's unit and clerk) as CSV; applicants' names only with
    ``personal=1`` from someone allowed to see them, recorded as an event."""
    chosen = filters(request, user)
    clerk = _clerk(request, user)
    personal = request.query_params.get("personal") == "1"
    if personal and not may_see(user):
        raise Forbidden
    catalog = web_of(request).catalog()
    body, rows = worklist_csv(catalog, chosen.unit, clerk=clerk, personal=personal)
    if personal:
        record_disclosure(
            catalog, actor=user.username, unit=chosen.unit, what="worklist_csv", rows=rows
        )
    name = f"ho-so-chua-so-hoa_{chosen.unit}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _clerk(request: Request, user: User) -> str | None:
    """The clerk filter: as asked (``*`` = everyone's); by default a clerk's own dossiers
    when the register names them, else everyone's."""
    asked = request.query_params.get("clerk")
    if asked is not None:
        asked = asked.strip()[:128]
        return None if asked in ("", EVERY_CLERK) else asked
    if user.role == "clerk" and has_dossiers_of(web_of(request).catalog(), user.username):
        return user.username
    return None


def _after(text: str | None) -> tuple[date, str] | None:
    if not text:
        return None
    day, _, code = text.partition("/")
    try:
        return date.fromisoformat(day), code
    except ValueError:
        return None
