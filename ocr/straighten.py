"""Find how far a page is skewed, so OCR reads straight lines and the PDF shows them straight.

Projection profile: when the page is rotated so that text lines are horizontal,
the row sums of ink are most peaked. Done on a small copy (about 100 dpi), and
without rotating any image: each candidate angle projects the ink pixels'
coordinates onto rows (one `bincount`), which counts exactly the rows the
rotated copy would have had. That is a fifth of the CPU of rotating the copy
32 times (dev and generated corpora: 17 against 85 ms a page, the same angle on
55 of 56 pages and 0.1 degree apart on the last).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

_WORK_DPI = 100
#: A tilt below this many degrees is left as scanned: neither straightened for OCR nor
#: turned on the page. Resampling such a page blurs every letter for a drift of a few
#: pixels across a line, which tesseract's line finder follows anyway: pages tilted
#: 0.2-0.3 degrees read better as scanned (generated gen-gray CER 0.14 -> 0.05 %,
#: dev-backlog 0.81 -> 0.69 %, dev-008 unchanged), pages at 0.4 degrees and more read
#: better straightened (dev-backlog 1.07 % when those were left too). It also saves
#: the rotation of the full page (about 60 ms at 200 dpi).
STRAIGHT_ENOUGH = 0.35
_COARSE = np.arange(-5.0, 5.01, 0.5)
_FINE = np.arange(-0.5, 0.51, 0.1)


@dataclass(frozen=True)
class InkLines:
    """What the skew step saw: the skew, and the ink per row of its small copy once undone.

    The rows are kept so that other cheap looks at the text lines (ocr/orientation.py)
    reuse the decode, the binarising and the projection instead of doing them again.
    """

    #: Degrees (counter-clockwise positive) the content is rotated; 0.0 if unsure or not looked for.
    skew: float
    #: Ink pixels per row of the ~100-dpi copy after undoing `skew` (empty if the page has no ink).
    rows: npt.NDArray[np.intp]

    @property
    def skew_to_undo(self) -> float:
        """The skew to straighten the page by: the estimate, or 0.0 when it is straight enough."""
        return self.skew if abs(self.skew) >= STRAIGHT_ENOUGH else 0.0


def ink_lines(gray: Image.Image, dpi: float, *, find_skew: bool = True) -> InkLines:
    """The page's skew (unless `find_skew` is off: then 0.0) and its row profile once undone."""
    ink = _InkPixels(_ink_mask(gray, dpi))
    if not ink.any:
        return InkLines(0.0, np.zeros(0, dtype=np.intp))
    skew = _best_angle(ink) if find_skew else 0.0
    return InkLines(skew, ink.profile(skew))


def estimate_skew(gray: Image.Image, dpi: float) -> float:
    """Degrees (counter-clockwise positive) the page content is rotated; 0.0 if unsure."""
    return ink_lines(gray, dpi).skew


def skew_to_undo(gray: Image.Image, dpi: float) -> float:
    """The skew to straighten the page by: the estimate, or 0.0 when it is straight enough."""
    return ink_lines(gray, dpi).skew_to_undo


def _best_angle(ink: _InkPixels) -> float:
    coarse = max(_COARSE, key=lambda a: ink.sharpness(float(a)))
    fine = max(coarse + _FINE, key=lambda a: ink.sharpness(float(a)))
    return round(float(fine), 2)


def _ink_mask(gray: Image.Image, dpi: float) -> npt.NDArray[np.bool_]:
    """Dark pixels of a copy at about 100 dpi."""
    factor = max(1, round(dpi / _WORK_DPI))
    small = gray.reduce(factor) if factor > 1 else gray
    pixels = np.asarray(small, dtype=np.uint8)
    paper = float(np.percentile(pixels[::2, ::2], 90))
    return pixels < paper - 60


class _InkPixels:
    """The ink's pixel centres, relative to the page's centre (float32: half the work)."""

    def __init__(self, mask: npt.NDArray[np.bool_]) -> None:
        self.height, self.width = mask.shape
        rows, cols = np.nonzero(mask)
        self.any = bool(rows.size)
        self._y = rows.astype(np.float32) + np.float32(0.5 - self.height / 2)
        self._x = cols.astype(np.float32) + np.float32(0.5 - self.width / 2)

    def sharpness(self, angle: float) -> float:
        """How peaked the row profile is after undoing a skew of `angle` degrees."""
        profile = self.profile(angle)
        return float(np.square(np.diff(profile.astype(np.float64))).sum())

    def profile(self, angle: float) -> npt.NDArray[np.intp]:
        """Ink pixels per row after undoing a skew of `angle` degrees.

        Each pixel goes where rotating the copy by -angle about its centre would put
        it; pixels that would leave the frame are not counted (as the rotated copy
        would have cut them off: a scan's dark edge must not decide the angle).
        """
        turn = np.deg2rad(angle)
        cos, sin = np.float32(np.cos(turn)), np.float32(np.sin(turn))
        row = np.floor(self._y * cos + self._x * sin + np.float32(self.height / 2))
        col = np.floor(self._x * cos - self._y * sin + np.float32(self.width / 2))
        inside = (row >= 0) & (row < self.height) & (col >= 0) & (col < self.width)
        return np.bincount(row[inside].astype(np.intp), minlength=self.height)


def turn_and_straighten(gray: Image.Image, turn: int, skew: float) -> Image.Image:
    """The upright, straightened copy tesseract reads (same geometry as the PDF page)."""
    upright = gray.rotate(turn, expand=True) if turn else gray
    if abs(skew) < 0.05:
        return upright
    return upright.rotate(-skew, resample=Image.Resampling.BILINEAR, fillcolor=255)
