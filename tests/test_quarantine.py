"""`sohoa quarantine list|retry`: a rejected scan waits with its reason until a clerk acts,
and goes through the whole pipeline again when retried."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from tests.conftest import Sohoa
from tests.hot_folder_helpers import CODE, documents, quarantine_notes, scan_pdf


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def quarantined(sohoa: Sohoa, tmp_path: Path, sohoa_home: Path) -> str:
    """A scan without any dossier code, dropped into a hot folder: its quarantine name."""
    hot = tmp_path / "quay-2"
    hot.mkdir()
    scan_pdf(hot / "scan0007.pdf")
    ok(sohoa("watch", hot, "--once", "--settle", "0.3"))
    (note,) = quarantine_notes(sohoa_home)
    return str(note["file"])


def test_list_says_which_file_when_and_why(sohoa: Sohoa, quarantined: str) -> None:
    listed = ok(sohoa("quarantine", "list")).stdout

    assert "1 files in quarantine" in listed
    assert quarantined in listed and "[no_code]" in listed
    assert "No dossier code found" in listed
    assert f"sohoa quarantine retry {quarantined} --case" in listed


def test_list_speaks_vietnamese_to_the_clerk(sohoa: Sohoa, quarantined: str) -> None:
    listed = ok(sohoa("quarantine", "list", env={"SOHOA_LANG": "vi"})).stdout

    assert "1 tệp bị cách ly" in listed
    assert "Không tìm thấy mã hồ sơ" in listed


def test_list_as_json_gives_the_note(sohoa: Sohoa, quarantined: str) -> None:
    (entry,) = json.loads(ok(sohoa("quarantine", "list", "--json")).stdout)

    assert entry["name"] == quarantined
    assert entry["why"]["reason"] == "no_code"
    assert entry["origin"]["original_name"] == "scan0007.pdf"
    assert entry["origin"]["kind"] == "intake"
    assert entry["quarantined_at"].endswith("+07:00")


def test_retry_with_the_clerks_code_stores_it_and_empties_the_quarantine(
    sohoa: Sohoa, quarantined: str, sohoa_home: Path
) -> None:
    result = ok(sohoa("quarantine", "retry", quarantined, "--case", CODE))

    assert f"Stored: {quarantined} -> {CODE}.1" in result.stdout
    (document,) = documents(sohoa_home)
    assert document["status"] == "stored" and document["source_name"] == "scan0007.pdf"
    assert list((sohoa_home / "quarantine").iterdir()) == []
    assert "No file is in quarantine." in ok(sohoa("quarantine", "list")).stdout


def test_a_retry_that_fails_again_updates_the_note(
    sohoa: Sohoa, quarantined: str, sohoa_home: Path
) -> None:
    result = sohoa("quarantine", "retry", "--all")

    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"Still failing: {quarantined} - No dossier code found" in result.output
    (note,) = quarantine_notes(sohoa_home)
    assert note["attempts"] == 2
    assert (sohoa_home / "quarantine" / quarantined).is_file()


def test_retry_refuses_an_invalid_code_before_touching_anything(
    sohoa: Sohoa, quarantined: str, sohoa_home: Path
) -> None:
    result = sohoa("quarantine", "retry", quarantined, "--case", "000.00.20.H56-241345-0001")

    assert result.exit_code == ExitCode.USAGE
    assert "not a real date" in result.output
    (note,) = quarantine_notes(sohoa_home)
    assert note["attempts"] == 1


def test_retry_of_an_unknown_name_says_so(sohoa: Sohoa) -> None:
    result = sohoa("quarantine", "retry", "khong-co.pdf", "--case", CODE)

    assert result.exit_code == ExitCode.NOT_FOUND
    assert "khong-co.pdf" in result.output
