"""The storing half of a document's way, shared by the embedded pipeline and the queue.

Upload the PDF/A and its sidecars (each put verifies the SHA-256 of what
landed) and describe the result for :meth:`storage.catalog.Catalog.mark_stored`.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.pdfa import DocumentMetadata
from sohoa.storage.catalog import DocumentRecord, DroppedPage, StoredDocument
from sohoa.storage.errors import ObjectExists
from sohoa.storage.files import sha256_file
from sohoa.storage.keys import DROPPED_SUFFIX, TEXT_SUFFIX, sidecar_key
from sohoa.storage.objects import ObjectStore, StoredObject
from sohoa.workers.signing import sign_for_storage
from sohoa.workers.thumbnails import store_thumbnails

log = logging.getLogger(__name__)

KIND_TITLES = {"intake": "Thành phần hồ sơ", "result": "Kết quả giải quyết"}


def document_metadata(kind: str, source_name: str, record: DocumentRecord) -> DocumentMetadata:
    """Title, dossier code and kind written into the PDF/A's XMP and Info."""
    return DocumentMetadata(
        title=f"{KIND_TITLES.get(kind, kind)} {record.name}",
        dossier_code=record.dossier_code,
        kind=kind,
        source_name=source_name,
        # The row's creation time, not now: the same source gives the same bytes.
        created=record.created_at,
    )


def store_document(
    result: DocumentResult, record: DocumentRecord, store: ObjectStore, tmp: Path
) -> StoredDocument:
    """Sign when the unit asks (the last byte-changing step), then upload the PDF/A and its
    sidecars; each put verifies the checksum of what landed. Page thumbnails are made
    here, once, from the stored bytes (workers.thumbnails)."""
    signed = sign_for_storage(result, record, tmp)
    main = put_own(store, record, record.stored_key, signed.pdf)
    text_key = sidecar_key(record.stored_key, TEXT_SUFFIX)
    sidecar = _text_sidecar(result, record, tmp / "text.json")
    put_own(store, record, text_key, sidecar, content_type="application/json")
    dropped_key = None
    if result.dropped_pdf is not None:
        dropped_key = sidecar_key(record.stored_key, DROPPED_SUFFIX)
        put_own(store, record, dropped_key, result.dropped_pdf)
    return StoredDocument(
        sha256=main.sha256,
        size=main.size,
        pages=result.pages,
        input_pages=result.input_pages,
        dropped_pages=tuple(DroppedPage(d.index, d.reason) for d in result.dropped),
        dropped_key=dropped_key,
        text_key=text_key,
        ocr_confidence=result.confidence,
        pdfa_valid=not result.signed,  # a signed source is stored as received, not PDF/A
        pdfa_report=result.pdfa_report,
        signature_level=signed.level,
        signed_by=signed.signed_by,
        signed_at=signed.signed_at,
        thumbs_key=store_thumbnails(store, signed.pdf, record.stored_key),
        page_texts=tuple(result.page_texts),  # indexed for search as the row is marked stored
    )


def put_own(
    store: ObjectStore,
    record: DocumentRecord,
    key: str,
    path: Path,
    content_type: str = "application/pdf",
) -> StoredObject:
    """Put one object of a document this run holds the claim (or the assemble lease) of.

    The store refuses to replace another object (put if absent). Under its key
    there may be one: left by an earlier attempt of this same row that stopped
    between upload and ``mark_stored`` (kill -9, power cut) and made other bytes
    (a signature's time). The row is not stored, so nobody was told of that object:
    it is removed and this one put. A stored row never comes here.
    """
    sha256 = sha256_file(path)
    try:
        return store.put_file(key, path, sha256, content_type=content_type)
    except ObjectExists:
        if record.status == "stored":
            raise
        log.warning("replacing an object left by an unfinished attempt", extra={"object_key": key})
        store.delete(key)
        return store.put_file(key, path, sha256, content_type=content_type)


def _text_sidecar(result: DocumentResult, record: DocumentRecord, path: Path) -> Path:
    """Per-page OCR text (UTF-8, NFC) with mean word confidence, for reuse without the PDF."""
    data = {
        "document": record.name,
        "dossier_code": record.dossier_code,
        "mean_confidence": result.confidence,
        "pages": [
            {"page": n, "confidence": conf, "text": text}
            for n, (text, conf) in enumerate(
                zip(result.page_texts, result.page_confidences, strict=True), start=1
            )
        ],
        "dropped_pages": [{"index": d.index, "reason": d.reason} for d in result.dropped],
        "notes": list(result.notes),
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return path
