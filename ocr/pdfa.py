"""Metadata, PDF/A-2b conformance and validation of every written file.

pikepdf's PDF/A save writes to a temporary file, validates exactly those bytes
and only then moves them into place: a failed validation leaves nothing
behind and becomes an error, never a plain PDF stored silently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pikepdf
import pikepdf.pdfa

from sohoa import __version__
from sohoa.clock import VIETNAM
from sohoa.ocr.errors import InputRejected, Reason

PRODUCER = f"sohoa {__version__}"


@dataclass(frozen=True)
class DocumentMetadata:
    title: str
    dossier_code: str = ""
    kind: str = ""
    source_name: str = ""
    pages: int = 0
    created: datetime = dataclasses.field(default_factory=lambda: datetime.now(VIETNAM))

    def but(self, **changes: object) -> DocumentMetadata:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def keywords(self) -> str:
        parts = [
            f"mã hồ sơ: {self.dossier_code}" if self.dossier_code else "",
            f"loại: {self.kind}" if self.kind else "",
            f"số trang: {self.pages}",
            f"tệp gốc: {self.source_name}" if self.source_name else "",
        ]
        return "; ".join(p for p in parts if p)


def save_pdfa(pdf: pikepdf.Pdf, output: Path, metadata: DocumentMetadata) -> str:
    """Write `pdf` as validated PDF/A-2b at `output`; returns a one-line validation summary."""
    # prepare() rewrites the XMP for PDF/A (and names pikepdf as producer); ours goes on top.
    pikepdf.pdfa.prepare(pdf, "2b")
    _set_metadata(pdf, metadata)
    try:
        # deterministic_id: the trailer /ID is a hash of the content, not of the clock,
        # so the same pages and metadata give the same bytes.
        report = pikepdf.pdfa.save(
            pdf, output, "2b", repair=False, compress_streams=True, deterministic_id=True
        )
    except pikepdf.pdfa.PdfaError as e:
        findings = "; ".join(f"{f.rule}: {f.message}" for f in e.report.findings[:5])
        raise InputRejected(Reason.PDFA_INVALID, output, findings) from e
    return f"PDF/A-{report.flavour.value.upper()} valid (pikepdf {pikepdf.__version__})"


def _set_metadata(pdf: pikepdf.Pdf, metadata: DocumentMetadata) -> None:
    created = metadata.created.astimezone(VIETNAM).replace(microsecond=0).isoformat()
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["dc:title"] = metadata.title
        if metadata.dossier_code:
            xmp["dc:identifier"] = metadata.dossier_code
        xmp["dc:description"] = metadata.keywords()
        xmp["dc:language"] = ["vi"]
        xmp["pdf:Keywords"] = metadata.keywords()
        xmp["pdf:Producer"] = PRODUCER
        xmp["xmp:CreatorTool"] = PRODUCER
        xmp["xmp:CreateDate"] = created
        xmp["xmp:ModifyDate"] = created
        xmp["xmp:MetadataDate"] = created
