"""Sending the webhook outbox (storage.webhook_models): signed POSTs, retried with backoff.

Each due delivery is claimed (its next attempt pushed one lease ahead, with
``SKIP LOCKED`` on PostgreSQL so two loops never take the same row), POSTed with
``X-Sohoa-Event-Id`` and ``X-Sohoa-Signature: sha256=<HMAC-SHA256 of the body>``,
and then marked delivered on a 2xx answer, or rescheduled with exponential backoff
(capped); after ``max_attempts`` it is given up with its last error kept. A
delivery may be sent more than once (a crash between the answer and the mark):
receivers drop repeats by event id. Nothing of the body or the secret is logged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from sohoa.clock import utc_now
from sohoa.storage.database import SessionSource
from sohoa.storage.webhook_models import WebhookDeliveryRow, WebhookRow
from sohoa.workers.rounds import Rounds

log = logging.getLogger(__name__)

#: First retry after this long, doubling each time up to the cap.
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_ATTEMPTS = 10
#: A claimed delivery is not taken by another loop for this long.
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10.0

#: (url, body, headers) → HTTP status; raises OSError when nothing answered.
Post = Callable[[str, bytes, dict[str, str]], int]


@dataclass
class Sent:
    delivered: int = 0
    failed: int = 0
    abandoned: int = 0


def signature(secret: str, body: bytes) -> str:
    """The ``X-Sohoa-Signature`` header value a receiver recomputes to trust the body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(payload: dict[str, object]) -> bytes:
    """The exact bytes signed and sent (the same on every attempt)."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def backoff(attempts: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: 30 s, 1 min, 2 min… up to an hour."""
    delay: timedelta = BASE_DELAY * (2 ** max(attempts - 1, 0))
    return min(delay, MAX_DELAY)


def deliver_due(
    source: SessionSource,
    *,
    now: datetime | None = None,
    limit: int = 50,
    post: Post | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> Sent:
    """Send every delivery due at ``now`` (up to ``limit``); what happened, counted."""
    now = now or utc_now()
    sent = Sent()
    for delivery_id, url, secret, event_id, event_type, payload in _claim(source, now, limit):
        body = body_of(payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "sohoa-webhooks",
            "X-Sohoa-Event-Id": event_id,
            "X-Sohoa-Event-Type": event_type,
            "X-Sohoa-Signature": signature(secret, body),
        }
        error = _send(post or http_post, url, body, headers)
        outcome = _record(source, delivery_id, error, now, max_attempts)
        setattr(sent, outcome, getattr(sent, outcome) + 1)
    return sent


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def _send(post: Post, url: str, body: bytes, headers: dict[str, str]) -> str | None:
    """None when the receiver acknowledged (2xx), else why not (no body, no secret)."""
    try:
        status = post(url, body, headers)
    except (OSError, ValueError) as error:
        return f"{type(error).__name__}: {str(error)[:200]}"
    return None if 200 <= status < 300 else f"HTTP {status}"


def _claim(
    source: SessionSource, now: datetime, limit: int
) -> list[tuple[int, str, str, str, str, dict[str, object]]]:
    d, w = WebhookDeliveryRow, WebhookRow
    with source.sessions.begin() as session:
        query = (
            select(d)
            .where(d.delivered_at.is_(None), d.abandoned_at.is_(None), d.next_attempt_at <= now)
            .order_by(d.id)
            .limit(limit)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = list(session.scalars(query))
        hooks = {
            h.id: h
            for h in session.scalars(select(w).where(w.id.in_({r.webhook_id for r in rows})))
        }
        claimed = []
        for row in rows:
            hook = hooks.get(row.webhook_id)
            if hook is None:
                continue
            row.next_attempt_at = now + LEASE
            claimed.append((row.id, hook.url, hook.secret, row.event_id, row.type, row.payload))
        return claimed


def _record(
    source: SessionSource, delivery_id: int, error: str | None, now: datetime, max_attempts: int
) -> str:
    with source.sessions.begin() as session:
        row = session.get(WebhookDeliveryRow, delivery_id)
        assert row is not None
        row.attempts += 1
        if error is None:
            row.delivered_at = utc_now()
            row.last_error = None
            outcome = "delivered"
        else:
            row.last_error = error
            if row.attempts >= max_attempts:
                row.abandoned_at = now
                outcome = "abandoned"
                log.warning(
                    "webhook delivery given up",
                    extra={"delivery": delivery_id, "attempts": row.attempts, "error": error},
                )
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                outcome = "failed"
    return outcome


def delivery_rounds(source: Callable[[], SessionSource], interval: float = 5.0) -> Rounds:
    """Due deliveries sent every ``interval`` seconds until stopped (``sohoa serve`` and
    ``sohoa worker`` run one; ``sohoa webhooks deliver --once`` is the cron form)."""
    return Rounds("sohoa-webhooks", lambda: deliver_due(source()), interval, TIMEOUT_SECONDS + 5)
