"""The event trail of a really processed document: received, digitised, validated, stored,
then downloaded (by the API key's name, and by the CLI's user), shown by the API and the CLI;
and the database itself refuses to rewrite it (SQLite and PostgreSQL triggers)."""

from __future__ import annotations

import getpass
import json
import secrets
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sohoa.storage.database import Database
from sohoa.storage.events import record_event
from tests import images
from tests.api.conftest import API, api_settings, running
from tests.conftest import cli
from tests.conftest_services import postgres_db

CODE = "000.00.20.H56-240101-0001"


def test_a_processed_and_downloaded_document_has_its_trail(tmp_path: Path) -> None:
    scan = tmp_path / "don.png"
    images.text_page().image.save(scan, dpi=(200, 200))
    home = tmp_path / "home"
    with running(api_settings(home)) as api:
        upload = {"Authorization": f"Bearer {api.key('upload')}"}
        reader = {"Authorization": f"Bearer {api.key('read', name='mot-cua-portal')}"}
        job = api.upload(scan, upload).json()
        assert api.wait(job["id"], upload)["state"] == "done"
        assert api.client.get(f"{API}/cases/{CODE}/documents/1", headers=reader).status_code == 200
        answer = api.client.get(f"{API}/cases/{CODE}/events", headers=reader)
        assert (
            api.client.get(
                f"{API}/cases/000.00.20.H56-240101-0999/events", headers=reader
            ).status_code
            == 404
        )

    assert answer.status_code == 200
    trail = answer.json()["events"]
    types = [e["type"] for e in trail]
    assert types[:4] == ["received", "digitised", "validated", "stored"]
    assert ("downloaded", "mot-cua-portal") in {(e["type"], e["actor"]) for e in trail}
    assert "don.png" not in json.dumps(trail)  # no file names (personal data) in the trail

    sohoa = cli(home)
    assert sohoa("get", CODE, "1", "-o", tmp_path / "out").exit_code == 0
    shown = json.loads(sohoa("events", CODE, "--json").output)
    assert (shown[-1]["type"], shown[-1]["actor"]) == ("downloaded", getpass.getuser())
    assert "stored" in sohoa("events", CODE).output


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_database_refuses_to_rewrite_the_trail(tmp_path: Path, backend: str) -> None:
    def check(url: str) -> None:
        database = Database.open(url)
        try:
            record_event(database, "received", dossier_code=CODE, actor="system")
            for statement in ("UPDATE events SET actor = 'someone else'", "DELETE FROM events"):
                refused = pytest.raises(DBAPIError, match="append-only")
                with refused, database.sessions.begin() as session:
                    session.execute(text(statement))
        finally:
            database.close()

    if backend == "sqlite":
        check(f"sqlite:///{tmp_path / 'c.sqlite3'}")
        return
    with postgres_db(f"sohoa_events_{secrets.token_hex(4)}") as url:
        check(url)
