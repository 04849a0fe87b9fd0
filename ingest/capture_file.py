"""A captured batch (one TIFF per page) becomes ONE source file for the normal pipeline.

Each page is encoded once, the way it will be archived: colour and gray as JPEG at the
profile's quality, bilevel as CCITT G4 (lossless and small). img2pdf then wraps those
bytes into a PDF without touching them, so the pipeline embeds them as they are (no
second lossy pass) and reads each page's resolution from the PDF.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image

from sohoa.ingest.capture_errors import CaptureFailed


def pages_to_pdf(pages: Sequence[Path], output: Path, *, jpeg_quality: int, dpi: int) -> Path:
    """Write `output`; `dpi` is used for pages whose file does not say their resolution."""
    encoded = [encode_page(page, jpeg_quality=jpeg_quality, dpi=dpi) for page in pages]
    with output.open("wb") as out:
        # img2pdf's own writer: the same pages give the same bytes (its pikepdf writer's
        # trailer /ID changes every second), so the same batch sent twice is a duplicate.
        img2pdf.convert(encoded, outputstream=out, nodate=True, engine=img2pdf.Engine.internal)
    return output


def encode_page(page: Path, *, jpeg_quality: int, dpi: int) -> bytes:
    """G4 TIFF for a 1-bit page, JPEG for anything else; the scanner's resolution is kept."""
    try:
        with Image.open(page) as image:
            image.load()
            resolution = image.info.get("dpi") or (dpi, dpi)
            buffer = io.BytesIO()
            if image.mode == "1":
                image.save(buffer, format="TIFF", compression="group4", dpi=resolution)
            else:
                _eight_bit(image).save(
                    buffer, format="JPEG", quality=jpeg_quality, dpi=resolution, optimize=True
                )
            return buffer.getvalue()
    except (OSError, ValueError) as e:
        raise CaptureFailed(
            f"Trang {page.name} máy quét trả về bị hỏng ({e}); hãy quét lại.",
            f"Page {page.name} from the scanner is damaged ({e}); scan again.",
        ) from e


def _eight_bit(image: Image.Image) -> Image.Image:
    """8-bit gray or RGB for JPEG; 16-bit gray is scaled down, not clipped."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        return Image.fromarray((np.asarray(image, dtype=np.uint32) >> 8).astype(np.uint8))
    return image.convert("RGB")
