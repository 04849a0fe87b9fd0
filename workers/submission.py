"""What goes into the lifecycle (a Submission) and what comes out of it (an Outcome)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.codes import DossierCode
from sohoa.values import Kind

if TYPE_CHECKING:  # the OCR path (numpy, pikepdf's validator) only for the type
    from sohoa.ocr.assemble import DocumentResult


@dataclass(frozen=True)
class Submission:
    """One source file for one dossier; the only thing that crosses a queue (paths, not pixels).

    The code and kind were parsed where the submission entered (CLI, API, hot folder,
    batch): they travel typed, and nothing downstream parses them again.
    """

    dossier_code: DossierCode
    kind: Kind
    source: Path
    source_name: str
    source_sha256: str


@dataclass(frozen=True)
class Outcome:
    """A submission that ended stored: its catalog row, and the result when it was made now."""

    record: DocumentRecord
    #: The digitised document when this process made it (embedded mode); None when the
    #: source was already stored, or when a queue worker made it.
    result: DocumentResult | None
    #: The same source was already stored for this dossier: nothing was redone.
    duplicate: bool = False
