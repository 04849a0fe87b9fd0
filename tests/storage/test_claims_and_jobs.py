"""Of concurrent runs for one document exactly one holds its claim, and the queue never
holds two active jobs for it; on SQLite and PostgreSQL, with separate Catalog objects
(separate pools, as separate processes have) racing in threads released by one barrier."""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from sohoa.storage.catalog import Catalog
from sohoa.storage.claims import new_owner
from sohoa.storage.jobs import JobBook, NewJob
from tests.conftest_services import postgres_db

CODE = "000.00.20.H56-240101-0001"
RACERS = 6
T = TypeVar("T")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # starts the server, or skips without one
    with postgres_db(f"sohoa_claims_{secrets.token_hex(6)}") as url:
        yield url


def race(catalog_url: str, work: Callable[[Catalog], T]) -> list[T]:
    """``work`` run at once by RACERS threads, each on its own Catalog."""
    catalogs = [Catalog.open(catalog_url) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    results: list[T] = []
    errors: list[BaseException] = []

    def run(catalog: Catalog) -> None:
        barrier.wait()
        try:
            results.append(work(catalog))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run, args=(c,)) for c in catalogs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for catalog in catalogs:
        catalog.close()
    assert errors == []
    return results


def reserved(catalog_url: str) -> int:
    with Catalog.open(catalog_url) as catalog:
        record, _ = catalog.reserve(CODE, "intake", "scan.pdf", hashlib.sha256(b"s").hexdigest())
        return record.id


def test_exactly_one_of_racing_runs_claims_the_document(catalog_url: str) -> None:
    doc_id = reserved(catalog_url)
    won = race(catalog_url, lambda catalog: catalog.claim(doc_id, new_owner())[1])
    assert sorted(won) == [False] * (RACERS - 1) + [True]
    with Catalog.open(catalog_url) as catalog:
        record = catalog.document(doc_id)
        assert record is not None and record.claim_state == "in_progress"


def test_a_claim_whose_process_died_is_abandoned_and_taken_over(catalog_url: str) -> None:
    doc_id = reserved(catalog_url)
    taker = (
        "from storage.catalog import Catalog; from storage.claims import new_owner; "
        f"print(Catalog.open({catalog_url!r}).claim({doc_id}, new_owner())[1])"
    )
    out = subprocess.run([sys.executable, "-c", taker], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"  # that process has ended since: its claim is abandoned
    with Catalog.open(catalog_url) as catalog:
        record = catalog.document(doc_id)
        assert record is not None and record.claim_state == "abandoned"
        record, mine = catalog.claim(doc_id, new_owner())
        assert mine and record.claim_state == "in_progress"


def test_a_stored_document_cannot_be_claimed_and_ending_clears_the_claim(catalog_url: str) -> None:
    doc_id = reserved(catalog_url)
    with Catalog.open(catalog_url) as catalog:
        assert catalog.claim(doc_id, new_owner())[1]
        failed = catalog.mark_failed(doc_id, "boom", kind="internal_error", give_up=True)
        assert (failed.status, failed.claimed_by, failed.claim_state) == ("failed", None, None)
        assert catalog.claim(doc_id, new_owner()) == (failed, False)


def test_racing_submits_of_one_document_share_one_active_job(catalog_url: str) -> None:
    doc_id = reserved(catalog_url)
    new = NewJob(doc_id, CODE, "intake", "scan.pdf", "0" * 64, "inbox/x", {})
    opened = race(catalog_url, lambda catalog: JobBook(catalog).open(new))
    assert sorted(created for _, created in opened) == [False] * (RACERS - 1) + [True]
    assert len({job.id for job, _ in opened}) == 1
    with Catalog.open(catalog_url) as catalog:
        book = JobBook(catalog)
        first = opened[0][0]
        assert book.fail(first.id, "gave up", kind="internal_error", error_vi="x")
        assert book.active_for_document(doc_id) is None
        again, created = book.open(new)  # once it ended, a new job may start
        assert created and again.id != first.id
