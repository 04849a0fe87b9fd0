"""A supervisor (giám sát) in a real Chromium: reads every dossier of their unit and the
units below it, and the reports, but changes nothing and has no counter; a unit outside
their tree is refused like any other unit's.

The supervisor belongs to PARENT_UNIT, which has UNIT below it in the unit tree the test
server imports at start; OTHER_UNIT is outside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sohoa.storage.catalog import Catalog, DocumentRecord
from tests.born_digital import save_text_pdf
from tests.web.conftest import (
    OTHER_UNIT,
    PARENT_UNIT,
    SUPERVISOR,
    UNIT,
    Served,
    browser_login,
)
from tests.web.test_search_page import process

pytestmark = pytest.mark.browser
BELOW = f"{UNIT}-240315-0051"
OUTSIDE = f"{OTHER_UNIT}-240315-0052"
WORDS = ("Biên bản kiểm tra định kỳ", "Ông Trần Văn Giám sát")


@dataclass(frozen=True)
class Stored:
    below: DocumentRecord
    outside: DocumentRecord


@pytest.fixture(scope="module")
def stored(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Stored:
    folder = tmp_path_factory.mktemp("supervised")
    process(served, BELOW, save_text_pdf(folder / "bien-ban.pdf", [list(WORDS)]))
    process(served, OUTSIDE, save_text_pdf(folder / "khac.pdf", [list(WORDS)]))
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        below, outside = catalog.documents(BELOW)[0], catalog.documents(OUTSIDE)[0]
    assert below.status == outside.status == "stored"
    return Stored(below, outside)


def status_of(page: Any, url: str) -> int:
    answer = page.goto(url)
    assert answer is not None
    return int(answer.status)


def test_a_supervisor_reads_the_units_below_and_changes_nothing(
    served: Served, stored: Stored, page: Any, tmp_path: Path
) -> None:
    browser_login(page, served, SUPERVISOR)
    page.wait_for_url(f"{served.url}/")
    menu = page.locator("nav").inner_text()
    assert "Tìm kiếm" in menu and "Báo cáo" in menu
    assert "Quầy tiếp nhận" not in menu and "Lưu trữ" not in menu

    page.goto(f"{served.url}/search?q=bien+ban+kiem+tra+dinh+ky")
    codes = page.locator("ol.hits a.code").all_inner_texts()
    assert BELOW in codes and OUTSIDE not in codes  # the unit below, not the one outside

    page.locator("ol.hits a.code", has_text=BELOW).click()
    page.wait_for_url(f"**/ho-so/{BELOW}*")
    card = page.locator(f"#doc-{stored.below.id}")
    assert stored.below.sha256 in card.locator("code.hash").first.inner_text()
    card.locator("details.ocr summary").click()
    assert "kiểm tra định kỳ" in card.locator("pre.ocr-text").first.inner_text()
    assert card.locator("details.fixes").count() == 0  # no fix forms for a reader
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    doc = f"{served.url}/ho-so/{BELOW}/documents/{stored.below.id}"
    rotate = page.request.post(
        f"{doc}/rotate", form={"csrf_token": token, "page": "1", "degrees": "90"}
    )
    assert rotate.status == 403  # even with a valid session and token
    scan = save_text_pdf(tmp_path / "moi.pdf", [["Trang mới"]])
    replace = page.request.post(
        f"{doc}/replace",
        multipart={
            "csrf_token": token,
            "page": "1",
            "scan": {"name": "moi.pdf", "mimeType": "application/pdf", "buffer": scan.read_bytes()},
        },
    )
    assert replace.status == 403
    page.reload()
    assert page.locator(f"#doc-{stored.below.id} table.versions tbody tr").count() == 1

    assert status_of(page, f"{served.url}/counter") == 403
    assert "Bạn không có quyền" in page.locator("main").inner_text()
    counter_post = page.request.post(
        f"{served.url}/counter/hot-folder",
        form={"csrf_token": token, "code": BELOW, "kind": "intake", "sheets": "1", "hot": "0/x"},
    )
    assert counter_post.status == 403

    assert status_of(page, f"{served.url}/ho-so/{OUTSIDE}") == 403
    assert stored.outside.sha256 not in page.content()
    assert status_of(page, f"{served.url}/reports?unit={UNIT}") == 200
    units = page.locator("select[name=unit] option").all_inner_texts()
    assert any(PARENT_UNIT in u for u in units) and any(UNIT in u for u in units)
    assert not any(OTHER_UNIT in u for u in units)
    assert status_of(page, f"{served.url}/reports?unit={OTHER_UNIT}") == 403
