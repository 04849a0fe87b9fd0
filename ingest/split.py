"""Cut a long backlog scan into one PDF per dossier, keeping the scanner's image bytes.

Pages are copied, never re-encoded: a PDF's pages are copied object for object
with pikepdf; a TIFF (or a lone JPEG/PNG) is first wrapped into a PDF by img2pdf,
which also embeds G4 and JPEG data as they are. Parts are saved
deterministically (fixed document ID, no dates), so the same pages always give
the same bytes and the same SHA-256 — the catalog's idempotency key, which is
what makes a re-run or a resumed batch skip parts already stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import img2pdf
import pikepdf

from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.sources import SourceKind


@dataclass(frozen=True)
class PageRange:
    """Pages ``first``..``last`` of a source, 1-based and inclusive (as people count them)."""

    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def as_pdf(source: Path, kind: SourceKind, workdir: Path) -> Path:
    """The source itself if it is a PDF, else its images wrapped in a PDF without re-encoding."""
    if kind is SourceKind.PDF:
        return source
    target = workdir / f"{source.stem}.wrapped.pdf"
    try:
        target.write_bytes(img2pdf.convert(str(source), rotation=img2pdf.Rotation.ifvalid))
    except (img2pdf.ImageOpenError, img2pdf.AlphaChannelError, OSError, ValueError) as e:
        raise InputRejected(Reason.CORRUPT, source, f"cannot split: {str(e)[:160]}") from e
    return target


def write_part(pdf: pikepdf.Pdf, pages: PageRange, target: Path) -> Path:
    """Copy ``pages`` of ``pdf`` into ``target``: same bytes for the same pages, every run."""
    with pikepdf.new() as part:
        for index in range(pages.first - 1, pages.last):
            part.pages.append(pdf.pages[index])
        part.remove_unreferenced_resources()
        part.save(
            target,
            deterministic_id=True,
            compress_streams=True,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
        )
    return target
