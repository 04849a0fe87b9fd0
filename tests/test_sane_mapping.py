"""Profile wishes mapped onto what real SANE backends offer, and a captured batch encoded once
into one source file (JPEG at the profile's quality, CCITT G4 for bilevel)."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from sohoa.ingest.capture_errors import CaptureFailed
from sohoa.ingest.capture_file import pages_to_pdf
from sohoa.ingest.sane_options import choose_mode, choose_source, parse_options
from sohoa.ingest.scanimage import option_args
from sohoa.ocr.pdf_images import PageImage, find_page_image
from tests import images

#: Source and mode lists as the backends print them (`scanimage -d DEV -A`).
FUJITSU = ("ADF Front", "ADF Back", "ADF Duplex")
BROTHER = (
    "Automatic Document Feeder(left aligned)",
    "Automatic Document Feeder(left aligned,Duplex)",
    "Automatic Document Feeder(centrally aligned)",
    "Automatic Document Feeder(centrally aligned,Duplex)",
)
SANE_TEST = ("Flatbed", "Automatic Document Feeder")
BROTHER_MODES = (
    "Black & White",
    "Gray[Error Diffusion]",
    "True Gray",
    "24bit Color[Fast]",
    "24bit Color",
)

TEST_BACKEND_HELP = """
All options specific to device `test':
  Scan Mode:
    --mode Gray|Color [Gray]
        Selects the scan mode (e.g., lineart, monochrome, or color).
    --depth 1|8|16 [8]
        Number of bits per sample.
    --resolution 1..1200dpi (in steps of 1) [0.000762939]
        Sets the resolution of the scanned image.
    --source Flatbed|Automatic Document Feeder [Flatbed]
        If Automatic Document Feeder is selected, the feeder will be 'empty'
    --three-pass-order RGB|RBG|GBR [inactive]
        Set the order of frames in three-pass color mode.
"""


def test_the_device_option_lists_are_read_from_scanimage_help() -> None:
    offered = parse_options(TEST_BACKEND_HELP)
    assert offered.of("source") == SANE_TEST
    assert offered.of("mode") == ("Gray", "Color")
    assert offered.of("depth") == ("1", "8", "16")
    assert offered.of("resolution") == ()  # a range, not a list
    assert offered.of("three-pass-order") == ()  # inactive


@pytest.mark.parametrize(
    ("wanted", "offered", "chosen"),
    [
        ("ADF Duplex", FUJITSU, "ADF Duplex"),
        ("adf front", FUJITSU, "ADF Front"),
        ("ADF Duplex", BROTHER, "Automatic Document Feeder(left aligned,Duplex)"),
        (BROTHER[3], BROTHER, BROTHER[3]),
        ("ADF Front", SANE_TEST, "Automatic Document Feeder"),
        ("Flatbed", SANE_TEST, "Flatbed"),
        ("ADF Duplex", ("Flatbed", "ADF", "ADF Duplex"), "ADF Duplex"),  # sane-airscan
    ],
)
def test_a_source_is_matched_by_name_then_by_kind(
    wanted: str, offered: tuple[str, ...], chosen: str
) -> None:
    assert choose_source(wanted, offered) == chosen


def test_a_duplex_wish_is_never_served_by_a_simplex_feeder() -> None:
    with pytest.raises(CaptureFailed, match=r'no "ADF Duplex" source.*--source') as raised:
        choose_source("ADF Duplex", SANE_TEST)
    assert "Automatic Document Feeder" in raised.value.message_vi


def test_a_device_without_a_source_option_gets_none() -> None:
    assert choose_source("Flatbed", ()) is None


@pytest.mark.parametrize(
    ("color_mode", "modes", "depths", "settings"),
    [
        ("color", ("Lineart", "Halftone", "Gray", "Color"), (), {"mode": "Color"}),
        (
            "gray",
            ("Lineart", "Halftone", "Gray", "Color"),
            ("8", "16"),
            {"mode": "Gray", "depth": "8"},
        ),
        ("bilevel", ("Lineart", "Halftone", "Gray", "Color"), (), {"mode": "Lineart"}),
        ("color", BROTHER_MODES, (), {"mode": "24bit Color"}),
        ("gray", BROTHER_MODES, (), {"mode": "True Gray"}),
        ("bilevel", BROTHER_MODES, (), {"mode": "Black & White"}),
        ("bilevel", ("Gray", "Color"), ("1", "8", "16"), {"mode": "Gray", "depth": "1"}),
    ],
)
def test_a_colour_mode_is_mapped_to_the_device_own_name(
    color_mode: str, modes: tuple[str, ...], depths: tuple[str, ...], settings: dict[str, str]
) -> None:
    assert choose_mode(color_mode, modes, depths) == settings


def test_a_mode_the_device_lacks_says_how_to_set_it() -> None:
    with pytest.raises(CaptureFailed, match="sane_options"):
        choose_mode("bilevel", ("Gray", "Color"), ("8",))


def test_options_become_scanimage_arguments() -> None:
    assert option_args({"source": "ADF Duplex", "resolution": 300, "y": 297}) == [
        "--source=ADF Duplex",
        "--resolution=300",
        "-y",
        "297",
    ]


# -- one source file from the captured pages ----------------------------------------------------


def tiff(image: Image.Image, path: Path, dpi: int = 300) -> Path:
    image.save(path, format="TIFF", dpi=(dpi, dpi))
    return path


def page_image(pdf: pikepdf.Pdf, index: int) -> PageImage:
    """The page's one image, as the pipeline will find it (with its resolution)."""
    found = find_page_image(pdf.pages[index])
    assert found is not None
    return found


def test_colour_and_gray_pages_become_jpeg_at_the_profile_quality(tmp_path: Path) -> None:
    colour = images.text_page(mode="RGB").image
    gray = images.text_page().image
    pages = [tiff(colour, tmp_path / "p0001.tif"), tiff(gray, tmp_path / "p0002.tif")]
    out = pages_to_pdf(pages, tmp_path / "scan.pdf", jpeg_quality=70, dpi=300)
    with pikepdf.open(out) as pdf:
        assert len(pdf.pages) == 2
        for index, mode in enumerate(("RGB", "L")):
            found = page_image(pdf, index)
            assert found.image.Filter == pikepdf.Name.DCTDecode
            assert found.embeddable and round(found.dpi) == 300
            jpeg = Image.open(io.BytesIO(found.image.read_raw_bytes()))
            reference = io.BytesIO()
            Image.new(mode, (8, 8)).save(reference, format="JPEG", quality=70)
            assert jpeg.mode == mode
            assert jpeg.quantization == Image.open(reference).quantization  # type: ignore[attr-defined]


def test_bilevel_pages_become_ccitt_g4_losslessly(tmp_path: Path) -> None:
    page = images.text_page().image.point(lambda v: 255 if v > 128 else 0).convert("1")
    source = tiff(page, tmp_path / "p0001.tif", dpi=200)
    out = pages_to_pdf([source], tmp_path / "scan.pdf", jpeg_quality=85, dpi=300)
    with pikepdf.open(out) as pdf:
        found = page_image(pdf, 0)
        assert list(found.image.Filter) == [pikepdf.Name.CCITTFaxDecode]
        assert found.image.DecodeParms[0].K == -1  # Group 4
        assert found.embeddable and round(found.dpi) == 200
        decoded = pikepdf.PdfImage(found.image).as_pil_image()
        assert decoded.convert("L").tobytes() == page.convert("L").tobytes()


def test_a_damaged_page_from_the_scanner_is_a_capture_failure(tmp_path: Path) -> None:
    (tmp_path / "p0001.tif").write_bytes(b"II*\x00garbage")
    with pytest.raises(CaptureFailed, match=r"p0001\.tif"):
        pages_to_pdf([tmp_path / "p0001.tif"], tmp_path / "scan.pdf", jpeg_quality=85, dpi=300)


def test_the_same_pages_give_the_same_bytes(tmp_path: Path) -> None:
    """The same batch sent twice is one source (a duplicate), not two documents: nothing in
    the wrapper depends on the clock (no dates, no trailer /ID)."""
    page = tiff(images.text_page().image, tmp_path / "p0001.tif")
    first = pages_to_pdf([page], tmp_path / "scan-1.pdf", jpeg_quality=85, dpi=300)
    second = pages_to_pdf([page], tmp_path / "scan-2.pdf", jpeg_quality=85, dpi=300)
    assert first.read_bytes() == second.read_bytes()
    with pikepdf.open(first) as pdf:
        assert "/ID" not in pdf.trailer and "/CreationDate" not in pdf.docinfo
