"""Webhook subscriptions and the outbox of events (issue 11).

:func:`enqueue` is called by the catalog inside the transaction that marks a document
stored (``document.stored``) or revoked (``document.revoked``): one outbox row per
subscribed webhook, with a fresh event id and the dossier's sync fields
(:mod:`storage.sync_fields`; links are API paths, ``/api/v1/cases/…``). The sending
is done elsewhere (``workers.webhooks``), so an unreachable receiver never slows or
fails a store.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sohoa.clock import utc_now
from sohoa.storage.database import SessionSource
from sohoa.storage.keys import check_kind, document_name
from sohoa.storage.models import Document
from sohoa.storage.sync_fields import stored_files, sync_fields
from sohoa.storage.webhook_models import WebhookDeliveryRow, WebhookRow

STORED = "document.stored"
REVOKED = "document.revoked"
EVENT_TYPES = (STORED, REVOKED)


@dataclass(frozen=True)
class Webhook:
    """A subscription as listed (the secret is never part of it, only its fingerprint)."""

    id: int
    url: str
    events: tuple[str, ...]
    fingerprint: str
    created_at: datetime


def fingerprint(secret: str) -> str:
    """First 12 hex digits of the secret's SHA-256: enough to tell secrets apart."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


def add_webhook(source: SessionSource, url: str, secret: str, events: tuple[str, ...]) -> Webhook:
    with source.sessions.begin() as session:
        row = WebhookRow(url=url, secret=secret, events=list(events), active=True)
        session.add(row)
        session.flush()
        return _webhook(row)


def list_webhooks(source: SessionSource) -> list[Webhook]:
    with source.sessions() as session:
        return [_webhook(r) for r in session.scalars(select(WebhookRow).order_by(WebhookRow.id))]


def remove_webhook(source: SessionSource, webhook_id: int) -> bool:
    """Delete the subscription and its undelivered events; False when there was none."""
    with source.sessions.begin() as session:
        row = session.get(WebhookRow, webhook_id)
        if row is None:
            return False
        session.execute(
            delete(WebhookDeliveryRow).where(
                WebhookDeliveryRow.webhook_id == webhook_id,
                WebhookDeliveryRow.delivered_at.is_(None),
            )
        )
        session.delete(row)
        return True


def enqueue(session: Session, row: Document, event_type: str) -> None:
    """Queue ``event_type`` about ``row`` for every webhook that wants it (same transaction)."""
    hooks = [
        (hook_id, events)
        for hook_id, events in session.execute(
            select(WebhookRow.id, WebhookRow.events).where(WebhookRow.active.is_(True))
        )
    ]
    targets = [hook_id for hook_id, events in hooks if event_type in (events or [])]
    if not targets or row.number is None:
        return
    session.flush()
    event_id = str(uuid.uuid4())
    payload = event_payload(session, row, event_type, event_id)
    now = utc_now()
    session.add_all(
        WebhookDeliveryRow(
            event_id=event_id,
            webhook_id=hook_id,
            type=event_type,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
        )
        for hook_id in targets
    )


def event_payload(
    session: Session, row: Document, event_type: str, event_id: str
) -> dict[str, Any]:
    """What the receiver gets: the event, the document, and the dossier's sync fields."""
    code = row.dossier_code
    files = stored_files(session, [code]).get(code, [])
    return {
        "id": event_id,
        "type": event_type,
        "occurred_at": utc_now().isoformat(),
        "document": {
            "MaHoSo": code,
            "TenTep": document_name(code, check_kind(row.kind), row.number or 0),
            "kind": row.kind,
            "DuocTaiSuDung": bool(row.reused),
            "DaThuHoi": row.revoked_at is not None,
        },
        "sync": sync_fields(code, files, ""),
    }


def _webhook(row: WebhookRow) -> Webhook:
    return Webhook(
        row.id, row.url, tuple(row.events or ()), fingerprint(row.secret), row.created_at
    )
