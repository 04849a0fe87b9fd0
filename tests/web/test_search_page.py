"""The search page (/search) against a real `sohoa serve` and in Chromium.

Documents are stored by `sohoa process` with the server's SOHOA_HOME (a scan really
read by tesseract, and born-digital PDFs); the page must find "Nguyễn Văn Bình" from
"nguyen van binh" with the words highlighted, keep another unit's documents out of a
clerk's results, show OCR text that reads like markup as text, and answer bad input
with a Vietnamese message instead of a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from sohoa.clock import utc_now, vietnam_time
from sohoa.storage.catalog import Catalog, DocumentRecord
from tests.born_digital import save_text_pdf
from tests.images import save_jpeg_pdf, text_page
from tests.web.conftest import (
    ADMIN,
    CLERK,
    SOHOA,
    Served,
    browser_login,
    screenshot,
    signed_in,
)

#: Codes of a day no other test uses, so counts below are exactly this module's documents.
CODE = "000.00.20.H56-200229-0101"
XSS_CODE = "000.00.20.H56-200229-0102"
OTHER_UNIT_CODE = "000.00.21.H56-200229-0103"
MINE = "000.00.20.H56-200229"
XSS_TEXT = "<script>alert(1)</script>"
SCAN_LINES = (
    "ỦY BAN NHÂN DÂN PHƯỜNG",
    "QUYẾT ĐỊNH",
    "Về việc cấp giấy phép",
    "Cấp cho ông Nguyễn Văn Bình,",
    "sinh năm 1985, thường trú tại",
    "phường Bến Nghé.",
)


@dataclass(frozen=True)
class Stored:
    scan: DocumentRecord
    xss: DocumentRecord
    other_unit: DocumentRecord


def process(served: Served, code: str, *files: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(served.home), SOHOA_LANG="vi", SOHOA_JOBS="1")
    subprocess.run([*SOHOA, "process", *map(str, files), "--case", code], env=env, check=True)


@pytest.fixture(scope="module")
def stored(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Stored:
    folder = tmp_path_factory.mktemp("search-scans")
    scan = save_jpeg_pdf([text_page(SCAN_LINES, marker="").image], folder / "quyet-dinh.pdf")
    xss = save_text_pdf(folder / "xss.pdf", [[XSS_TEXT, "Ông Nguyễn Văn Bình"]])
    other = save_text_pdf(folder / "khac.pdf", [["Quyết định cho ông Nguyễn Văn Bình"]])
    process(served, CODE, scan)
    process(served, XSS_CODE, xss)
    process(served, OTHER_UNIT_CODE, other)
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        found = {code: catalog.documents(code)[0] for code in (CODE, XSS_CODE, OTHER_UNIT_CODE)}
    assert all(record.status == "stored" for record in found.values())
    return Stored(found[CODE], found[XSS_CODE], found[OTHER_UNIT_CODE])


def search_url(**fields: str) -> str:
    return "/search?" + urlencode({"from" if k == "start" else k: v for k, v in fields.items()})


def test_words_without_diacritics_find_the_scan_with_the_words_marked(
    served: Served, stored: Stored
) -> None:
    with signed_in(served, CLERK) as clerk:
        html = clerk.get(search_url(q="quyet dinh nguyen van binh", code=MINE)).text
    assert "Tìm thấy 1 tài liệu" in html
    assert f'href="/ho-so/{CODE}#doc-{stored.scan.id}"' in html
    assert stored.scan.name in html
    assert "<mark>Nguyễn</mark> <mark>Văn</mark> <mark>Bình</mark>" in html
    assert "<mark>QUYẾT</mark> <mark>ĐỊNH</mark>" in html


def test_a_clerk_never_sees_another_units_document(served: Served, stored: Stored) -> None:
    with signed_in(served, CLERK) as clerk:
        everywhere = clerk.get(search_url(q="nguyen van binh")).text
        theirs = clerk.get(search_url(q="nguyen van binh", code=OTHER_UNIT_CODE)).text
    assert OTHER_UNIT_CODE not in everywhere
    assert CODE in everywhere
    assert "Không tìm thấy tài liệu nào." in theirs
    with signed_in(served, ADMIN) as admin:  # an admin searches every unit
        assert f"/ho-so/{OTHER_UNIT_CODE}" in admin.get(search_url(q="nguyen van binh")).text


def test_code_prefix_kind_and_days_narrow_the_results(served: Served, stored: Stored) -> None:
    today = vietnam_time(utc_now()).date()
    yesterday = f"{today - timedelta(days=1):%d/%m/%Y}"
    with signed_in(served, CLERK) as clerk:
        mine = clerk.get(search_url(q="nguyen van binh", code=MINE, start=f"{today:%d/%m/%Y}"))
        before = clerk.get(search_url(code=MINE, to=yesterday))
        results = clerk.get(search_url(code=MINE, kind="result"))
    assert "Tìm thấy 2 tài liệu" in mine.text and CODE in mine.text and XSS_CODE in mine.text
    assert f"{today:%d/%m/%Y}" in mine.text  # received, dd/mm/yyyy on the Vietnam clock
    assert "Không tìm thấy tài liệu nào." in before.text
    assert "Không tìm thấy tài liệu nào." in results.text  # both are intake components


def test_pages_of_results_link_to_each_other(served: Served, stored: Stored) -> None:
    with signed_in(served, CLERK) as clerk:
        first = clerk.get(search_url(code=MINE, n="1")).text
        following = re.search(r'rel="next" href="([^"]+)"', first)
        assert following, "the first page links to the next"
        second = clerk.get(following.group(1).replace("&amp;", "&")).text
    assert "đang xem 1\u20131" in first and 'rel="prev"' not in first
    assert "đang xem 2\u20132" in second and 'rel="prev"' in second and 'rel="next"' not in second


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"q": "binh", "start": "32/13/2024"}, "“32/13/2024” không phải là ngày"),
        ({"q": "binh", "to": "hôm qua"}, "dd/mm/yyyy"),
        ({"start": "30/06/2024", "to": "01/06/2024"}, "Ngày bắt đầu (30/06/2024) sau ngày"),
        ({"code": "<b>000</b>"}, "Mã hồ sơ (hoặc phần đầu của mã) chỉ gồm"),
        ({"code": "000.00.20.H56%"}, "chữ cái A-Z"),
    ],
)
def test_bad_input_is_a_vietnamese_message_not_a_traceback(
    served: Served, fields: dict[str, str], message: str
) -> None:
    with signed_in(served, CLERK) as clerk:
        answer = clerk.get(search_url(**fields))
    assert answer.status_code == 400
    assert message in answer.text
    assert "Traceback" not in answer.text and "<b>000" not in answer.text
    assert 'role="alert"' in answer.text


def test_ocr_text_that_reads_like_markup_is_escaped(served: Served, stored: Stored) -> None:
    with signed_in(served, CLERK) as clerk:
        html = clerk.get(search_url(q="alert", code=XSS_CODE)).text
    assert "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;" in html
    assert XSS_TEXT not in html


@pytest.mark.browser
def test_a_clerk_searches_without_diacritics_in_chromium(
    served: Served, stored: Stored, page: Any
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.click("nav >> text=Tìm kiếm")
    page.wait_for_url(f"{served.url}/search")
    assert page.evaluate("document.activeElement.id") == "q"  # type at once
    page.keyboard.type("nguyen van binh")
    page.fill("#code", MINE)
    page.focus("#q")
    page.keyboard.press("Enter")  # Enter searches; the URL keeps the search
    page.wait_for_url(re.compile(r"/search\?q=nguyen\+van\+binh"))
    hits = page.locator("ol.hits > li")
    assert hits.count() == 2
    scan_hit = hits.filter(has_text=CODE)
    marks = scan_hit.locator(".snippet mark").all_inner_texts()
    assert marks[:3] == ["Nguyễn", "Văn", "Bình"]
    xss_hit = hits.filter(has_text=XSS_CODE)
    assert XSS_TEXT in xss_hit.locator(".snippet").inner_text()  # shown as text
    assert page.locator("main script").count() == 0
    assert page.locator("#results-title").inner_text().startswith("Tìm thấy 2 tài liệu")
    page.fill("#code", "")
    page.focus("#q")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=nguyen\+van\+binh&code=&"))
    assert OTHER_UNIT_CODE not in page.locator("main").inner_text()
    page.fill("#code", MINE)
    page.focus("#q")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"code=000"))
    screenshot(page, "search")
    scan_hit.locator("a.code").click()
    page.wait_for_url(f"{served.url}/ho-so/{CODE}#doc-{stored.scan.id}")
    assert page.locator(f"#doc-{stored.scan.id}").count() == 1
    assert dialogs == []


@pytest.mark.browser
def test_a_bad_date_is_explained_on_the_page(served: Served, page: Any) -> None:
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/search")
    page.fill("#q", "binh")
    page.fill("#from", "31/02/2024")
    page.press("#from", "Enter")
    alert = page.locator("[role=alert]")
    alert.wait_for()
    assert "“31/02/2024” không phải là ngày" in alert.inner_text()
    assert page.input_value("#from") == "31/02/2024"  # kept to be corrected
    assert page.get_attribute("#from", "aria-invalid") == "true"
