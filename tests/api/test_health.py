"""Probes answer without a key; readiness follows the catalog and the store; metrics count work."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
from pathlib import Path

import pytest
from PIL import Image

from sohoa.workers import pages as worker_pages
from tests.api.conftest import API, CODE, Api, api_settings, running
from tests.hot_folder_helpers import wait_for


def test_healthz_and_readyz_without_a_key(api: Api) -> None:
    assert api.client.get("/healthz").json() == {"status": "ok", "reason": None}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


def test_readyz_is_503_when_the_local_store_is_gone(api: Api) -> None:
    root = api.client.app.state.sohoa.settings.home / "objects"  # type: ignore[attr-defined]
    assert api.client.get("/readyz").status_code == 200
    shutil.rmtree(root)
    ready = api.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert "object store unreachable" in ready.json()["reason"]
    assert api.client.get("/healthz").status_code == 200  # alive, just not ready


def test_readyz_and_data_endpoints_are_503_when_s3_is_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again below: nothing listens there
    settings = api_settings(
        tmp_path / "home",
        storage_url=f"s3+http://127.0.0.1:{port}/bucket",
        s3_access_key="AKIATEST",
        s3_secret_key="do-not-log-me",
    )
    with running(settings) as api:
        ready = api.client.get("/readyz")
        assert ready.status_code == 503
        assert "do-not-log-me" not in ready.text
        assert api.client.get("/healthz").status_code == 200
        response = api.client.get(f"{API}/cases/{CODE}", headers={"X-API-Key": "sohoa_x"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_unavailable"
        assert response.headers["retry-after"]


def _sample(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(?:\{{[^}}]*\}})? (\S+)$", line)
        if match:
            total += float(match.group(1))
    return total


def test_metrics_count_a_processed_upload(api: Api, page_png: Path, tmp_path: Path) -> None:
    before = api.client.get("/metrics").text
    headers = api.auth()
    job = api.wait(api.upload(page_png, headers, kind="result").json()["id"], headers)
    assert job["state"] == "done"
    low = tmp_path / "low.png"
    with Image.open(page_png) as image:
        image.resize((300, 400)).save(low, dpi=(72, 72))
    assert api.wait(api.upload(low, headers).json()["id"], headers)["state"] == "failed"

    after = api.client.get("/metrics")
    assert after.status_code == 200 and after.headers["content-type"].startswith("text/plain")
    text = after.text
    grew = {
        name: _sample(text, name) - _sample(before, name)
        for name in (
            "sohoa_pages_processed_total",
            'sohoa_documents_stored_total{kind="result"}',
            "sohoa_ocr_seconds_count",
            "sohoa_upload_bytes_total",
            'sohoa_failures_total{reason="low_resolution"}',
        )
    }
    assert grew["sohoa_pages_processed_total"] >= 1
    assert grew['sohoa_documents_stored_total{kind="result"}'] >= 1
    assert grew["sohoa_ocr_seconds_count"] >= 1
    assert grew["sohoa_upload_bytes_total"] >= page_png.stat().st_size
    assert grew['sohoa_failures_total{reason="low_resolution"}'] >= 1
    assert "sohoa_queue_depth" in text
    assert CODE not in text  # no dossier codes in metric labels


def test_a_killed_page_worker_does_not_fail_later_uploads(tmp_path: Path, page_png: Path) -> None:
    """kill -9 of a page worker (the OOM killer): the next upload is digitised all the same,
    /readyz stays ok; a pool that cannot be restarted makes /readyz 503 with the reason."""
    with running(api_settings(tmp_path / "home", jobs=2)) as api:
        headers = api.auth()
        first = api.wait(api.upload(page_png, headers).json()["id"], headers)
        assert first["state"] == "done"
        runner = api.client.app.state.sohoa.submitter._runner  # type: ignore[attr-defined]
        pool = runner._pool
        os.kill(runner.worker_pids()[0], signal.SIGKILL)
        wait_for(lambda: bool(pool._broken), "the pool to notice its dead worker")
        second = api.upload(page_png, headers, kind="result").json()
        assert api.wait(second["id"], headers)["state"] == "done"
        assert api.client.get("/readyz").status_code == 200

        os.kill(runner.worker_pids()[0], signal.SIGKILL)
        pool = runner._pool
        wait_for(lambda: bool(pool._broken), "the pool to notice its dead worker")
        with pytest.MonkeyPatch.context() as patch:  # the machine cannot start processes any more
            patch.setattr(worker_pages, "ProcessPoolExecutor", _cannot_fork)
            ready = api.client.get("/readyz")
        assert ready.status_code == 503
        assert "page workers cannot be started" in ready.json()["reason"]
        assert api.client.get("/readyz").status_code == 200  # restarted once it can


def _cannot_fork(*args: object, **kwargs: object) -> None:
    raise BlockingIOError(11, "Resource temporarily unavailable")
