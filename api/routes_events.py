"""The event trail of a dossier (storage.events), and the download events of the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from sohoa.api.auth import ReadKey
from sohoa.api.context import ApiContext, context_of, opened
from sohoa.api.errors import not_found
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.units import check_hidden
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.events import Event, events_for, try_record_event

router = APIRouter(prefix="/cases", tags=["cases"])


class EventOut(BaseModel):
    id: int
    at: datetime
    actor: str
    document_id: int | None
    type: str
    detail: dict[str, Any]


class EventsOut(BaseModel):
    dossier_code: str
    events: list[EventOut]


@router.get("/{code}/events", response_model=EventsOut, responses=errors(400, 404))
async def get_events(code: CodeParam, request: Request, _key: ReadKey) -> EventsOut:
    """The dossier's event trail, oldest first: received, digitised, validated, signed,
    stored, copied, verified, fixity checks, revocation, downloads (by API key name)…"""
    dossier = parse_dossier_code(code).value
    await check_hidden(context_of(request), _key, dossier)
    trail = await run_in_threadpool(_trail, context_of(request), dossier)
    if not trail:
        raise not_found("unknown_dossier", f"sự kiện của hồ sơ {dossier}", f"events of {dossier}")
    return EventsOut(
        dossier_code=dossier,
        events=[
            EventOut(
                id=e.id, at=e.at, actor=e.actor, document_id=e.document_id, type=e.type,
                detail=e.detail,
            )
            for e in trail
        ],
    )  # fmt: skip


def note_download(context: ApiContext, record: DocumentRecord, key_name: str, via: str) -> None:
    """A ``downloaded`` event, the API key's name as the actor (never fails the download)."""
    try_record_event(
        opened(context.backends).services.catalog, "downloaded",
        dossier_code=record.dossier_code, document_id=record.id, actor=key_name,
        detail={"via": via, "sha256": record.sha256},
    )  # fmt: skip


def _trail(context: ApiContext, dossier: str) -> list[Event]:
    return events_for(opened(context.backends).services.catalog, dossier)
