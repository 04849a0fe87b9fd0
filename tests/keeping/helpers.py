"""Stored documents made without OCR, for the keeping tests (fixity does not read pixels).

Each document is put in the store (PDF bytes and an OCR-text sidecar) and
marked stored in the catalog exactly as the lifecycle does, then kept
(storage.keeping.keep_stored): objects listed, retention set, second copy made.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from sohoa.storage.catalog import Catalog, DocumentRecord, StoredDocument
from sohoa.storage.keeping import keep_stored
from sohoa.storage.keys import TEXT_SUFFIX, sidecar_key
from sohoa.storage.objects import ObjectStore

CODE = "000.00.20.H56-240101-0001"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def store_doc(
    catalog: Catalog,
    store: ObjectStore,
    tmp: Path,
    *,
    code: str = CODE,
    size: int = 2048,
    kind: str = "intake",
) -> DocumentRecord:
    """One stored document of ``size`` random bytes plus its text sidecar, kept."""
    body = b"%PDF-1.7\n" + secrets.token_bytes(size)
    record, _ = catalog.reserve(code, kind, f"scan-{secrets.token_hex(4)}.pdf", sha256(body))
    pdf = tmp / f"doc-{record.id}.pdf"
    pdf.write_bytes(body)
    store.put_file(record.stored_key, pdf, sha256(body))
    text = tmp / f"doc-{record.id}.json"
    text.write_text('{"pages": [{"page": 1, "text": "Cộng hòa"}]}', encoding="utf-8")
    text_key = sidecar_key(record.stored_key, TEXT_SUFFIX)
    store.put_file(text_key, text, sha256(text.read_bytes()), content_type="application/json")
    stored = StoredDocument(sha256=sha256(body), size=len(body), pages=1, input_pages=1,
                            text_key=text_key, pdfa_valid=True)  # fmt: skip
    record = catalog.mark_stored(record.id, stored)
    keep_stored(store, catalog, record, actor="test")
    return record
