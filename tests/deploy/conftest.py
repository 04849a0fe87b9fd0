"""Fixtures of the deployment tests: real brokers, real S3, real PostgreSQL, real workers."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sohoa.ingest.submit import make_submission
from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.storage.objects import ObjectStore
from sohoa.storage.store_url import open_store
from sohoa.workers.jobs import submit
from sohoa.workers.queue import JobQueue
from sohoa.workers.queue_config import QueueConfig
from tests.conftest_services import S3Server, _ensure_postgres_running, postgres_db
from tests.deploy.services import (
    Gate,
    RedisServer,
    RestartableS3,
    Workers,
    ensure_rabbitmq,
    rabbitmqctl,
    s3_env,
    wait_until,
)
from tests.images import numbered_page, save_jpeg_pdf

#: Short backoff and Redis heartbeat so that retries and redeliveries happen within seconds.
FAST = {
    "SOHOA_QUEUE_MIN_BACKOFF": "0.3",
    "SOHOA_QUEUE_MAX_BACKOFF": "2",
    "SOHOA_QUEUE_MAX_RETRIES": "30",
    "SOHOA_REDIS_HEARTBEAT_TIMEOUT": "2",
    "SOHOA_REDIS_MAINTENANCE_CHANCE": "1000000",
    "SOHOA_RECONCILE_EVERY": "0",
    "SOHOA_ASSEMBLE_TIME_LIMIT": "120",
    "SOHOA_WORKER_SHUTDOWN_TIMEOUT": "30",
    "SOHOA_LOG_LEVEL": "INFO",
    "SOHOA_LANG": "en",
}


@pytest.fixture
def deploy_db() -> Iterator[str]:
    """A fresh PostgreSQL database per test: no test's jobs are seen by another's reconciler."""
    _ensure_postgres_running()
    with postgres_db(f"sohoa_deploy_{secrets.token_hex(6)}") as url:
        yield url


@pytest.fixture(scope="session")
def rabbitmq_url() -> Iterator[str]:
    """The system RabbitMQ, with a vhost of our own for this session (deleted afterwards)."""
    ensure_rabbitmq()
    vhost = f"sohoa-test-{secrets.token_hex(4)}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.workdir.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def restartable_s3(tmp_path: Path) -> Iterator[RestartableS3]:
    """An S3 server this test may stop and start (the session's `s3_server` stays untouched)."""
    workdir = tmp_path / "weed"
    workdir.mkdir()
    s3 = RestartableS3(workdir)
    s3.start()
    try:
        yield s3
    finally:
        s3.stop()


@pytest.fixture(params=["rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest) -> str:
    if request.param == "rabbitmq":
        return str(request.getfixturevalue("rabbitmq_url"))
    server: RedisServer = request.getfixturevalue("redis_server")
    return server.url


@dataclass
class Deployment:
    """One test's deployment: the submitter's side in this process, workers as subprocesses."""

    root: Path
    store: ObjectStore
    catalog: Catalog
    queue: JobQueue
    workers: Workers
    gate: Gate
    book: JobBook = field(init=False)

    def __post_init__(self) -> None:
        self.book = JobBook(self.catalog)

    def scan(self, name: str, pages: int = 3, first: int = 1) -> Path:
        path = self.root / name
        save_jpeg_pdf([numbered_page(first + i).image for i in range(pages)], path)
        return path

    def submit(self, path: Path, code: str, options: OcrOptions | None = None) -> str:
        return submit(
            make_submission(path, code, "intake"),
            store=self.store,
            catalog=self.catalog,
            options=options or OcrOptions(),
            queue=self.queue,
        )

    def wait_done(self, job_id: str) -> JobRecord:
        """Wait until the job ends (done or failed); the deadline only guards against hanging."""
        wait_until(
            lambda: self._ended(job_id), lambda: f"job {job_id} to end\n{self.workers.logs()}"
        )
        record = self.book.get(job_id)
        assert record is not None
        return record

    def _ended(self, job_id: str) -> bool:
        record = self.book.get(job_id)
        return record is not None and record.status in ("done", "failed")


def make_deployment(
    tmp_path: Path, broker_url: str, s3: S3Server, database_url: str, **env: str
) -> Deployment:
    prefix = f"t{secrets.token_hex(4)}"
    gate = Gate.make(tmp_path)
    worker_env = {
        **FAST,
        **s3_env(s3, prefix),
        "SOHOA_DATABASE_URL": database_url,
        "SOHOA_BROKER_URL": broker_url,
        "SOHOA_QUEUE_PREFIX": prefix,
        **gate.env,
        **env,
    }
    store = open_store(
        worker_env["SOHOA_STORAGE_URL"],
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_region=s3.region,
    )
    queue = JobQueue(QueueConfig(broker_url=broker_url, prefix=prefix))
    return Deployment(
        root=tmp_path,
        store=store,
        catalog=Catalog.open(database_url),
        queue=queue,
        workers=Workers(tmp_path / "workers", worker_env),
        gate=gate,
    )


@pytest.fixture
def deployment_factory(tmp_path: Path, deploy_db: str) -> Iterator[object]:
    made: list[Deployment] = []

    def make(broker_url: str, s3: S3Server, **env: str) -> Deployment:
        made.append(make_deployment(tmp_path, broker_url, s3, deploy_db, **env))
        return made[-1]

    yield make
    for deployment in made:
        deployment.gate.open()
        deployment.workers.stop_all()
        deployment.queue.close()
        deployment.catalog.close()
