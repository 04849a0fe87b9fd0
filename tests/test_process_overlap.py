"""`sohoa process A B C` digitises the next files while one finishes (sohoa.overlap), and the
clerk sees the same as one file after the other: reports in the order given, numbers in
that order without gaps, the first failure's exit code, nothing pending after Ctrl-C."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from sohoa.exit_codes import ExitCode
from sohoa.storage.catalog import Catalog
from tests import images
from tests.conftest import Sohoa
from tests.hot_folder_helpers import CODE, documents, start_sohoa, wait_for
from tests.test_page_workers_die import recognising
from tests.test_sigterm import descendants


def scan(tmp_path: Path, name: str, pages: int, first: int = 0) -> Path:
    """A scanned PDF of numbered pages (page n shows the number 7000 + n)."""
    sheets = [images.numbered_page(first + n).image for n in range(pages)]
    return images.save_jpeg_pdf(sheets, tmp_path / name)


def test_files_are_reported_and_numbered_in_the_order_given(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    """A file rejected in the middle gives its number back before the next one takes one."""
    first = scan(tmp_path, "first.pdf", 3, first=1)
    coarse = images.text_page().image.resize((874, 1240))  # A5 at 150 dpi: rejected
    rejected = images.save_jpeg(coarse, tmp_path / "150dpi.jpg", dpi=150)
    second = scan(tmp_path, "second.pdf", 1, first=4)
    third = scan(tmp_path, "third.pdf", 2, first=5)

    result = sohoa("process", first, rejected, second, third, "--case", CODE, "--json")

    assert result.exit_code == ExitCode.LOW_RESOLUTION, result.output
    stored = json.loads(result.stdout)
    assert [d["source_name"] for d in stored] == ["first.pdf", "second.pdf", "third.pdf"]
    assert [d["name"] for d in stored] == [f"{CODE}.1", f"{CODE}.2", f"{CODE}.3"]
    assert [d["pages"] for d in stored] == [3, 1, 2]
    assert "150dpi.jpg" in result.stderr
    with Catalog.open(f"sqlite:///{sohoa_home / 'catalog.sqlite3'}") as catalog:
        rows = {d.source_name: d for d in catalog.documents(CODE)}
    assert rows["150dpi.jpg"].status == "rejected" and rows["150dpi.jpg"].number is None


def test_sigterm_with_documents_under_way_leaves_no_row_pending(tmp_path: Path) -> None:
    files = [scan(tmp_path, f"scan-{n}.pdf", 3, first=3 * n) for n in range(4)]
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    tmp.mkdir()
    process = start_sohoa(
        home, "process", *files, "--case", CODE, env={"SOHOA_JOBS": "2", "TMPDIR": str(tmp)}
    )
    wait_for(
        lambda: any(recognising(p) for p in descendants(process.pid)),
        "a page worker of sohoa process recognising a page",
    )
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=300)

    assert process.returncode == ExitCode.INTERRUPTED, stderr
    assert "Traceback" not in stderr
    assert [p.name for p in tmp.iterdir() if p.name.startswith("sohoa-")] == []
    rows = documents(home)
    assert rows, "the first document had started"
    assert {d["status"] for d in rows} <= {"stored", "failed"}, rows
    assert all(d["error_kind"] == "interrupted" for d in rows if d["status"] == "failed"), rows
