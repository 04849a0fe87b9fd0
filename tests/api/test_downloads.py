"""Downloads an integrator can use: links that work from outside the server's network,
streaming through the API when S3 is not reachable at all, and HEAD answering as GET does."""

from __future__ import annotations

import base64
import hashlib
import secrets
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.api.conftest import API, CODE, Api, api_settings, running
from tests.conftest_services import S3Server

DOC = f"{API}/cases/{CODE}/documents/KQ1"


def _stored(api: Api, page_png: Path, headers: dict[str, str]) -> str:
    """Upload one result scan and wait for it; its SHA-256."""
    job = api.wait(api.upload(page_png, headers, kind="result").json()["id"], headers)
    assert job["state"] == "done", job
    sha256: str = job["document"]["sha256"]
    return sha256


def _s3_settings(home: Path, s3: S3Server, prefix: str, **overrides: Any) -> Any:
    """The store is reached as `localhost` (the compose network's `s3`), the public name
    is 127.0.0.1: the two differ, as `s3:8333` and a proxy's name do in a deployment."""
    port = s3.endpoint.rsplit(":", 1)[1]
    return api_settings(
        home,
        storage_url=f"s3+http://localhost:{port}/{s3.bucket}/{prefix}",
        s3_access_key=s3.access_key,
        s3_secret_key=s3.secret_key,
        s3_public_url=f"http://127.0.0.1:{port}",
        **overrides,
    )


@pytest.mark.s3
def test_an_s3_download_redirects_to_the_public_url_and_the_link_gives_the_exact_bytes(
    tmp_path: Path, page_png: Path, s3_server: S3Server
) -> None:
    prefix = f"public-{secrets.token_hex(4)}"
    with running(_s3_settings(tmp_path / "home", s3_server, prefix)) as api:
        headers = api.auth()
        sha256 = _stored(api, page_png, headers)
        got = api.client.get(DOC, headers=headers, follow_redirects=False)
        head = api.client.head(DOC, headers=headers, follow_redirects=False)

    assert got.status_code == head.status_code == 307
    location = got.headers["location"]
    port = s3_server.endpoint.rsplit(":", 1)[1]
    assert urlsplit(location).netloc == urlsplit(head.headers["location"]).netloc
    assert urlsplit(location).netloc == f"127.0.0.1:{port}"
    assert head.headers["etag"] == f'"{sha256}"'
    with urllib.request.urlopen(location, timeout=30) as download:  # a plain outside client
        assert hashlib.sha256(download.read()).hexdigest() == sha256


@pytest.mark.s3
def test_stream_mode_serves_s3_documents_through_the_api(
    tmp_path: Path, page_png: Path, s3_server: S3Server
) -> None:
    prefix = f"stream-{secrets.token_hex(4)}"
    settings = _s3_settings(tmp_path / "home", s3_server, prefix, api_download="stream")
    with running(settings) as api:
        headers = api.auth()
        sha256 = _stored(api, page_png, headers)
        got = api.client.get(DOC, headers=headers, follow_redirects=False)
        head = api.client.head(DOC, headers=headers, follow_redirects=False)

    assert got.status_code == head.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == sha256
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))


def test_head_on_a_local_download_gives_length_and_digests_without_the_body(
    api: Api, page_png: Path
) -> None:
    headers = api.auth("upload")
    sha256 = _stored(api, page_png, headers)
    body = api.client.get(DOC, headers=headers).content

    head = api.client.head(DOC, headers=headers)

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(body))
    assert head.headers["content-type"] == "application/pdf"
    assert head.headers["etag"] == f'"{sha256}"'
    digest = base64.b64encode(bytes.fromhex(sha256)).decode()
    assert head.headers["digest"] == f"sha-256={digest}"
    assert "KQ1.pdf" in head.headers["content-disposition"]


def test_head_answers_not_modified_and_not_found_as_get_does(api: Api, page_png: Path) -> None:
    headers = api.auth("upload")
    sha256 = _stored(api, page_png, headers)
    cached = {**headers, "If-None-Match": f'"{sha256}"'}

    assert api.client.head(DOC, headers=cached).status_code == 304
    assert api.client.head(f"{API}/cases/{CODE}/documents/KQ9", headers=headers).status_code == 404
    assert api.client.head(DOC).status_code == 401


def test_head_is_published_in_the_openapi_schema(api: Api) -> None:
    paths = api.client.get(f"{API}/openapi.json").json()["paths"]
    operations = paths["/api/v1/cases/{code}/documents/{doc}"]
    assert {"get", "head"} <= set(operations)
    assert "307" in operations["head"]["responses"]
