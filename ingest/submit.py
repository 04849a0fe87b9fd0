"""Check what the clerk gave us and turn it into a Submission for the workers."""

from __future__ import annotations

from pathlib import Path

from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.sources import check_regular_file
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.files import sha256_file
from sohoa.storage.keys import check_kind
from sohoa.workers.submission import Submission


def make_submission(source: Path, dossier_code: str, kind: str) -> Submission:
    """Raises DossierCodeError for a bad code, InputRejected for a missing or empty file."""
    code = parse_dossier_code(dossier_code)
    checked_kind = check_kind(kind)
    check_regular_file(source)  # missing, a folder, a pipe: each its own message
    if source.stat().st_size == 0:
        raise InputRejected(Reason.EMPTY, source)
    return Submission(
        dossier_code=code,
        kind=checked_kind,
        source=source.resolve(),
        source_name=source.name,
        source_sha256=sha256_file(source),
    )
