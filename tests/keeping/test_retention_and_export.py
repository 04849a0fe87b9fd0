"""Retention: a delete before the date is refused by the S3 server itself (object lock),
and by the catalog on a local store; the transfer package is a BagIt bag that validates."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import bagit
import pytest
from minio.error import S3Error
from sqlalchemy import select

from bench.services import WeedS3
from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog
from sohoa.storage.errors import RetentionRefused
from sohoa.storage.events import events_for
from sohoa.storage.job_models import Job
from sohoa.storage.keeping import ROLES, Keeper, RetentionPolicy, delete_document
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.keys import thumb_key
from sohoa.storage.local_store import LocalStore
from sohoa.storage.models import Document
from sohoa.storage.s3_store import S3Config, S3Store
from sohoa.storage.transfer import export_dossier
from tests.conftest_services import started
from tests.keeping.helpers import CODE, store_doc


@pytest.fixture(scope="module")
def locked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WeedS3]:
    """A SeaweedFS whose bucket was created with object lock (as an operator creates it)."""
    weed = started(WeedS3(tmp_path_factory.mktemp("locked"), bucket="sohoa-bootstrap"))
    weed.client().make_bucket("sohoa-locked", object_lock=True)
    try:
        yield weed
    finally:
        weed.stop()


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")


@pytest.mark.parametrize("years", [1, None], ids=["one-year", "permanent"])
def test_s3_server_refuses_to_delete_a_retained_object(
    locked_server: WeedS3, catalog: Catalog, tmp_path: Path, years: int | None
) -> None:
    config = S3Config(
        locked_server.endpoint, "sohoa-locked", locked_server.access_key,
        locked_server.secret_key, secure=False,
    )  # fmt: skip
    store = S3Store(config)
    code = f"000.00.20.H56-240101-{7000 + (years or 0):04d}"
    keeper = Keeper(store, retention=RetentionPolicy(intake_years=years))
    record = store_doc(catalog, keeper, tmp_path, code=code, pages=2)

    client = locked_server.client()
    with catalog.sessions() as session:
        listed = list(
            session.scalars(select(StoredObjectRow).where(StoredObjectRow.document_id == record.id))
        )
    assert {row.role for row in listed} == set(ROLES)  # pdf, text, thumb, dropped
    for row in listed:  # every kind locked like its document: a date, or held for ever
        if years is None:
            assert client.is_object_legal_hold_enabled("sohoa-locked", row.key), row.key
        else:
            retention = client.get_object_retention("sohoa-locked", row.key)
            until = record_until(catalog, record.id)
            assert retention is not None and until is not None
            # Whole seconds on the server, rounded up: never released before the catalog.
            assert timedelta(0) <= retention.retain_until_date - until < timedelta(seconds=1)
    for key in (record.stored_key, thumb_key(record.thumbs_key or "", 1)):
        version = client.stat_object("sohoa-locked", key).version_id
        with pytest.raises(S3Error) as refused:  # the server, not sohoa, says no
            client.remove_object("sohoa-locked", key, version_id=version)
        assert refused.value.code == "AccessDenied"
        with pytest.raises(RetentionRefused):
            store.delete_all_versions(key)
        assert store.head(key) is not None


def record_until(catalog: Catalog, doc_id: int) -> datetime | None:
    with catalog.sessions() as session:
        row = session.get(Document, doc_id)
        return None if row is None or row.retain_until is None else row.retain_until


def test_the_catalog_refuses_an_early_delete_on_a_local_store(
    catalog: Catalog, tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "objects")
    kept = Keeper(store, retention=RetentionPolicy(intake_years=10))
    record = store_doc(catalog, kept, tmp_path)
    forever = store_doc(catalog, Keeper(store), tmp_path)

    with pytest.raises(RetentionRefused, match="retained until"):
        delete_document(catalog, kept, record.id, actor="archivist")
    with pytest.raises(RetentionRefused, match="permanently"):
        delete_document(catalog, kept, forever.id, actor="archivist")
    assert store.head(record.stored_key) is not None

    # Revoked (NĐ 45/2020 Đ15): kept for its retention period, and said so; not for ever.
    with catalog.sessions.begin() as session:
        session.get(Document, record.id).revoked_at = utc_now()  # type: ignore[union-attr]
    with pytest.raises(RetentionRefused, match=r"revoked: NĐ 45/2020 Art\. 15") as refused:
        delete_document(catalog, kept, record.id, actor="archivist")
    assert "đã bị thu hồi" in refused.value.message_vi
    later = utc_now() + timedelta(days=365 * 11)

    with catalog.sessions.begin() as session:  # it came through the queue, and a fix is queued
        session.add(queue_job(record.id, "queued"))
    with pytest.raises(RetentionRefused, match="job under way"):
        delete_document(catalog, kept, record.id, actor="archivist", now=later)
    with catalog.sessions.begin() as session:
        session.get(Job, f"job-{record.id}").status = "done"  # type: ignore[union-attr]

    delete_document(catalog, kept, record.id, actor="archivist", now=later)
    assert store.head(record.stored_key) is None
    with catalog.sessions() as session:
        assert session.get(Job, f"job-{record.id}") is None
    assert catalog.document(record.id) is None
    deleted = [e for e in events_for(catalog, CODE) if e.type == "deleted"]
    assert [(e.document_id, e.actor) for e in deleted] == [(record.id, "archivist")]


def queue_job(doc_id: int, status: str) -> Job:
    return Job(
        id=f"job-{doc_id}", document_id=doc_id, dossier_code=CODE, kind="intake",
        source_name="scan.pdf", source_sha256="0" * 64, source_key="inbox/0", options={},
        status=status,
    )  # fmt: skip


def test_the_transfer_package_is_a_bag_that_validates(catalog: Catalog, tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    records = [store_doc(catalog, store, tmp_path) for _ in range(2)]

    bag_dir = export_dossier(catalog, store, CODE, tmp_path / "out")

    bag = bagit.Bag(str(bag_dir))
    assert bag.validate()
    assert "sha256" in bag.algorithms
    names = {Path(p).name for p in bag.payload_files()}
    for record in records:
        assert {f"{record.name}.pdf", f"{record.name}.ocr.json"} <= names
    metadata = json.loads((bag_dir / "data" / "metadata.json").read_text())
    assert [d["sha256"] for d in metadata["documents"]] == [r.sha256 for r in records]
    trail = json.loads((bag_dir / "data" / "events.json").read_text())
    assert {"stored"} <= {e["type"] for e in trail}
    (bag_dir / "data" / f"{records[0].name}.pdf").write_bytes(b"tampered")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(bag_dir)).validate()


def test_a_document_attached_to_a_later_dossier_keeps_its_source_objects(
    catalog: Catalog, tmp_path: Path
) -> None:
    """Reuse (spec §6) files an earlier document under a new dossier pointing at the same
    objects: deleting the source would take the attached document's bytes."""
    store = LocalStore(tmp_path / "objects")
    kept = Keeper(store, retention=RetentionPolicy(intake_years=1))
    source = store_doc(catalog, kept, tmp_path, pages=2)
    attached = catalog.attach_existing("000.00.20.H56-240101-0002", "intake", source.id, "test")
    later = utc_now() + timedelta(days=800)

    with pytest.raises(RetentionRefused, match=f"still used by document #{attached.id}"):
        delete_document(catalog, kept, source.id, actor="archivist", now=later)
    assert store.head(source.stored_key) is not None
    assert source.thumbs_key is not None
    assert store.head(thumb_key(source.thumbs_key, 2)) is not None
