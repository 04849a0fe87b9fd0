"""One page's steps: orientation, skew, and pages worked in parallel but returned in order."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from sohoa.ocr.options import OcrOptions
from sohoa.ocr.page import PageJob, PageResult, _darker_midtones, process_page
from sohoa.ocr.sources import inspect_source
from sohoa.ocr.straighten import estimate_skew, skew_to_undo
from sohoa.workers.pages import PageRunner
from tests import images


def process_only_page(source: Path, workdir: Path, options: OcrOptions | None = None) -> PageResult:
    options = options or OcrOptions()
    info = inspect_source(source, options)
    return process_page(PageJob(info, info.pages[0], options, workdir))


@pytest.mark.parametrize(("name", "turn"), [("upside-down jpeg", 180), ("sideways jpeg", 270)])
def test_a_page_fed_upside_down_or_sideways_is_turned_upright(
    name: str, turn: int, samples: dict[str, Path], tmp_path: Path
) -> None:
    result = process_only_page(samples[name], tmp_path)
    assert result.turn == turn
    assert "Hạnh phúc" in result.text
    assert images.MARKER in result.text
    assert result.confidence > 80


def test_an_upright_page_is_left_as_scanned(samples: dict[str, Path], tmp_path: Path) -> None:
    result = process_only_page(samples["jpeg named .pdf"], tmp_path)
    assert result.turn == 0
    assert abs(result.skew) <= 0.5
    assert "Hạnh phúc" in result.text


def test_orientation_is_left_alone_when_the_profile_says_so(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    options = OcrOptions(fix_orientation=False)
    assert process_only_page(samples["upside-down jpeg"], tmp_path, options).turn == 0


@pytest.mark.parametrize("degrees", [3.0, -2.0, 1.3, 0.0])
def test_the_skew_of_a_crooked_page_is_estimated_within_half_a_degree(
    degrees: float, sample_page: images.Page
) -> None:
    crooked = images.skewed(sample_page.image, degrees)
    assert abs(estimate_skew(crooked, images.DPI) - degrees) <= 0.5


@pytest.mark.parametrize("degrees", [0.2, -0.3])
def test_a_page_tilted_by_a_few_tenths_of_a_degree_is_left_as_scanned(
    degrees: float, sample_page: images.Page
) -> None:
    """Resampling would blur every letter for less than tesseract copes with by itself."""
    assert skew_to_undo(images.skewed(sample_page.image, degrees), images.DPI) == 0.0


def test_a_crooked_page_is_straightened_by_its_estimated_skew(sample_page: images.Page) -> None:
    crooked = images.skewed(sample_page.image, 1.3)
    assert skew_to_undo(crooked, images.DPI) == estimate_skew(crooked, images.DPI) != 0.0


def test_a_blank_page_has_no_skew() -> None:
    assert estimate_skew(images.paper(), images.DPI) == 0.0


def test_a_skewed_page_is_straightened_before_it_is_read(
    samples: dict[str, Path], tmp_path: Path
) -> None:
    result = process_only_page(samples["skewed jpeg"], tmp_path)
    assert abs(result.skew - 3.0) <= 0.5
    assert images.MARKER in result.text


@pytest.fixture(scope="session")
def four_page_tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four numbered pages; the first is longer, so later pages tend to finish first."""
    pages: list[Image.Image] = [images.text_page(marker="").image]
    pages += [images.numbered_page(n).image for n in (2, 3, 4)]
    return images.save_g4_tiff(pages, tmp_path_factory.mktemp("four") / "four.tif")


def test_pages_are_read_in_parallel_and_returned_in_page_order(
    four_page_tiff: Path, tmp_path: Path
) -> None:
    options = OcrOptions(duplex=False)
    source = inspect_source(four_page_tiff, options)
    jobs = [PageJob(source, page, options, tmp_path) for page in source.pages]
    ticks: list[tuple[int, int]] = []
    with PageRunner(2) as runner:
        results = runner.run(jobs, lambda done, total: ticks.append((done, total)))
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert "Hạnh phúc" in results[0].text
    for n in (2, 3, 4):
        assert f"{7000 + n}" in results[n - 1].text
    # (0, pages) first: the pages are handed to the workers (`sohoa process` starts the next file)
    assert sorted(ticks) == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]


def test_tesseract_reads_the_grey_page_with_darker_midtones_black_and_white_unchanged() -> None:
    levels = Image.frombytes("L", (4, 1), bytes([0, 128, 238, 255]))
    black, grey, paper, white = _darker_midtones(levels).tobytes()
    assert (black, white) == (0, 255)
    assert grey < 128 - 30  # a thin grey stroke (the bar of `đ`) comes out clearly darker
    assert 225 <= paper < 238  # the paper stays far lighter than any stroke
