"""`sohoa process --sheets N` with a broker: checked once the jobs are done (--wait), as in
the embedded mode; without --wait a note says the check needs it."""

from __future__ import annotations

import pytest

from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.deploy.services import RedisServer
from tests.deploy.test_queue_workers import CODE, sohoa_cli

pytestmark = [pytest.mark.deploy, pytest.mark.s3, pytest.mark.postgres]


def test_queued_process_reconciles_sheets_after_wait(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory
) -> None:
    d: Deployment = deployment_factory(redis_server.url, s3_server)
    d.gate.open()
    d.workers.start(1)

    agreed = sohoa_cli(
        d, "process", str(d.scan("a.pdf", pages=2)), "--case", CODE, "--sheets", "1", "--wait"
    )
    assert agreed.returncode == 0, agreed.stderr
    assert "Reconciliation: 1 sheets (duplex) -> 2 pages scanned" in agreed.stdout

    short = d.scan("b.pdf", pages=3, first=11)
    missing = sohoa_cli(d, "process", str(short), "--case", CODE, "--sheets", "1", "--wait")
    assert missing.returncode == 9, missing.stderr
    assert "Page count mismatch" in missing.stderr
    assert [doc.status for doc in d.catalog.documents(CODE)] == ["stored", "stored"]

    queued = sohoa_cli(
        d, "process", str(d.scan("c.pdf", pages=1, first=21)), "--case", CODE, "--sheets", "1"
    )
    assert queued.returncode == 0, queued.stderr
    assert "needs --wait" in queued.stderr
    assert "Reconciliation" not in queued.stdout
