"""Recognise a source by its content and describe its pages without decoding them.

Inspection is cheap and happens before any OCR so that bad input (empty, corrupt,
encrypted, bombs, absurd page counts, low resolution) fails fast with a clear reason.
"""

from __future__ import annotations

import math
import os
import stat
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pikepdf
from PIL import Image, ImageSequence, UnidentifiedImageError

from sohoa.ocr.decode_limits import inspected_limits
from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.pdf_images import find_page_image, require_decoder
from sohoa.ocr.pdf_text import has_text, is_signed, unembedded_fonts
from sohoa.ocr.resolution import resolve
from sohoa.ocr.stream_bounds import StreamBomb, check_page_images

#: The smallest page worth a document: a side under 100 px or 1.5 cm is a crop or a strip.
MIN_SIDE_PX = 100
MIN_SIDE_INCHES = 1.5 / 2.54


class SourceKind(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"


_MAGIC: list[tuple[bytes, SourceKind]] = [
    (b"II*\x00", SourceKind.TIFF),
    (b"MM\x00*", SourceKind.TIFF),
    (b"\xff\xd8\xff", SourceKind.JPEG),
    (b"\x89PNG\r\n\x1a\n", SourceKind.PNG),
]


@dataclass(frozen=True)
class PageInfo:
    """One input page as found in the source (0-based index, in file order)."""

    index: int
    width_px: int
    height_px: int
    dpi: float
    #: The page is one scanned image (so its resolution is the scan's).
    scanned: bool
    #: ... and that image can be copied into the PDF/A untouched.
    embeddable: bool
    #: Why the resolution is a guess or the page must be re-encoded (empty if neither).
    note: str = ""
    #: Born-digital: the page carries its own text and embedded fonts; copied as it is.
    digital: bool = False


@dataclass(frozen=True)
class SourceInfo:
    path: Path
    kind: SourceKind
    pages: tuple[PageInfo, ...]
    #: A digitally signed PDF: stored byte for byte as received, never converted.
    signed: bool = False


def sniff(path: Path) -> SourceKind:
    """Tell the format from the first bytes; extensions lie, scanners misname files."""
    head = _read_head(path)
    if not head.strip(b"\x00 \t\r\n"):
        raise InputRejected(Reason.EMPTY, path)
    if b"%PDF-" in head:
        return SourceKind.PDF
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if office_document(path, head):
        raise InputRejected(Reason.OFFICE_DOCUMENT, path)
    raise InputRejected(Reason.UNSUPPORTED, path)


def check_regular_file(path: Path) -> None:
    """The path names an existing regular file (not a folder, pipe or device)."""
    os.close(_open_regular(path))


def _read_head(path: Path) -> bytes:
    fd = _open_regular(path)
    try:
        return os.read(fd, 1024)
    except OSError as e:
        raise InputRejected(Reason.CORRUPT, path, f"cannot read: {e.strerror}") from e
    finally:
        os.close(fd)


def _open_regular(path: Path) -> int:
    """Open without blocking (a FIFO would wait for a writer forever), then check the kind."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except (FileNotFoundError, NotADirectoryError) as e:
        raise InputRejected(Reason.FILE_NOT_FOUND, path) from e
    except IsADirectoryError as e:
        raise InputRejected(Reason.IS_DIRECTORY, path) from e
    except OSError as e:
        raise InputRejected(Reason.CORRUPT, path, f"cannot read: {e.strerror}") from e
    mode = os.fstat(fd).st_mode
    if stat.S_ISREG(mode):
        os.set_blocking(fd, True)
        return fd
    os.close(fd)
    raise InputRejected(
        Reason.IS_DIRECTORY if stat.S_ISDIR(mode) else Reason.NOT_REGULAR_FILE, path
    )


#: OLE2 compound file (Word 97-2003 .doc, .xls, .ppt), RTF.
_OFFICE_MAGIC = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf")
_OOXML_PARTS = ("word/", "xl/", "ppt/")


def office_document(path: Path, head: bytes) -> bool:
    """Word, Excel, PowerPoint (old and OOXML), OpenDocument or RTF, by content."""
    if head.startswith(_OFFICE_MAGIC):
        return True
    if not head.startswith(b"PK\x03\x04"):
        return False
    if b"mimetypeapplication/vnd.oasis.opendocument" in head:
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.startswith(_OOXML_PARTS) for name in archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


def inspect_source(path: Path, options: OcrOptions) -> SourceInfo:
    """Describe every page, enforcing the limits before anything is decoded."""
    kind = sniff(path)
    signed = False
    if kind is SourceKind.PDF:
        pages, signed = _inspect_pdf(path, options)
    else:
        pages = _inspect_images(path, options)
    if not pages:
        raise InputRejected(Reason.EMPTY, path)
    if not signed:  # a signed PDF is kept as received: nothing is decoded or converted
        for page in pages:
            _check_page(path, page, options)
    return SourceInfo(path=path, kind=kind, pages=tuple(pages), signed=signed)


def _check_page(path: Path, page: PageInfo, options: OcrOptions) -> None:
    short_px = min(page.width_px, page.height_px)
    if short_px < MIN_SIDE_PX or short_px / page.dpi < MIN_SIDE_INCHES:
        raise InputRejected(
            Reason.TOO_SMALL,
            path,
            f"page {page.index + 1}: {page.width_px}x{page.height_px} px at {page.dpi:.0f} dpi",
        )
    megapixels = page.width_px * page.height_px / 1e6
    if megapixels > options.max_megapixels:
        raise InputRejected(
            Reason.BOMB,
            path,
            f"page {page.index + 1}: {page.width_px}x{page.height_px} px, "
            f"limit {options.max_megapixels:g} MP",
        )
    if page.scanned and page.dpi + 0.5 < options.min_dpi:
        raise InputRejected(
            Reason.LOW_RESOLUTION,
            path,
            f"page {page.index + 1}: {page.dpi:.0f} dpi < {options.min_dpi:.0f} dpi",
        )


def _inspect_pdf(path: Path, options: OcrOptions) -> tuple[list[PageInfo], bool]:
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as e:
        raise InputRejected(Reason.ENCRYPTED, path) from e
    except pikepdf.PdfError as e:
        raise InputRejected(Reason.CORRUPT, path, _first_line(e)) from e
    with pdf:
        count = len(pdf.pages)
        if count > options.max_pages:
            raise InputRejected(
                Reason.TOO_MANY_PAGES, path, f"{count} pages, limit {options.max_pages}"
            )
        try:
            if is_signed(pdf):
                return [_signed_page_info(pdf, i) for i in range(count)], True
            return [_pdf_page_info(pdf, i, options) for i in range(count)], False
        except pikepdf.PdfError as e:
            raise InputRejected(Reason.CORRUPT, path, _first_line(e)) from e
        except StreamBomb as e:
            raise InputRejected(Reason.BOMB, path, str(e)) from e


def _pdf_page_info(pdf: pikepdf.Pdf, index: int, options: OcrOptions) -> PageInfo:
    page = pdf.pages[index]
    try:  # the images' real size, before anything decodes them
        check_page_images(page, options.max_megapixels)
    except StreamBomb as e:
        raise StreamBomb(f"page {index + 1}: {e}") from e
    found = find_page_image(page)
    if found is None:
        width_pt, height_pt = _page_size(page)
        dpi = options.raster_dpi
        size = (round(width_pt / 72 * dpi), round(height_pt / 72 * dpi))
        if not has_text(page):
            note = "page is not a single scanned image; rasterised"
            return PageInfo(index, *size, dpi, scanned=False, embeddable=False, note=note)
        missing = unembedded_fonts(page)
        if missing:
            note = (
                f"fonts not embedded ({', '.join(missing[:3])}), which PDF/A forbids; "
                "page rasterised and recognised"
            )
            return PageInfo(index, *size, dpi, scanned=False, embeddable=False, note=note)
        note = "page has its own text and fonts; kept as it is, not rasterised"
        return PageInfo(index, *size, dpi, False, False, note, digital=True)
    require_decoder(found.image)
    resolution = resolve(found.width, found.height, found.dpi, options.assume_dpi)
    note = "; ".join(n for n in (found.note, resolution.note) if n)
    return PageInfo(
        index,
        found.width,
        found.height,
        resolution.dpi,
        scanned=True,
        embeddable=found.embeddable,
        note=note,
    )


def _signed_page_info(pdf: pikepdf.Pdf, index: int) -> PageInfo:
    """A page of a signed PDF: described, never decoded (the file is kept as it is)."""
    width_pt, height_pt = _page_size(pdf.pages[index])
    size = (round(width_pt / 72 * 300), round(height_pt / 72 * 300))
    return PageInfo(index, *size, 300.0, False, False, "digitally signed; kept as received", True)


def _page_size(page: pikepdf.Page) -> tuple[float, float]:
    box = page.mediabox
    return abs(float(box[2]) - float(box[0])), abs(float(box[3]) - float(box[1]))


def _inspect_images(path: Path, options: OcrOptions) -> list[PageInfo]:
    pages: list[PageInfo] = []
    try:
        with inspected_limits(), Image.open(path) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= options.max_pages:
                    raise InputRejected(
                        Reason.TOO_MANY_PAGES, path, f"more than {options.max_pages} pages"
                    )
                pages.append(_image_page_info(index, frame, options))
    except Image.DecompressionBombError as e:
        raise InputRejected(Reason.BOMB, path, _first_line(e)) from e
    except UnidentifiedImageError as e:
        raise InputRejected(Reason.CORRUPT, path, "not a readable image") from e
    except (OSError, SyntaxError, ValueError, EOFError, TypeError) as e:
        # Pillow says "Missing dimensions" (TypeError) for a TIFF cut short.
        raise InputRejected(Reason.CORRUPT, path, _first_line(e)) from e
    return pages


def _image_page_info(index: int, frame: Image.Image, options: OcrOptions) -> PageInfo:
    width, height = frame.size
    recorded = min(frame.info.get("dpi") or (0.0,))
    recorded = float(recorded) if recorded > 1 and not math.isnan(recorded) else 0.0
    found = resolve(width, height, recorded, options.assume_dpi)
    return PageInfo(index, width, height, found.dpi, True, True, found.note)


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__
