"""Stored documents made without OCR, for the keeping tests (fixity does not read pixels).

Each document is put in the store (PDF bytes and an OCR-text sidecar; with ``pages``, a
real PDF of that many pages, its page thumbnails rendered by workers.thumbnails and its
dropped-pages PDF) and marked stored in the catalog exactly as the lifecycle does, then
kept (storage.keeping.keep_stored): objects listed, retention set, second copy made.
:func:`add_second_version` adds a fix's version (its own PDF, OCR text and thumbnails)
the way workers.revise does.
"""

from __future__ import annotations

import hashlib
import secrets
from io import BytesIO
from pathlib import Path

import pikepdf

from sohoa.storage.catalog import Catalog, DocumentRecord, StoredDocument
from sohoa.storage.keeping import keep_stored
from sohoa.storage.keys import DROPPED_SUFFIX, TEXT_SUFFIX, sidecar_key
from sohoa.storage.objects import ObjectStore
from sohoa.storage.versions import NewVersion, add_version, version_key
from sohoa.workers.thumbnails import store_thumbnails

CODE = "000.00.20.H56-240101-0001"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_bytes(pages: int) -> bytes:
    """A real PDF of ``pages`` small pages, unique (a random /ID-like Info entry)."""
    pdf = pikepdf.new()
    for n in range(pages):
        pdf.add_blank_page(page_size=(200, 280))
        shade = f"{0.2 + 0.1 * n:.1f}".encode()
        pdf.pages[n].contents_add(pikepdf.Stream(pdf, shade + b" g 20 20 100 150 re f"))
    pdf.docinfo["/Nonce"] = secrets.token_hex(8)
    out = BytesIO()
    pdf.save(out)
    return out.getvalue()


def store_doc(
    catalog: Catalog,
    store: ObjectStore,
    tmp: Path,
    *,
    code: str = CODE,
    size: int = 2048,
    kind: str = "intake",
    pages: int = 0,
) -> DocumentRecord:
    """One stored document of ``size`` random bytes plus its text sidecar, kept; with
    ``pages``, a real PDF with its thumbnails and a dropped-pages PDF."""
    body = pdf_bytes(pages) if pages else b"%PDF-1.7\n" + secrets.token_bytes(size)
    record, _ = catalog.reserve(code, kind, f"scan-{secrets.token_hex(4)}.pdf", sha256(body))
    pdf = tmp / f"doc-{record.id}.pdf"
    pdf.write_bytes(body)
    store.put_file(record.stored_key, pdf, sha256(body))
    text = tmp / f"doc-{record.id}.json"
    text.write_text('{"pages": [{"page": 1, "text": "Cộng hòa"}]}', encoding="utf-8")
    text_key = sidecar_key(record.stored_key, TEXT_SUFFIX)
    store.put_file(text_key, text, sha256(text.read_bytes()), content_type="application/json")
    thumbs = dropped_key = None
    if pages:
        thumbs = store_thumbnails(store, pdf, record.stored_key)
        assert thumbs is not None
        dropped = tmp / f"doc-{record.id}.dropped.pdf"
        dropped.write_bytes(pdf_bytes(1))
        dropped_key = sidecar_key(record.stored_key, DROPPED_SUFFIX)
        store.put_file(dropped_key, dropped, sha256(dropped.read_bytes()))
    stored = StoredDocument(
        sha256=sha256(body), size=len(body), pages=pages or 1, input_pages=(pages or 1) + 1,
        text_key=text_key, pdfa_valid=True, thumbs_key=thumbs, dropped_key=dropped_key,
    )  # fmt: skip
    record = catalog.mark_stored(record.id, stored)
    keep_stored(store, catalog, record, actor="test")
    return record


def add_second_version(
    catalog: Catalog, store: ObjectStore, tmp: Path, record: DocumentRecord, pages: int
) -> DocumentRecord:
    """Version 2 of ``record`` (a fix): its own PDF, OCR text and thumbnails, then kept."""
    key = version_key(record, 2)
    body = pdf_bytes(pages)
    pdf = tmp / f"doc-{record.id}.v2.pdf"
    pdf.write_bytes(body)
    stored = store.put_file(key, pdf, sha256(body))
    text = tmp / f"doc-{record.id}.v2.json"
    text.write_text('{"version": 2, "pages": []}', encoding="utf-8")
    text_key = sidecar_key(key, TEXT_SUFFIX)
    store.put_file(text_key, text, sha256(text.read_bytes()), content_type="application/json")
    new = NewVersion(
        key=key, sha256=stored.sha256, size=stored.size, pages=pages, text_key=text_key,
        thumbs_key=store_thumbnails(store, pdf, key), pdfa_valid=True, pdfa_report="test",
        change={"op": "rotate", "page": 1, "degrees": 90},
        page_origins=tuple(range(1, pages + 1)),
    )  # fmt: skip
    revised = add_version(catalog, record, new, actor="test")
    keep_stored(store, catalog, revised, actor="test")
    return revised
