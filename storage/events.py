"""The event trail: what happened to each dossier and document, when, and by whom.

Append-only by construction: this module can add an event and read them, and
nothing else; the database refuses UPDATE and DELETE on ``events`` (triggers
from migration 0005). Detail is technical (object roles, digests, counts,
copies, reasons by kind): never a person's name, a file name or any other
personal data, so the trail can be handed to an archive as it is.

Every part of sohoa records through :func:`record_event`, e.g. from a step::

    record_event(catalog, "signed", dossier_code=code, document_id=doc_id,
                 actor="system", detail={"level": "B-T"})
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import select

from sohoa.clock import utc_now
from sohoa.storage.database import SessionSource
from sohoa.storage.keeping_models import EventRow

__all__ = ["EVENT_TYPES", "Event", "EventType", "events_for", "record_event", "try_record_event"]

log = logging.getLogger(__name__)

EventType = Literal[
    "received",
    "digitised",
    "validated",
    "signed",
    "stored",
    "copied",
    "verified",
    "fixity_checked",
    "fixity_failed",
    "revoked",
    "downloaded",
    "deleted",
    "rejected",
    "failed",
    "revised",
    # A clerk saw the counter's sheets-against-pages mismatch and accepted it (spec §2a).
    "count_acknowledged",
    # Archive staff deleted a file from the quarantine (it was never filed).
    "quarantine_deleted",
    # Applicants' names were handed out on request (an export or API read asked for them,
    # NĐ 13/2023): ``dossier_code`` is then the unit of the list, detail says what and how many.
    "personal_disclosed",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
#: Detail values are plain scalars (or lists of them): facts, not documents.
_Scalar = str | int | float | bool | None
_MAX_DETAIL_CHARS = 2000


@dataclass(frozen=True)
class Event:
    """One row of the trail, as plain data."""

    id: int
    at: datetime
    actor: str
    dossier_code: str
    document_id: int | None
    type: str
    detail: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "dossier_code": self.dossier_code,
            "document_id": self.document_id,
            "type": self.type,
            "detail": self.detail,
        }


def record_event(
    source: SessionSource,
    type: str,
    *,
    dossier_code: str,
    document_id: int | None = None,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> Event:
    """Append one event (its own short transaction) and return it."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}; one of {', '.join(EVENT_TYPES)}")
    if not actor.strip():
        raise ValueError("an event needs an actor (user, API key name, 'system' or worker id)")
    row = EventRow(
        at=utc_now(),
        actor=actor.strip()[:120],
        dossier_code=dossier_code,
        document_id=document_id,
        type=type,
        detail=_checked_detail(detail or {}),
    )
    with source.sessions.begin() as session:
        session.add(row)
        session.flush()
        return _event(row)


def try_record_event(source: SessionSource, type: str, **fields: Any) -> Event | None:
    """:func:`record_event` for places where the trail must never undo the work itself
    (the document is stored whatever happens to its event): a failure is logged."""
    try:
        return record_event(source, type, **fields)
    except Exception:
        log.exception("event not recorded", extra={"event_type": type})
        return None


def events_for(
    source: SessionSource, dossier_code: str, document_id: int | None = None
) -> list[Event]:
    """The dossier's trail (or one document's), oldest first."""
    query = select(EventRow).where(EventRow.dossier_code == dossier_code)
    if document_id is not None:
        query = query.where(EventRow.document_id == document_id)
    with source.sessions() as session:
        return [_event(row) for row in session.scalars(query.order_by(EventRow.id))]


def _checked_detail(detail: dict[str, Any]) -> dict[str, Any]:
    """Only string keys and scalar (or list-of-scalar) values, and small: a trail, not a store."""
    for key, value in detail.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(key, str) or not all(isinstance(v, _Scalar) for v in values):
            raise ValueError(f"event detail {key!r} must be a string key with scalar values")
    if len(json.dumps(detail, ensure_ascii=False)) > _MAX_DETAIL_CHARS:
        raise ValueError(f"event detail longer than {_MAX_DETAIL_CHARS} characters")
    return dict(detail)


def _event(row: EventRow) -> Event:
    return Event(
        id=row.id,
        at=row.at,
        actor=row.actor,
        dossier_code=row.dossier_code,
        document_id=row.document_id,
        type=row.type,
        detail=dict(row.detail or {}),
    )
