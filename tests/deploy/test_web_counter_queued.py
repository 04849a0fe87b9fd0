"""The counter page in the queued mode: `sohoa serve` with SOHOA_BROKER_URL (RabbitMQ),
PostgreSQL and SeaweedFS, a real `sohoa worker`, and the clerk in a real Chromium.

The page is the same as in the embedded mode: each file becomes a job on the queue,
the worker digitises it, and the page follows the job book live over Server-Sent
Events (pages done/total come from the workers' page counter) to stored, with its
thumbnail and the reconciliation; a low-dpi scan is rejected with the Vietnamese reason.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.web.conftest import (  # noqa: F401  (page is a fixture)
    CLERK,
    SOHOA,
    UNIT,
    Served,
    _wait_until_serving,
    add_user,
    browser_login,
    free_port,
    page,
)
from tests.web.test_counter import LIVE_MS, code, file, low_dpi_scan, scan, send, wait_state

pytestmark = [pytest.mark.deploy, pytest.mark.browser, pytest.mark.s3, pytest.mark.postgres]


@pytest.fixture
def queued_served(
    rabbitmq_url: str, s3_server: S3Server, deployment_factory: Any, tmp_path: Path
) -> Iterator[Served]:
    """`sohoa serve` of a deployment (broker, S3, PostgreSQL) and one worker."""
    d: Deployment = deployment_factory(rabbitmq_url, s3_server)
    d.gate.open()
    d.workers.start(1)
    home = tmp_path / "serve-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(d.workers.env, SOHOA_HOME=str(home), SOHOA_LANG="vi")
    env["SOHOA_API_KEY_PEPPER"] = "hat-tieu-thu-nghiem-" * 2
    add_user(env, CLERK, "clerk", UNIT, "Nguyễn Văn Bình")
    port = free_port()
    log = (home / "serve.log").open("wb")
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
        log.close()


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
