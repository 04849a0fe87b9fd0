"""Page pixels for OCR, and the page's image for the PDF/A, each from the source.

The two are kept apart on purpose: OCR works on a decoded, corrected copy in
memory, while the PDF/A receives the scanner's own bytes whenever the format
allows it (JPEG stays JPEG, G4 stays G4). Re-encoding happens only when PDF/A
forbids the original (alpha, CMYK, LZW) and is reported.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import img2pdf
import pikepdf
from pdf2image import convert_from_path
from pdf2image.exceptions import PDFPageCountError, PDFSyntaxError
from pikepdf import AccessMode, Name
from PIL import Image

from sohoa.ocr.decode_limits import inspected_limits
from sohoa.ocr.errors import InputRejected, Reason, ToolMissing
from sohoa.ocr.pdf_images import JBIG2_MISSING, find_page_image, page_attribute
from sohoa.ocr.sources import PageInfo, SourceInfo, SourceKind


def load_pixels(source: SourceInfo, page: PageInfo) -> Image.Image:
    """Decode one page for OCR; damaged image data becomes a CORRUPT rejection."""
    try:
        with inspected_limits():
            if source.kind is SourceKind.PDF:
                return _pdf_pixels(source.path, page)
            return _frame(source.path, page.index)
    except InputRejected:
        raise
    except Image.DecompressionBombError as e:
        raise InputRejected(Reason.BOMB, source.path, f"page {page.index + 1}") from e
    except pikepdf.DependencyError as e:  # only JBIG2 needs an external decoder
        raise ToolMissing(JBIG2_MISSING) from e
    except (
        OSError,
        ValueError,
        TypeError,
        SyntaxError,
        pikepdf.PdfError,
        PDFPageCountError,
        PDFSyntaxError,
    ) as e:
        detail = f"page {page.index + 1}: {str(e).strip()[:160] or type(e).__name__}"
        raise InputRejected(Reason.CORRUPT, source.path, detail) from e


def _frame(path: Path, index: int) -> Image.Image:
    with Image.open(path) as image:
        image.seek(index)
        image.load()
        return image.copy()


def _pdf_pixels(path: Path, page: PageInfo) -> Image.Image:
    if page.scanned:
        with pikepdf.open(path) as pdf:
            found = find_page_image(pdf.pages[page.index])
            if found is not None:
                pixels = pikepdf.PdfImage(found.image).as_pil_image()  # type: ignore[arg-type]
                pixels.load()
                return pixels
    rendered = convert_from_path(
        path, dpi=round(page.dpi), first_page=page.index + 1, last_page=page.index + 1
    )
    return rendered[0]


class ImageEmbedder:
    """The PDF an output is built in: the source's own, so page images are used where they lie.

    Copying images into a new PDF (``copy_foreign``) makes pikepdf hold every
    copied image in memory until the save, about 1 MB per scanned page: a
    200-page backlog PDF would need hundreds of MB. Built inside the source's
    PDF instead (new pages appended, then the source's pages and catalogue
    removed by :meth:`finish`), image data stays in the file until it is
    written out, and memory stays flat in the page count. Image files (TIFF,
    JPEG, PNG) are first wrapped by img2pdf, which keeps their compressed data.
    """

    def __init__(self, source: SourceInfo) -> None:
        self.source = source
        self._pdf: pikepdf.Pdf | None = None
        self._source_pdf: pikepdf.Pdf | None = None
        self._source_pages = 0

    @property
    def pdf(self) -> pikepdf.Pdf:
        assert self._pdf is not None, "use ImageEmbedder as a context manager"
        return self._pdf

    def __enter__(self) -> ImageEmbedder:
        if self.source.kind is SourceKind.PDF:
            self._source_pdf = pikepdf.open(self.source.path, access_mode=AccessMode.stream)
        else:
            self._source_pdf = _images_as_pdf(self.source.path, len(self.source.pages))
        self._pdf = self._source_pdf or pikepdf.new()
        self._source_pages = len(self._pdf.pages)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pdf is not None:
            self._pdf.close()

    def embed(self, page: PageInfo) -> tuple[pikepdf.Object, str]:
        """The image XObject for `page` in the output PDF, and a note if it was re-encoded."""
        source = self._source_pdf
        found = find_page_image(source.pages[page.index]) if source is not None else None
        if found is not None and found.embeddable:
            return found.image, ""
        pixels = load_pixels(self.source, page)
        return self._reencoded(pixels), page.note or "image re-encoded for PDF/A"

    def keep(self, page: PageInfo) -> str:
        """Append the source's born-digital page as it is (vector text, fonts); a note if changed.

        Inherited attributes are copied onto the page, because :meth:`finish` removes
        the source's page tree; annotations and page actions go (PDF/A-2b forbids
        actions, and widgets and links would need their own checks).
        """
        source = self._source_pdf
        assert source is not None and page.digital, "only a PDF's born-digital page is kept"
        original = source.pages[page.index]
        for key in (Name.Resources, Name.MediaBox, Name.CropBox, Name.Rotate):
            inherited = page_attribute(original.obj, key)
            if inherited is not None and key not in original.obj:
                original.obj[key] = inherited
        self.pdf.pages.append(original)
        kept = self.pdf.pages[-1]
        removed = [str(k)[1:] for k in (Name.Annots, Name.AA) if k in kept.obj]
        for key in (Name.Annots, Name.AA):
            if key in kept.obj:
                del kept.obj[key]
        return f"page {page.index + 1}: {', '.join(removed)} removed for PDF/A" if removed else ""

    def finish(self) -> pikepdf.Pdf:
        """Remove everything of the source but the images the new pages draw."""
        pdf = self.pdf
        del pdf.pages[: self._source_pages]
        for key in list(pdf.Root.keys()):
            if key not in ("/Type", "/Pages"):
                del pdf.Root[key]
        for key in ("/Resources", "/MediaBox", "/CropBox", "/Rotate"):
            if key in pdf.Root.Pages:
                del pdf.Root.Pages[key]
        if Name.Info in pdf.trailer:
            del pdf.trailer.Info
        return pdf

    def _reencoded(self, pixels: Image.Image) -> pikepdf.Object:
        with _single_image_pdf(_encode_for_pdfa(pixels)) as single:
            found = find_page_image(single.pages[0])
            assert found is not None
            return self.pdf.copy_foreign(found.image)


def _images_as_pdf(path: Path, pages: int) -> pikepdf.Pdf | None:
    """img2pdf copies JPEG/PNG/G4 data without re-encoding; None if it refuses the file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = img2pdf.convert(str(path), rotation=img2pdf.Rotation.ifvalid)
    except Exception:  # img2pdf raises many types for alpha, CMYK, odd TIFFs
        return None
    pdf = pikepdf.open(io.BytesIO(data))
    if len(pdf.pages) != pages:  # frames img2pdf saw differently: re-encode every page
        pdf.close()
        return None
    return pdf


def _single_image_pdf(encoded: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(img2pdf.convert(encoded)))


def _encode_for_pdfa(pixels: Image.Image) -> bytes:
    """Lossless PNG for bilevel/palette, JPEG for continuous tone; alpha flattened on white."""
    if pixels.mode in ("RGBA", "LA", "PA") or (
        pixels.mode == "P" and "transparency" in pixels.info
    ):
        rgba = pixels.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        pixels = flat
    buffer = io.BytesIO()
    dpi = pixels.info.get("dpi", (300, 300))
    if pixels.mode == "1":
        pixels.save(buffer, format="PNG", dpi=dpi)
    else:
        pixels = pixels.convert("L" if pixels.mode in ("L", "I;16", "I", "F") else "RGB")
        pixels.save(buffer, format="JPEG", quality=90, dpi=dpi)
    return buffer.getvalue()
