"""What else happens, in the same transaction, when the catalog stores or revokes a document.

One call site per lifecycle step in :mod:`storage.catalog`: the register's per-dossier
flags (:mod:`storage.dossier_flags`) and the webhook outbox (:mod:`storage.webhooks`)
are written with the document row or not at all.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sohoa.storage import dossier_flags, webhooks
from sohoa.storage.models import Document


def stored(session: Session, row: Document) -> None:
    """``row`` became stored (scanned, or attached from an earlier dossier)."""
    dossier_flags.document_stored(session, row)
    webhooks.enqueue(session, row, webhooks.STORED)


def revoked(session: Session, row: Document) -> None:
    """``row`` (stored) was revoked for the first time."""
    webhooks.enqueue(session, row, webhooks.REVOKED)
