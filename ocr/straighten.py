"""Find how far a page is skewed, so OCR reads straight lines and the PDF shows them straight.

Projection profile: when the page is rotated so that text lines are horizontal,
the row sums of ink are most peaked. Done on a small copy (about 100 dpi), it
costs a few hundredths of a second per page.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

_WORK_DPI = 100
_COARSE = np.arange(-5.0, 5.01, 0.5)
_FINE = np.arange(-0.5, 0.51, 0.1)


def estimate_skew(gray: Image.Image, dpi: float) -> float:
    """Degrees (counter-clockwise positive) the page content is rotated; 0.0 if unsure."""
    ink = _ink_mask(gray, dpi)
    if ink.getbbox() is None:
        return 0.0
    coarse = max(_COARSE, key=lambda a: _sharpness(ink, float(a)))
    fine = max(coarse + _FINE, key=lambda a: _sharpness(ink, float(a)))
    return round(float(fine), 2)


def _ink_mask(gray: Image.Image, dpi: float) -> Image.Image:
    factor = max(1, round(dpi / _WORK_DPI))
    small = gray.reduce(factor) if factor > 1 else gray
    pixels = np.asarray(small, dtype=np.uint8)
    paper = float(np.percentile(pixels[::2, ::2], 90))
    return Image.fromarray(((pixels < paper - 60) * 255).astype(np.uint8))


def _sharpness(ink: Image.Image, angle: float) -> float:
    """How peaked the row profile is after undoing a skew of `angle` degrees."""
    turned = ink.rotate(-angle, resample=Image.Resampling.NEAREST) if angle else ink
    rows = np.asarray(turned, dtype=np.float32).sum(axis=1)
    return float(np.square(np.diff(rows)).sum())


def turn_and_straighten(gray: Image.Image, turn: int, skew: float) -> Image.Image:
    """The upright, straightened copy tesseract reads (same geometry as the PDF page)."""
    upright = gray.rotate(turn, expand=True) if turn else gray
    if abs(skew) < 0.05:
        return upright
    return upright.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
