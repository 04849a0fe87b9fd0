"""A submission's whole way: digitise, store and verify, then link in the catalog.

Order matters for "nothing is lost, nothing twice": the catalog reserves the
document (idempotent on the source's SHA-256) before any work; objects are
uploaded and verified before the row is marked stored; a rejected source
releases its reservation so nothing half-done remains.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ocr.assemble import DocumentResult
from ocr.errors import InputRejected
from ocr.options import OcrOptions
from storage.catalog import Catalog, DocumentRecord
from storage.objects import ObjectStore
from workers.digitise import digitise_file
from workers.pages import PageRunner, Progress
from workers.storing import KIND_TITLES, document_metadata, store_document

__all__ = ["KIND_TITLES", "Outcome", "Submission", "digitise_submission"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Submission:
    """One source file for one dossier; the only thing that crosses a queue (paths, not pixels)."""

    dossier_code: str
    kind: str
    source: Path
    source_name: str
    source_sha256: str


@dataclass(frozen=True)
class Outcome:
    record: DocumentRecord
    #: None when the same source was already stored (nothing was redone).
    result: DocumentResult | None

    @property
    def duplicate(self) -> bool:
        return self.result is None


def digitise_submission(
    submission: Submission,
    *,
    store: ObjectStore,
    catalog: Catalog,
    options: OcrOptions,
    runner: PageRunner,
    progress: Progress | None = None,
) -> Outcome:
    record, _ = catalog.reserve(
        submission.dossier_code, submission.kind, submission.source_name, submission.source_sha256
    )
    if record.status == "stored":
        log.info("already stored", extra={"document": record.name, "key": record.key})
        return Outcome(record, None)
    with tempfile.TemporaryDirectory(prefix="sohoa-doc-") as tmp:
        try:
            result = digitise_file(
                submission.source,
                Path(tmp) / "document.pdf",
                document_metadata(submission.kind, submission.source_name, record),
                options,
                runner,
                progress,
            )
        except InputRejected:
            catalog.release(record.id)
            raise
        stored = store_document(result, record, store, Path(tmp))
    record = catalog.mark_stored(record.id, stored)
    log.info("stored", extra={"document": record.name, "key": record.key, "pages": record.pages})
    return Outcome(record, result)
