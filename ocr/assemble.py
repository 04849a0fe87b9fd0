"""Fan-in: the kept pages become one PDF/A-2b, the dropped ones a recovery PDF.

Each output page draws the scanner's image (placed by `geometry`) and, over
it, tesseract's invisible text layer as a form XObject. All text layers share
one copy of tesseract's glyphless font. The output is built inside the
source's own PDF (see `ImageEmbedder`), so memory stays flat in the page count.
JPEG images get optimal Huffman tables (`ocr.jpeg`: the same pixels, about 8 %
fewer bytes); the recoded data is held in memory until the save, so only the
first `_JPEG_BUDGET` bytes of a document are recoded and later pages keep the
scanner's bytes as they are; so do the dropped pages' recovery PDF.
"""

from __future__ import annotations

import shutil
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Dictionary, Name

from sohoa.ocr import jpeg
from sohoa.ocr.geometry import place, to_pdf
from sohoa.ocr.images import ImageEmbedder
from sohoa.ocr.page import PageResult
from sohoa.ocr.pdfa import DocumentMetadata, save_pdfa
from sohoa.ocr.sources import SourceInfo
from sohoa.values import DroppedPage

#: Recoded JPEG bytes one document may hold in memory until its save (~150 grey
#: 200-dpi pages); the pages after that keep the scanner's own JPEG bytes.
_JPEG_BUDGET = 64 * 1024 * 1024


@dataclass(frozen=True)
class DocumentResult:
    """What one source became; the only thing the callers need to store and report."""

    pdf: Path
    input_pages: int
    pages: int
    dropped: tuple[DroppedPage, ...]
    dropped_pdf: Path | None
    confidence: float
    page_texts: tuple[str, ...]
    page_confidences: tuple[float, ...]
    pdfa_report: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    #: The source PDF carried a digital signature: `pdf` is the source, byte for byte.
    signed: bool = False


#: Why a signed PDF is not converted (Vietnamese for the counter, English for logs).
SIGNED_NOTE = (
    "tệp đã có chữ ký số nên được lưu nguyên bản, không chuyển sang PDF/A "
    "(the file carries a digital signature: stored as received, not converted to PDF/A, "
    "because any change would break the signature)"
)


def assemble(
    source: SourceInfo, results: Sequence[PageResult], metadata: DocumentMetadata, output: Path
) -> DocumentResult:
    """Write the PDF/A (validated) and, if pages were dropped, a PDF/A holding them."""
    ordered = sorted(results, key=lambda r: r.index)
    if source.signed:
        return _keep_signed(source, ordered, output)
    kept = [r for r in ordered if r.dropped is None]
    dropped = [r for r in ordered if r.dropped is not None]
    if not kept:
        kept, dropped = ordered, []  # never store an empty document: keep everything
    report, notes = _write(source, kept, metadata, output, with_text=True)
    dropped_pdf = None
    if dropped:
        dropped_pdf = output.with_suffix(".dropped.pdf")
        note = f"{metadata.title} - trang bị loại (dropped pages)"
        _write(source, dropped, metadata.but(title=note), dropped_pdf, with_text=False)
    return DocumentResult(
        pdf=output,
        input_pages=len(ordered),
        pages=len(kept),
        dropped=tuple(DroppedPage(r.index + 1, r.dropped or "") for r in dropped),
        dropped_pdf=dropped_pdf,
        confidence=_mean_confidence(kept),
        page_texts=tuple(r.text for r in kept),
        page_confidences=tuple(round(r.confidence, 2) for r in kept),
        pdfa_report=report,
        notes=tuple(sorted({n for r in ordered for n in r.notes} | set(notes))),
    )


def _keep_signed(source: SourceInfo, results: Sequence[PageResult], output: Path) -> DocumentResult:
    """The signed source itself is the output: copied byte for byte, nothing rewritten."""
    shutil.copyfile(source.path, output)
    return DocumentResult(
        pdf=output,
        input_pages=len(results),
        pages=len(results),
        dropped=(),
        dropped_pdf=None,
        confidence=_mean_confidence(results),
        page_texts=tuple(r.text for r in results),
        page_confidences=tuple(round(r.confidence, 2) for r in results),
        pdfa_report="not PDF/A: digitally signed, stored as received",
        notes=(SIGNED_NOTE,),
        signed=True,
    )


def _write(
    source: SourceInfo,
    results: Sequence[PageResult],
    metadata: DocumentMetadata,
    output: Path,
    *,
    with_text: bool,
) -> tuple[str, list[str]]:
    """The validation summary, and notes on what changed in kept born-digital pages."""
    notes: list[str] = []
    budget = _JPEG_BUDGET
    with ImageEmbedder(source) as embedder:
        pdf = embedder.pdf
        font: pikepdf.Object | None = None
        for result in results:
            info = source.pages[result.index]
            if info.digital:  # its own text: no image, no second text layer
                notes += [n for n in [embedder.keep(info)] if n]
                continue
            image, _ = embedder.embed(info)
            if with_text and budget > 0:  # dropped pages are kept exactly as scanned
                budget -= _smaller_jpeg(image)
            placement = place(
                int(image.Width),
                int(image.Height),
                info.dpi * int(image.Width) / info.width_px,
                result.turn,
                result.skew,
            )
            page = pdf.add_blank_page(page_size=(placement.width, placement.height))
            page.Resources = Dictionary(XObject=Dictionary(Im0=image))
            content = f"q {to_pdf(placement.image_matrix)} cm /Im0 Do Q\n"
            if with_text and result.text_pdf is not None:
                font = _add_text_layer(pdf, page, result.text_pdf, font)
                content += "q /Tx0 Do Q\n"
            page.Contents = pdf.make_stream(content.encode())
        return save_pdfa(embedder.finish(), output, metadata.but(pages=len(results))), notes


def _smaller_jpeg(image: pikepdf.Object) -> int:
    """Recode a JPEG image with optimal Huffman tables, in place; the bytes now held in memory.

    Only a plain DCT image (one filter) is touched; its decode parameters stay.
    """
    filters = image.get(Name.Filter)
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    if filters != Name.DCTDecode or not isinstance(image, pikepdf.Stream):
        return 0
    smaller = jpeg.optimised(image.read_raw_bytes())
    if smaller is None:
        return 0
    parms = image.get(Name.DecodeParms)
    if isinstance(parms, pikepdf.Array) and len(parms) == 1:
        parms = parms[0]
    kept = parms if isinstance(parms, pikepdf.Dictionary) else None
    image.write(smaller, filter=Name.DCTDecode, decode_parms=kept)
    return len(smaller)


def _add_text_layer(
    pdf: pikepdf.Pdf, page: pikepdf.Page, text_pdf: Path, shared_font: pikepdf.Object | None
) -> pikepdf.Object | None:
    """Draw tesseract's text-only page as a form XObject; all pages share one font object.

    The form is made here from the page's content, compressed, and only the font
    is copied (once): whatever is copied in stays in memory until the save.
    """
    with pikepdf.open(text_pdf) as text:
        layer = text.pages[0]
        content = zlib.compress(layer.as_form_xobject().read_bytes())
        bbox = [float(v) for v in layer.mediabox]
        names = list(layer.Resources.get(Name.Font, Dictionary()).keys())
        if shared_font is None and names:
            shared_font = pdf.copy_foreign(layer.Resources.Font[names[0]])
    sx = float(page.mediabox[2]) / (bbox[2] - bbox[0])
    sy = float(page.mediabox[3]) / (bbox[3] - bbox[1])
    page.Resources.XObject.Tx0 = pdf.make_stream(
        content,
        Type=Name.XObject,
        Subtype=Name.Form,
        BBox=bbox,
        Matrix=[sx, 0, 0, sy, 0, 0],
        Resources=Dictionary(Font=Dictionary({name: shared_font for name in names})),
        Filter=Name.FlateDecode,
    )
    return shared_font


def _mean_confidence(results: Sequence[PageResult]) -> float:
    words = sum(r.words for r in results)
    if not words:
        return 0.0
    return round(sum(r.confidence * r.words for r in results) / words, 2)
