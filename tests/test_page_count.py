"""Spec §2a at the counter: the sheets the clerk fed are checked against the pages scanned.
A mismatch is flagged (exit 9) but never loses the document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sohoa.exit_codes import ExitCode
from sohoa.ingest.page_count import PageCounts, compare_sheets
from tests import images
from tests.conftest import Sohoa, stored_files

CODE = "000.00.20.H56-240101-0001"


def counts(input_pages: int, dropped: int = 0, separators: int = 0) -> PageCounts:
    return PageCounts(input_pages, input_pages - dropped - separators, dropped, separators)


def test_duplex_expects_two_pages_per_sheet() -> None:
    check = compare_sheets(3, True, counts(6, dropped=2))
    assert check.expected_input_pages == 6
    assert check.matches
    assert check.warning("vi") == ""


def test_simplex_expects_one_page_per_sheet() -> None:
    assert compare_sheets(3, False, counts(3)).matches
    assert not compare_sheets(3, False, counts(6)).matches


def test_a_missing_sheet_is_flagged_with_a_vietnamese_warning_saying_what_to_do() -> None:
    check = compare_sheets(5, True, counts(8, dropped=1))
    assert not check.matches
    warning = check.warning("vi")
    assert warning.startswith("Số trang không khớp:")
    assert "10 trang" in warning and "8 trang" in warning
    assert "đã được lưu" in warning
    assert "mismatch" in check.warning("en")


def test_pages_that_are_not_accounted_for_are_a_mismatch() -> None:
    assert not compare_sheets(2, True, PageCounts(4, 4, 1)).matches  # content + dropped > input
    assert not compare_sheets(2, True, PageCounts(4, 5, 0)).matches  # more content than input


def test_separators_removed_count_as_input_pages() -> None:
    check = compare_sheets(3, False, counts(3, separators=1))
    assert check.matches and check.counts.content_pages == 2
    assert "1 tờ phân cách" in check.summary("vi")


def test_the_summary_gives_every_count() -> None:
    summary = compare_sheets(2, True, counts(4, dropped=1)).summary("en")
    assert summary == (
        "Reconciliation: 2 sheets (duplex) -> 4 pages scanned, 1 blank backs dropped, "
        "0 separators removed, 3 content pages"
    )


def test_no_sheets_is_not_a_count() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        compare_sheets(0, True, counts(0))


# -- sohoa process --sheets -------------------------------------------------------------------


@pytest.fixture(scope="module")
def one_sheet_duplex(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sheet scanned on both sides: a text front and a blank back."""
    d = tmp_path_factory.mktemp("sheets")
    return images.save_jpeg_pdf(
        [images.numbered_page(1).image, images.blank_back()], d / "hai-mat.pdf"
    )


def test_process_with_the_right_sheet_count_reports_the_counts(
    sohoa: Sohoa, one_sheet_duplex: Path
) -> None:
    result = sohoa("process", one_sheet_duplex, "--case", CODE, "--sheets", "1")
    assert result.exit_code == 0, result.output
    assert "1 sheets (duplex) -> 2 pages scanned, 1 blank backs dropped" in result.stdout
    assert "matches" in result.stdout


def test_process_with_a_wrong_sheet_count_warns_exits_9_and_still_stores(
    sohoa: Sohoa, sohoa_home: Path, one_sheet_duplex: Path
) -> None:
    result = sohoa(
        "process", one_sheet_duplex, "--case", CODE, "--sheets", "2", env={"SOHOA_LANG": "vi"}
    )
    assert result.exit_code == ExitCode.RECONCILE_MISMATCH == 9
    assert "Số trang không khớp" in result.stderr
    assert "Traceback" not in result.output
    assert any(p.name == f"{CODE}.1.pdf" for p in stored_files(sohoa_home))


def test_process_json_keeps_stdout_json_and_reports_the_counts_on_stderr(
    sohoa: Sohoa, one_sheet_duplex: Path
) -> None:
    result = sohoa("process", one_sheet_duplex, "--case", CODE, "--sheets", "3", "--json")
    assert result.exit_code == ExitCode.RECONCILE_MISMATCH
    (document,) = json.loads(result.stdout)
    assert document["input_pages"] == 2 and document["pages"] == 1
    assert "Page count mismatch" in result.stderr
