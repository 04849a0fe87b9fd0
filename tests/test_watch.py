"""`sohoa watch`: scans dropped into a hot folder are stored exactly once, or quarantined with
a reason — never lost, never taken half-written, never removed before they are stored.

Real files, real filesystem events, real `sohoa` processes; every wait is a bounded poll.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from sohoa.ingest.claim import claim
from sohoa.ingest.folder_config import FolderConfig
from sohoa.ingest.hot_file import Context
from sohoa.ingest.readiness import Timing
from sohoa.ingest.watch import Watcher
from sohoa.ocr.options import OcrOptions
from sohoa.settings import Settings
from sohoa.storage.catalog import Catalog
from sohoa.storage.errors import StorageUnavailable
from sohoa.watch_context import open_context
from sohoa.workers.submission import Outcome, Submission
from tests.conftest import Sohoa
from tests.hot_folder_helpers import (
    CODE,
    documents,
    quarantine_notes,
    scan_pdf,
    start_sohoa,
    wait_for,
)

FAST = ("--settle", "0.3")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def hot(tmp_path: Path) -> Path:
    folder = tmp_path / "quay-1"
    folder.mkdir()
    return folder


def test_a_scan_named_with_its_code_is_stored_and_moved_to_done(sohoa: Sohoa, hot: Path) -> None:
    source = scan_pdf(hot / f"{CODE}.pdf")
    data = source.read_bytes()

    result = ok(sohoa("watch", hot, "--once", *FAST))

    assert f"Stored: {CODE}.pdf -> {CODE}.1 (1 pages)" in result.stdout
    assert (hot / "done" / f"{CODE}.pdf").read_bytes() == data
    assert not source.exists()
    assert not list((hot / ".processing").iterdir())


def test_the_receipts_qr_code_names_the_dossier(sohoa: Sohoa, hot: Path) -> None:
    scan_pdf(hot / "scan0001.pdf", qr=f"MaHoSo:{CODE};MaTTHC:1.001612;HoTen:Nguyen Van Binh")

    result = ok(sohoa("watch", hot, "--once", "--after", "delete", *FAST))

    assert f"Stored: scan0001.pdf -> {CODE}.1" in result.stdout
    assert not list(hot.glob("*.pdf")) and not (hot / "done").exists()


def test_a_qr_code_with_an_impossible_date_is_quarantined_with_that_reason(
    sohoa: Sohoa, hot: Path, sohoa_home: Path
) -> None:
    wrong = "000.00.20.H56-241345-0001"  # month 13
    scan_pdf(hot / "scan0002.pdf", qr=wrong)

    result = ok(sohoa("watch", hot, "--once", *FAST))

    assert "Quarantined: scan0002.pdf - Invalid dossier code" in result.stdout
    (note,) = quarantine_notes(sohoa_home)
    assert note["why"]["reason"] == "invalid_dossier_code"  # type: ignore[index]
    assert "241345 is not a real date" in note["why"]["message_en"]  # type: ignore[index]
    assert "không phải ngày hợp lệ" in note["why"]["message_vi"]  # type: ignore[index]
    assert not list(hot.glob("*.pdf"))


def test_a_scan_without_any_code_is_quarantined_not_dropped(
    sohoa: Sohoa, hot: Path, sohoa_home: Path
) -> None:
    data = scan_pdf(hot / "scan0003.pdf").read_bytes()

    result = ok(sohoa("watch", hot, "--once", *FAST))

    assert "Quarantined: scan0003.pdf - No dossier code found" in result.stdout
    (note,) = quarantine_notes(sohoa_home)
    assert note["why"]["reason"] == "no_code"  # type: ignore[index]
    assert note["origin"]["folder"] == str(hot)  # type: ignore[index]
    quarantined = sohoa_home / "quarantine" / str(note["file"])
    assert quarantined.read_bytes() == data
    text = quarantined.with_name(quarantined.name + ".why.txt").read_text("utf-8")
    assert "Không tìm thấy mã hồ sơ" in text and "--case" in text


def test_a_corrupt_file_is_quarantined_once_it_stays_unreadable(
    sohoa: Sohoa, hot: Path, sohoa_home: Path
) -> None:
    (hot / f"{CODE}.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage\n%%EOF\n")

    result = ok(sohoa("watch", hot, "--once", *FAST, env={"SOHOA_WATCH_INCOMPLETE_SECONDS": "1"}))

    assert f"Quarantined: {CODE}.pdf - {CODE}.pdf: the file is damaged" in result.stdout
    (note,) = quarantine_notes(sohoa_home)
    assert note["why"]["reason"] == "corrupt"  # type: ignore[index]
    assert documents(sohoa_home) == []


def test_a_half_written_scan_is_taken_only_when_complete_and_stored_once(
    sohoa: Sohoa, hot: Path, tmp_path: Path, sohoa_home: Path
) -> None:
    whole = scan_pdf(tmp_path / "whole.pdf").read_bytes()
    target = hot / f"{CODE}.pdf"
    chunks = [whole[i : i + len(whole) // 4 + 1] for i in range(0, len(whole), len(whole) // 4 + 1)]
    target.write_bytes(chunks[0])

    def scanner_writes_slowly() -> None:
        with target.open("ab") as f:
            for chunk in chunks[1:]:
                time.sleep(1.0)  # pauses longer than the settle interval
                f.write(chunk)
                f.flush()

    writer = threading.Thread(target=scanner_writes_slowly)
    writer.start()
    try:
        result = ok(sohoa("watch", hot, "--once", *FAST))
    finally:
        writer.join()

    assert result.stdout.count("Stored:") == 1
    (document,) = documents(sohoa_home)
    assert document["source_sha256"] == sha256(whole)
    assert (hot / "done" / target.name).read_bytes() == whole


def test_a_file_written_under_a_temporary_name_is_picked_up_by_its_final_name(
    hot: Path, sohoa_home: Path, tmp_path: Path
) -> None:
    whole = scan_pdf(tmp_path / "whole.pdf").read_bytes()
    watcher = start_sohoa(sohoa_home, "watch", hot, *FAST, "--rescan", "60")
    try:
        partial = hot / f"{CODE}.pdf.tmp"
        with partial.open("wb") as f:
            f.write(whole[:1000])
            f.flush()
            time.sleep(1.0)  # longer than the settle interval: a .tmp is never taken
            f.write(whole[1000:])
        os.rename(partial, hot / f"{CODE}.pdf")

        wait_for(lambda: (hot / "done" / f"{CODE}.pdf").exists(), "the scan to be stored")
    finally:
        watcher.send_signal(signal.SIGTERM)
        out, err = watcher.communicate(timeout=60)

    assert out.count("Stored:") == 1, out + err
    (document,) = documents(sohoa_home)
    assert document["source_name"] == f"{CODE}.pdf"
    assert document["source_sha256"] == sha256(whole)


def test_two_watchers_on_one_folder_store_each_file_exactly_once(
    hot: Path, sohoa_home: Path
) -> None:
    codes = [f"000.00.20.H56-240101-{n:04d}" for n in range(1, 5)]
    for n, code in enumerate(codes, start=1):
        scan_pdf(hot / f"{code}.pdf", number=n)

    watchers = [start_sohoa(sohoa_home, "watch", hot, "--once", *FAST) for _ in range(2)]
    outputs = [w.communicate(timeout=300) for w in watchers]

    assert [w.returncode for w in watchers] == [0, 0], outputs
    printed = "".join(out for out, _ in outputs)
    assert printed.count("Stored:") == 4 and "Already stored" not in printed, printed
    for code in codes:
        assert [d["name"] for d in documents(sohoa_home, code)] == [f"{code}.1"]
        assert (hot / "done" / f"{code}.pdf").is_file()
    assert not list(hot.glob("*.pdf")) and not list((hot / ".processing").iterdir())


def test_a_file_left_in_processing_by_a_crash_is_recovered_on_restart(
    sohoa: Sohoa, hot: Path, sohoa_home: Path
) -> None:
    source = scan_pdf(hot / f"{CODE}.pdf")
    data = source.read_bytes()
    assert claim(source, hot / ".processing") is not None  # taken, then the watcher "died"
    sohoa_home.mkdir()
    with Catalog.open(f"sqlite:///{sohoa_home / 'catalog.sqlite3'}") as catalog:
        catalog.reserve(CODE, "intake", source.name, sha256(data))  # crashed mid-document

    result = ok(sohoa("watch", hot, "--once", *FAST))

    assert f"Stored: {CODE}.pdf -> {CODE}.1" in result.stdout
    assert [d["status"] for d in documents(sohoa_home)] == ["stored"]
    assert (hot / "done" / f"{CODE}.pdf").read_bytes() == data
    assert not list((hot / ".processing").iterdir())


def test_the_source_leaves_the_folder_only_after_its_document_is_stored(
    hot: Path, sohoa_home: Path
) -> None:
    source = scan_pdf(hot / f"{CODE}.pdf")
    settings = Settings(home=sohoa_home, jobs=1)
    seen_when_stored: list[list[Path]] = []

    with open_context(settings) as ctx:

        def digitise_then_look(submission: Submission, options: OcrOptions) -> Outcome:
            outcome = ctx.digitise(submission, options)  # returns once stored and verified
            seen_when_stored.append(sorted(hot.rglob("*.pdf")))
            return outcome

        spied = Context(digitise_then_look, ctx.explain, ctx.options_for, ctx.quarantine)
        folder = FolderConfig(path=hot)
        reports = Watcher([folder], spied, Timing(0.3, 30), lambda _: None).run_once()

    assert [r.status for r in reports] == ["stored"]
    ((still_there,),) = seen_when_stored
    assert still_there.parent.name == ".processing" and still_there.name.endswith(source.name)
    assert sorted(hot.rglob("*.pdf")) == [hot / "done" / source.name]


def test_a_store_that_cannot_be_reached_leaves_the_scans_untouched(
    sohoa: Sohoa, hot: Path, sohoa_home: Path
) -> None:
    source = scan_pdf(hot / f"{CODE}.pdf")
    nobody_listens = {
        "SOHOA_STORAGE_URL": "s3+http://127.0.0.1:9/bucket",
        "SOHOA_S3_ACCESS_KEY": "key",
        "SOHOA_S3_SECRET_KEY": "secret",
    }

    result = sohoa("watch", hot, "--once", *FAST, env=nobody_listens)

    assert result.exit_code == ExitCode.STORAGE, result.output
    assert source.is_file() and not (hot / "done").exists()
    assert quarantine_notes(sohoa_home) == []


def test_a_store_outage_during_a_file_puts_it_back_for_later(hot: Path, sohoa_home: Path) -> None:
    source = scan_pdf(hot / f"{CODE}.pdf")
    data = source.read_bytes()

    with open_context(Settings(home=sohoa_home, jobs=1)) as ctx:

        def store_goes_down(submission: Submission, options: OcrOptions) -> Outcome:
            raise StorageUnavailable("connection reset by the object store")

        outage = Context(store_goes_down, ctx.explain, ctx.options_for, ctx.quarantine)
        reports = Watcher([FolderConfig(path=hot)], outage, Timing(0.3, 30), print).run_once()

    assert [r.status for r in reports] == ["deferred"]
    assert "will retry" in reports[0].message_en
    assert source.read_bytes() == data
    assert quarantine_notes(sohoa_home) == []


def test_a_bad_folder_configuration_names_the_field(sohoa: Sohoa, tmp_path: Path) -> None:
    config = tmp_path / "hot-folders.yaml"
    config.write_text("folders:\n  - path: quay-1\n    code_from: [qr, barcode]\n")

    result = sohoa("watch", "--config", config)

    assert result.exit_code == ExitCode.USAGE
    assert "folders.0.code_from" in result.output and "barcode" in result.output
