"""Synthetic scans, written once per session, and their digitised PDF/As (made on first use)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sohoa.ocr.assemble import DocumentResult
from tests import images
from tests.conftest import Digitise


@pytest.fixture(scope="session")
def sample_page() -> images.Page:
    """The standard synthetic page: eight Vietnamese lines, marker word drawn at a known place."""
    return images.text_page()


@pytest.fixture(scope="session")
def samples(tmp_path_factory: pytest.TempPathFactory, sample_page: images.Page) -> dict[str, Path]:
    """Every input format a counter scanner produces, some deliberately misnamed."""
    d = tmp_path_factory.mktemp("samples")
    page = sample_page.image
    colour = images.text_page(mode="RGB").image
    two = [images.numbered_page(1).image, images.numbered_page(2).image]
    return {
        # extensions lie: the content decides
        "jpeg named .pdf": images.save_jpeg(page, d / "jpeg-scan.pdf"),
        "pdf named .jpg": images.save_jpeg_pdf([page], d / "pdf-scan.jpg"),
        "g4 tiff, 2 pages": images.save_g4_tiff(two, d / "bilevel.tif"),
        "png": images.save_png(page, d / "page.png"),
        "colour jpeg": images.save_jpeg(colour, d / "colour.jpg"),
        "g4 pdf": images.save_g4_pdf([page], d / "bilevel.pdf"),
        "upside-down jpeg": images.save_jpeg(images.turned(page, 180), d / "upside-down.jpg"),
        "sideways jpeg": images.save_jpeg(images.turned(page, 90), d / "sideways.jpg"),
        "skewed jpeg": images.save_jpeg(images.skewed(page, 3.0), d / "skewed.jpg"),
    }


@pytest.fixture(scope="session")
def digitised(samples: dict[str, Path], digitise: Digitise) -> Callable[[str], DocumentResult]:
    """The PDF/A made from a sample, digitised on first use and then shared."""
    done: dict[str, DocumentResult] = {}

    def get(name: str) -> DocumentResult:
        if name not in done:
            done[name] = digitise(samples[name])
        return done[name]

    return get
