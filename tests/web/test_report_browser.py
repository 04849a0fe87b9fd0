"""The report and worklist pages in a real Chromium: the figures and charts shown, a
number followed to its dossiers, an export downloaded, the counter reached from the
worklist, and a clerk of another unit refused. Screenshot: docs/screenshots/report.png."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import CLERK, OTHER_CLERK, UNIT, Served, browser_login, screenshot
from tests.web.report_data import DONE, WAITING, fill_register

pytestmark = pytest.mark.browser
DOCS = Path(__file__).parents[2] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def office(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Served:
    fill_register(served, tmp_path_factory.mktemp("register"))
    return served


def test_a_clerk_reads_the_report_follows_a_number_and_downloads_the_xlsx(
    office: Served, page: Any, tmp_path: Path
) -> None:
    browser_login(page, office, CLERK)
    page.wait_for_url(f"{office.url}/")
    page.click("nav a:has-text('Báo cáo')")
    page.fill("#from", "01/01/2025")
    page.fill("#to", "31/12/2025")
    page.click("text=Xem")
    page.wait_for_url("**/reports?**")
    assert page.locator("#rate-digitisation .rate").inner_text() == "66.67%"
    assert page.locator("#rate-reuse .rate").inner_text() == "33.33%"
    assert page.locator("svg.chart.bar rect").count() >= 1
    assert page.locator("svg.chart.line polyline").count() >= 1
    shot = screenshot(page, "report")
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, DOCS / "report.png")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / "bao-cao.xlsx"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"

    page.click("#rate-digitisation td a >> nth=0")
    page.wait_for_url("**/reports/dossiers?**")
    assert page.locator("#behind", has_text=DONE).count() == 1
    assert page.locator("#behind", has_text=WAITING).count() == 0


def test_from_the_worklist_the_clerk_goes_to_the_counter_for_that_code(
    office: Served, page: Any
) -> None:
    browser_login(page, office, CLERK)
    page.wait_for_url(f"{office.url}/")
    page.goto(f"{office.url}/worklist")
    row = page.locator("#worklist tr", has_text=WAITING)
    assert row.locator("td.days").inner_text().isdigit()
    row.locator("a.scan").click()
    page.wait_for_url(f"**/counter?code={WAITING}")


def test_a_clerk_of_another_unit_is_refused_this_units_report(office: Served, page: Any) -> None:
    browser_login(page, office, OTHER_CLERK)
    page.wait_for_url(f"{office.url}/")
    answer = page.goto(f"{office.url}/reports?unit={UNIT}")
    assert answer.status == 403
    assert "Bạn không có quyền" in page.content()
