"""Importing sohoa changes nothing process-wide: Pillow's bomb guard stays on, and
tesseract's thread limit is set only for the tesseract processes sohoa starts."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image

from ocr import tesseract
from ocr.errors import InputRejected, Reason
from ocr.options import OcrOptions
from ocr.sources import inspect_source
from tests import images


def test_importing_the_pipeline_leaves_pillow_and_the_environment_alone() -> None:
    probe = (
        "import os; from PIL import Image; default = Image.MAX_IMAGE_PIXELS; "
        "import ocr.images, ocr.sources, ocr.page, ocr.tesseract, ocr.assemble, workers.pages; "
        "print(Image.MAX_IMAGE_PIXELS == default, os.environ.get('OMP_THREAD_LIMIT'))"
    )
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    assert done.stdout.split() == ["True", "None"]


def test_tesseract_runs_single_threaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_page: images.Page
) -> None:
    """A wrapper in front of the real tesseract records the environment it was given."""
    seen = tmp_path / "omp.txt"
    wrapper = tmp_path / "tesseract"
    wrapper.write_text(
        f'#!/bin/sh\necho "$OMP_THREAD_LIMIT" >> {seen}\nexec /usr/bin/tesseract "$@"\n'
    )
    wrapper.chmod(0o755)
    monkeypatch.setattr("pytesseract.pytesseract.tesseract_cmd", str(wrapper))
    page = tmp_path / "page.png"
    sample_page.image.save(page)
    reading = tesseract.recognise(
        page, tmp_path / "out", dpi=200, languages="vie", tessdata_dir=None, timeout=60
    )
    assert images.MARKER in reading.text
    assert seen.read_text().split() == ["1"]


def test_a_large_scan_within_our_limit_is_not_taken_for_a_bomb(tmp_path: Path) -> None:
    """96 MP is above Pillow's warning level (89 MP) but within SOHOA_MAX_MEGAPIXELS (120)."""
    large = images.save_bomb_png(tmp_path / "a0-plan.png", side=9800)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        info = inspect_source(large, OcrOptions(max_megapixels=120))
    assert (info.pages[0].width_px, info.pages[0].height_px) == (9800, 9800)
    with pytest.raises(InputRejected) as refused:
        inspect_source(large, OcrOptions(max_megapixels=50))
    assert refused.value.reason is Reason.BOMB


def test_pillow_still_refuses_what_is_far_beyond_its_own_guard(tmp_path: Path) -> None:
    bomb = images.save_bomb_png(tmp_path / "bomb.png")  # 400 MP
    assert Image.MAX_IMAGE_PIXELS is not None
    with pytest.raises(InputRejected) as refused:
        inspect_source(bomb, OcrOptions(max_megapixels=1000))
    assert refused.value.reason is Reason.BOMB
