"""Importing sohoa changes nothing process-wide: Pillow's bomb guard stays on, and
tesseract's thread limit is set only where its engine is loaded, before it loads."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from PIL import Image

from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.sources import inspect_source
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


def test_the_engine_is_single_threaded_and_loaded_once_per_worker(tmp_path: Path) -> None:
    """A worker reads two pages with one engine, started with OMP_THREAD_LIMIT=1.

    Run in a fresh interpreter: the limit must be in place before the engine's
    library loads, and nothing else may have loaded it.
    """
    probe = (
        "import os, sys; from pathlib import Path; from ocr import tesseract; "
        "from tests import images; work = Path(sys.argv[1]); "
        "page = images.text_page().image.convert('L'); "
        "read = lambda n: tesseract.recognise(page, work / n, dpi=200, languages='vie', "
        "tessdata_dir=None, timeout=60); first = read('a'); engine = tesseract._engines.reader; "
        "second = read('b'); "
        "print(images.MARKER in first.text, second.text == first.text, "
        "tesseract._engines.reader is engine, (work / 'b.pdf').exists(), "
        "os.environ.get('OMP_THREAD_LIMIT'))"
    )
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.stdout.split() == ["True", "True", "True", "True", "1"]


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
