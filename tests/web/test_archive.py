"""The archive page in a real Chromium: a backlog batch on a server folder, live; the quarantine.

The batch is the real `ingest.batch` (separator sheets read by zxing, real tesseract)
run by the server in a thread; its progress and parts arrive over Server-Sent Events.
Folders outside SOHOA_ARCHIVE_ROOTS (or another unit's root, or a link leaving the
root) are refused; quarantined files are retried with a code or deleted, each seen
only by archive staff of the folders they came from.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sohoa.storage.catalog import Catalog
from sohoa.storage.events import events_for
from tests import images
from tests.separator_sheets import separator_sheet
from tests.web.conftest import (
    ARCHIVIST,
    OTHER_ARCHIVIST,
    OTHER_UNIT,
    UNIT,
    Served,
    archive_roots,
    browser_login,
    csrf_of,
    screenshot,
    signed_in,
)

pytestmark = pytest.mark.browser
#: A batch of a few pages with OCR on a busy 2-core machine; never a synchronisation sleep.
BATCH_MS = 300_000
A = "000.00.20.H56-240202-0001"
B = "000.00.20.H56-240202-0002"
FOUND = "000.00.20.H56-240202-0003"


def page_image(n: int) -> Any:
    return images.numbered_page(n).image


XSS_FILE = '"><img src=x onerror=alert(1)>.pdf'


@pytest.fixture
def archivist_page(served: Served, page: Any) -> Iterator[Any]:
    kinds: list[str] = []

    def answer(dialog: Any) -> None:  # only the delete confirmation may ask anything
        kinds.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    browser_login(page, served, ARCHIVIST)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/archive")
    yield page
    assert set(kinds) <= {"confirm"}, "no script from a file name may run"


def backlog(served: Served, name: str, pages: list[Any]) -> Path:
    folder = archive_roots(served.home)[UNIT] / name
    folder.mkdir()
    images.save_jpeg_pdf(pages, folder / "lo-01.pdf")
    return folder


def start(page: Any, folder: Path | str) -> None:
    page.fill("#folder", str(folder))
    page.click("#start-batch button[type=submit]")


def wait_finished(page: Any) -> None:
    expect(page.locator("#run-state")).to_have_text("Đã xong", timeout=BATCH_MS)


def part_states(page: Any) -> list[tuple[str, str]]:
    filed = "#parts tbody tr[data-status=stored], #parts tbody tr[data-status=duplicate]"
    rows = page.locator(filed)
    return [
        (rows.nth(i).locator("td").nth(2).inner_text(), rows.nth(i).get_attribute("data-status"))
        for i in range(rows.count())
    ]


def test_a_batch_with_two_dossiers_runs_live_to_its_end_and_again_as_duplicates(
    served: Served, archivist_page: Any
) -> None:
    page = archivist_page
    folder = backlog(
        served,
        "hai-ho-so",
        [separator_sheet(A, A), page_image(201), separator_sheet(B, B), page_image(202)],
    )
    start(page, folder)
    page.wait_for_url("**/archive?run=*")
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#parts tr[data-status=separator]")).to_have_count(2, timeout=BATCH_MS)
    # Rows arrive live, over SSE; only the end of the run reloads the page (with its final
    # state), which a fast run on a quiet machine may reach before this line.
    finished = page.locator("#run-state").inner_text() == "Đã xong"
    assert finished or page.evaluate("window.notReloaded") is True
    wait_finished(page)  # the page reloads itself once at the end, with the final state
    assert page.locator("[data-p=done]").inner_text() == "4"
    assert page.locator("[data-p=total]").inner_text() == "4"
    assert page.locator("#run-bar").get_attribute("value") == "4"
    assert part_states(page) == [(A, "stored"), (B, "stored")]
    assert page.locator("[data-s=separators]").inner_text() == "2"
    screenshot(page, "archive")
    report = page.locator("a:has-text('report.csv')").get_attribute("href")
    with signed_in(served, ARCHIVIST) as client:
        csv = client.get(report)
        assert csv.status_code == 200 and A in csv.text and B in csv.text
    with signed_in(served, OTHER_ARCHIVIST) as other:
        assert other.get(report).status_code == 403
        assert str(folder) not in other.get("/archive").text
    start(page, folder)  # resumed or repeated: what is stored is reported as duplicate
    page.wait_for_url("**/archive?run=*")
    wait_finished(page)
    assert part_states(page) == [(A, "duplicate"), (B, "duplicate")]
    assert page.locator("#parts .badge.duplicate").first.inner_text() == (
        "Đã có sẵn (lần chạy trước)"
    )


def test_folders_outside_the_allowed_roots_are_refused(served: Served, archivist_page: Any) -> None:
    page = archivist_page
    outside = served.home / "ngoai"
    outside.mkdir(exist_ok=True)
    link = archive_roots(served.home)[UNIT] / "lien-ket-ra-ngoai"
    link.symlink_to(outside, target_is_directory=True)
    for folder in ("/etc", str(archive_roots(served.home)[OTHER_UNIT]), str(link)):
        start(page, folder)
        message = page.locator("#form-error").inner_text()
        assert "nằm ngoài các thư mục lưu trữ bạn được dùng" in message, folder
    start(page, f"{archive_roots(served.home)[UNIT]}/../ngoai")
    assert "nằm ngoài" in page.locator("#form-error").inner_text()
    start(page, "ton-dong")
    assert "đường dẫn đầy đủ" in page.locator("#form-error").inner_text()


def test_quarantined_files_are_retried_with_a_code_or_deleted(
    served: Served, archivist_page: Any
) -> None:
    page = archivist_page
    folder = archive_roots(served.home)[UNIT] / "khong-ma"
    folder.mkdir()
    images.save_jpeg_pdf([page_image(211)], folder / "giay-to-1.pdf")
    images.save_jpeg_pdf([page_image(212)], folder / XSS_FILE)
    start(page, folder)
    wait_finished(page)
    entries = page.locator("#quarantine tbody tr[data-name]")
    expect(entries).to_have_count(2)
    assert "mã hồ sơ" in entries.first.locator("td").nth(1).inner_text().lower()
    plain = entries.filter(has_text="giay-to-1")
    marked = entries.filter(has_text="img src")
    name = plain.get_attribute("data-name")
    with signed_in(served, OTHER_ARCHIVIST) as other:  # another unit's archive staff
        assert "giay-to-1" not in other.get("/archive").text
        token = csrf_of(other.get("/archive").text)
        for action in ("retry", "delete"):
            answer = other.post(
                f"/archive/quarantine/{name}/{action}", data={"csrf_token": token, "code": A}
            )
            assert answer.status_code == 403
    assert marked.locator("td.file-name").inner_text().startswith(XSS_FILE)  # shown as text
    assert page.locator("img[src=x]").count() == 0
    plain.locator("input[name=code]").fill(FOUND)
    plain.locator("button:has-text('Lưu lại vào hồ sơ')").click()
    page.wait_for_url("**notice=filed*", timeout=BATCH_MS)
    assert f"{FOUND}.1" in page.locator("#notice").inner_text()
    marked.locator("button:has-text('Xóa')").click()  # data-confirm: accepted above
    page.wait_for_url("**notice=deleted*")
    expect(page.locator("#quarantine tbody tr[data-name]")).to_have_count(0)
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        assert [d.status for d in catalog.documents(FOUND)] == ["stored"]
        deleted = [e for e in events_for(catalog, "") if e.type == "quarantine_deleted"]
    assert [(e.actor, e.detail["reason"]) for e in deleted] == [(ARCHIVIST, "no_code")]


def test_separator_sheets_are_printed_from_the_page(served: Served) -> None:
    with signed_in(served, ARCHIVIST) as client:
        token = csrf_of(client.get("/archive").text)
        answer = client.post(
            "/archive/sheets", data={"csrf_token": token, "codes": f"{A}\n{B}\n", "duplex": "1"}
        )
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        assert answer.content.startswith(b"%PDF")
        wrong = client.post("/archive/sheets", data={"csrf_token": token, "codes": "khong-phai"})
        assert "dòng 1" in wrong.text
