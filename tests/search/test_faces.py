"""A document really digitised (tesseract on a drawn Vietnamese page) is found by its words
typed without diacritics, from the CLI and the API, on SQLite and PostgreSQL; a catalog made
before search gets its index from the stored OCR sidecars with `sohoa reindex`."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from sohoa.storage.catalog import Catalog
from sohoa.storage.search_models import DocumentTextRow
from tests.api.conftest import api_settings, running
from tests.conftest import Sohoa, cli
from tests.conftest_services import postgres_db
from tests.images import DPI, text_page
from tests.search.conftest import stored

CODE = "000.00.20.H56-240615-0001"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """SOHOA_* for the catalog: the default SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield {}
        return
    request.getfixturevalue("postgres_url")
    with postgres_db(f"sohoa_search_{secrets.token_hex(6)}") as url:
        yield {"SOHOA_DATABASE_URL": url}


@pytest.fixture(scope="module")
def scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A drawn application form that says "Tôi tên là Nguyễn Văn Bình," (tests.images)."""
    path = tmp_path_factory.mktemp("scans") / "don-de-nghi.png"
    text_page().image.save(path, dpi=(DPI, DPI))
    return path


def found(sohoa: Sohoa, env: dict[str, str], *args: str) -> dict[str, Any]:
    result = sohoa("search", *args, "--json", env=env)
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.output)
    return answer


def test_a_digitised_page_is_found_by_its_words_without_diacritics(
    tmp_path: Path, scan: Path, database_env: dict[str, str]
) -> None:
    sohoa = cli(tmp_path / "home")
    processed = sohoa("process", scan, "--case", CODE, env=database_env)
    assert processed.exit_code == 0, processed.output

    answer = found(sohoa, database_env, "nguyen van binh")

    assert [hit["name"] for hit in answer["results"]] == [f"{CODE}.1"]
    assert (
        "<mark>Nguyễn</mark> <mark>Văn</mark> <mark>Bình</mark>" in answer["results"][0]["snippet"]
    )
    assert found(sohoa, database_env, "don de nghi chung thuc")["total"] == 1
    assert found(sohoa, database_env, "--code", "000.00.20.h56-2406")["total"] == 1
    assert found(sohoa, database_env, "nguyen van binh", "--kind", "result")["total"] == 0
    assert found(sohoa, database_env, "--from", "01/01/2020", "--to", "31/12/2020")["total"] == 0

    # A catalog from before search: no index; `sohoa reindex` reads the stored .ocr.json.
    url = _database_url(tmp_path / "home", database_env)
    with Catalog.open(url) as catalog, catalog.sessions.begin() as session:
        session.execute(delete(DocumentTextRow))
    assert found(sohoa, database_env, "nguyen van binh")["total"] == 0

    reindexed = sohoa("reindex", env=database_env)
    again = sohoa("reindex", env=database_env)

    assert reindexed.exit_code == 0 and "indexed: 1;" in reindexed.output, reindexed.output
    assert "indexed: 0;" in again.output  # resumed: what is indexed is skipped
    assert found(sohoa, database_env, "nguyen van binh")["total"] == 1


def test_the_cli_shows_results_and_refuses_a_wrong_day(tmp_path: Path) -> None:
    sohoa = cli(tmp_path / "home")
    with Catalog.open(_database_url(tmp_path / "home", {})) as catalog:
        stored(catalog, CODE, ["Quyết định cấp giấy cho ông Nguyễn Văn Bình"])

    shown = sohoa("search", "quyet dinh")
    wrong = sohoa("search", "quyet dinh", "--from", "31/02/2024")

    assert shown.exit_code == 0 and f"{CODE}.1" in shown.output and "Quyết định" in shown.output
    assert wrong.exit_code == 2 and "dd/mm/yyyy" in wrong.output


def test_the_api_searches_with_a_read_key(tmp_path: Path) -> None:
    with running(api_settings(tmp_path / "home")) as api:
        catalog = api.client.app.state.sohoa.backends.get().services.catalog  # type: ignore[attr-defined]
        stored(catalog, CODE, ["Ông Nguyễn Văn Bình <script>alert(1)</script>"])
        headers = api.auth("read")

        answer = api.client.get("/api/v1/search", params={"q": "nguyen van binh"}, headers=headers)
        markup = api.client.get("/api/v1/search", params={"q": "script"}, headers=headers)
        by_code = api.client.get("/api/v1/search", params={"code": CODE[:14]}, headers=headers)
        bad_code = api.client.get("/api/v1/search", params={"code": "Đ%"}, headers=headers)
        anonymous = api.client.get("/api/v1/search", params={"q": "nguyen"})

    assert answer.status_code == 200, answer.text
    hit = answer.json()["results"][0]
    assert hit["name"] == f"{CODE}.1" and hit["created"].endswith("+07:00")
    assert hit["href"] == f"/api/v1/cases/{CODE}/documents/%23{hit['document_id']}"
    assert "&lt;<mark>script</mark>&gt;" in markup.json()["results"][0]["snippet"]
    assert by_code.json()["total"] == 1
    assert bad_code.status_code == 400 and bad_code.json()["error"]["code"] == "invalid_code_prefix"
    assert anonymous.status_code == 401


def _database_url(home: Path, env: dict[str, str]) -> str:
    return env.get("SOHOA_DATABASE_URL", f"sqlite:///{home / 'catalog.sqlite3'}")
