"""A migrated catalog of each kind (SQLite file; a fresh PostgreSQL database per test) and a
helper that files a document the way the pipeline leaves it: reserved, then stored with the
OCR text of its pages (which is what indexes it)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from sohoa.storage.catalog import Catalog, DocumentRecord, StoredDocument
from sohoa.storage.database import Database
from sohoa.storage.models import Document
from tests.conftest_services import postgres_db

UNIT = "000.00.20.H56"
OTHER_UNIT = "000.00.21.H56"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Catalog]:
    if request.param == "sqlite":
        with Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}") as catalog:
            yield catalog
        return
    request.getfixturevalue("postgres_url")  # starts the server, or skips without one
    with postgres_db(f"sohoa_search_{secrets.token_hex(6)}") as url, Catalog.open(url) as catalog:
        yield catalog


def stored(
    catalog: Catalog,
    code: str,
    pages: Sequence[str],
    *,
    kind: str = "intake",
    created: datetime | None = None,
) -> DocumentRecord:
    """A document of dossier ``code`` stored with the OCR text ``pages``."""
    source = hashlib.sha256(f"{code}/{kind}/{secrets.token_hex(8)}".encode()).hexdigest()
    record, _ = catalog.reserve(code, kind, "scan.pdf", source)
    stored_document = StoredDocument(
        sha256=source, size=10, pages=len(pages), input_pages=len(pages), page_texts=tuple(pages)
    )
    record = catalog.mark_stored(record.id, stored_document)
    if created is not None:
        with catalog.sessions.begin() as session:
            session.execute(
                update(Document).where(Document.id == record.id).values(created_at=created)
            )
    return record


def database_of(catalog: Catalog) -> Database:
    return catalog.database
