"""Scans whose header states a wrong resolution (72 or 96 dpi written by phones, drivers and
editors): the resolution is inferred from the paper size when the header is implausible,
true low-resolution scans are still refused, and a clerk who knows can state it."""

from __future__ import annotations

import json
from pathlib import Path

import pikepdf
import pytest

from sohoa.exit_codes import ExitCode
from tests import images
from tests.conftest import Digitise, Sohoa, pdftotext

A4_200DPI = (1654, 2339)
A4_PT = (595.3, 841.9)


def scan_with_header(path: Path, size: tuple[int, int], header_dpi: int) -> Path:
    return images.save_jpeg(images.text_page(size=size).image, path, dpi=header_dpi)


@pytest.mark.parametrize("header_dpi", [72, 96])
def test_an_a4_scan_labelled_72_or_96_dpi_is_read_at_its_real_resolution(
    header_dpi: int, tmp_path: Path, digitise: Digitise
) -> None:
    source = scan_with_header(tmp_path / "dien-thoai.jpg", A4_200DPI, header_dpi)
    result = digitise(source)
    assert images.MARKER in pdftotext(result.pdf)
    (note,) = [n for n in result.notes if "inferred" in n]
    assert f"({header_dpi} dpi) is implausible" in note
    assert "inferred 200 dpi from the A4 paper size" in note
    assert "suy ra 200 dpi theo khổ giấy A4" in note
    with pikepdf.open(result.pdf) as pdf:  # the page is an A4 sheet, not a 1.6 m poster
        box = pdf.pages[0].mediabox
        assert float(box[2]) == pytest.approx(A4_PT[0], abs=2)
        assert float(box[3]) == pytest.approx(A4_PT[1], abs=2)


def test_a_true_low_resolution_scan_is_still_refused(sohoa: Sohoa, tmp_path: Path) -> None:
    """A4 at 150 dpi labelled 72 dpi: the paper size says 150 dpi, below the minimum."""
    source = scan_with_header(tmp_path / "a4-150dpi.jpg", (1240, 1754), 72)
    result = sohoa("ocr", source, tmp_path / "out.pdf")
    assert result.exit_code == ExitCode.LOW_RESOLUTION, result.output
    assert "rescan at 200 dpi" in result.stderr
    assert "150 dpi < 200 dpi" in result.stderr


@pytest.mark.parametrize("how", ["--dpi", "SOHOA_ASSUME_DPI"])
def test_a_clerk_who_knows_states_the_resolution(how: str, sohoa: Sohoa, tmp_path: Path) -> None:
    """A square-ish crop labelled 72 dpi matches no paper size: refused unless the clerk says."""
    source = scan_with_header(tmp_path / "cat.jpg", (1400, 1500), 72)
    refused = sohoa("ocr", source, tmp_path / "refused.pdf")
    assert refused.exit_code == ExitCode.LOW_RESOLUTION
    out = tmp_path / "out.pdf"
    if how == "--dpi":
        result = sohoa("ocr", source, out, "--dpi", "200", "--json")
    else:
        result = sohoa("ocr", source, out, "--json", env={"SOHOA_ASSUME_DPI": "200"})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert any("resolution set by the user: 200 dpi" in n for n in report["notes"])
    assert images.MARKER in pdftotext(out)
