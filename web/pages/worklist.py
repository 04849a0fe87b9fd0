""" "Hồ sơ chưa số hóa": the dossiers a clerk still has to scan, oldest first, per unit.

From a row the clerk goes straight to the counter page for that code, or to the
reuse form to attach a document already digitised for an earlier dossier.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.register.worklist import worklist
from sohoa.storage.accounts import User
from sohoa.web.auth import require_user
from sohoa.web.context import web_of
from sohoa.web.report_scope import allowed_units, filters
from sohoa.web.templating import render

router = APIRouter()


@router.get("/worklist")
def worklist_page(
    request: Request, user: Annotated[User, Depends(require_user("clerk", "supervisor"))]
) -> Response:
    chosen = filters(request, user)  # only the unit is used; refuses a unit not theirs
    after = _after(request.query_params.get("after"))
    page = worklist(web_of(request).catalog(), chosen.unit, after)
    more = None
    if page.next_after:
        day, code = page.next_after
        more = f"?unit={chosen.unit}&after={day.isoformat()}/{code}"
    return render(
        request,
        "worklist.html",
        unit=chosen.unit,
        units=allowed_units(request, user),
        items=page.items,
        more=more,
        may_scan=user.role in ("clerk", "admin"),
    )


def _after(text: str | None) -> tuple[date, str] | None:
    if not text:
        return None
    day, _, code = text.partition("/")
    try:
        return date.fromisoformat(day), code
    except ValueError:
        return None
