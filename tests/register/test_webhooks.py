"""Webhooks: a document stored or revoked reaches a real HTTP receiver, signed, retried
with backoff while it fails, delivered once it acknowledges, each event with its own id.

The receiver is a real ``http.server`` on a free port in a thread; it answers 500 to
its first two requests. Time is passed to the delivery rounds explicitly (no sleeps).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sohoa.clock import utc_now
from sohoa.register.importer import ImportOptions, import_records
from sohoa.register.sync import dossier_sync_fields
from sohoa.storage.catalog import Catalog
from sohoa.storage.webhook_models import WebhookDeliveryRow
from sohoa.storage.webhooks import REVOKED, STORED, add_webhook, list_webhooks, remove_webhook
from sohoa.workers.webhooks import MAX_DELAY, backoff, deliver_due
from tests.register.conftest import DISTRICT, store_document

SECRET = "khoa-bi-mat-dong-bo-1234"
CODE = f"{DISTRICT}-250106-0001"


class Receiver:
    """Records what it is sent; fails the first ``failures`` requests with HTTP 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    failing = receiver.failures > 0
                    receiver.failures -= 1
                    if not failing:
                        receiver.received.append((dict(self.headers.items()), body))
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sohoa"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=2)
    found.thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def verified(headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Sohoa-Signature"], expected)


def test_events_are_signed_retried_with_backoff_and_delivered_once_acknowledged(
    catalog: Catalog, receiver: Receiver
) -> None:
    database = catalog.database
    import_records(database, [{"Mã hồ sơ": CODE, "Mã TTHC": "1.001612", "Kênh thực hiện": 1,
                               "Có kết quả giấy": 1}], ImportOptions(actor="test"))  # fmt: skip
    add_webhook(database, receiver.url, SECRET, (STORED, REVOKED))
    store_document(catalog, CODE, "intake")
    result = store_document(catalog, CODE, "result")

    now = utc_now()
    first = deliver_due(database, now=now)
    assert (first.delivered, first.failed) == (0, 2), "the receiver failed twice"
    assert deliver_due(database, now=now).failed == 0, "nothing is due before the backoff"
    second = deliver_due(database, now=now + backoff(1))
    assert (second.delivered, second.failed) == (2, 0)
    assert deliver_due(database, now=now + MAX_DELAY * 2).delivered == 0, "sent once acknowledged"

    catalog.revoke(result.id, "cấp nhầm kết quả", actor="canbo")
    catalog.revoke(result.id, "lần hai", actor="canbo")  # not a fresh revocation: no event
    assert deliver_due(database, now=now + MAX_DELAY * 3).delivered == 1

    assert len(receiver.received) == 3
    assert all(verified(headers, body) for headers, body in receiver.received)
    events = [json.loads(body) for _, body in receiver.received]
    ids = [headers["X-Sohoa-Event-Id"] for headers, _ in receiver.received]
    assert ids == [e["id"] for e in events] and len(set(ids)) == 3
    assert [e["type"] for e in events] == [STORED, STORED, REVOKED]
    revoked = events[2]
    assert revoked["document"]["TenTep"] == f"{CODE}-KQ1"
    assert revoked["sync"]["KetQua"][0]["DaThuHoi"] is True
    assert revoked["sync"]["KetQua"][0]["DuongDanTepTinKetQua"].endswith(
        f"/api/v1/cases/{CODE}/documents/{CODE}-KQ1"
    )
    fields = dossier_sync_fields(database, CODE, "http://x")
    assert fields["KetQua"][0]["DaThuHoi"] is True, "the revocation shows in the sync fields"
    with database.sessions() as session:
        rows = session.query(WebhookDeliveryRow).order_by(WebhookDeliveryRow.id).all()
        assert [r.attempts for r in rows] == [2, 2, 1]
        assert all(r.delivered_at is not None and r.last_error is None for r in rows)


def test_a_receiver_that_never_answers_is_given_up_with_the_reason_kept(catalog: Catalog) -> None:
    database = catalog.database
    add_webhook(database, "http://127.0.0.1:9/nobody", SECRET, (STORED,))
    store_document(catalog, CODE, "intake")
    now = utc_now()
    for attempt in range(3):
        deliver_due(database, now=now + timedelta(days=attempt), max_attempts=3)
    with database.sessions() as session:
        row = session.query(WebhookDeliveryRow).one()
        assert row.attempts == 3 and row.abandoned_at is not None and row.delivered_at is None
        assert row.last_error and "Error" in row.last_error
    assert deliver_due(database, now=now + timedelta(days=9)).failed == 0


def test_subscriptions_list_without_their_secret_and_are_removed(catalog: Catalog) -> None:
    hook = add_webhook(catalog.database, "https://dongbo.example/", SECRET, (REVOKED,))
    listed = list_webhooks(catalog.database)
    assert [(h.url, h.events) for h in listed] == [("https://dongbo.example/", (REVOKED,))]
    assert SECRET not in repr(listed)
    store_document(catalog, CODE, "intake")  # a stored event nobody subscribed to
    with catalog.database.sessions() as session:
        assert session.query(WebhookDeliveryRow).count() == 0
    assert remove_webhook(catalog.database, hook.id) is True
    assert list_webhooks(catalog.database) == []
