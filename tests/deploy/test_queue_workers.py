"""The deployment's queue workers against real RabbitMQ/Redis, SeaweedFS S3 and PostgreSQL.

Select them with `pytest -m deploy`. No assertion depends on timing: tests wait
for states in the job book (each wait bounded by a deadline that only guards
against hanging), and the OCR gate (see services.py) tells them, without
sleeping, that a worker is in the middle of a page.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest

from sohoa.ocr.options import OcrOptions
from sohoa.workers.resend_stuck import resend_stuck
from sohoa.workers.wire import page_result_key
from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.deploy.services import SOHOA, RedisServer, RestartableS3, wait_until

pytestmark = [pytest.mark.deploy, pytest.mark.s3, pytest.mark.postgres]

CODE = "000.00.20.H56-240101-0001"
TESSDATA = Path("/usr/share/tesseract-ocr/5/tessdata")


def sohoa_cli(d: Deployment, *args: str) -> subprocess.CompletedProcess[str]:
    """`sohoa ARGS` as an operator would run it, with the deployment's settings."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(d.workers.env)
    env["SOHOA_HOME"] = str(d.root / "cli-home")
    return subprocess.run(
        [SOHOA, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def assert_stored_once(d: Deployment, job_id: str, pages: int = 3) -> None:
    """One catalog document, stored, its PDF/A in S3 with the catalog's SHA-256, work/ gone."""
    job = d.book.get(job_id)
    assert job is not None and job.status == "done", job
    assert job.assemblies == 1
    document = d.catalog.document(job.document_id)
    assert document is not None and document.status == "stored"
    assert document.pages == pages and document.pdfa_valid
    stored = d.store.head(document.key)
    assert stored is not None and stored.sha256 == document.sha256
    local = d.store.get_to_file(document.key, d.root / f"{job_id}.pdf")
    with pikepdf.open(d.root / f"{job_id}.pdf") as pdf:
        assert len(pdf.pages) == pages
        assert pdf.open_metadata().pdfa_status == "2B"
    assert local.sha256 == document.sha256
    assert d.store.head(page_result_key(job_id, 0)) is None


def test_end_to_end_pages_spread_over_two_workers(
    broker_url: str, s3_server: S3Server, deployment_factory
) -> None:
    d: Deployment = deployment_factory(broker_url, s3_server)
    pids = d.workers.start(2)
    scan = d.scan("scan.pdf")

    job = d.submit(scan, CODE)
    # The gate holds each OCR until both workers are in one: pages cannot all go to one worker.
    wait_until(lambda: d.gate.started_by() == set(pids), "both workers to be inside an OCR")
    d.gate.open()
    d.wait_done(job)

    assert_stored_once(d, job)
    pages = d.book.pages(job)
    assert [p.status for p in pages] == ["done"] * 3
    assert {int(str(p.worker).rsplit(":", 1)[1]) for p in pages} == set(pids)
    assert len(d.catalog.documents(CODE)) == 1
    again = d.book.get(d.submit(scan, CODE))  # the same scan again: nothing redone, its own
    assert again is not None and again.id != job and again.duplicate  # job says duplicate
    assert d.book.get(job).assemblies == 1  # type: ignore[union-attr]
    assert d.workers.stop_all() == [0, 0]  # SIGTERM stops a worker cleanly


def test_worker_killed_mid_page_document_completes_once(
    broker_url: str, s3_server: S3Server, deployment_factory
) -> None:
    d: Deployment = deployment_factory(broker_url, s3_server)
    [first] = d.workers.start(1)
    job = d.submit(d.scan("scan.pdf"), CODE)
    wait_until(lambda: first in d.gate.started_by(), "the first worker to be inside an OCR")
    [held] = [p for p in d.book.pages(job) if p.status == "processing"]
    assert str(held.worker).endswith(f":{first}")

    d.workers.kill9(first)  # in the middle of the page: nothing acked, nothing written
    d.gate.open()
    [second] = d.workers.start(1)
    d.wait_done(job)

    assert_stored_once(d, job)
    redone = d.book.pages(job)[held.index]
    assert redone.status == "done" and redone.attempts == 2
    assert str(redone.worker).endswith(f":{second}")
    assert len(d.catalog.documents(CODE)) == 1


def test_redis_restart_mid_batch_loses_nothing(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory
) -> None:
    """redis-server runs without persistence, so the restart drops every queued message;
    the job book is the truth and the workers' reconciler re-sends what did not move."""
    d: Deployment = deployment_factory(
        redis_server.url, s3_server, SOHOA_RECONCILE_EVERY="1", SOHOA_STUCK_AFTER="3"
    )
    d.workers.start(2)
    jobs = [d.submit(d.scan(f"scan-{i}.pdf", first=10 * i + 1), CODE) for i in range(2)]
    wait_until(lambda: len(d.gate.started_by()) == 2, "both workers to be inside an OCR")

    redis_server.stop()
    redis_server.start()
    d.gate.open()

    for job in jobs:
        d.wait_done(job)
        assert_stored_once(d, job)
    assert sorted(doc.number for doc in d.catalog.documents(CODE)) == [1, 2]


def test_s3_outage_is_retried_with_backoff(
    restartable_s3: RestartableS3, redis_server: RedisServer, deployment_factory
) -> None:
    d: Deployment = deployment_factory(redis_server.url, restartable_s3.server)
    [pid] = d.workers.start(1)
    job = d.submit(d.scan("scan.pdf"), CODE)
    wait_until(lambda: pid in d.gate.started_by(), "the worker to be inside an OCR")

    restartable_s3.stop()
    d.gate.open()  # the page's upload now fails
    wait_until(lambda: d.book.get(job).attempts >= 1, "a failed attempt to be recorded")  # type: ignore[union-attr]
    failing = d.book.get(job)
    assert failing is not None and failing.status in ("processing", "queued", "assembling")
    assert str(failing.error).startswith("retry ")

    restartable_s3.start()
    d.wait_done(job)
    assert_stored_once(d, job)
    assert d.book.get(job).error is None  # type: ignore[union-attr]


def test_reconciler_resends_a_lost_message(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory
) -> None:
    d: Deployment = deployment_factory(redis_server.url, s3_server)
    job = d.submit(d.scan("scan.pdf"), CODE)  # recorded, sent ... and lost:
    redis_server.flush()
    assert resend_stuck(d.book, d.queue, timedelta(seconds=900)).total == 0  # not stuck yet

    done = sohoa_cli(d, "reconcile", "--older-than", "0")
    assert done.returncode == 0, done.stderr
    assert "re-sent: 1 documents" in done.stdout

    d.gate.open()
    d.workers.start(1)
    d.wait_done(job)
    assert_stored_once(d, job)


def test_poison_input_fails_with_a_reason_and_redrive_completes(
    rabbitmq_url: str, s3_server: S3Server, deployment_factory, tmp_path: Path
) -> None:
    """OCR with a language pack missing fails the same way every time: dead-lettered at once."""
    d: Deployment = deployment_factory(rabbitmq_url, s3_server)
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    d.gate.open()
    d.workers.start(1)

    job = d.submit(d.scan("scan.pdf"), CODE, OcrOptions(tessdata_dir=tessdata))
    failed = d.wait_done(job)

    assert failed.status == "failed"
    assert failed.error_kind == "missing_dependency" and failed.error and failed.error_vi
    assert failed.attempts == 1  # not retried
    [document] = d.catalog.documents(CODE)  # dead-lettered: "failed" with the same reason
    assert document.status == "failed" and document.error_kind == "missing_dependency"
    assert (document.error, document.error_vi) == (failed.error, failed.error_vi)
    shown = sohoa_cli(d, "status", "--job", job, "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["status"] == "failed"

    for data in TESSDATA.iterdir():  # the fix: install the language packs (and configs)
        (tessdata / data.name).symlink_to(data)
    again = sohoa_cli(d, "redrive", job)
    assert again.returncode == 0, again.stderr
    assert f"redriven: {job}" in again.stdout

    d.wait_done(job)
    assert_stored_once(d, job)
    assert d.catalog.documents(CODE)[0].error is None


def test_cli_process_enqueues_then_waits_and_status_shows_done(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory
) -> None:
    d: Deployment = deployment_factory(redis_server.url, s3_server)
    d.gate.open()
    d.workers.start(1)
    scan = d.scan("scan.pdf")

    ran = sohoa_cli(d, "process", str(scan), "--case", CODE, "--wait")

    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("queued: scan.pdf -> job ")
    job = ran.stdout.split()[4]
    assert_stored_once(d, job)
    shown = sohoa_cli(d, "status", CODE, "--json")
    assert [j["status"] for j in json.loads(shown.stdout)["jobs"]] == ["done"]


def pool_children(parent: int) -> list[int]:
    """The `sohoa worker -n N` parent's worker processes (spawned multiprocessing children)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return sorted(found)


def test_a_pool_worker_killed_by_the_system_is_replaced(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory
) -> None:
    """`sohoa worker -n 2` keeps two workers: one killed (e.g. by the OOM killer) is restarted."""
    d: Deployment = deployment_factory(redis_server.url, s3_server)
    (parent,) = d.workers.start(1, args=["-n", "2"])
    wait_until(lambda: len(pool_children(parent)) == 2, "two pool workers")
    victim = pool_children(parent)[0]

    os.kill(victim, signal.SIGKILL)

    wait_until(
        lambda: len(pool_children(parent)) == 2 and victim not in pool_children(parent),
        lambda: f"a replacement worker\n{d.workers.logs()}",
    )
    d.gate.open()
    job = d.submit(d.scan("scan.pdf", pages=2), CODE)
    d.wait_done(job)
    assert_stored_once(d, job, pages=2)
    assert d.workers.stop_all() == [0]
