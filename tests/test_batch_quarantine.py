"""`sohoa batch` sets aside what it cannot file in the hot folders' quarantine.

A part after a faulty separator (or before the first one, without a code) waits
there as cut, with its note, until a clerk files it with `sohoa quarantine retry
NAME --case CODE`; a rejected source file is copied in and stays in the archive
tree. Re-running the batch never adds a second entry for the same content.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sohoa.exit_codes import ExitCode
from tests import images
from tests.conftest import Sohoa
from tests.separator_sheets import separator_sheet
from tests.test_batch import NOT_A_DATE, A, B, documents, ok, page, parts, report, sheet


def listed(sohoa: Sohoa) -> list[dict[str, Any]]:
    return json.loads(ok(sohoa("quarantine", "list", "--json")).stdout)  # type: ignore[no-any-return]


def quarantined_rows(directory: Path) -> list[str]:
    return [r["quarantine"] for r in report(directory) if r["quarantine"]]


def test_a_part_after_an_invalid_separator_waits_in_quarantine_until_a_clerk_files_it(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    bad_sheet = separator_sheet(NOT_A_DATE, NOT_A_DATE)
    scan = images.save_jpeg_pdf([sheet(A), page(1), bad_sheet, page(2)], tmp_path / "lo.pdf")
    first = sohoa("batch", scan, "--report", tmp_path / "r1")
    assert first.exit_code == ExitCode.BAD_INPUT, first.output

    (entry,) = listed(sohoa)
    name = entry["name"]
    assert quarantined_rows(tmp_path / "r1") == [name]
    assert name in first.stderr
    assert entry["why"]["reason"] == "separator_invalid"
    assert "not a valid dossier code" in entry["why"]["message_en"]
    assert f"sohoa quarantine retry {name} --case" in entry["why"]["fix_en"]
    origin = entry["origin"]
    assert (origin["source"], origin["pages"], origin["copied"]) == (str(scan), "4", False)
    assert (origin["kind"], origin["original_name"]) == ("intake", "lo.p4.pdf")
    note = (sohoa_home / "quarantine" / f"{name}.why.txt").read_text("utf-8")
    assert f"{scan}, trang / pages 4" in note and "Lý do:" in note
    listing = ok(sohoa("quarantine", "list")).stdout
    assert "[separator_invalid]" in listing and f"{scan} p4" in listing

    again = sohoa("batch", scan, "--report", tmp_path / "r2")
    assert again.exit_code == ExitCode.BAD_INPUT
    assert [e["name"] for e in listed(sohoa)] == [name]
    assert quarantined_rows(tmp_path / "r2") == [name]

    retried = ok(sohoa("quarantine", "retry", name, "--case", B))
    assert f"Stored: {name} -> {B}.1" in retried.stdout
    (document,) = documents(sohoa_home, B)
    assert (document.status, document.pages, document.source_name) == ("stored", 1, "lo.p4.pdf")
    assert listed(sohoa) == []

    ok(sohoa("batch", scan, "--report", tmp_path / "r3"))
    assert parts(report(tmp_path / "r3")) == [("2", A, "duplicate"), ("4", B, "duplicate")]
    assert listed(sohoa) == []


def test_pages_without_a_code_are_quarantined_and_leave_it_once_filed_with_case(
    sohoa: Sohoa, tmp_path: Path
) -> None:
    scan = images.save_jpeg_pdf([page(1), sheet(B), page(2)], tmp_path / "lo.pdf")
    assert sohoa("batch", scan, "--report", tmp_path / "r").exit_code == ExitCode.BAD_INPUT
    (entry,) = listed(sohoa)
    assert (entry["why"]["reason"], entry["origin"]["pages"]) == ("no_code", "1")

    ok(sohoa("batch", scan, "--case", A, "--report", tmp_path / "with-case"))
    assert parts(report(tmp_path / "with-case")) == [("1", A, "stored"), ("3", B, "duplicate")]
    assert listed(sohoa) == []


def test_an_unsupported_file_is_copied_into_quarantine_once_and_stays_in_the_archive(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ton-dong"
    folder.mkdir()
    images.save_jpeg_pdf([sheet(A), page(1)], folder / "lo-01.pdf")
    original = folder / "ghi-chu.docx"
    original.write_bytes(b"PK\x03\x04 not a scan")

    for run in ("r1", "r2"):
        result = sohoa("batch", folder, "--report", tmp_path / run)
        assert result.exit_code == ExitCode.BAD_INPUT, result.output
        assert original.read_bytes() == b"PK\x03\x04 not a scan"

    (entry,) = listed(sohoa)
    assert entry["why"]["reason"] == "unsupported"
    assert (entry["origin"]["source"], entry["origin"]["copied"]) == (str(original), True)
    assert (sohoa_home / "quarantine" / entry["name"]).read_bytes() == original.read_bytes()
    note = (sohoa_home / "quarantine" / f"{entry['name']}.why.txt").read_text("utf-8")
    assert "this is a copy, the original is still at the source" in note
    assert quarantined_rows(tmp_path / "r1") == quarantined_rows(tmp_path / "r2") == [entry["name"]]
