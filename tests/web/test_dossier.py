"""The dossier page against a real `sohoa serve`: thumbnails, PDF, OCR text, versions,
fixes through the forms, a clerk of another unit refused on every route, XSS shown as text.

The dossier's documents are stored by `sohoa process` with the server's SOHOA_HOME, as an
office's counter would store them; the page is then read over HTTP and in Chromium.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sohoa.storage.catalog import Catalog, DocumentRecord
from tests.born_digital import save_text_pdf
from tests.images import blank_back, numbered_page, save_jpeg_pdf
from tests.web.conftest import (
    CLERK,
    OTHER_CLERK,
    SOHOA,
    Served,
    browser_login,
    csrf_of,
    screenshot,
    signed_in,
)

CODE = "000.00.20.H56-240301-0042"
XSS_FILE = '"><img src=x onerror=alert(1)>.pdf'
XSS_TEXT = "<script>alert(1)</script>"


@dataclass(frozen=True)
class Dossier:
    code: str
    scanned: DocumentRecord
    xss: DocumentRecord
    folder: Path

    @property
    def page(self) -> str:
        return f"/ho-so/{self.code}"

    def doc(self, record: DocumentRecord) -> str:
        return f"{self.page}/documents/{record.id}"


def process(served: Served, code: str, *files: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(served.home), SOHOA_LANG="vi", SOHOA_JOBS="1")
    subprocess.run([*SOHOA, "process", *map(str, files), "--case", code], env=env, check=False)


@pytest.fixture(scope="module")
def dossier(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Dossier:
    folder = tmp_path_factory.mktemp("dossier-scans")
    images = [numbered_page(1).image, blank_back(), numbered_page(2).image]
    scan = save_jpeg_pdf(images, folder / "don-de-nghi.pdf")
    xss = save_text_pdf(folder / XSS_FILE, [[XSS_TEXT, "Quyết định cấp phép"]])
    broken = folder / "hong.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really a pdf")
    process(served, CODE, scan, xss, broken)
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        records = {r.source_name: r for r in catalog.documents(CODE)}
    assert records["hong.pdf"].status == "rejected"
    return Dossier(CODE, records["don-de-nghi.pdf"], records[XSS_FILE], folder)


def test_the_page_lists_documents_checks_and_the_reason_of_a_rejected_file(
    served: Served, dossier: Dossier
) -> None:
    with signed_in(served, CLERK) as clerk:
        html = clerk.get(dossier.page).text
    assert dossier.scanned.name in html and dossier.scanned.sha256 in html
    assert "hợp lệ" in html  # PDF/A validation result
    assert html.count('loading="lazy"') >= 2  # thumbnails load as they scroll into view
    assert "hong.pdf" in html and "hỏng" in html  # the rejected file, with its Vietnamese reason


def test_thumbnails_are_served_from_the_store_and_cached(served: Served, dossier: Dossier) -> None:
    url = f"{dossier.doc(dossier.scanned)}/versions/1/thumbs/1"
    with signed_in(served, CLERK) as clerk:
        answer = clerk.get(url)
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        assert answer.content[:2] == b"\xff\xd8"
        assert "immutable" in answer.headers["cache-control"]
        again = clerk.get(url, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304
        assert clerk.get(f"{dossier.doc(dossier.scanned)}/versions/1/thumbs/99").status_code == 404


def test_the_pdf_opens_inline_and_downloads(served: Served, dossier: Dossier) -> None:
    with signed_in(served, CLERK) as clerk:
        inline = clerk.get(f"{dossier.doc(dossier.scanned)}/versions/1/pdf")
        assert inline.status_code == 200 and inline.content.startswith(b"%PDF")
        assert inline.headers["content-disposition"].startswith("inline")
        assert inline.headers["x-frame-options"] == "SAMEORIGIN"  # shown in the page's iframe
        download = clerk.get(f"{dossier.doc(dossier.scanned)}/versions/1/pdf?download=1")
        assert download.headers["content-disposition"].startswith("attachment")
        assert hashlib.sha256(download.content).hexdigest() == dossier.scanned.sha256


def test_a_clerk_of_another_unit_is_refused_every_route(served: Served, dossier: Dossier) -> None:
    doc = dossier.doc(dossier.scanned)
    scan = save_jpeg_pdf([numbered_page(3).image], dossier.folder / "khac.pdf")
    with signed_in(served, OTHER_CLERK) as other:
        token = csrf_of(other.get("/").text)
        for url in (
            dossier.page,
            f"{doc}/versions/1/thumbs/1",
            f"{doc}/versions/1/pdf",
            f"{doc}/versions/1/pdf?download=1",
            f"{doc}/text",
        ):
            answer = other.get(url)
            assert answer.status_code == 403, url
            assert dossier.scanned.sha256 not in answer.text
        forms: dict[str, dict[str, str]] = {
            "rotate": {"page": "1", "degrees": "90"},
            "restore": {"scanned": "2"},
            "verify": {},
        }
        for action, form in forms.items():
            answer = other.post(f"{doc}/{action}", data={"csrf_token": token, **form})
            assert answer.status_code == 403, action
        for action in ("replace", "insert", "sticky"):
            with scan.open("rb") as upload:
                answer = other.post(
                    f"{doc}/{action}",
                    data={"csrf_token": token, "page": "1"},
                    files={"scan": ("khac.pdf", upload, "application/pdf")},
                )
            assert answer.status_code == 403, action
    with signed_in(served, CLERK) as clerk:  # nothing changed
        assert "v2" not in clerk.get(dossier.page).text


def test_check_signature_verifies_the_stored_file_and_records_it_in_the_trail(
    served: Served, dossier: Dossier
) -> None:
    with signed_in(served, CLERK) as clerk:
        page = clerk.get(dossier.page).text
        assert "Kiểm tra chữ ký" in page and "Kết quả kiểm tra" not in page  # not on every view
        answer = clerk.post(
            f"{dossier.doc(dossier.scanned)}/verify", data={"csrf_token": csrf_of(page)}
        )
    assert answer.status_code == 200
    shown = answer.text
    card = shown[shown.index(f'id="doc-{dossier.scanned.id}"') :]
    result = card[card.index("Kết quả kiểm tra") : card.index("</dl>", card.index("Kết quả"))]
    assert "hợp lệ" in result and "khớp với danh mục" in result and "chưa ký số" in result
    assert "PDF/A-2B valid" in result
    trail = shown[shown.index('id="trail"') :]
    assert "đã kiểm tra" in trail and CLERK in trail


def test_the_ocr_text_route_is_plain_text(served: Served, dossier: Dossier) -> None:
    with signed_in(served, CLERK) as clerk:
        answer = clerk.get(f"{dossier.doc(dossier.xss)}/text")
    assert answer.headers["content-type"].startswith("text/plain")
    assert XSS_TEXT in answer.text


@pytest.mark.browser
def test_a_clerk_turns_a_page_and_replaces_one_from_a_new_scan(
    served: Served, dossier: Dossier, page: Any
) -> None:
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}{dossier.page}")
    card = page.locator(f"#doc-{dossier.scanned.id}")
    first_thumb = card.locator("ol.thumbs img").first
    first_thumb.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=first_thumb.element_handle()
    )
    screenshot(page, "dossier")

    card.locator("details.fixes summary").click()
    rotate = card.locator("form[action$='/rotate']")
    rotate.locator("input[name=page]").fill("2")
    rotate.locator("select[name=degrees]").select_option("90")
    rotate.locator("button").click()
    page.wait_for_url(re.compile(r"done=revised"))
    rows = card.locator("table.versions tbody tr")
    assert rows.count() == 2
    assert "v2" in rows.nth(0).inner_text() and "hiện hành" in rows.nth(0).inner_text()
    old = page.request.get(f"{served.url}{dossier.doc(dossier.scanned)}/versions/1/pdf?download=1")
    assert hashlib.sha256(old.body()).hexdigest() == dossier.scanned.sha256  # v1 as stored

    card.locator("details.fixes summary").click()
    replace = card.locator("form[action$='/replace']")
    replace.locator("input[name=page]").fill("1")
    new_scan = save_jpeg_pdf([numbered_page(7).image], dossier.folder / "trang-1-quet-lai.pdf")
    replace.locator("input[name=scan]").set_input_files(str(new_scan))
    replace.locator("button").click()
    page.wait_for_url(re.compile(r"done=revised"))
    assert rows.count() == 3
    assert "thay bằng bản quét mới" in rows.nth(0).inner_text()
    assert page.locator("[role=status]").count() == 1


@pytest.mark.browser
def test_markup_in_ocr_text_and_file_names_is_shown_as_text(
    served: Served, dossier: Dossier, page: Any
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}{dossier.page}")
    card = page.locator(f"#doc-{dossier.xss.id}")
    card.locator("details.ocr summary").click()
    assert XSS_TEXT in card.locator("pre.ocr-text").first.inner_text()
    assert card.locator(".source-name", has_text=XSS_FILE).count() == 1
    assert page.locator("main img:not([loading=lazy])").count() == 0  # no injected <img>
    assert page.locator("main script").count() == 0
    assert dialogs == []
