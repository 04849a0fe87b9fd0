"""The watcher survives ordinary events: a multi-page TIFF still being copied, a name of ~250
bytes, a file removed while it is processed. One file's problem is never the daemon's.

Real files, real `sohoa` processes (or the Watcher in-process where a file must vanish at an
exact step); every wait is a bounded poll.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sohoa.ingest.claim import claim
from sohoa.ingest.folder_config import FolderConfig
from sohoa.ingest.hot_file import Context
from sohoa.ingest.readiness import Timing
from sohoa.ingest.watch import Watcher
from sohoa.ocr.options import OcrOptions
from sohoa.settings import Settings
from sohoa.watch_context import open_context
from sohoa.workers.submission import Outcome, Submission
from tests import images
from tests.hot_folder_helpers import CODE, SOHOA, documents, quarantine_notes, scan_pdf, watch_env

#: A scan name of 250 UTF-8 bytes: legal on ext4 and SMB, no room for a claim prefix.
LONG_NAME = f"{CODE} " + "đơn đề nghị " * 15
LONG_NAME = LONG_NAME.encode()[: 250 - 4].decode(errors="ignore") + ".pdf"


def watch_once(home: Path, hot: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOHOA), "watch", str(hot), "--once", "--settle", "0.3"],
        env=watch_env(home, env),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_a_name_of_250_bytes_is_stored_under_its_full_name(tmp_path: Path) -> None:
    assert 245 <= len(LONG_NAME.encode()) <= 250
    hot = tmp_path / "quay-1"
    hot.mkdir()
    scan_pdf(hot / LONG_NAME)
    run = watch_once(tmp_path / "home", hot)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    (document,) = documents(tmp_path / "home")
    assert document["source_name"] == LONG_NAME
    assert (hot / "done" / LONG_NAME).is_file()
    assert list((hot / ".processing").iterdir()) == []  # no sidecar left behind


def test_a_long_name_claimed_before_a_crash_is_recovered_with_its_name(tmp_path: Path) -> None:
    hot = tmp_path / "quay-1"
    hot.mkdir()
    claimed = claim(scan_pdf(hot / LONG_NAME), hot / ".processing")
    assert claimed is not None and len(claimed.path.name.encode()) <= 255
    claimed._handle.close()  # type: ignore[union-attr]  # the process dies holding it
    run = watch_once(tmp_path / "home", hot)
    assert run.returncode == 0, run.stderr
    (document,) = documents(tmp_path / "home")
    assert document["source_name"] == LONG_NAME


def test_a_long_name_without_a_code_is_quarantined_and_the_note_keeps_the_name(
    tmp_path: Path,
) -> None:
    hot = tmp_path / "quay-1"
    hot.mkdir()
    name = ("biên nhận " * 30).encode()[:246].decode(errors="ignore") + ".pdf"
    scan_pdf(hot / name)
    run = watch_once(tmp_path / "home", hot)
    assert run.returncode == 0, run.stderr
    (note,) = quarantine_notes(tmp_path / "home")
    assert note["origin"]["original_name"] == name  # type: ignore[index]


def test_a_multi_page_tiff_cut_short_is_not_stored_without_its_last_pages(tmp_path: Path) -> None:
    hot = tmp_path / "quay-1"
    hot.mkdir()
    whole = tmp_path / "whole.tif"
    pages = [images.numbered_page(n).image for n in (1, 2, 3)]
    pages[0].save(whole, save_all=True, append_images=pages[1:], dpi=(300, 300))
    data = whole.read_bytes()
    (hot / f"{CODE}.tif").write_bytes(data[: len(data) * 5 // 6])  # copy stopped at 5/6
    run = watch_once(tmp_path / "home", hot, SOHOA_WATCH_INCOMPLETE_SECONDS="1")
    assert run.returncode == 0, run.stderr
    assert [d for d in documents(tmp_path / "home") if d["status"] == "stored"] == []
    (note,) = quarantine_notes(tmp_path / "home")
    assert note["why"]["reason"] == "corrupt"  # type: ignore[index]


def test_a_file_removed_while_it_is_processed_does_not_stop_the_watcher(
    tmp_path: Path,
) -> None:
    hot = tmp_path / "quay-1"
    hot.mkdir()
    scan_pdf(hot / f"{CODE}.pdf")
    scan_pdf(hot / f"{CODE}-2.pdf", number=2)
    home = tmp_path / "home"
    with open_context(Settings(home=home, jobs=1)) as ctx:

        def removed_midway(submission: Submission, options: OcrOptions) -> Outcome:
            if submission.source_name == f"{CODE}.pdf":
                submission.source.unlink()  # someone cleans the share mid-way
                raise FileNotFoundError(2, "No such file or directory", str(submission.source))
            return ctx.digitise(submission, options)

        flaky = Context(removed_midway, ctx.explain, ctx.options_for, ctx.quarantine)
        reports = Watcher([FolderConfig(path=hot)], flaky, Timing(0.3, 30), print).run_once()

    by_name = {r.source_name: r for r in reports}
    assert by_name[f"{CODE}-2.pdf"].status == "stored"
    assert by_name[f"{CODE}.pdf"].status == "deferred"
    assert "removed" in by_name[f"{CODE}.pdf"].message_en
