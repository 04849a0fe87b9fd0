"""One lifecycle, queued: with SOHOA_BROKER_URL every entrance queues, and a rejected scan ends
exactly as in the embedded mode (tests/test_one_lifecycle.py): the document row "rejected"
with the same kind and the same Vietnamese and English message, the same exit code, and the
clerk reads the Vietnamese reason (not "processing_failed"). `sohoa scan` and an API upload
are compared field by field with the embedded `sohoa process` of the same inputs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sohoa.exit_codes import ExitCode
from sohoa.ocr.errors import InputRejected, Reason
from sohoa.storage.catalog import DocumentRecord
from sohoa.workers.wire import inbox_key
from tests.api.conftest import running
from tests.conftest_services import S3Server
from tests.deploy.conftest import Deployment
from tests.deploy.services import SOHOA, RedisServer
from tests.deploy.test_queue_workers import sohoa_cli
from tests.hot_folder_helpers import CODE
from tests.test_one_lifecycle import (
    CANNOT,
    INPUTS,
    REJECTED,
    WRONG_CODE,
    Row,
    Seen,
    fake_scanimage,
    good,
    low_resolution,
    rows_by_id,
    scan_each,
    through_process,
    upload_each,
)

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


def rows_of(d: Deployment) -> dict[str, Row]:
    return {
        r.source_name: Row(r.status, r.error_kind, r.error_vi, r.error)
        for r in d.catalog.documents(CODE)
    }


def test_scan_and_api_upload_queue_and_answer_exactly_as_embedded(
    redis_server: RedisServer,
    s3_server: S3Server,
    deployment_factory: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    embedded = through_process(tmp_path / "embedded")  # the reference: no broker, SQLite
    d: Deployment = deployment_factory(redis_server.url, s3_server)  # type: ignore[operator]
    d.gate.open()
    d.workers.start(1)

    def scan(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        ran = run_with(d, args, env)
        return ran.returncode, ran.stdout, ran.stderr

    scanned = scan_each(tmp_path / "scan", scan, lambda: rows_by_id(d.catalog))
    for name, value in d.workers.env.items():  # the API of this deployment, in this process
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SOHOA_API_KEY_PEPPER", "one secret every host of this deployment shares")
    from sohoa.settings import Settings

    with running(Settings(home=tmp_path / "api-home", lang="en")) as api:
        uploaded = upload_each(api, tmp_path / "api", lambda: rows_of(d))
        wrong = api.upload(good(tmp_path), api.auth(), code=WRONG_CODE)

    jobs = d.book.for_dossier(CODE)
    assert jobs and all(j.status in ("done", "failed") for j in jobs)  # every one was queued
    assert not [j for j in jobs if d.store.head(inbox_key(j.source_sha256))]  # no inbox left
    for entrance, seen in (("scan", scanned), ("api", uploaded)):
        assert seen["good"].row == Row("stored", None, None, None)
        assert (seen["good"].duplicate, seen["duplicate"].duplicate) == (False, True), entrance
        for name in REJECTED:
            if (entrance, name) in CANNOT:
                continue
            answer: Seen = seen[name]
            assert answer.row is not None, (entrance, name)
            assert answer.row == embedded[name].row, (entrance, name)
            assert answer.told == (answer.row.error_vi, answer.row.error), (entrance, name)
    assert [uploaded[n].code for n in INPUTS] == [None, None, *REJECTED.values()]
    assert [scanned[n].code for n in ("good", "duplicate", "low_resolution")] == [
        0,
        0,
        ExitCode.LOW_RESOLUTION,
    ]
    assert scanned["corrupt"].row is None and scanned["corrupt"].code not in (0, None)
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "invalid_dossier_code"
    scanner = {"SOHOA_SCANIMAGE": str(fake_scanimage(tmp_path))}
    refused = run_with(d, ["scan", "--device", "fake:counter", "--case", WRONG_CODE], scanner)
    assert refused.returncode == ExitCode.USAGE
    assert wrong.json()["error"]["message_en"] in refused.stderr


def run_with(
    d: Deployment, args: list[str], extra: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """`sohoa ARGS` with the deployment's settings and ``extra`` variables (a fake scanner)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(d.workers.env)
    env["SOHOA_HOME"] = str(d.root / "cli-home")
    env.update(extra)
    return subprocess.run(
        [SOHOA, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
