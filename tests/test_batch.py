"""`sohoa batch`: backlog scans split at separator sheets, each part filed, everything reported.

Each scenario runs the real command (OCR, PDF/A, local store, SQLite catalog) in
its own SOHOA_HOME on small synthetic pages, plus the corpus backlog batch.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from sohoa.storage.catalog import Catalog
from tests import images
from tests.conftest import Sohoa, cli, corpus_truth, stored_files
from tests.separator_sheets import separator_sheet

A = "000.00.20.H56-240101-0001"
B = "000.00.20.H56-240101-0002"
C = "000.00.20.H56-240101-0003"
NOT_A_DATE = "000.00.20.H56-241399-0001"


def page(n: int) -> Any:
    return images.numbered_page(n).image


def sheet(code: str) -> Any:
    return separator_sheet(code, code)


def report(directory: Path) -> list[dict[str, Any]]:
    return json.loads((directory / "report.json").read_text("utf-8"))["rows"]  # type: ignore[no-any-return]


def parts(rows: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["pages_range"], r["dossier_code"], r["status"]) for r in rows if r["row"] == "part"]


def documents(home: Path, code: str) -> list[Any]:
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        return catalog.documents(code)


def dossiers_stored(home: Path) -> set[str]:
    return {p.parts[p.parts.index("dossiers") + 1] for p in stored_files(home)}


def page_images(pdf: Path) -> list[bytes]:
    with pikepdf.open(pdf) as doc:
        return [
            image.read_raw_bytes() for page in doc.pages for image in page.get_images().values()
        ]


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


# -- the corpus backlog -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def backlog(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """The corpus backlog batch digitised once: (SOHOA_HOME, result); reports in HOME/../first."""
    home = tmp_path_factory.mktemp("archive") / "sohoa-home"
    report_dir = home.parent / "first"
    return home, cli(home)("batch", corpus / "dev-backlog.pdf", "--report", report_dir)


def test_the_corpus_backlog_splits_into_its_dossiers_without_separator_pages(
    corpus: Path, backlog: tuple[Path, Result]
) -> None:
    sohoa_home, result = backlog
    source = corpus / "dev-backlog.pdf"
    truth = corpus_truth(corpus, "dev-backlog")
    ok(result)
    assert "2 stored, 0 duplicates, 0 errors, 2 separator sheets removed" in result.stdout

    originals = page_images(source)
    separator_images = {
        originals[p["index"] - 1]
        for p in truth["pages"]  # type: ignore[attr-defined]
        if p["kind"] == "separator"
    }
    for dossier in truth["dossiers"]:  # type: ignore[attr-defined]
        (record,) = documents(sohoa_home, dossier["dossier_code"])
        content = dossier["last_page"] - dossier["first_page"]  # the separator is the first page
        assert (record.status, record.pages) == ("stored", content)
        stored = page_images(sohoa_home / "objects" / record.key)
        assert stored == originals[dossier["first_page"] : dossier["last_page"]]
        assert not separator_images & set(stored)
    rows = report(sohoa_home.parent / "first")
    assert [r["pages_range"] for r in rows if r["status"] == "separator"] == ["1", "5"]
    assert [s for _, _, s in parts(rows)] == ["stored", "stored"]


def test_running_the_same_batch_twice_stores_nothing_new(
    corpus: Path, backlog: tuple[Path, Result], tmp_path: Path
) -> None:
    sohoa_home, first = backlog
    ok(first)
    sohoa = cli(sohoa_home)
    before = {p: p.stat().st_mtime_ns for p in stored_files(sohoa_home)}
    again = ok(sohoa("batch", corpus / "dev-backlog.pdf", "--report", tmp_path / "again"))
    assert "0 stored, 2 duplicates, 0 errors" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in stored_files(sohoa_home)} == before
    assert [s for _, _, s in parts(report(tmp_path / "again"))] == ["duplicate", "duplicate"]


# -- faulty separators and missing codes --------------------------------------------------------


def test_a_separator_with_an_invalid_code_is_reported_and_nothing_is_filed_under_a_wrong_code(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    scan = images.save_jpeg_pdf(
        [sheet(A), page(1), separator_sheet(NOT_A_DATE, NOT_A_DATE), page(2)], tmp_path / "lo.pdf"
    )
    result = sohoa("batch", scan, "--report", tmp_path / "r")
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "Traceback" not in result.output
    assert NOT_A_DATE in result.stderr and "not a valid dossier code" in result.stderr
    rows = report(tmp_path / "r")
    assert parts(rows) == [("2", A, "stored"), ("4", "", "error")]
    (bad,) = [r for r in rows if r["status"] == "error"]
    assert "hợp lệ" in bad["error_vi"] and "rescan" in bad["error_en"]
    assert dossiers_stored(sohoa_home) == {A}
    assert [d.pages for d in documents(sohoa_home, A)] == [1]


def test_a_separator_whose_code_cannot_be_read_is_reported(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    damaged = separator_sheet(B, damaged=True)
    scan = images.save_jpeg_pdf([sheet(A), page(1), damaged, page(2)], tmp_path / "lo.pdf")
    result = sohoa("batch", scan, "--report", tmp_path / "r")
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert "cannot be read" in result.stderr
    assert parts(report(tmp_path / "r")) == [("2", A, "stored"), ("4", "", "error")]
    assert dossiers_stored(sohoa_home) == {A}


def test_pages_before_the_first_separator_need_a_code_and_are_never_dropped(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    scan = images.save_jpeg_pdf([page(1), sheet(B), page(2)], tmp_path / "lo.pdf")
    result = sohoa("batch", scan, "--report", tmp_path / "r")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "give --case" in result.stderr
    assert parts(report(tmp_path / "r")) == [("1", "", "error"), ("3", B, "stored")]

    ok(sohoa("batch", scan, "--case", A, "--report", tmp_path / "with-case"))
    assert parts(report(tmp_path / "with-case")) == [("1", A, "stored"), ("3", B, "duplicate")]


def test_a_file_without_separators_is_one_document_for_the_code_in_its_name(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    scan = images.save_jpeg_pdf([page(1), page(2)], tmp_path / f"{C}.pdf")
    ok(sohoa("batch", scan, "--report", tmp_path / "r"))
    (record,) = documents(sohoa_home, C)
    assert (record.pages, record.source_name) == (2, scan.name)


# -- folders, unsupported files -----------------------------------------------------------------


def test_a_folder_with_an_unsupported_file_reports_it_and_files_the_rest(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ton-dong"
    (folder / "2023").mkdir(parents=True)
    images.save_jpeg_pdf([sheet(A), page(1)], folder / "2023" / "lo-01.pdf")
    (folder / "ghi-chu.docx").write_bytes(b"PK\x03\x04 not a scan")
    result = sohoa("batch", folder, "--report", tmp_path / "r")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "ghi-chu.docx" in result.stderr and "unsupported" in result.stderr
    rows = report(tmp_path / "r")
    assert [(Path(r["source"]).name, r["status"]) for r in rows if r["row"] == "source"] == [
        ("lo-01.pdf", "done"),
        ("ghi-chu.docx", "error"),
    ]
    assert dossiers_stored(sohoa_home) == {A}


# -- killed and resumed ------------------------------------------------------------------------


def _stored_count(catalog: Path) -> int:
    """Documents marked stored, read the way another process would (0 before the catalog exists)."""
    if not catalog.exists():
        return 0
    try:
        db = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=1)
        try:
            (count,) = db.execute("select count(*) from documents where status='stored'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:  # not created yet, or busy
        return 0
    return int(count)


def test_a_batch_killed_halfway_resumes_and_stores_every_part_exactly_once(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    scan = images.save_jpeg_pdf(
        [sheet(A), page(1), sheet(B), page(2), page(3), sheet(C), page(4), page(5)],
        tmp_path / "lo.pdf",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(sohoa_home), "SOHOA_JOBS": "1", "SOHOA_LANG": "en"})
    command = [str(Path(sys.executable).parent / "sohoa"), "batch", str(scan), "--report", "killed"]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while _stored_count(sohoa_home / "catalog.sqlite3") < 1:
            assert process.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline, "the first part was never stored"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    assert _stored_count(sohoa_home / "catalog.sqlite3") < 3, "killed too late to test resuming"

    ok(sohoa("batch", scan, "--report", tmp_path / "resumed"))
    statuses = parts(report(tmp_path / "resumed"))
    assert statuses[0] == ("2", A, "duplicate")
    assert {s for _, _, s in statuses} <= {"duplicate", "stored"}
    for code, pages in ((A, 1), (B, 2), (C, 2)):
        (record,) = documents(sohoa_home, code)
        assert (record.status, record.number, record.pages) == ("stored", 1, pages)
    documents_in_store = [p for p in stored_files(sohoa_home) if ".sha256" not in p.parts]
    assert len([p for p in documents_in_store if p.name.endswith(".1.pdf")]) == 3
