"""Real backing services for tests: a SeaweedFS S3 server and a PostgreSQL database.

Registered from ``tests/conftest.py`` via ``pytest_plugins``. No mocks: the
storage layer's promises (atomic uploads, server-side checksums, expiring
presigned URLs, credential checks, concurrent number allocation) only mean
something against the real thing.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
import pytest
from minio import Minio

from bench.services import POSTGRES_ADMIN_URL, ServiceError, WeedS3, free_ports, postgres_db

__all__ = ["POSTGRES_ADMIN_URL", "S3Server", "free_ports", "postgres_db", "server_of", "started"]


@dataclass(frozen=True)
class S3Server:
    """Connection details of the test S3 server; the secret stays out of ``repr``."""

    endpoint: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    bucket: str
    region: str = "us-east-1"

    def client(self, secret_key: str | None = None) -> Minio:
        """A plain minio client, for tests that need to look behind the store's back."""
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
            region=self.region,
        )


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A private SeaweedFS ``weed mini`` on 127.0.0.1 with S3 authentication enforced.

    How it is isolated and locked down:

    * every port (master, volume, filer, S3, admin, and their gRPC ports) is
      an explicitly passed free ephemeral port, so parallel runs do not
      collide; WebDAV, the Iceberg and Lance catalogs and telemetry are off;
    * data, unix sockets and the log live in a fresh temp directory;
    * credentials are enforced by ``-s3.config`` pointing at a JSON identities
      file with one random access key/secret pair. Once any identity exists,
      SeaweedFS rejects anonymous and wrongly signed requests with
      AccessDenied; the fixture checks that a wrong secret is refused before
      handing the server out, so tests never run against an open server.

    The server runs in its own process group and is stopped with SIGTERM
    (SIGKILL after 10 s) at the end of the session. On startup failure the
    tail of its log is shown.
    """
    weed = WeedS3(
        tmp_path_factory.mktemp("seaweedfs"),
        bucket="sohoa-test",
        access_key="SOHOATEST" + secrets.token_hex(6).upper(),
    )
    started(weed)
    try:
        yield server_of(weed)
    finally:
        weed.stop()


def started(weed: WeedS3) -> WeedS3:
    """Start a SeaweedFS, failing the test (with the tail of its log) if it does not come up."""
    try:
        weed.start()
    except ServiceError as error:
        pytest.fail(str(error))
    return weed


def server_of(weed: WeedS3) -> S3Server:
    return S3Server(weed.endpoint, weed.access_key, weed.secret_key, weed.bucket, weed.region)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the local PostgreSQL, dropped after the session.

    Reuses the server at 127.0.0.1:5432 (trust auth, user postgres); if it is
    down, tries ``pg_ctlcluster … main start``. If it still cannot be reached
    the tests are skipped locally but fail when ``CI`` is set, so CI cannot
    go green without exercising PostgreSQL.
    """
    _ensure_postgres_running()
    with postgres_db(f"sohoa_test_{secrets.token_hex(6)}") as url:
        yield url


def _postgres_reachable() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _ensure_postgres_running() -> None:
    if _postgres_reachable():
        return
    clusters = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if clusters and shutil.which("pg_ctlcluster"):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "start"],
            check=False,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if _postgres_reachable():
                return
            time.sleep(0.5)
    reason = "PostgreSQL at 127.0.0.1:5432 is unreachable and could not be started"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
