"""Webhook subscriptions and their outbox (issue 11: the national sync told when a document
is stored or a result revoked).

- ``webhooks``: where to POST, which events, and the secret the body is signed with
  (HMAC-SHA256). The secret has to be read back to sign, so it is kept as given; it is
  never logged nor shown again (``sohoa webhooks list`` prints its fingerprint).
- ``webhook_deliveries``: the outbox, one row per (event, webhook), written in the same
  transaction that marks the document stored or revoked, so no event is lost; a
  delivery loop sends it until the receiver answers 2xx (at least once; the receiver
  drops repeats by ``event_id``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime


class WebhookRow(Base):
    """One receiver of events."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(String(1000))
    #: Signs every body (``X-Sohoa-Signature: sha256=<hex HMAC>``); never logged or shown.
    secret: Mapped[str] = mapped_column(String(255))
    #: The event types it wants, e.g. ``["document.stored", "document.revoked"]``.
    events: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)


class WebhookDeliveryRow(Base):
    """One event to send to one webhook, with how the attempts went."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id", name="uq_webhook_deliveries_event"),
        # The delivery loop reads what is due, oldest first.
        Index("ix_webhook_deliveries_due", "delivered_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    #: A UUID the receiver uses to drop repeats (``X-Sohoa-Event-Id``).
    event_id: Mapped[str] = mapped_column(String(36))
    webhook_id: Mapped[int] = mapped_column(Integer)
    #: ``document.stored`` or ``document.revoked``.
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Given up after the last attempt (the reason stays in ``last_error``).
    abandoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
