"""Where the page image and its text layer go on the output page.

The scan's bytes are the evidence, so they are never rotated or resampled:
a sideways or upside-down page is turned, and a skewed one straightened, by the
matrix that draws the image. The OCR ran on a copy turned and straightened the
same way, so its text layer sits on the page with no transform at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Matrix = tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class Placement:
    width: float
    height: float
    image_matrix: Matrix


def place(width_px: int, height_px: int, dpi: float, turn: int, skew: float) -> Placement:
    """Page size in points and the matrix that draws the unit-square image upright and straight."""
    raw_w, raw_h = width_px * 72 / dpi, height_px * 72 / dpi
    scale: Matrix = (raw_w, 0, 0, raw_h, 0, 0)
    turned, page_w, page_h = _turn(raw_w, raw_h, turn)
    straighten = _rotate_about(-skew, page_w / 2, page_h / 2)
    return Placement(page_w, page_h, multiply(multiply(scale, turned), straighten))


def _turn(raw_w: float, raw_h: float, turn: int) -> tuple[Matrix, float, float]:
    """Rotate the raw page `turn` degrees counter-clockwise, keeping it in the first quadrant."""
    if turn == 90:
        return (0, 1, -1, 0, raw_h, 0), raw_h, raw_w
    if turn == 180:
        return (-1, 0, 0, -1, raw_w, raw_h), raw_w, raw_h
    if turn == 270:
        return (0, -1, 1, 0, 0, raw_w), raw_h, raw_w
    return (1, 0, 0, 1, 0, 0), raw_w, raw_h


def _rotate_about(degrees: float, cx: float, cy: float) -> Matrix:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    rotate: Matrix = (c, s, -s, c, 0, 0)
    return multiply(multiply((1, 0, 0, 1, -cx, -cy), rotate), (1, 0, 0, 1, cx, cy))


def multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n, in PDF's row-vector convention (as consecutive `cm` operators compose)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def to_pdf(matrix: Matrix) -> str:
    return " ".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in matrix)
