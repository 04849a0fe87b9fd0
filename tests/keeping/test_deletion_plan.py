"""The deletion plan (`sohoa delete` shows it before asking): what deleting a document
would remove, or why it may not be deleted yet, decided from one reading of the catalog
(one session), so the checks and the list of objects describe the same moment. Planning
deletes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.errors import DocumentNotFound, RetentionRefused
from sohoa.storage.job_models import Job
from sohoa.storage.keeping import Keeper, RetentionPolicy, plan_deletion
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.keys import thumb_key
from sohoa.storage.local_store import LocalStore
from sohoa.storage.versions import version_key
from tests.keeping.helpers import CODE, add_second_version, store_doc

LATER = utc_now() + timedelta(days=365 * 2)  # past a one-year retention


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")


@pytest.fixture
def kept(tmp_path: Path) -> Keeper:
    return Keeper(LocalStore(tmp_path / "objects"), retention=RetentionPolicy(intake_years=1))


@pytest.fixture
def sessions_begun(catalog: Catalog) -> Iterator[list[int]]:
    """One entry per catalog session that began a transaction (read or write)."""
    begun: list[int] = []

    def count(session: Session, transaction: SessionTransaction, connection: object) -> None:
        begun.append(id(session))

    event.listen(catalog.sessions, "after_begin", count)
    yield begun
    event.remove(catalog.sessions, "after_begin", count)


def listed_keys(catalog: Catalog, record: DocumentRecord) -> set[str]:
    with catalog.sessions() as session:
        query = select(StoredObjectRow.key).where(StoredObjectRow.document_id == record.id)
        return set(session.scalars(query))


def test_the_plan_lists_every_object_of_every_version_read_in_one_session(
    catalog: Catalog, kept: Keeper, tmp_path: Path, sessions_begun: list[int]
) -> None:
    record = store_doc(catalog, kept, tmp_path, pages=2)
    fixed = add_second_version(catalog, kept, tmp_path, record, pages=3)
    sessions_begun.clear()

    plan = plan_deletion(catalog, kept, record.id, now=LATER)

    assert len(sessions_begun) == 1, "one session for the whole plan"
    assert plan.record == catalog.document(record.id) and plan.record.version == 2
    assert plan.retain_until is not None and plan.retain_until < LATER
    assert plan.copies == ("primary",)
    assert list(plan.keys) == sorted(plan.keys) == sorted(listed_keys(catalog, record))
    assert record.thumbs_key is not None and fixed.thumbs_key is not None
    assert record.text_key is not None and fixed.text_key is not None
    assert record.dropped_key is not None
    every = {
        version_key(record, 1), record.text_key, record.dropped_key,
        version_key(record, 2), fixed.text_key,
        *(thumb_key(record.thumbs_key, n) for n in (1, 2)),
        *(thumb_key(fixed.thumbs_key, n) for n in (1, 2, 3)),
    }  # fmt: skip
    assert set(plan.keys) == every
    assert all(kept.head(key) is not None for key in plan.keys), "planning deletes nothing"


def test_each_refusal_is_decided_in_one_session(
    catalog: Catalog, kept: Keeper, tmp_path: Path, sessions_begun: list[int]
) -> None:
    record = store_doc(catalog, kept, tmp_path, pages=1)
    forever = store_doc(catalog, kept.primary, tmp_path)  # a bare store keeps for ever
    refusals = [
        (record.id, utc_now(), RetentionRefused, "retained until"),
        (forever.id, LATER, RetentionRefused, "kept permanently"),
        (record.id + 1000, LATER, DocumentNotFound, "no document"),
    ]
    for doc_id, now, error, says in refusals:
        sessions_begun.clear()
        with pytest.raises(error, match=says):
            plan_deletion(catalog, kept, doc_id, now=now)
        assert len(sessions_begun) == 1, says

    with catalog.sessions.begin() as session:  # a fix of it still in the queue
        session.add(
            Job(id="job-fix", document_id=record.id, dossier_code=CODE, kind="intake",
                source_name="scan.pdf", source_sha256="0" * 64, source_key="inbox/0",
                options={}, status="queued")
        )  # fmt: skip
    sessions_begun.clear()
    with pytest.raises(RetentionRefused, match="job under way"):
        plan_deletion(catalog, kept, record.id, now=LATER)
    assert len(sessions_begun) == 1
    with catalog.sessions.begin() as session:
        session.get(Job, "job-fix").status = "done"  # type: ignore[union-attr]

    attached = catalog.attach_existing(CODE[:-1] + "2", "intake", record.id, "test")
    sessions_begun.clear()
    with pytest.raises(RetentionRefused, match=f"still used by document #{attached.id}"):
        plan_deletion(catalog, kept, record.id, now=LATER)
    assert len(sessions_begun) == 1
    assert kept.head(record.stored_key) is not None
