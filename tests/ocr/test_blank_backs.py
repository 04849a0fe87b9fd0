"""The blank-back filter is conservative (TT 01/2023 Đ8 k2c): only a truly empty back side of a
duplex sheet is dropped, every dropped page is reported and kept recoverable, order is kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from PIL import Image

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.blank import blank_reason
from sohoa.scanner_profiles import load as load_profile
from sohoa.settings import Settings
from tests import images
from tests.conftest import Digitise, corpus_truth, pdftotext

MARKED_BACKS: dict[str, Callable[[str], Image.Image]] = {
    "signature": images.signature_back,
    "red stamp": images.stamp_back,
    "one line of text": images.one_line_back,
    "tick mark": images.tick_back,
}


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_an_empty_back_with_noise_specks_and_bleed_through_is_blank(mode: str) -> None:
    reason = blank_reason(images.blank_back(mode).convert("L"), images.DPI)
    assert reason is not None and "blank" in reason


def test_a_clean_white_page_is_blank() -> None:
    assert blank_reason(images.paper(tone=255), images.DPI) is not None


@pytest.mark.parametrize("mode", ["L", "RGB"])
@pytest.mark.parametrize("mark", MARKED_BACKS)
def test_a_back_with_any_mark_is_not_blank(mark: str, mode: str) -> None:
    page = MARKED_BACKS[mark](mode).convert("L")
    assert blank_reason(page, images.DPI) is None


def test_a_page_of_text_is_not_blank(sample_page: images.Page) -> None:
    assert blank_reason(sample_page.image, images.DPI) is None


#: A duplex batch of five sheets: (what is on the page, what it is).
DUPLEX_BATCH = [
    ("page 1", "front"),
    ("blank", "back: dropped"),
    ("blank", "front: a blank front is never dropped"),
    ("signature", "back"),
    ("page 5", "front"),
    ("red stamp", "back"),
    ("page 7", "front"),
    ("one line of text", "back"),
    ("page 9", "front"),
    ("tick mark", "back"),
]


def _draw(what: str) -> Image.Image:
    if what.startswith("page "):
        return images.numbered_page(int(what.split()[1])).image
    if what == "blank":
        return images.blank_back()
    return MARKED_BACKS[what]("RGB")


@pytest.fixture(scope="session")
def duplex_batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return images.save_jpeg_pdf(
        [_draw(what) for what, _ in DUPLEX_BATCH],
        tmp_path_factory.mktemp("duplex") / "duplex-batch.pdf",
    )


@pytest.fixture(scope="session")
def duplex_result(duplex_batch: Path, digitise: Digitise) -> DocumentResult:
    options = Settings().ocr_options(load_profile("generic"))
    assert options.duplex and options.drop_blank_backs
    return digitise(duplex_batch, options=options)


def test_only_the_empty_back_side_is_dropped_and_reported(duplex_result: DocumentResult) -> None:
    assert [d.index for d in duplex_result.dropped] == [2]  # 1-based, as the clerk counts
    assert "blank" in duplex_result.dropped[0].reason


def test_a_blank_front_side_is_never_dropped(duplex_result: DocumentResult) -> None:
    assert DUPLEX_BATCH[2][0] == "blank"
    assert 3 not in [d.index for d in duplex_result.dropped]


def test_back_sides_with_a_signature_stamp_line_or_tick_are_kept(
    duplex_result: DocumentResult,
) -> None:
    marked = [n for n, (what, _) in enumerate(DUPLEX_BATCH, start=1) if what in MARKED_BACKS]
    assert marked == [4, 6, 8, 10]
    assert not {d.index for d in duplex_result.dropped} & set(marked)


def test_kept_and_dropped_pages_add_up_to_the_input(duplex_result: DocumentResult) -> None:
    assert duplex_result.input_pages == len(DUPLEX_BATCH)
    assert duplex_result.pages + len(duplex_result.dropped) == duplex_result.input_pages
    with pikepdf.open(duplex_result.pdf) as pdf:
        assert len(pdf.pages) == duplex_result.pages == 9


def test_pages_stay_in_input_order(duplex_result: DocumentResult) -> None:
    # input pages 1, 5, 7, 9 become output pages 1, 4, 6, 8 once page 2 is gone
    for output_page, number in [(1, 1), (4, 5), (6, 7), (8, 9)]:
        assert f"{7000 + number}" in pdftotext(duplex_result.pdf, page=output_page)


def test_a_dropped_page_is_kept_recoverable_as_scanned(
    duplex_batch: Path, duplex_result: DocumentResult
) -> None:
    assert duplex_result.dropped_pdf is not None
    assert pikepdf.pdfa.validate_written(duplex_result.dropped_pdf, "2b").passed
    with pikepdf.open(duplex_result.dropped_pdf) as dropped, pikepdf.open(duplex_batch) as source:
        assert len(dropped.pages) == 1
        (kept,) = dropped.pages[0].Resources.XObject.values()
        (original,) = source.pages[1].Resources.XObject.values()
        assert kept.read_raw_bytes() == original.read_raw_bytes()


def test_with_the_flatbed_profile_nothing_is_dropped(tmp_path: Path, digitise: Digitise) -> None:
    scan = images.save_jpeg_pdf(
        [images.numbered_page(1).image, images.blank_back()], tmp_path / "flatbed.pdf"
    )
    options = Settings().ocr_options(load_profile("flatbed"))
    result = digitise(scan, options=options)
    assert result.dropped == ()
    assert result.dropped_pdf is None
    assert result.pages == result.input_pages == 2


def test_the_corpus_blank_backs_are_dropped_exactly_where_the_ground_truth_says(
    corpus: Path, digitise: Digitise
) -> None:
    """dev-011: a duplex receipt, 4 pages, the backs 2 and 4 empty (with faint bleed-through)."""
    truth = corpus_truth(corpus, "dev-011")
    blank = [p["index"] for p in truth["pages"] if p["kind"] == "blank"]  # type: ignore[attr-defined]
    assert truth["duplex"] is True and blank == [2, 4]
    result = digitise(corpus / "dev-011.pdf")
    assert [d.index for d in result.dropped] == blank
    assert result.pages == 2 and result.input_pages == 4
    assert result.dropped_pdf is not None
    with pikepdf.open(result.dropped_pdf) as dropped:
        assert len(dropped.pages) == 2
