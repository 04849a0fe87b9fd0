"""The report, worklist and reuse pages over HTTP against a real `sohoa serve`: the
figures, the drill-down, the exports (XLSX, CSV with Vietnamese headers, PDF), and a
clerk of another unit refused on every route, one by one."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import httpx
import pikepdf
import pytest
from openpyxl import load_workbook

from tests.web.conftest import (
    CLERK,
    OTHER_CLERK,
    OTHER_UNIT,
    SOHOA,
    UNIT,
    Served,
    csrf_of,
    signed_in,
)
from tests.web.report_data import DONE, OTHER, REUSED, WAITING, fill_register, served_env

PERIOD = {"from": "01/01/2025", "to": "31/12/2025"}
#: Every route of the report and worklist pages, with the unit as a filter.
UNIT_ROUTES = [
    "/reports",
    "/reports/dossiers",
    "/reports/export.xlsx",
    "/reports/export.csv",
    "/reports/export.pdf",
    "/worklist",
]


@pytest.fixture(scope="module")
def office(served: Served, tmp_path_factory: pytest.TempPathFactory) -> Served:
    fill_register(served, tmp_path_factory.mktemp("register"))
    return served


def test_the_reuse_form_attaches_an_earlier_dossiers_document(office: Served) -> None:
    with signed_in(office, CLERK) as clerk:
        token = csrf_of(clerk.get("/reuse").text)
        answer = clerk.post(
            "/reuse",
            data={"csrf_token": token, "code": REUSED, "source": DONE, "document": "1"},
        )
        assert answer.status_code == 303, answer.text
        assert f"done={REUSED}.1" in answer.headers["location"]
        assert "Đã đính kèm thành" in clerk.get(answer.headers["location"]).text


@pytest.mark.parametrize("path", UNIT_ROUTES)
def test_a_clerk_of_another_unit_cannot_open_this_units_report(office: Served, path: str) -> None:
    with signed_in(office, OTHER_CLERK) as other:
        refused = other.get(path, params={"unit": UNIT, **PERIOD})
        assert refused.status_code == 403
        assert "Bạn không có quyền" in refused.text
        assert other.get(path, params={"unit": OTHER_UNIT, **PERIOD}).status_code == 200


def test_the_unit_filter_offers_only_the_users_units(office: Served) -> None:
    with signed_in(office, CLERK) as clerk:
        page = clerk.get("/reports", params=PERIOD).text
    assert f'value="{UNIT}"' in page and f'value="{OTHER_UNIT}"' not in page


def test_the_report_shows_the_three_rates_and_each_number_lists_its_dossiers(
    office: Served,
) -> None:
    with signed_in(office, CLERK) as clerk:
        page = clerk.get("/reports", params={"unit": UNIT, **PERIOD}).text
        # 3 received; DONE and REUSED digitised; 2 with a paper result, DONE's stored.
        assert "66.67%" in page and "50.00%" in page and "33.33%" in page
        assert "<svg" in page and "<polyline" in page and "<rect" in page
        listed = clerk.get(
            "/reports/dossiers", params={"unit": UNIT, **PERIOD, "measure": "digitised"}
        ).text
        assert DONE in listed and REUSED in listed and WAITING not in listed
        assert f'href="/ho-so/{DONE}"' in listed
        missing = clerk.get(
            "/reports/dossiers", params={"unit": UNIT, **PERIOD, "measure": "not_digitised"}
        ).text
        assert WAITING in missing and DONE not in missing and OTHER not in missing


def test_exports_have_vietnamese_headers_and_the_pdf_names_agency_period_and_date(
    office: Served, tmp_path: Path
) -> None:
    params = {"unit": UNIT, **PERIOD}
    with signed_in(office, CLERK) as clerk:
        xlsx = clerk.get("/reports/export.xlsx", params=params)
        csv = clerk.get("/reports/export.csv", params=params)
        pdf = clerk.get("/reports/export.pdf", params=params)
    assert xlsx.status_code == csv.status_code == pdf.status_code == 200
    assert "attachment" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    cells = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row]
    assert "Tỷ lệ số hóa hồ sơ (%)" in cells
    text = csv.content.decode("utf-8-sig")
    assert "Số hồ sơ được số hóa" in text and f"Đơn vị: {UNIT}" in text
    with pikepdf.open(io.BytesIO(pdf.content)) as document:
        fonts = [str(f.get("/BaseFont")) for p in document.pages for f in p.Resources.Font.values()]
        assert any("DejaVu" in name for name in fonts), "the Vietnamese font is embedded"
    (tmp_path / "r.pdf").write_bytes(pdf.content)
    printed = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True
    ).stdout
    assert "Báo cáo số hóa hồ sơ" in printed
    assert "01/01/2025 - 31/12/2025" in printed and "Ngày lập:" in printed
    assert "66.67%" in printed


def test_the_worklist_lists_the_dossier_to_scan_with_a_link_to_the_counter(
    office: Served,
) -> None:
    with signed_in(office, CLERK) as clerk:
        page = clerk.get("/worklist").text
    assert WAITING in page and DONE not in page
    assert f'href="/counter?code={WAITING}"' in page


def test_reuse_needs_the_right_to_read_the_source_dossier(office: Served) -> None:
    with signed_in(office, CLERK) as clerk:
        token = csrf_of(clerk.get("/reuse").text)
        refused = clerk.post(
            "/reuse", data={"csrf_token": token, "code": WAITING, "source": OTHER, "document": "1"}
        )
        assert refused.status_code == 403
        unknown = clerk.post(
            "/reuse", data={"csrf_token": token, "code": WAITING, "source": DONE, "document": "9"}
        )
        assert unknown.status_code == 400 and "không có tài liệu đã lưu" in unknown.text


def test_the_api_attaches_an_earlier_dossiers_document_with_an_upload_key(office: Served) -> None:
    made = subprocess.run(
        [*SOHOA, "apikey", "create", "quay-1", "--scope", "upload"],
        env=served_env(office), capture_output=True, text=True, check=True,
    )  # fmt: skip
    headers = {"Authorization": f"Bearer {made.stdout.strip()}"}
    body = {"source": OTHER, "document": "1", "kind": "intake"}
    target = f"{UNIT}-250401-0009"  # not in the register: the figures of the other tests stay
    url = f"{office.url}/api/v1/cases/{target}/documents/attach"
    answer = httpx.post(url, json=body, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    assert answer.json()["name"] == f"{target}.1"
    again = httpx.post(url, json=body, headers=headers, timeout=30)
    assert again.json()["id"] == answer.json()["id"], "attaching twice files it once"
    bad = httpx.post(url, json={**body, "document": "7"}, headers=headers, timeout=30)
    assert bad.status_code == 400
