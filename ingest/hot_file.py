"""One claimed file from a hot folder (or the quarantine): find its dossier, digitise, finish.

The source is only deleted or moved to done/ after digitise_submission has
returned, i.e. after the PDF/A was uploaded, its checksum verified and the
catalog row marked stored. A file the pipeline rejects goes to quarantine with
its reason; a failure that is not the file's fault (the store is down) puts it
back into the hot folder to be tried again.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sohoa.ingest.claim import Claim, put_back
from sohoa.ingest.code_sources import find_code
from sohoa.ingest.folder_config import FIXED_PREFIX, FolderConfig
from sohoa.ingest.quarantine import Entry, Origin, Quarantine
from sohoa.ingest.quarantine_reasons import Why
from sohoa.ingest.submit import make_submission
from sohoa.ocr.errors import InputRejected
from sohoa.ocr.options import OcrOptions
from sohoa.workers.problems import Problem
from sohoa.workers.submission import Outcome, Submission

log = logging.getLogger(__name__)

#: Runs a submission through OCR, PDF/A, storage and catalog (workers.pipeline).
Digitiser = Callable[[Submission, OcrOptions], Outcome]
#: The quarantine reason for an error, or None when the error is not the file's fault.
Explain = Callable[[Exception], Why | None]

Status = Literal["stored", "duplicate", "quarantined", "deferred", "refused"]


@dataclass(frozen=True)
class Context:
    digitise: Digitiser
    explain: Explain
    #: OCR options of a scanner profile (None = the default profile).
    options_for: Callable[[str | None], OcrOptions]
    quarantine: Quarantine


@dataclass(frozen=True)
class FileReport:
    """What happened to one file, for the clerk's one line and the log."""

    status: Status
    source_name: str
    folder: str
    document: str = ""
    pages: int = 0
    quarantine_name: str = ""
    message_vi: str = ""
    message_en: str = ""


def origin_of(folder: FolderConfig, original_name: str) -> Origin:
    return Origin(
        str(folder.path),
        original_name,
        folder.kind,
        folder.profile,
        folder.code_from,
        folder.qr_pages,
    )


def digitise_found(path: Path, origin: Origin, ctx: Context, code: str | None = None) -> Outcome:
    """Find the dossier code (unless given) and digitise ``path`` for it."""
    options = ctx.options_for(origin.profile)
    sources = (f"{FIXED_PREFIX}{code}",) if code else origin.code_from
    found = find_code(path, origin.original_name, sources, options, origin.qr_pages)
    submission = make_submission(path, str(found), origin.kind)
    submission = dataclasses.replace(submission, source_name=origin.original_name)
    return ctx.digitise(submission, options)


def handle_claim(
    claim: Claim, folder: FolderConfig, ctx: Context, rejection: InputRejected | None = None
) -> FileReport:
    """Process a claimed file to its end: stored, quarantined, or put back for later."""
    origin = origin_of(folder, claim.original_name)
    try:
        outcome = digitise_found(claim.path, origin, ctx)
    except KeyboardInterrupt:
        put_back(claim, folder.path)
        raise
    except Exception as error:
        # A source readiness already refused goes through the lifecycle like any other
        # (so its catalog row ends "rejected" with the reason, as at every entrance); if
        # it fails before that (no code readable), the readiness reason is the one kept.
        if rejection is not None and not isinstance(error, Problem | InputRejected):
            error = rejection
        return _failed(claim, folder, origin, ctx, error)
    finish_source(claim, folder)
    status: Status = "duplicate" if outcome.duplicate else "stored"
    record = outcome.record
    return FileReport(status, claim.original_name, str(folder.path), record.name, record.pages or 0)


def _failed(
    claim: Claim, folder: FolderConfig, origin: Origin, ctx: Context, error: Exception
) -> FileReport:
    why = ctx.explain(_as_named(error, origin.original_name))
    if why is None:
        put_back(claim, folder.path)
        log.warning("will retry later", extra={"file": claim.original_name, "error": str(error)})
        return FileReport(
            "deferred",
            claim.original_name,
            str(folder.path),
            message_vi=f"chưa xử lý được, sẽ thử lại: {error}",
            message_en=f"not processed, will retry: {error}",
        )
    entry = quarantine_source(claim, ctx.quarantine, why, origin)
    return FileReport(
        "quarantined",
        claim.original_name,
        str(folder.path),
        quarantine_name=entry.name,
        message_vi=why.message_vi,
        message_en=why.message_en,
    )


def quarantine_source(claim: Claim, quarantine: Quarantine, why: Why, origin: Origin) -> Entry:
    """The file cannot be stored: into the quarantine with ``why``, out of .processing."""
    entry = quarantine.put(claim.path, why, origin)
    claim.release()
    return entry


def finish_source(claim: Claim, folder: FolderConfig) -> None:
    """The document is stored and verified (or found a duplicate of a stored one): only
    now may the source leave .processing."""
    if folder.after == "delete":
        claim.path.unlink()
    else:
        done = folder.resolved_done_dir
        done.mkdir(parents=True, exist_ok=True)
        target = done / claim.original_name
        if target.exists():
            target = done / claim.path.name
        shutil.move(claim.path, target)  # done/ may be on another filesystem
    claim.release()
    log.info("source finished", extra={"file": claim.original_name, "after": folder.after})


def _as_named(error: Exception, name: str) -> Exception:
    """Rejections name the file as the clerk knows it, not by its claimed name."""
    if isinstance(error, InputRejected) and error.path.name != name:
        return InputRejected(error.reason, error.path.with_name(name), error.detail)
    return error
