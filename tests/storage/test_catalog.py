"""The catalog, specified once and run on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sohoa.storage.catalog import (
    Catalog,
    DocumentRecord,
    DroppedPage,
    StoredDocument,
    document_key,
    sidecar_key,
    vietnam_time,
)
from sohoa.storage.codes import DossierCodeError
from sohoa.storage.errors import DocumentNotFound
from tests.conftest_services import postgres_db

CODE = "000.00.04.H40-230414-0002"
OTHER_CODE = "000.17.22.H56-210531-0001"


def sha(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with an empty catalog: a temp SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'nested' / 'catalog.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # starts the server, or skips without one
    with postgres_db(f"sohoa_catalog_{secrets.token_hex(6)}") as url:
        yield url


@pytest.fixture
def catalog(catalog_url: str) -> Iterator[Catalog]:
    with Catalog.open(catalog_url) as opened:
        yield opened


def reserve(catalog: Catalog, code: str, kind: str, source: str) -> DocumentRecord:
    record, _ = catalog.reserve(code, kind, f"{source}.tiff", sha(source))
    return record


def stored_outcome(record: DocumentRecord) -> StoredDocument:
    return StoredDocument(
        sha256=sha("pdfa"),
        size=123_456,
        pages=3,
        input_pages=4,
        dropped_pages=(DroppedPage(index=2, reason="blank"),),
        dropped_key=sidecar_key(record.key, ".dropped.pdf"),
        text_key=sidecar_key(record.key, ".ocr.json"),
        ocr_confidence=91.5,
        pdfa_valid=True,
        pdfa_report="veraPDF: PDF/A-2b compliant",
    )


def test_intake_documents_are_numbered_1_2_3_per_dossier(catalog: Catalog) -> None:
    numbers = [reserve(catalog, CODE, "intake", f"scan-{i}").number for i in range(3)]
    assert numbers == [1, 2, 3]
    assert reserve(catalog, OTHER_CODE, "intake", "scan-0").number == 1


def test_intake_and_results_are_numbered_independently(catalog: Catalog) -> None:
    reserve(catalog, CODE, "intake", "form")
    first_result = reserve(catalog, CODE, "result", "decision")
    assert first_result.number == 1
    assert first_result.result_code == f"{CODE}-KQ1"
    assert reserve(catalog, CODE, "result", "certificate").result_code == f"{CODE}-KQ2"


def test_a_new_reservation_is_pending_with_its_key_filled_in(catalog: Catalog) -> None:
    record, created = catalog.reserve(CODE, "intake", "form.tiff", sha("form"))
    assert created
    assert record.status == "pending"
    assert record.key == f"dossiers/{CODE}/intake/{CODE}.1.pdf"
    assert record.result_code is None
    assert record.name == f"{CODE}.1"
    assert (record.source_name, record.source_sha256) == ("form.tiff", sha("form"))
    assert record.dropped_pages == ()


def test_the_same_source_twice_returns_the_same_row(catalog: Catalog) -> None:
    first, created_first = catalog.reserve(CODE, "intake", "form.tiff", sha("form"))
    again, created_again = catalog.reserve(CODE, "intake", "renamed.tiff", sha("form"))
    assert (created_first, created_again) == (True, False)
    assert again == first
    assert len(catalog.documents(CODE)) == 1


def test_the_same_source_may_be_both_an_intake_document_and_a_result(catalog: Catalog) -> None:
    _, as_intake = catalog.reserve(CODE, "intake", "x.pdf", sha("x"))
    _, as_result = catalog.reserve(CODE, "result", "x.pdf", sha("x"))
    assert as_intake and as_result


def test_codes_are_normalised_before_use(catalog: Catalog) -> None:
    record = reserve(catalog, "  000.00.04.h40-230414-0002 ", "intake", "form")
    assert record.dossier_code == CODE
    assert catalog.documents(CODE.lower()) == [record]


def test_invalid_codes_and_kinds_are_refused(catalog: Catalog) -> None:
    with pytest.raises(DossierCodeError):
        catalog.reserve("000.00.20.H56-241301-0001", "intake", "a.pdf", sha("a"))
    with pytest.raises(ValueError, match="intake, result"):
        catalog.reserve(CODE, "annex", "a.pdf", sha("a"))


def test_documents_are_listed_intake_first_then_results_by_number(catalog: Catalog) -> None:
    reserve(catalog, CODE, "result", "decision")
    reserve(catalog, CODE, "intake", "form")
    reserve(catalog, CODE, "intake", "id-card")
    reserve(catalog, OTHER_CODE, "intake", "elsewhere")
    assert [(d.kind, d.number) for d in catalog.documents(CODE)] == [
        ("intake", 1),
        ("intake", 2),
        ("result", 1),
    ]


def test_find_by_number_result_name_full_code_or_id(catalog: Catalog) -> None:
    reserve(catalog, CODE, "intake", "form")
    second = reserve(catalog, CODE, "intake", "id-card")
    result = reserve(catalog, CODE, "result", "decision")
    assert catalog.find(CODE, "2") == second
    assert catalog.find(CODE, f"{CODE}.2") == second
    assert catalog.find(CODE, "KQ1") == result
    assert catalog.find(CODE, "kq1") == result
    assert catalog.find(CODE, f"{CODE.lower()}-KQ1") == result
    assert catalog.find(CODE, f"#{second.id}") == second
    assert catalog.find(CODE, "3") is None
    assert catalog.find(CODE, "KQ2") is None


def test_find_does_not_cross_dossiers(catalog: Catalog) -> None:
    other = reserve(catalog, OTHER_CODE, "intake", "elsewhere")
    assert catalog.find(CODE, f"#{other.id}") is None
    with pytest.raises(ValueError, match="belongs to dossier"):
        catalog.find(CODE, f"{OTHER_CODE}-KQ1")


def test_an_unintelligible_reference_is_an_error(catalog: Catalog) -> None:
    with pytest.raises(ValueError, match="KQ1"):
        catalog.find(CODE, "the second one")


def test_mark_stored_records_the_outcome(catalog: Catalog) -> None:
    record = reserve(catalog, CODE, "intake", "form")
    outcome = stored_outcome(record)
    stored = catalog.mark_stored(record.id, outcome)
    assert stored.status == "stored"
    assert catalog.document(record.id) == stored
    assert (stored.sha256, stored.size, stored.pages, stored.input_pages) == (
        outcome.sha256,
        123_456,
        3,
        4,
    )
    assert stored.dropped_pages == (DroppedPage(index=2, reason="blank"),)
    assert stored.dropped_key == f"dossiers/{CODE}/intake/{CODE}.1.dropped.pdf"
    assert stored.text_key == f"dossiers/{CODE}/intake/{CODE}.1.ocr.json"
    assert (stored.ocr_confidence, stored.pdfa_valid) == (91.5, True)
    assert stored.pdfa_report == "veraPDF: PDF/A-2b compliant"
    assert stored.updated_at >= stored.created_at


def test_a_stored_document_is_reported_as_such_when_its_source_comes_back(
    catalog: Catalog,
) -> None:
    record = reserve(catalog, CODE, "intake", "form")
    catalog.mark_stored(record.id, stored_outcome(record))
    again, created = catalog.reserve(CODE, "intake", "form.tiff", sha("form"))
    assert not created
    assert again.status == "stored"


def test_a_failed_attempt_stays_pending_with_its_error(catalog: Catalog) -> None:
    record = reserve(catalog, CODE, "intake", "form")
    failed = catalog.mark_failed(record.id, "OCR crashed")
    assert (failed.status, failed.error) == ("pending", "OCR crashed")
    stored = catalog.mark_stored(record.id, stored_outcome(record))
    assert stored.error is None


def test_unknown_documents(catalog: Catalog) -> None:
    assert catalog.document(999_999) is None
    with pytest.raises(DocumentNotFound):
        catalog.mark_stored(999_999, stored_outcome(reserve(catalog, CODE, "intake", "x")))


def test_timestamps_are_timezone_aware_utc(catalog: Catalog) -> None:
    before = datetime.now(UTC)
    record = reserve(catalog, CODE, "intake", "form")
    reread = catalog.document(record.id)
    assert reread is not None
    for moment in (record.created_at, reread.created_at, reread.updated_at):
        assert moment.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=5) <= moment <= datetime.now(UTC)


def test_the_catalog_survives_reopening(catalog_url: str) -> None:
    with Catalog.open(catalog_url) as first:
        record = reserve(first, CODE, "intake", "form")
    with Catalog.open(catalog_url) as second:
        assert second.documents(CODE) == [record]


def test_racing_writers_never_share_a_number(catalog_url: str) -> None:
    """Separate Catalog objects (separate pools, like separate processes) reserving at once."""
    catalogs = [Catalog.open(catalog_url) for _ in range(4)]
    numbers: list[int] = []
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(5):
                numbers.append(reserve(catalogs[worker], CODE, "intake", f"w{worker}-{i}").number)
                reserve(catalogs[worker], CODE, "intake", "shared-source")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(catalogs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for opened in catalogs:
        opened.close()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == 20
    with Catalog.open(catalog_url) as check:
        assert [d.number for d in check.documents(CODE)] == list(range(1, 22))


def test_keys_follow_the_naming_rules() -> None:
    assert document_key(CODE, "intake", 2) == f"dossiers/{CODE}/intake/{CODE}.2.pdf"
    assert document_key(CODE, "result", 1) == f"dossiers/{CODE}/result/{CODE}-KQ1.pdf"
    key = document_key(CODE, "result", 1)
    assert sidecar_key(key, ".ocr.json") == f"dossiers/{CODE}/result/{CODE}-KQ1.ocr.json"
    with pytest.raises(ValueError):
        sidecar_key("notes.txt", ".ocr.json")


def test_vietnam_time_is_utc_plus_7() -> None:
    shown = vietnam_time(datetime(2024, 12, 31, 20, 30, tzinfo=UTC))
    assert (shown.year, shown.month, shown.day, shown.hour) == (2025, 1, 1, 3)
    assert shown.utcoffset() == timedelta(hours=7)


@pytest.mark.postgres
def test_the_database_password_is_never_shown(postgres_url: str) -> None:
    with_password = postgres_url.replace("postgres@", "postgres:hunter2@")  # trust auth ignores it
    with Catalog.open(with_password) as catalog:
        assert "hunter2" not in repr(catalog)
        assert "hunter2" not in catalog.describe()
