"""With a broker configured, uploads become queue jobs (workers.jobs.submit) and job state
comes from the queue's job book. A stub broker stands in: no worker runs here."""

from __future__ import annotations

from pathlib import Path

from dramatiq.brokers.stub import StubBroker
from fastapi.testclient import TestClient

from sohoa.api.app import create_app
from sohoa.api.backends import Backends
from sohoa.api.queue_submitter import QueueSubmitter
from sohoa.settings import Settings
from sohoa.workers.queue import JobQueue
from tests.api.conftest import API, CODE, Api, api_settings


def test_upload_is_queued_and_followed_through_the_job_book(tmp_path: Path, page_png: Path) -> None:
    settings = api_settings(
        tmp_path / "home", broker_url="redis://127.0.0.1:1/0", api_key_pepper="pepper-for-test"
    )
    config = settings.queue_config()
    assert config is not None
    broker = StubBroker()

    def queue_submitter(settings: Settings, backends: Backends) -> QueueSubmitter:
        return QueueSubmitter(settings, backends, config, JobQueue(config, broker=broker))

    with TestClient(create_app(settings, queue_submitter)) as client:
        api = Api(client)
        headers = api.auth()
        accepted = api.upload(page_png, headers, kind="result")
        assert accepted.status_code == 202, accepted.text
        job = accepted.json()
        assert job["state"] == "queued" and len(job["id"]) == 32
        assert broker.queues[config.queue_name("documents")].qsize() == 1

        assert client.get(f"{API}/jobs/{job['id']}", headers=headers).json()["state"] == "queued"
        [document] = client.get(f"{API}/cases/{CODE}", headers=headers).json()["documents"]
        assert document["status"] == "pending" and document["result_code"] == f"{CODE}-KQ1"
        assert document["job"] == {"id": job["id"], "state": "queued", "href": job["href"]}
        assert client.get(document["href"], headers=headers).status_code == 409
        assert "sohoa_queue_depth 1.0" in client.get("/metrics").text
    assert not list(settings.resolved_inbox_dir.glob("*"))  # the source now lives in the store
