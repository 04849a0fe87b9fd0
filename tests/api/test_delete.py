"""DELETE /cases/{code}/documents/{doc}: archive staff's tools delete a document once its
retention has ended (scope ``archive``), with the refusals of ``sohoa delete`` as 409s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sohoa.clock import utc_now
from sohoa.storage.database import Database
from sohoa.storage.models import Document
from tests.api.conftest import API, CODE, Api, api_settings, running
from tests.conftest import stored_files


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Api]:
    """Results are kept five years."""
    with running(api_settings(tmp_path / "home", retention_result_years=5)) as started:
        yield started


def test_an_archive_key_deletes_a_result_only_once_its_retention_has_ended(
    office: Api, page_png: Path, tmp_path: Path
) -> None:
    headers = office.auth("upload")
    job = office.wait(office.upload(page_png, headers, kind="result").json()["id"], headers)
    assert job["state"] == "done", job
    url = f"{API}/cases/{CODE}/documents/KQ1"
    home = tmp_path / "home"
    kept = stored_files(home)
    assert kept

    assert office.client.delete(url, headers=office.auth("read")).status_code == 403
    archive = office.auth("archive")
    early = office.client.delete(url, headers=archive)
    assert early.status_code == 409, early.text
    refused = early.json()["error"]
    assert refused["code"] == "retention_refused"
    assert "phải lưu giữ đến ngày" in refused["message_vi"]
    assert "is retained until" in refused["message_en"]
    assert stored_files(home) == kept

    catalog = Database.open(f"sqlite:///{home / 'catalog.sqlite3'}")
    with catalog, catalog.sessions.begin() as session:  # five years on
        for row in session.query(Document).filter(Document.dossier_code == CODE):
            row.retain_until = utc_now() - timedelta(days=1)
    done = office.client.delete(url, headers=archive)
    assert done.status_code == 200, done.text
    assert done.json()["document"] == f"{CODE}-KQ1" and done.json()["copies"] == ["primary"]
    assert [p for p in stored_files(home) if CODE in p.as_posix()] == []
    assert office.client.get(url, headers=archive).status_code == 404
    trail = office.client.get(f"{API}/cases/{CODE}/events", headers=archive).json()["events"]
    (deleted,) = [e for e in trail if e["type"] == "deleted"]
    assert deleted["actor"].startswith("api:test-archive-")
    assert office.client.delete(url, headers=archive).status_code == 404


def test_a_reference_that_cannot_be_read_is_400_not_a_crash(office: Api) -> None:
    response = office.client.delete(
        f"{API}/cases/{CODE}/documents/page-one", headers=office.auth("archive")
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "invalid_document_ref"
