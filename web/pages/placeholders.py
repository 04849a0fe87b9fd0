"""Pages announced on the home page whose builders have not landed yet.

Each route keeps the role rule its real page will have, so the links and the
route-role tests are right from the start; a real page replaces its entry here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sohoa.web.lang import translate
from sohoa.web.templating import render

router = APIRouter()


def _soon(request: Request, title: str) -> Response:
    return render(
        request,
        "placeholder.html",
        title=translate(request, title),
        message=translate(request, "This page is being built."),
    )
