"""The counter page in a real Chromium against a real `sohoa serve` (embedded mode, real tesseract).

A clerk scans the receipt's QR code (the reader types the payload and Enter), enters the
sheets fed, chooses the scan files and sends them; each file becomes a job and its state
arrives over Server-Sent Events without the page being reloaded, then the sheets are
reconciled with the pages (spec §2). Another unit's clerk is refused every job route.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sohoa.storage.catalog import Catalog
from sohoa.storage.events import events_for
from sohoa.storage.jobs import JobBook
from tests import images
from tests.web.conftest import (
    CLERK,
    OTHER_CLERK,
    Served,
    browser_login,
    csrf_of,
    screenshot,
    signed_in,
)

pytestmark = pytest.mark.browser
#: Long enough for OCR of a page on a busy 2-core machine; never a synchronisation sleep.
LIVE_MS = 180_000
XSS_FILE = '"><img src=x onerror=alert(1)>.pdf'


def scan(number: int) -> bytes:
    """One A5 page at 200 dpi as a JPEG: a real small scan, different for each number."""
    return images.jpeg_bytes(images.numbered_page(number).image)


def low_dpi_scan() -> bytes:
    small = images.text_page().image.resize((874, 1240))  # A5 at 150 dpi
    return images.jpeg_bytes(small, dpi=150)


def pdf_scan(number: int, tmp: Path) -> bytes:
    return images.save_jpeg_pdf([images.numbered_page(number).image], tmp / "s.pdf").read_bytes()


def code(serial: int) -> str:
    return f"000.00.20.H56-240101-{serial:04d}"


@pytest.fixture
def clerk_page(served: Served, page: Any) -> Iterator[Any]:
    dialogs: list[str] = []

    def refuse(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", refuse)
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/counter")
    yield page
    assert dialogs == [], "no script from a file name or a message may run"


def send(page: Any, dossier: str, sheets: int, files: list[dict[str, Any]], duplex: bool) -> None:
    """What the clerk does: scan the code (payload + Enter), sheets, files, Send."""
    page.fill("#code", f"https://dichvucong.gov.vn/tra-cuu?ma={dossier}&t=1")
    page.press("#code", "Enter")
    expect(page.locator("#code-status")).to_have_text(f"✓ {dossier}")
    expect(page.locator("#code")).to_have_value(dossier)
    page.fill("#sheets", str(sheets))
    page.set_checked("input[name=duplex]", duplex)
    page.set_input_files("#files", files)
    page.click("button:has-text('Gửi')")
    page.wait_for_url("**/counter?jobs=*")
    page.evaluate("window.notReloaded = true")  # gone if the page were reloaded


def file(name: str, data: bytes, mime: str = "image/jpeg") -> dict[str, Any]:
    return {"name": name, "mimeType": mime, "buffer": data}


def wait_state(page: Any, state: str) -> None:
    page.wait_for_selector(f"#jobs tbody tr[data-state={state}]", timeout=LIVE_MS)


def test_a_scan_goes_from_upload_to_stored_live_with_its_thumbnail(
    served: Served, clerk_page: Any
) -> None:
    page = clerk_page
    send(page, code(101), 1, [file("don-de-nghi.jpg", scan(101))], duplex=False)
    row = page.locator("#jobs tbody tr").first
    assert row.locator(".file-name").inner_text() == "don-de-nghi.jpg"
    wait_state(page, "stored")
    assert row.locator(".badge").inner_text() == "Đã lưu"
    assert row.locator(".job-doc a").inner_text() == f"{code(101)}.1"
    assert page.evaluate("window.notReloaded") is True  # arrived live, over SSE
    thumb = row.locator(".page-thumbs img").first
    thumb.wait_for()
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    recon = page.locator("#reconciliation")
    recon.wait_for(state="visible")
    assert recon.locator("[data-count=sheets]").inner_text() == "1"
    assert recon.locator("[data-count=input_pages]").inner_text() == "1"
    assert recon.locator("[data-count=content_pages]").inner_text() == "1"
    assert recon.locator("[data-count=blank_backs_dropped]").inner_text() == "0"
    assert recon.locator("[data-count=separators_removed]").inner_text() == "0"
    assert page.locator("#recon-ok").is_visible()
    assert not page.locator("#recon-bad").is_visible()
    page.goto(f"{served.url}/counter")
    page.fill("#code", code(101))
    page.fill("#sheets", "1")
    screenshot(page, "counter-empty")


def test_a_mismatch_is_shown_in_vietnamese_and_must_be_acknowledged(
    served: Served, clerk_page: Any
) -> None:
    page = clerk_page
    send(page, code(102), 3, [file("trang-1.jpg", scan(102))], duplex=True)
    wait_state(page, "stored")
    warning = page.locator("#recon-warning")
    warning.wait_for(state="visible")
    assert "Số trang không khớp: đã nạp 3 tờ x 2 mặt = 6 trang" in warning.inner_text()
    assert page.locator("#reconciliation [data-count=expected]").inner_text() == "6"
    assert (
        page.locator("a:has-text('Sửa trang trên trang hồ sơ')").get_attribute("href")
        == f"/ho-so/{code(102)}"
    )
    screenshot(page, "counter")
    page.click("button:has-text('Chấp nhận chênh lệch')")  # not ticked: the browser asks
    assert "notice=" not in page.url
    page.check("#seen")
    page.click("button:has-text('Chấp nhận chênh lệch')")
    page.wait_for_url("**notice=acknowledged*")
    assert page.locator("#recon-acknowledged").inner_text() == (
        f"Đã kiểm tra và chấp nhận bởi {CLERK}."
    )
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        acknowledged = [e for e in events_for(catalog, code(102)) if e.type == "count_acknowledged"]
    assert [(e.actor, e.detail["sheets"], e.detail["input_pages"]) for e in acknowledged] == [
        (CLERK, 3, 1)
    ]


def test_a_low_dpi_scan_is_rejected_with_the_vietnamese_reason(clerk_page: Any) -> None:
    page = clerk_page
    send(page, code(103), 1, [file("150dpi.jpg", low_dpi_scan())], duplex=False)
    wait_state(page, "rejected")
    row = page.locator("#jobs tbody tr").first
    assert row.locator(".badge").inner_text() == "Bị từ chối"
    message = row.locator(".message").inner_text()
    assert "150" in message and "dpi" in message and "quét lại" in message, message
    assert page.locator("#recon-warning").is_visible()  # nothing stored: the pages are missing


def test_a_file_name_with_markup_is_shown_as_text(clerk_page: Any, tmp_path: Path) -> None:
    page = clerk_page
    page.set_input_files("#files", [file(XSS_FILE, pdf_scan(104, tmp_path), "application/pdf")])
    assert page.locator("#chosen li").inner_text().startswith(XSS_FILE)
    assert page.locator("img[src=x]").count() == 0
    send(page, code(104), 1, [file(XSS_FILE, pdf_scan(104, tmp_path), "application/pdf")], False)
    wait_state(page, "stored")
    assert page.locator("img[src=x]").count() == 0
    assert "img src" in page.locator("#jobs .file-name").first.inner_text()


def test_a_wrong_code_is_explained_before_anything_is_sent(clerk_page: Any) -> None:
    page = clerk_page
    page.fill("#code", "000.00.20.H56-241399-0001")
    page.press("#code", "Enter")
    page.wait_for_selector("#code-status.bad")
    assert "không phải ngày hợp lệ" in page.locator("#code-status").inner_text()


# -- another unit -------------------------------------------------------------------------------


def upload(served: Served, username: str, dossier: str, data: bytes) -> str:
    """Send one scan through the counter form over HTTP; the pile's job ids."""
    with signed_in(served, username) as client:
        token = csrf_of(client.get("/counter").text)
        answer = client.post(
            "/counter",
            data={"csrf_token": token, "code": dossier, "kind": "intake", "sheets": "1"},
            files={"files": ("a.jpg", io.BytesIO(data), "image/jpeg")},
        )
        assert answer.status_code == 303, answer.text
        location = answer.headers["location"]
        return location.split("jobs=")[1].split("&")[0]


def test_a_clerk_of_another_unit_is_refused_every_job_route(served: Served) -> None:
    jobs = upload(served, CLERK, code(105), scan(105))
    with signed_in(served, OTHER_CLERK) as other:
        assert other.get(f"/counter?jobs={jobs}&sheets=1").status_code == 403
        assert other.get(f"/counter/events?jobs={jobs}&sheets=1").status_code == 403
        assert other.get(f"/counter/code?text={code(105)}").status_code == 403
        token = csrf_of(other.get("/counter").text)
        refused = other.post(
            "/counter/acknowledge",
            data={"csrf_token": token, "jobs": jobs, "sheets": "1", "seen": "1"},
        )
        assert refused.status_code == 403
        answer = other.post(
            "/counter",
            data={"csrf_token": token, "code": code(106), "kind": "intake", "sheets": "1"},
            files={"files": ("b.jpg", io.BytesIO(scan(106)), "image/jpeg")},
        )
        assert answer.status_code == 403
        assert "thuộc đơn vị khác" in answer.text
    with signed_in(served, CLERK) as clerk:  # the owner's clerk follows it to its end
        with clerk.stream("GET", f"/counter/events?jobs={jobs}&sheets=1") as events:
            assert events.status_code == 200
            text = "".join(events.iter_text())
        assert "event: end" in text and '"state": "stored"' in text


def test_a_post_without_the_csrf_token_sends_nothing(served: Served) -> None:
    with signed_in(served, CLERK) as clerk:
        answer = clerk.post(
            "/counter",
            data={"code": code(107), "kind": "intake", "sheets": "1"},
            files={"files": ("c.jpg", io.BytesIO(scan(107)), "image/jpeg")},
        )
        assert answer.status_code == 403


def test_embedded_jobs_record_their_pages_as_they_are_read(served: Served, tmp_path: Path) -> None:
    """The pages done/total the page shows during OCR are kept on the job row."""
    pages = [images.numbered_page(n).image for n in (108, 109)]
    data = images.save_jpeg_pdf(pages, tmp_path / "hai-trang.pdf").read_bytes()
    with signed_in(served, CLERK) as clerk:
        token = csrf_of(clerk.get("/counter").text)
        answer = clerk.post(
            "/counter",
            data={"csrf_token": token, "code": code(108), "kind": "intake", "sheets": "2"},
            files={"files": ("hai-trang.pdf", io.BytesIO(data), "application/pdf")},
        )
        jobs = answer.headers["location"].split("jobs=")[1].split("&")[0]
        with clerk.stream("GET", f"/counter/events?jobs={jobs}&sheets=2&duplex=0") as events:
            text = "".join(events.iter_text())
    assert '"state": "stored"' in text and '"matches": true' in text
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        job = JobBook(catalog).get(jobs)
    assert job is not None and (job.pages_done, job.pages_total) == (2, 2)
