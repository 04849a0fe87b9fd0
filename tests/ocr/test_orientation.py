"""Upside-down pages are told from the text lines' shape, before the first reading.

Real corpus pages (dev-013: page 1 upright, page 2 fed upside down; dev-011 page 2
a blank back), decoded the way the page step decodes them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from sohoa.ocr import tesseract
from sohoa.ocr.images import load_pixels
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.orientation import Vote, vote
from sohoa.ocr.page import PageJob, process_page
from sohoa.ocr.sources import inspect_source
from sohoa.ocr.straighten import ink_lines
from tests.conftest import corpus_truth


def corpus_page(corpus: Path, doc_id: str, number: int) -> tuple[Image.Image, float]:
    """One page's grey pixels and resolution, as the page step decodes them."""
    info = inspect_source(corpus / f"{doc_id}.pdf", OcrOptions())
    page = info.pages[number - 1]
    return load_pixels(info, page).convert("L"), page.dpi


def lines_vote(gray: Image.Image, dpi: float) -> Vote:
    return vote(ink_lines(gray, dpi).rows)


def test_an_upright_page_is_not_called_upside_down(corpus: Path) -> None:
    result = lines_vote(*corpus_page(corpus, "dev-013", 1))
    assert not result.says_upside_down
    assert result.says_upright


def test_the_same_page_turned_over_is_called_upside_down(corpus: Path) -> None:
    gray, dpi = corpus_page(corpus, "dev-013", 1)
    assert lines_vote(gray.rotate(180), dpi).says_upside_down


def test_a_page_fed_upside_down_is_called_upside_down(corpus: Path) -> None:
    assert lines_vote(*corpus_page(corpus, "dev-013", 2)).says_upside_down


@pytest.mark.parametrize("degrees", [90, 270])
def test_a_sideways_page_is_not_called_upside_down(corpus: Path, degrees: int) -> None:
    gray, dpi = corpus_page(corpus, "dev-013", 1)
    result = lines_vote(gray.rotate(degrees, expand=True), dpi)
    assert not result.says_upside_down
    assert not result.says_upright


def test_a_blank_page_gets_no_answer(corpus: Path) -> None:
    result = lines_vote(*corpus_page(corpus, "dev-011", 2))
    assert not result.says_upside_down
    assert not result.says_upright


def counting(monkeypatch: pytest.MonkeyPatch, name: str) -> list[int]:
    """Count the calls of one tesseract function; each call still runs the real one."""
    calls: list[int] = []
    real: Callable[..., object] = getattr(tesseract, name)

    def wrapper(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tesseract, name, wrapper)
    return calls


def test_a_page_fed_upside_down_comes_out_upright_after_one_reading(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readings = counting(monkeypatch, "recognise")
    options = OcrOptions()
    info = inspect_source(corpus / "dev-013.pdf", options)
    result = process_page(PageJob(info, info.pages[1], options, tmp_path))
    assert result.turn == 180
    assert len(readings) == 1
    truth = corpus_truth(corpus, "dev-013")["pages"]
    assert isinstance(truth, list)
    first_line = truth[1]["lines"][0]["text"]
    assert first_line in result.text
