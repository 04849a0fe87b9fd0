"""The deployment's shape: PostgreSQL catalog, S3 store, downloads by presigned redirect."""

from __future__ import annotations

import hashlib
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import API, CODE, api_settings, running
from tests.conftest_services import S3Server


@pytest.mark.s3
@pytest.mark.postgres
def test_document_redirects_to_a_presigned_url_that_downloads_the_bytes(
    tmp_path: Path, page_png: Path, s3_server: S3Server, postgres_url: str
) -> None:
    settings = api_settings(
        tmp_path / "home",
        storage_url=f"s3+http://{s3_server.endpoint}/{s3_server.bucket}/api-test",
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        database_url=postgres_url,
        api_presign_seconds=120,
    )
    with running(settings) as api:
        assert api.client.get("/readyz").status_code == 200
        headers = api.auth()
        job = api.wait(api.upload(page_png, headers, kind="result").json()["id"], headers)
        assert job["state"] == "done", job
        assert job["document"]["result_code"] == f"{CODE}-KQ1"

        response = api.client.get(
            f"{API}/cases/{CODE}/documents/KQ1", headers=headers, follow_redirects=False
        )
        assert response.status_code == 307
        sha256 = job["document"]["sha256"]
        assert response.headers["etag"] == f'"{sha256}"'
        assert response.headers["cache-control"] == "no-store"
        location = response.headers["location"]
        assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["120"]

    with urllib.request.urlopen(location, timeout=30) as download:
        body = download.read()
    assert hashlib.sha256(body).hexdigest() == sha256
    assert body.startswith(b"%PDF-")
