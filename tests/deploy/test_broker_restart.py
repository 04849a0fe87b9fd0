"""RabbitMQ restarted in the middle of a batch: nothing is lost, nothing is stored twice.

The broker application is stopped (`rabbitmqctl stop_app`, the Erlang node stays)
while both workers hold a page, and started again only once those pages are
finished: their acks and their next sends meet a dead connection. Queues are
durable and messages persistent, so what was queued survives the restart; the
unacked pages come back; dramatiq's consumers reconnect; the workers'
reconciler re-sends what a failed send left behind (e.g. an assemble step).
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.deploy.services import rabbitmq_app_stopped, rabbitmq_restart_refused, wait_until
from tests.deploy.test_queue_workers import CODE, assert_stored_once

pytestmark = [pytest.mark.deploy, pytest.mark.s3, pytest.mark.postgres]


def pages_done(d: Deployment, jobs: list[str]) -> Callable[[], int]:
    return lambda: sum(p.status == "done" for job in jobs for p in d.book.pages(job))


def test_rabbitmq_restart_mid_batch_loses_nothing(
    rabbitmq_url: str, s3_server: S3Server, deployment_factory
) -> None:
    refused = rabbitmq_restart_refused(urlsplit(rabbitmq_url).path.lstrip("/"))
    if refused:
        pytest.skip(refused)
    d: Deployment = deployment_factory(
        rabbitmq_url, s3_server, SOHOA_RECONCILE_EVERY="1", SOHOA_STUCK_AFTER="3"
    )
    workers = d.workers.start(2)
    jobs = [d.submit(d.scan(f"scan-{i}.pdf", pages=2, first=10 * i + 1), CODE) for i in range(3)]
    wait_until(lambda: len(d.gate.started_by()) == 2, "both workers to be inside an OCR")

    with rabbitmq_app_stopped(rabbitmq_url):
        d.gate.open()  # the pages in hand finish while the broker is away
        wait_until(lambda: pages_done(d, jobs)() >= 2, "the pages in hand to be finished")

    for job in jobs:
        d.wait_done(job)
        assert_stored_once(d, job, pages=2)
    assert sorted(doc.number for doc in d.catalog.documents(CODE)) == [1, 2, 3]
    assert all(p.poll() is None for p in d.workers.procs), d.workers.logs()  # survived
    assert sorted(p.pid for p in d.workers.procs) == sorted(workers)
    assert d.workers.stop_all() == [0, 0]
