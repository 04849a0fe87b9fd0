"""`sohoa worker` with a metrics port: its own counters, scraped over HTTP, with both brokers.

The worker is the process that did the OCR, so its endpoint (not the API's)
must show the page, the stored document, its seconds, a dead-lettered failure
by reason, and the broker's queue depth; never a dossier code or a job id.
"""

from __future__ import annotations

import math
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sohoa.ocr.options import OcrOptions
from tests.conftest_services import S3Server, free_ports
from tests.deploy.conftest import Deployment
from tests.deploy.services import wait_until
from tests.deploy.test_queue_workers import CODE, assert_stored_once

pytestmark = [pytest.mark.deploy, pytest.mark.s3, pytest.mark.postgres]


def scrape(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return str(response.read().decode())
    except OSError:
        return None


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(sample name, labels) -> value, from Prometheus text format."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str | None, name: str, **labels: str) -> float:
    if text is None:
        return math.nan
    return samples(text).get((name, frozenset(labels.items())), math.nan)


def test_worker_metrics_endpoint_counts_its_work(
    broker_url: str, s3_server: S3Server, deployment_factory, tmp_path: Path
) -> None:
    d: Deployment = deployment_factory(broker_url, s3_server)
    [port] = free_ports(1)
    d.workers.start(1, {"SOHOA_WORKER_METRICS_PORT": str(port)})
    wait_until(lambda: scrape(port) is not None, "the worker's metrics endpoint")

    job = d.submit(d.scan("scan.pdf", pages=3), CODE)
    wait_until(lambda: bool(d.gate.started_by()), "the worker to be inside an OCR")
    # One page in hand, the others wait in the broker (prefetch 1).
    wait_until(lambda: value(scrape(port), "sohoa_queue_depth") >= 1, "a queue depth >= 1")
    d.gate.open()
    d.wait_done(job)
    assert_stored_once(d, job)

    empty = tmp_path / "tessdata"  # no language pack: the page fails for good, at once
    empty.mkdir()
    poison = d.submit(d.scan("poison.pdf", pages=1, first=7), CODE, OcrOptions(tessdata_dir=empty))
    assert d.wait_done(poison).status == "failed"

    text = scrape(port)
    assert text is not None
    assert value(text, "sohoa_pages_processed_total") == 3
    assert value(text, "sohoa_documents_stored_total", kind="intake") == 1
    assert value(text, "sohoa_ocr_seconds_count") == 1
    assert value(text, "sohoa_ocr_seconds_sum") > 0
    assert value(text, "sohoa_failures_total", reason="missing_dependency") == 1
    assert value(text, "sohoa_queue_depth") == 0
    assert CODE not in text and job not in text and poison not in text
    assert d.workers.stop_all() == [0]
