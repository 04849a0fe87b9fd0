"""A migrated catalog database of each kind (SQLite file; a fresh PostgreSQL database per
test), and helpers that file documents the way the pipeline leaves them."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.storage.catalog import Catalog, DocumentRecord, StoredDocument
from sohoa.storage.database import Database
from tests.conftest_services import postgres_db

PROVINCE = "000.00.00.H56"
DISTRICT = "000.00.20.H56"
COMMUNE = "000.17.20.H56"
OTHER_DISTRICT = "000.00.21.H56"

HEADERS = (
    "Mã hồ sơ;Mã TTHC;Tên TTHC;Mã đơn vị;Lĩnh vực;Ngày tiếp nhận;Kênh thực hiện;"
    "Ngày hẹn trả;Ngày trả kết quả;Có kết quả giấy;Trạng thái;Họ tên người nộp"
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        with Database.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}") as database:
            yield database
        return
    request.getfixturevalue("postgres_url")  # starts the server, or skips without one
    with postgres_db(f"sohoa_reg_{secrets.token_hex(6)}") as url, Database.open(url) as database:
        yield database


@pytest.fixture
def catalog(database: Database) -> Catalog:
    return Catalog(database)


def store_document(catalog: Catalog, code: str, kind: str = "intake") -> DocumentRecord:
    """A document as the pipeline leaves it: reserved, then stored."""
    source = hashlib.sha256(f"{code}/{kind}/{secrets.token_hex(4)}".encode()).hexdigest()
    record, _ = catalog.reserve(code, kind, "scan.pdf", source)
    return catalog.mark_stored(
        record.id, StoredDocument(sha256=source, size=10, pages=1, input_pages=1)
    )


def register_csv(path: Path, rows: list[str]) -> Path:
    """A register export as one-stop systems write it: UTF-8 with BOM, ';', CRLF."""
    path.write_bytes(("\ufeff" + "\r\n".join([HEADERS, *rows]) + "\r\n").encode("utf-8"))
    return path
