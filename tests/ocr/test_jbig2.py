"""JBIG2 scans (multifunction scanners, archive software) are read and kept as JBIG2.

The JBIG2 image goes into the PDF/A exactly as it was (PDF/A-2 allows JBIG2Decode);
only the OCR copy is decoded, by jbig2dec. Without jbig2dec the clerk gets one line
naming the package to install, not a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest

from sohoa.exit_codes import ExitCode
from tests import images
from tests.conftest import Digitise, pdftotext


@pytest.fixture(scope="module")
def jbig2_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("jbig2")
    return images.save_jbig2_pdf(images.text_page().image, folder / "luu-tru.pdf")


def test_a_jbig2_scan_becomes_a_valid_searchable_pdfa(jbig2_scan: Path, digitise: Digitise) -> None:
    result = digitise(jbig2_scan)
    assert pikepdf.pdfa.validate_written(result.pdf, "2b").passed
    assert images.MARKER in pdftotext(result.pdf)
    assert result.pages == 1


def test_the_jbig2_image_is_embedded_byte_for_byte(jbig2_scan: Path, digitise: Digitise) -> None:
    result = digitise(jbig2_scan)
    with pikepdf.open(jbig2_scan) as source, pikepdf.open(result.pdf) as output:
        original = source.pages[0].Resources.XObject.Im0
        (kept,) = (v for v in output.pages[0].Resources.XObject.values() if v.Subtype == "/Image")
        assert kept.Filter == pikepdf.Name.JBIG2Decode
        assert kept.read_raw_bytes() == original.read_raw_bytes()


def test_without_jbig2dec_the_clerk_is_told_which_package_to_install(
    jbig2_scan: Path, tmp_path: Path
) -> None:
    """A PATH with tesseract but no jbig2dec, as on a machine set up by hand."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("tesseract",):
        (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    out = tmp_path / "out.pdf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(PATH=str(bin_dir), SOHOA_HOME=str(tmp_path / "home"), SOHOA_LANG="en")
    done = subprocess.run(
        [str(Path(sys.executable).parent / "sohoa"), "ocr", str(jbig2_scan), str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == ExitCode.MISSING_DEPENDENCY, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = [ln for ln in done.stderr.splitlines() if ln.strip()]
    assert "apt-get install jbig2dec" in line
    assert not out.exists()
