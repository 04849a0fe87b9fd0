"""Workers starting together on an empty PostgreSQL database all open the catalog."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from sohoa.storage.api_keys import ApiKeyStore
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobBook
from tests.conftest_services import postgres_db


@pytest.fixture
def empty_database(postgres_url: str) -> Iterator[str]:
    with postgres_db(f"sohoa_schema_{secrets.token_hex(6)}") as url:
        yield url


@pytest.mark.postgres
def test_many_processes_creating_the_tables_at_once_all_succeed(empty_database: str) -> None:
    def open_everything(_: int) -> bool:
        catalog = Catalog.open(empty_database)
        try:
            JobBook(catalog)
            ApiKeyStore(catalog)
            return True
        finally:
            catalog.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        assert all(pool.map(open_everything, range(6)))
