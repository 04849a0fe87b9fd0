"""The web app in the queued mode: `sohoa serve` with SOHOA_BROKER_URL (RabbitMQ),
PostgreSQL and SeaweedFS, a real `sohoa worker`, and people in a real Chromium.

The pages are the same as in the embedded mode. At the counter each file becomes a job on
the queue, the worker digitises it, and the page follows the job book live over
Server-Sent Events (pages done/total come from the workers' page counter) to stored, with
its thumbnail and the reconciliation; a low-dpi scan is rejected with the Vietnamese
reason. A scan picked from the counter scanner's hot folder waits in ``.processing/``
while the worker has it and reaches ``done/`` only once stored; a rejected one ends in
the quarantine with its reason. A document stored through the queue then shows on its
dossier page (versions, thumbnails read from the S3 store, the PDF, the OCR text,
SHA-256), is found by words typed without diacritics (PostgreSQL full-text with unaccent),
gets a new version when a page is replaced (the old one kept), and a clerk of another
unit is refused all of it.

One stack (database, S3 prefix, worker, server) serves the whole module.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sohoa.ingest.quarantine import Quarantine
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.keys import thumb_key
from tests.conftest_services import S3Server, _ensure_postgres_running, postgres_db
from tests.deploy.conftest import Deployment, make_deployment
from tests.deploy.services import wait_until
from tests.images import numbered_page, save_jpeg_pdf, text_page
from tests.web.conftest import (  # noqa: F401  (page is a fixture)
    CLERK,
    OTHER_CLERK,
    OTHER_UNIT,
    SOHOA,
    UNIT,
    Served,
    _wait_until_serving,
    add_user,
    browser_login,
    csrf_of,
    free_port,
    hot_folder_paths,
    page,
    signed_in,
    write_hot_folders,
)
from tests.web.test_counter import LIVE_MS, code, file, low_dpi_scan, scan, send, wait_state

pytestmark = [pytest.mark.deploy, pytest.mark.browser, pytest.mark.s3, pytest.mark.postgres]
#: The dossier the dossier-page, search, replace and refusal tests read.
DOSSIER = "000.00.20.H56-240501-0001"
DECISION = (
    "ỦY BAN NHÂN DÂN PHƯỜNG",
    "QUYẾT ĐỊNH",
    "Về việc cấp giấy phép",
    "Cấp cho ông Nguyễn Văn Bình,",
    "sinh năm 1985, thường trú tại",
    "phường Bến Nghé.",
)


@dataclass(frozen=True)
class Stack:
    served: Served
    deployment: Deployment


@pytest.fixture(scope="module")
def stack(
    rabbitmq_url: str, s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """A deployment (broker, S3, its own PostgreSQL database), one worker and `sohoa serve`."""
    _ensure_postgres_running()
    root = tmp_path_factory.mktemp("queued-web")
    with postgres_db(f"sohoa_web_{secrets.token_hex(6)}") as database_url:
        deployment = make_deployment(root, rabbitmq_url, s3_server, database_url)
        try:
            deployment.gate.open()
            deployment.workers.start(1)
            with serving(deployment, root / "serve-home") as served:
                yield Stack(served, deployment)
        finally:
            deployment.workers.stop_all()
            deployment.queue.close()
            deployment.catalog.close()


@pytest.fixture(scope="module")
def queued_served(stack: Stack) -> Served:
    return stack.served


@contextmanager
def serving(deployment: Deployment, home: Path) -> Iterator[Served]:
    """`sohoa serve` with the deployment's settings, a clerk of each unit, until the block ends."""
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(deployment.workers.env, SOHOA_HOME=str(home), SOHOA_LANG="vi")
    env["SOHOA_API_KEY_PEPPER"] = "hat-tieu-thu-nghiem-" * 2
    add_user(env, CLERK, "clerk", UNIT, "Nguyễn Văn Bình")
    add_user(env, OTHER_CLERK, "clerk", OTHER_UNIT)
    env["SOHOA_WATCH_CONFIG"] = str(write_hot_folders(home))  # the counters' scanner folders
    port = free_port()
    with (home / "serve.log").open("wb") as log:
        process = subprocess.Popen(
            [*SOHOA, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_serving(url, process)
            yield Served(url, home)
        finally:
            process.terminate()
            process.wait(timeout=60)


@pytest.fixture(scope="module")
def stored(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> DocumentRecord:
    """A two-page decision sent through the counter form and digitised by the worker."""
    folder = tmp_path_factory.mktemp("queued-dossier")
    pages = [text_page(DECISION, marker="").image, numbered_page(2).image]
    data = save_jpeg_pdf(pages, folder / "quyet-dinh.pdf").read_bytes()
    with signed_in(stack.served, CLERK) as clerk:
        token = csrf_of(clerk.get("/counter").text)
        answer = clerk.post(
            "/counter",
            data={"csrf_token": token, "code": DOSSIER, "kind": "intake", "sheets": "2"},
            files={"files": ("quyet-dinh.pdf", io.BytesIO(data), "application/pdf")},
        )
        assert answer.status_code == 303, answer.text
        job_id = answer.headers["location"].split("jobs=")[1].split("&")[0]
    job = stack.deployment.wait_done(job_id)
    assert job.status == "done", stack.deployment.workers.logs()
    record = stack.deployment.catalog.document(job.document_id)
    assert record is not None and record.status == "stored"
    return record


def open_dossier(page: Any, served: Served, username: str = CLERK) -> None:  # noqa: F811
    browser_login(page, served, username)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/ho-so/{DOSSIER}")


def test_the_counter_flow_runs_on_the_queue(queued_served: Served, page: Any) -> None:  # noqa: F811
    browser_login(page, queued_served, CLERK)
    page.wait_for_url(f"{queued_served.url}/")
    page.goto(f"{queued_served.url}/counter")
    files = [file("don.jpg", scan(301)), file("150dpi.jpg", low_dpi_scan())]
    send(page, code(301), 2, files, duplex=False)
    stored = page.locator("#jobs tbody tr").nth(0)
    rejected = page.locator("#jobs tbody tr").nth(1)
    wait_state(page, "stored")
    wait_state(page, "rejected")
    assert page.evaluate("window.notReloaded") is True  # followed live, over SSE
    assert stored.locator(".badge").inner_text() == "Đã lưu"
    assert stored.locator(".job-doc a").inner_text() == f"{code(301)}.1"
    stored.locator(".page-thumbs img").first.wait_for()
    message = rejected.locator(".message").inner_text()
    assert "150" in message and "quét lại" in message, message
    expect(page.locator("#reconciliation [data-count=content_pages]")).to_have_text(
        "1", timeout=LIVE_MS
    )
    warning = page.locator("#recon-warning").inner_text()  # the rejected sheet is missing
    assert "đã nạp 2 tờ x 1 mặt = 2 trang nhưng máy quét cho 1 trang" in warning, warning


def open_counter(page: Any, served: Served) -> None:  # noqa: F811
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/counter")
    expect(page.locator("#hot-folder")).to_have_attribute("data-live", "on", timeout=LIVE_MS)


def test_a_picked_scan_leaves_the_hot_folder_only_once_the_worker_stored_it(
    stack: Stack,
    page: Any,  # noqa: F811
) -> None:
    served, gate = stack.served, stack.deployment.gate
    folder = hot_folder_paths(served.home)[UNIT]
    open_counter(page, served)
    (gate.directory / "release").unlink()  # the worker now stops inside the page's OCR
    for inside in gate.directory.glob("*.inside"):
        inside.unlink()
    try:
        page.fill("#code", code(501))
        page.fill("#sheets", "1")
        page.uncheck("input[name=duplex]")
        page.locator("#hot-files tbody tr", has_text="quet-0001.jpg").locator("button").click()
        page.wait_for_url("**/counter?jobs=*")
        wait_until(lambda: bool(gate.started_by()), "the worker to be inside the page's OCR")
        row = page.locator("#hot-files tbody tr", has_text="quet-0001.jpg")
        expect(row.locator(".badge")).to_have_text("Đang được lưu", timeout=LIVE_MS)
        assert not (folder / "quet-0001.jpg").exists()
        assert not (folder / "done" / "quet-0001.jpg").exists()  # not stored yet: kept
        [held] = folder.joinpath(".processing").glob("*--quet-0001.jpg")
    finally:
        gate.open()
    wait_state(page, "stored")
    assert page.locator("#jobs tbody tr .job-doc a").inner_text() == f"{code(501)}.1"
    expect(page.locator("#hot-folder")).not_to_contain_text("quet-0001.jpg", timeout=LIVE_MS)
    assert not held.exists() and (folder / "done" / "quet-0001.jpg").is_file()
    assert [d.status for d in stack.deployment.catalog.documents(code(501))] == ["stored"]


def test_a_rejected_pick_ends_in_quarantine_with_its_reason_on_the_queue(
    stack: Stack,
    page: Any,  # noqa: F811
) -> None:
    served = stack.served
    folder = hot_folder_paths(served.home)[UNIT]
    open_counter(page, served)
    scan_150 = low_dpi_scan()
    (folder / "150dpi.jpg").write_bytes(scan_150)
    settled = time.time() - 600
    os.utime(folder / "150dpi.jpg", (settled, settled))
    row = page.locator("#hot-files tbody tr", has_text="150dpi.jpg")
    expect(row.locator(".badge")).to_have_text("Sẵn sàng", timeout=LIVE_MS)  # no reload
    page.fill("#code", code(502))
    page.fill("#sheets", "1")
    row.locator("button").click()
    page.wait_for_url("**/counter?jobs=*")
    wait_state(page, "rejected")
    message = page.locator("#jobs tbody tr .message").first.inner_text()
    assert "150" in message and "quét lại" in message, message
    expect(page.locator("#hot-folder")).not_to_contain_text("150dpi.jpg", timeout=LIVE_MS)
    [entry] = [
        e
        for e in Quarantine(served.home / "quarantine").entries()
        if e.origin.original_name == "150dpi.jpg"
    ]
    assert entry.path.read_bytes() == scan_150 and entry.why.reason == "low_resolution"
    assert "150" in entry.why.message_vi and "150" in entry.why.message_en
    assert not (folder / "150dpi.jpg").exists() and not (folder / "done" / "150dpi.jpg").exists()
    assert list(folder.joinpath(".processing").iterdir()) == []


def test_the_dossier_page_shows_what_the_worker_stored(
    stack: Stack,
    stored: DocumentRecord,
    page: Any,  # noqa: F811
) -> None:
    served, store = stack.served, stack.deployment.store
    open_dossier(page, served)
    card = page.locator(f"#doc-{stored.id}")
    assert stored.name in card.locator("h2").inner_text()
    assert card.locator("code.hash").first.inner_text() == stored.sha256
    rows = card.locator("table.versions tbody tr")
    assert rows.count() == 1 and "v1" in rows.first.inner_text()

    thumbs = card.locator("ol.thumbs img")
    assert thumbs.count() == 2
    for n in range(2):  # made once by the worker, read from the S3 store
        thumbs.nth(n).scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumbs.nth(n).element_handle()
        )
    assert stored.thumbs_key is not None
    assert store.head(thumb_key(stored.thumbs_key, 2)) is not None

    viewer = card.locator("a", has_text="Mở PDF").get_attribute("href")
    pdf = page.request.get(f"{served.url}{viewer}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.body()).hexdigest() == stored.sha256
    card.locator("details.viewer summary").click()
    assert card.locator("details.viewer iframe").get_attribute("src") == viewer

    card.locator("details.ocr summary").click()
    text = card.locator("pre.ocr-text").first.inner_text()
    assert "Nguyễn Văn Bình" in text and "QUYẾT ĐỊNH" in text, text


def test_words_without_diacritics_find_the_stored_decision(
    stack: Stack,
    stored: DocumentRecord,
    page: Any,  # noqa: F811
) -> None:
    served = stack.served
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/search")
    page.fill("#q", "quyet dinh nguyen van binh")
    page.click("button:has-text('Tìm kiếm')")
    page.wait_for_url("**/search?*")
    hits = page.locator("ol.hits li.hit")
    assert hits.count() == 1
    assert hits.first.locator("a.code").inner_text() == DOSSIER
    marked = hits.first.locator(".snippet mark").all_inner_texts()
    assert {"Nguyễn", "Văn", "Bình"} <= set(marked), marked


def test_a_clerk_of_another_unit_is_refused_the_dossier(
    stack: Stack,
    stored: DocumentRecord,
    page: Any,  # noqa: F811
) -> None:
    served = stack.served
    base = f"{served.url}/ho-so/{DOSSIER}/documents/{stored.id}"
    open_dossier(page, served, OTHER_CLERK)
    assert "Bạn không có quyền" in page.locator("main").inner_text()
    assert stored.sha256 not in page.content()
    for url in (f"{base}/versions/1/thumbs/1", f"{base}/versions/1/pdf", f"{base}/text"):
        assert page.request.get(url).status == 403, url
    page.goto(f"{served.url}/search?q=nguyen+van+binh")
    assert page.locator("ol.hits li.hit").count() == 0
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    rotate = page.request.post(
        f"{base}/rotate", form={"csrf_token": token, "page": "1", "degrees": "90"}
    )
    assert rotate.status == 403


def test_replacing_a_page_lists_a_new_version_and_keeps_the_old(
    stack: Stack,
    stored: DocumentRecord,
    page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    served = stack.served
    open_dossier(page, served)
    card = page.locator(f"#doc-{stored.id}")
    card.locator("details.fixes summary").click()
    replace = card.locator("form[action$='/replace']")
    replace.locator("input[name=page]").fill("2")
    new_scan = save_jpeg_pdf([numbered_page(7).image], tmp_path / "trang-2-quet-lai.pdf")
    replace.locator("input[name=scan]").set_input_files(str(new_scan))
    replace.locator("button").click()
    page.wait_for_url(re.compile(r"done=revised"))
    rows = card.locator("table.versions tbody tr")
    assert rows.count() == 2
    assert "v2" in rows.nth(0).inner_text() and "hiện hành" in rows.nth(0).inner_text()
    assert "thay bằng bản quét mới" in rows.nth(0).inner_text()
    assert "v1" in rows.nth(1).inner_text()
    old = page.request.get(f"{served.url}/ho-so/{DOSSIER}/documents/{stored.id}/versions/1/pdf")
    assert hashlib.sha256(old.body()).hexdigest() == stored.sha256  # v1 kept as stored
    current = stack.deployment.catalog.document(stored.id)
    assert current is not None and current.version == 2 and current.sha256 != stored.sha256
    assert current.key and stack.deployment.store.head(current.key) is not None  # in S3
