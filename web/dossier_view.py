"""What the dossier page shows, read from the catalog and the store as plain data.

Kept apart from the routes so the page stays a thin face: one call gathers
every document, its versions, its OCR text and the dossier's event trail.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sohoa.i18n import N_
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.events import Event, events_for
from sohoa.storage.objects import ObjectStore
from sohoa.storage.versions import VersionRecord, versions
from sohoa.workers.thumbnails import thumb_key

#: Event types as people read them.
EVENT_LABELS = {
    "received": N_("received"),
    "digitised": N_("digitised"),
    "validated": N_("PDF/A validated"),
    "signed": N_("signed"),
    "stored": N_("stored"),
    "copied": N_("second copy made"),
    "verified": N_("verified"),
    "fixity_checked": N_("checksum checked"),
    "fixity_failed": N_("checksum check failed"),
    "revoked": N_("revoked"),
    "downloaded": N_("downloaded"),
    "deleted": N_("deleted"),
    "rejected": N_("rejected"),
    "failed": N_("failed"),
    "revised": N_("fixed (new version)"),
}
#: What each fix did, as people read it (the change record's ``op``).
CHANGE_LABELS = {
    "store": N_("original scan"),
    "rotate": N_("page %(page)s turned %(degrees)s°"),
    "restore_dropped": N_("dropped scanned page %(scanned_page)s restored"),
    "replace": N_("page %(page)s replaced by a new scan"),
    "insert": N_("new scan inserted after page %(after)s"),
    "sticky": N_("second image of page %(page)s (sticky note)"),
}
#: The signing certificate's revocation status, from a verification.
REVOCATION_LABELS = {
    "good": N_("certificate not revoked"),
    "good_at_signing_time": N_("valid at signing time (B-LT, revocation data embedded)"),
    "revoked_after_signing": N_("valid at signing time; the certificate was revoked later"),
    "revoked": N_("certificate REVOKED"),
    "unknown": N_("certificate revocation unknown (no revocation data)"),
}
KIND_LABELS = {"intake": N_("Intake component"), "result": N_("Result")}
#: Rows that are not stored, by state.
STATUS_LABELS = {"pending": N_("in progress"), "rejected": N_("rejected"), "failed": N_("failed")}


@dataclass(frozen=True)
class DocumentView:
    record: DocumentRecord
    versions: list[VersionRecord]
    #: Per page of the current version: its OCR text.
    texts: list[str]
    #: Dropped scanned pages not restored yet (their number in the scan, and why).
    restorable: list[tuple[int, str]]

    @property
    def current(self) -> VersionRecord | None:
        return self.versions[-1] if self.versions else None

    @property
    def thumbs(self) -> list[int]:
        current = self.current
        return list(range(1, current.pages + 1)) if current and current.thumbs_key else []


@dataclass(frozen=True)
class DossierView:
    code: str
    stored: list[DocumentView]
    #: Rows that ended rejected or failed (or still pending), with their reason.
    others: list[DocumentRecord]
    events: list[Event]


def dossier_view(catalog: Catalog, store: ObjectStore, code: str) -> DossierView | None:
    """Everything the page shows about dossier ``code``; None when it has no document."""
    records = catalog.documents(code)
    if not records:
        return None
    stored = [document_view(catalog, store, r) for r in records if r.status == "stored"]
    others = [r for r in records if r.status != "stored"]
    return DossierView(code, stored, others, events_for(catalog, code))


def document_view(catalog: Catalog, store: ObjectStore, record: DocumentRecord) -> DocumentView:
    listed = versions(catalog, record)
    current = listed[-1] if listed else None
    texts = page_texts(store, current.text_key) if current and current.text_key else []
    origins = set(current.page_origins) if current else set()
    restorable = [(p.index, p.reason) for p in record.dropped_pages if p.index not in origins]
    return DocumentView(record, listed, texts, restorable)


def page_texts(store: ObjectStore, text_key: str) -> list[str]:
    """The OCR text of each page from the ``.ocr.json`` sidecar ([] when it cannot be read)."""
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-text-") as tmp:
            local = Path(tmp) / "text.json"
            store.get_to_file(text_key, local)
            data: dict[str, Any] = json.loads(local.read_text("utf-8"))
    except Exception:
        return []
    return [str(page.get("text", "")) for page in data.get("pages", [])]


def version_of(view: DocumentView, number: int) -> VersionRecord | None:
    return next((v for v in view.versions if v.version == number), None)


def thumbnail_key(version: VersionRecord, page: int) -> str | None:
    if version.thumbs_key is None or not 1 <= page <= version.pages:
        return None
    return thumb_key(version.thumbs_key, page)


def change_text(change: dict[str, Any], translate: Any) -> str:
    """A change record as a sentence in the page's language."""
    label = CHANGE_LABELS.get(str(change.get("op")))
    if label is None:
        return json.dumps(change, ensure_ascii=False)
    try:
        return str(translate(label) % change)
    except (KeyError, TypeError, ValueError):
        return str(translate(label))
