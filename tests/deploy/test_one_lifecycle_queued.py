"""One lifecycle, queued: with SOHOA_BROKER_URL every entrance queues, and a rejected scan ends
exactly as in the embedded mode (tests/test_one_lifecycle.py): the document row "rejected"
with the same kind and the same Vietnamese and English message, the same exit code, and the
clerk reads the Vietnamese reason (not "processing_failed")."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ocr.errors import InputRejected, Reason
from sohoa.exit_codes import ExitCode
from storage.catalog import DocumentRecord
from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.deploy.services import RedisServer
from tests.deploy.test_queue_workers import sohoa_cli
from tests.hot_folder_helpers import CODE
from tests.test_one_lifecycle import good, low_resolution
from workers.wire import inbox_key

pytestmark = [pytest.mark.deploy, pytest.mark.s3, pytest.mark.postgres]


def row(d: Deployment, name: str) -> DocumentRecord:
    (record,) = [r for r in d.catalog.documents(CODE) if r.source_name == name]
    return record


def test_every_entrance_queues_and_a_rejection_reads_as_embedded(
    redis_server: RedisServer, s3_server: S3Server, deployment_factory: object, tmp_path: Path
) -> None:
    d: Deployment = deployment_factory(redis_server.url, s3_server)  # type: ignore[operator]
    d.gate.open()
    d.workers.start(1)
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    scan, low = good(inputs), low_resolution(inputs)

    # process --wait: a rejected scan, told in Vietnamese, exit code from its kind.
    refused = sohoa_cli(d, "process", str(low), "--case", CODE, "--wait")
    assert refused.returncode == ExitCode.LOW_RESOLUTION, refused.stderr
    rejected = row(d, low.name)
    assert (rejected.status, rejected.number, rejected.error_kind) == (
        "rejected",
        None,
        "low_resolution",
    )
    assert rejected.error and rejected.error in refused.stderr  # this deployment speaks en
    assert "150 dpi < 200 dpi" in rejected.error
    embedded = InputRejected(Reason.LOW_RESOLUTION, low, "page 1: 150 dpi < 200 dpi")
    assert (rejected.error_vi, rejected.error) == (embedded.message_vi, embedded.message_en)
    assert d.store.head(inbox_key(rejected.source_sha256)) is None  # the inbox copy is gone

    # watch --once queues too (no local OCR): the file is stored by the workers.
    hot = tmp_path / "hot"
    hot.mkdir()
    shutil.copy(scan, hot / scan.name)
    watched = sohoa_cli(d, "watch", str(hot), "--once", "--case", CODE, "--settle", "0.3")
    assert watched.returncode == 0, watched.stderr
    assert row(d, scan.name).status == "stored"
    jobs = [j for j in d.book.for_dossier(CODE) if j.source_name == scan.name]
    assert [j.status for j in jobs] == ["done"]  # it went through the queue
    assert d.store.head(inbox_key(jobs[0].source_sha256)) is None  # stored and verified

    # batch: the same file again is a duplicate, nothing redone.
    report = tmp_path / "report"
    again = sohoa_cli(d, "batch", str(scan), "--case", CODE, "--report", str(report))
    assert again.returncode == 0, again.stderr
    assert [r.status for r in d.catalog.documents(CODE) if r.source_name == scan.name] == ["stored"]

    # A retry of the rejected source reuses its row with a fresh number.
    retried = sohoa_cli(d, "process", str(low), "--case", CODE, "--wait")
    assert retried.returncode == ExitCode.LOW_RESOLUTION
    assert row(d, low.name).id == rejected.id
    assert row(d, low.name).error_vi == rejected.error_vi
