"""`sohoa scan` end to end with a real scanimage and SANE's own `test` device.

The test backend draws patterns (no text), so these check what the counter cares about:
pages captured, the PDF/A stored under the dossier, blank backs, the sheet count, and a
clear message when the scanner is missing or fails. SANE is pointed at a private config
directory (SANE_CONFIG_DIR), so nothing in /etc is needed or touched.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from tests.conftest import Sohoa, stored_files

CODE = "000.00.20.H56-240101-0001"
ADF = "Automatic Document Feeder"  # the test backend's feeder: empty after 10 pages


@pytest.fixture(autouse=True)
def sane_test_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two `test` devices giving blank white 200-dpi gray pages unless a profile says otherwise."""
    if shutil.which("scanimage") is None:
        pytest.skip("scanimage is not installed (apt-get install sane-utils)")
    config = tmp_path / "sane.d"
    config.mkdir()
    (config / "dll.conf").write_text("test\n")
    (config / "test.conf").write_text(
        'number_of_devices 2\nmode Gray\nresolution 200\ntest-picture "Solid white"\n'
    )
    monkeypatch.setenv("SANE_CONFIG_DIR", str(config))


def profile(tmp_path: Path, *lines: str) -> Path:
    """A 200-dpi profile (the test patterns are small) with the given extra lines."""
    path = tmp_path / "counter.yaml"
    path.write_text("\n".join(["description: quầy thử nghiệm", "resolution: 200", *lines]) + "\n")
    return path


def stored_pdf(home: Path) -> Path:
    return home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.pdf"


def scanned_image(pdf: pikepdf.Pdf, index: int) -> pikepdf.Object:
    """The page image of a stored page (beside it sits the invisible text layer)."""
    (image,) = (
        xobject
        for xobject in pdf.pages[index].Resources.XObject.values()
        if xobject.get("/Subtype") == pikepdf.Name.Image
    )
    return image


def filters(image: pikepdf.Object) -> list[pikepdf.Object]:
    value = image.get("/Filter")
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def as_json(result: Result) -> dict[str, object]:
    assert "Traceback" not in result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_duplex_feeder_batch_becomes_one_pdfa_without_its_blank_backs(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    counter = profile(tmp_path)
    result = sohoa(
        "scan", "--device", "test", "-p", counter, "--source", ADF,
        "--case", CODE, "--sheets", "5", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = as_json(result)
    assert report["capture"] == {
        "device": "test", "source": ADF, "mode": "Color", "resolution": 200, "pages": 10,
    }  # fmt: skip
    (document,) = report["documents"]  # type: ignore[misc]
    assert (document["input_pages"], document["pages"]) == (10, 5)
    assert [p["index"] for p in document["dropped_pages"]] == [2, 4, 6, 8, 10]
    assert report["reconciliation"] == {
        "sheets": 5, "duplex": True, "expected_input_pages": 10, "input_pages": 10,
        "content_pages": 5, "blank_backs_dropped": 5, "separators_removed": 0, "matches": True,
    }  # fmt: skip
    assert pikepdf.pdfa.validate_written(stored_pdf(sohoa_home), "2b").passed


def test_a_wrong_sheet_count_warns_in_vietnamese_exits_9_and_keeps_the_document(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    counter = profile(tmp_path)
    result = sohoa(
        "scan", "-d", "test", "-p", counter, "--source", ADF, "--case", CODE, "--sheets", "4",
        env={"SOHOA_LANG": "vi"},
    )  # fmt: skip
    assert result.exit_code == ExitCode.RECONCILE_MISMATCH, result.output
    assert "Đã quét 10 trang từ test" in result.stdout
    assert "Số trang không khớp: đã nạp 4 tờ x 2 mặt = 8 trang" in result.stderr
    assert "10 trang" in result.stderr
    assert stored_pdf(sohoa_home).is_file()


def test_a_flatbed_in_colour_takes_the_sheets_stated_and_stores_jpeg_colour(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    counter = profile(
        tmp_path,
        "duplex: false",
        "drop_blank_backs: false",
        "sane_source: Flatbed",
        "sane_options: {test-picture: Color pattern}",
    )
    result = sohoa("scan", "-d", "test", "-p", counter, "--case", CODE, "--sheets", "2")
    assert result.exit_code == 0, result.output
    assert "Scanned 2 pages from test (Flatbed, Color, 200 dpi)" in result.stdout
    assert "2 sheets (simplex) -> 2 pages scanned" in result.stdout
    with pikepdf.open(stored_pdf(sohoa_home)) as pdf:
        assert len(pdf.pages) == 2
        image = scanned_image(pdf, 0)
        assert filters(image) == [pikepdf.Name.DCTDecode]
        assert image.ColorSpace == pikepdf.Name.DeviceRGB
        assert round(int(image.Width) / float(pdf.pages[0].mediabox[2]) * 72) == 200


def test_a_bilevel_profile_stores_ccitt_g4(sohoa: Sohoa, sohoa_home: Path, tmp_path: Path) -> None:
    counter = profile(
        tmp_path,
        "color_mode: bilevel",
        "duplex: false",
        "drop_blank_backs: false",
        "sane_source: Flatbed",
        "sane_options: {test-picture: Grid}",
    )
    result = sohoa("scan", "-d", "test", "-p", counter, "--case", CODE)
    assert result.exit_code == 0, result.output
    with pikepdf.open(stored_pdf(sohoa_home)) as pdf:
        image = scanned_image(pdf, 0)
        assert filters(image) == [pikepdf.Name.CCITTFaxDecode]
        assert image.BitsPerComponent == 1


def test_the_profile_device_hint_finds_the_scanner_without_device(
    sohoa: Sohoa, tmp_path: Path
) -> None:
    counter = profile(tmp_path, "sane_device: frontend-tester", "sane_source: ADF Front")
    result = sohoa("scan", "-p", counter, "--case", CODE, "--json")
    assert result.exit_code == 0, result.output
    assert as_json(result)["capture"]["device"] == "test:0"  # type: ignore[index]


def failed(result: Result, home: Path, *says: str) -> None:
    assert result.exit_code == ExitCode.SCANNER, result.output
    assert "Traceback" not in result.output
    for words in says:
        assert words in result.stderr
    assert not stored_files(home)


def test_a_scanner_that_is_not_there_is_a_clear_error(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    result = sohoa("scan", "-d", "test:7", "-p", profile(tmp_path), "--case", CODE)
    failed(result, sohoa_home, "Scanner test:7 failed: open of device test:7 failed", "cable")


def test_an_unknown_device_hint_lists_the_connected_scanners(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    result = sohoa("scan", "-p", profile(tmp_path, "sane_device: fi-7160"), "--case", CODE)
    failed(result, sohoa_home, 'Scanner "fi-7160" not found', "test:0", "--device")


def scan_simulating_an_error(sohoa: Sohoa, *args: str | Path) -> Result:
    """`sohoa scan` with a short timeout, tried again if scanimage itself hangs.

    SANE's `test` backend sometimes hangs when told to fail a read (about 1 run in 30
    here, in a futex of its reader thread): that is the backend, not sohoa, which
    correctly reports a silent scanner after SOHOA_SCAN_TIMEOUT. Retry such runs so
    the test checks what it is about.
    """
    for _ in range(3):
        result = sohoa("scan", *args, env={"SOHOA_SCAN_TIMEOUT": "20"})
        if "did not answer within" not in result.stderr:
            return result
    return result


def test_a_jam_stores_nothing_and_says_to_reload_the_stack(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    jams = profile(tmp_path, "sane_options: {read-return-value: SANE_STATUS_JAMMED}")
    result = scan_simulating_an_error(
        sohoa, "-d", "test", "-p", jams, "--source", ADF, "--case", CODE
    )
    failed(result, sohoa_home, "Document feeder jammed", "reload the whole stack")


def test_an_empty_feeder_says_to_load_the_paper(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    empty = profile(tmp_path, "sane_options: {read-return-value: SANE_STATUS_NO_DOCS}")
    result = scan_simulating_an_error(
        sohoa, "-d", "test", "-p", empty, "--source", ADF, "--case", CODE
    )
    failed(result, sohoa_home, "Load the paper")


def test_a_duplex_profile_on_a_simplex_only_device_asks_for_a_source(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    result = sohoa("scan", "-d", "test", "-p", profile(tmp_path), "--case", CODE)
    failed(result, sohoa_home, 'no "ADF Duplex" source', "--source")


def test_without_scanimage_it_says_to_install_sane_utils(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    result = sohoa(
        "scan", "-d", "test", "-p", profile(tmp_path), "--case", CODE,
        env={"SOHOA_SCANIMAGE": str(tmp_path / "no-scanimage")},
    )  # fmt: skip
    assert result.exit_code == ExitCode.MISSING_DEPENDENCY, result.output
    assert "apt-get install sane-utils" in result.stderr
    assert not stored_files(sohoa_home)


def test_a_bad_dossier_code_is_refused_before_any_paper_moves(sohoa: Sohoa, tmp_path: Path) -> None:
    result = sohoa("scan", "-d", "test", "-p", profile(tmp_path), "--case", "HS-1")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output
