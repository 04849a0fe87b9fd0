"""Optimal Huffman tables for JPEG page images: fewer bytes, the very same pixels."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sohoa.ocr import jpeg
from tests import images


def _scan_jpeg(mode: str) -> bytes:
    """A page written as a scanner writes it: standard Huffman tables, quality 85."""
    page = images.text_page(mode=mode).image
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=85, optimize=False)
    return buffer.getvalue()


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image)


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_a_scanners_jpeg_gets_smaller_with_exactly_the_same_pixels(mode: str) -> None:
    scanned = _scan_jpeg(mode)
    smaller = jpeg.optimised(scanned)
    assert smaller is not None
    assert len(smaller) < len(scanned)
    assert np.array_equal(_pixels(smaller), _pixels(scanned))


def test_an_already_optimal_jpeg_is_left_as_it_is() -> None:
    once = jpeg.optimised(_scan_jpeg("L"))
    assert once is not None
    assert jpeg.optimised(once) is None


def test_only_tables_of_the_standard_are_worth_recoding() -> None:
    scanned = _scan_jpeg("L")
    assert jpeg.has_standard_tables(scanned)
    once = jpeg.optimised(scanned)
    assert once is not None and not jpeg.has_standard_tables(once)


def test_what_is_not_a_jpeg_is_left_alone() -> None:
    assert jpeg.optimised(b"%PDF-1.7 not an image") is None
    assert jpeg.optimised(_scan_jpeg("L")[:2000]) is None  # truncated: jpegtran warns
