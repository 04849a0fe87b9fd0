"""API keys: every data endpoint needs one, scopes are enforced, keys are never stored in clear."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

from sohoa.storage.api_keys import ApiKeyStore
from tests.api.conftest import API, CODE, Api, api_settings, running

#: The only paths answered without a key: probes, metrics and the published schema.
PUBLIC = {"/healthz", "/readyz", "/metrics", f"{API}/openapi.json", f"{API}/docs"}
_PARAMS = {"{code}": CODE, "{doc}": "1", "{job_id}": "0" * 32}


def _endpoints(api: Api) -> list[tuple[str, str]]:
    """Every operation of the published schema, with valid-looking path parameters."""
    found = []
    for template, operations in api.client.get(f"{API}/openapi.json").json()["paths"].items():
        path = template
        for name, value in _PARAMS.items():
            path = path.replace(name, value)
        found += [(method.upper(), path) for method in operations]
    return found


def test_no_key_is_401_on_every_non_public_endpoint(api: Api) -> None:
    endpoints = _endpoints(api)
    guarded = [(m, p) for m, p in endpoints if p not in PUBLIC]
    assert len(guarded) >= 4
    for method, path in guarded:
        response = api.client.request(method, path)
        assert response.status_code == 401, (method, path, response.text)
        if method != "HEAD":  # a HEAD answer has the headers and no body
            assert response.json()["error"]["code"] == "missing_api_key"
        assert response.headers["www-authenticate"].startswith("Bearer")
    for path in PUBLIC:
        assert api.client.get(path).status_code == 200, path


def test_wrong_key_is_401_and_both_headers_work(api: Api) -> None:
    token = api.key("read")
    url = f"{API}/cases/{CODE}"
    assert api.client.get(url, headers={"X-API-Key": token}).status_code == 404
    assert api.client.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 404
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (forged, "sohoa_0000000000000000_" + "x" * 43, "nonsense"):
        response = api.client.get(url, headers={"X-API-Key": bad})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_api_key"


def test_read_key_cannot_upload(api: Api, page_png: Path) -> None:
    response = api.upload(page_png, api.auth("read"))
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "insufficient_scope"
    assert "upload" in error["message_en"] and "upload" in error["message_vi"]
    assert not list((api.client.app.state.sohoa.settings.resolved_inbox_dir).glob("*"))  # type: ignore[attr-defined]


def test_upload_key_can_read(api: Api) -> None:
    assert api.client.get(f"{API}/cases/{CODE}", headers=api.auth("upload")).status_code == 404


def test_revoked_key_is_401(api: Api) -> None:
    token = api.keys.create("quay-1", "read").token
    url = f"{API}/cases/{CODE}"
    assert api.client.get(url, headers={"X-API-Key": token}).status_code == 404
    api.keys.revoke("quay-1")
    response = api.client.get(url, headers={"X-API-Key": token})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_keys_are_not_stored_in_clear(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "home", api_key_pepper="pepper-for-test")
    with running(settings) as api:
        token = api.keys.create("cong-dvc", "read").token
    secret = token.rsplit("_", 1)[1]
    database = settings.home / "catalog.sqlite3"
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT * FROM api_keys").fetchall()
    assert len(rows) == 1
    cells = [str(cell) for cell in rows[0]]
    assert not any(secret in cell or token in cell for cell in cells)
    assert hashlib.sha256(secret.encode()).hexdigest() not in cells
    assert secret.encode() not in database.read_bytes()


def test_pepper_is_part_of_the_hash(tmp_path: Path) -> None:
    """A copy of the database alone cannot check keys: the pepper lives outside it."""
    from sohoa.storage.catalog import Catalog

    with Catalog.open(f"sqlite:///{tmp_path / 'c.sqlite3'}") as catalog:
        token = ApiKeyStore(catalog, "one").create("k", "read").token
        assert ApiKeyStore(catalog, "one").verify(token) is not None
        assert ApiKeyStore(catalog, "two").verify(token) is None
