"""The home page: what this user's role may open, and nothing else."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.storage.accounts import User
from sohoa.web.auth import require_user
from sohoa.web.templating import render

router = APIRouter()


@router.get("/")
async def home(request: Request, user: Annotated[User, Depends(require_user())]) -> Response:
    return render(request, "home.html")
