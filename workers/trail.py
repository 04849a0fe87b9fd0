"""The lifecycle's entries in the event trail (storage.events), one call per step.

Each helper records and never raises: a document's work is not undone because
its event could not be written (the failure is logged). Details are technical
(counts, kinds, digests), never the source's file name or anything personal.
"""

from __future__ import annotations

import logging
from typing import Any

from sohoa.ocr.assemble import DocumentResult
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.events import try_record_event
from sohoa.storage.objects import ObjectStore
from sohoa.workers.problems import Problem

#: The actor of steps no person or API key took directly (embedded page workers, CLI).
SYSTEM = "system"

log = logging.getLogger(__name__)


def note(catalog: Catalog, type: str, record: DocumentRecord, actor: str, **detail: Any) -> None:
    """One event about ``record``."""
    try_record_event(
        catalog,
        type,
        dossier_code=record.dossier_code,
        document_id=record.id,
        actor=actor,
        detail=detail,
    )


def received(catalog: Catalog, record: DocumentRecord, actor: str = SYSTEM) -> None:
    """A source was taken in for ``record`` (not when it was already stored)."""
    if record.status != "stored":
        note(
            catalog, "received", record, actor, kind=record.kind, source_sha256=record.source_sha256
        )


def made(
    catalog: Catalog, record: DocumentRecord, result: DocumentResult, actor: str = SYSTEM
) -> None:
    """``digitised`` (pages, confidence) and, for a converted PDF/A, ``validated``."""
    note(
        catalog, "digitised", record, actor, pages=result.pages, input_pages=result.input_pages,
        confidence=round(result.confidence, 2), dropped=len(result.dropped),
    )  # fmt: skip
    if not result.signed:
        note(catalog, "validated", record, actor, profile="PDF/A-2b")


def problem(catalog: Catalog, record: DocumentRecord, found: Problem, actor: str = SYSTEM) -> None:
    """``rejected`` or ``failed``, with the problem's kind (the messages stay on the row)."""
    note(catalog, "rejected" if found.rejected else "failed", record, actor, kind=found.kind)


def kept(store: ObjectStore, catalog: Catalog, record: DocumentRecord, actor: str = SYSTEM) -> None:
    """After ``mark_stored``: objects listed, retention set and locked, second copy made
    (storage.keeping.keep_stored), ``stored``/``copied`` recorded. Never raises: the
    document is stored; what could not be kept now is caught up by ``sohoa audit``."""
    from sohoa.storage.keeping import keep_stored

    try:
        keep_stored(store, catalog, record, actor=actor)
    except Exception:
        log.exception("keeping step failed", extra={"doc_id": record.id})
