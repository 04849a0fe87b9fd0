"""Two copies on two SeaweedFS servers: every object reaches the replica verified; a replica
killed mid-copy leaves the object pending (the document stays stored), and the audit
catches up once it is back; a lost or corrupted copy is found and repaired from the other.
Every kind of object (PDF/A of each version, OCR text, dropped pages, page thumbnails) is
listed, copied, audited, repaired and, once retention allows, deleted from both copies."""

from __future__ import annotations

import io
import os
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.services import WeedS3
from sohoa.clock import utc_now
from sohoa.storage.catalog import Catalog
from sohoa.storage.errors import RetentionRefused
from sohoa.storage.events import events_for
from sohoa.storage.fixity import audit
from sohoa.storage.keeping import (
    ROLES,
    Keeper,
    RetentionPolicy,
    delete_document,
    pending_replication,
)
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.keys import thumb_key
from sohoa.storage.objects import ObjectStore
from sohoa.storage.s3_store import S3Config, S3Store
from sohoa.storage.version_models import DocumentVersionRow
from sohoa.storage.versions import versions
from tests.conftest_services import started
from tests.keeping.helpers import add_second_version, store_doc


def s3_store(weed: WeedS3) -> S3Store:
    config = S3Config(weed.endpoint, weed.bucket, weed.access_key, weed.secret_key, secure=False)
    return S3Store(config)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WeedS3, WeedS3]]:
    primary = started(WeedS3(tmp_path_factory.mktemp("primary"), bucket="sohoa-primary"))
    replica = started(WeedS3(tmp_path_factory.mktemp("replica"), bucket="sohoa-replica"))
    try:
        yield primary, replica
    finally:
        primary.stop()
        replica.stop()


_codes = iter(range(1000, 9999))


@pytest.fixture
def code() -> str:
    """A dossier of its own for each test: the servers (and their object keys) are shared."""
    return f"000.00.20.H56-240101-{next(_codes):04d}"


@pytest.fixture
def office(servers: tuple[WeedS3, WeedS3], tmp_path: Path) -> tuple[Catalog, Keeper]:
    primary, replica = servers
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    return catalog, Keeper(s3_store(primary), s3_store(replica))


def kill(weed: WeedS3) -> None:
    """SIGKILL the whole server (no clean shutdown), as a crashed disk server would go."""
    assert weed.process is not None
    os.killpg(weed.process.pid, signal.SIGKILL)
    weed.process.wait()


def test_every_object_reaches_the_replica_verified(
    office: tuple[Catalog, Keeper], tmp_path: Path, code: str
) -> None:
    catalog, keeper = office
    record = store_doc(catalog, keeper, tmp_path, code=code)
    assert keeper.replica is not None
    assert keeper.replica.head(record.stored_key) == keeper.primary.head(record.stored_key)
    assert pending_replication(catalog) == []
    copied = [e for e in events_for(catalog, code) if e.type == "copied"]
    assert {e.detail["role"] for e in copied} == {"pdf", "text"}


def test_replica_killed_mid_copy_then_caught_up_by_the_audit(
    office: tuple[Catalog, Keeper],
    servers: tuple[WeedS3, WeedS3],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
) -> None:
    catalog, keeper = office
    _, replica_server = servers
    replica = keeper.replica
    assert isinstance(replica, S3Store)
    real_put = S3Store.put_file

    def put_after_kill(self: S3Store, *args: object, **kwargs: object) -> object:
        # The primary put has returned; the replica dies just before its own put.
        if self is replica and replica_server.process and replica_server.process.poll() is None:
            kill(replica_server)
        return real_put(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(S3Store, "put_file", put_after_kill)
    record = store_doc(catalog, keeper, tmp_path, code=code)
    monkeypatch.undo()

    assert catalog.document(record.id).status == "stored"  # type: ignore[union-attr]
    assert {p.role for p in pending_replication(catalog)} == {"pdf", "text"}

    started(replica_server)  # same data directory and ports
    report = audit(catalog, keeper)
    assert report.unresolved == 0
    assert {c.copies["replica"] for c in report.checks if c.document_id == record.id} == {"copied"}
    assert pending_replication(catalog) == []
    assert keeper.replica.head(record.stored_key) is not None


@pytest.mark.parametrize("lost", ["primary", "replica"])
def test_a_lost_copy_and_a_flipped_byte_are_found_and_repaired_from_the_other(
    office: tuple[Catalog, Keeper],
    servers: tuple[WeedS3, WeedS3],
    tmp_path: Path,
    lost: str,
    code: str,
) -> None:
    catalog, keeper = office
    deleted = store_doc(catalog, keeper, tmp_path, code=code)
    flipped = store_doc(catalog, keeper, tmp_path, code=code)
    weed = servers[0] if lost == "primary" else servers[1]
    store: ObjectStore = keeper.primary if lost == "primary" else keeper.replica  # type: ignore[assignment]
    client = weed.client()
    client.remove_object(weed.bucket, deleted.stored_key)
    stat = client.stat_object(weed.bucket, flipped.stored_key)
    data = bytearray(client.get_object(weed.bucket, flipped.stored_key).read())
    data[50] ^= 0x01  # same recorded digest, one bit different
    meta = {"sha256": stat.metadata["x-amz-meta-sha256"]}
    client.put_object(weed.bucket, flipped.stored_key, io.BytesIO(data), len(data), metadata=meta)

    found = audit(catalog, keeper)
    states = {(c.document_id, c.role): c.copies[lost] for c in found.checks}
    assert states[(deleted.id, "pdf")] == "missing"
    assert states[(flipped.id, "pdf")] == "corrupt"
    assert found.unresolved == 2

    repaired = audit(catalog, keeper, repair=True)
    states = {(c.document_id, c.role): c.copies[lost] for c in repaired.checks}
    assert states[(deleted.id, "pdf")] == states[(flipped.id, "pdf")] == "repaired"
    assert repaired.unresolved == 0
    assert store.head(deleted.stored_key) is not None
    trail = [(e.type, e.document_id) for e in events_for(catalog, code)]
    for doc in (deleted.id, flipped.id):
        assert ("fixity_failed", doc) in trail
        assert ("verified", doc) in trail
    assert audit(catalog, keeper).unresolved == 0


def listed_objects(catalog: Catalog, doc_id: int) -> list[StoredObjectRow]:
    with catalog.sessions() as session:
        query = select(StoredObjectRow).where(StoredObjectRow.document_id == doc_id)
        return list(session.scalars(query))


def test_every_kind_of_object_is_listed_copied_audited_and_repaired(
    office: tuple[Catalog, Keeper], servers: tuple[WeedS3, WeedS3], tmp_path: Path, code: str
) -> None:
    """PDF/A, OCR text, dropped pages and page thumbnails, of the original and of a fix's
    version: each listed with its SHA-256 and on both copies; a thumbnail with a flipped
    byte on the primary and one lost from the replica are found and repaired."""
    catalog, keeper = office
    assert keeper.replica is not None
    record = store_doc(catalog, keeper, tmp_path, code=code, pages=2)
    record = add_second_version(catalog, keeper, tmp_path, record, pages=3)

    listed = listed_objects(catalog, record.id)
    assert Counter(row.role for row in listed) == {"pdf": 2, "text": 2, "thumb": 5, "dropped": 1}
    assert set(ROLES) == {row.role for row in listed}
    for row in listed:
        on_primary, on_replica = keeper.primary.head(row.key), keeper.replica.head(row.key)
        assert on_primary is not None and on_replica is not None, row.key
        assert on_primary.sha256 == on_replica.sha256 == row.sha256
    assert pending_replication(catalog) == []
    copied = [e.detail for e in events_for(catalog, code) if e.type == "copied"]
    # One event per copied object, but one per document and keeping for its thumbnails.
    assert [d["objects"] for d in copied if d["role"] == "thumb"] == [2, 3]
    assert Counter(d["role"] for d in copied if d["role"] != "thumb") == {
        "pdf": 2, "text": 2, "dropped": 1,
    }  # fmt: skip

    first, second = (v.thumbs_key for v in versions(catalog, record))
    assert first is not None and second is not None
    flipped, lost = thumb_key(first, 2), thumb_key(second, 3)
    primary_server, replica_server = servers
    client = primary_server.client()
    stat = client.stat_object(primary_server.bucket, flipped)
    data = bytearray(client.get_object(primary_server.bucket, flipped).read())
    data[len(data) // 2] ^= 0x01
    assert stat.metadata is not None
    meta = {"sha256": stat.metadata["x-amz-meta-sha256"]}
    client.put_object(primary_server.bucket, flipped, io.BytesIO(data), len(data), metadata=meta)
    replica_server.client().remove_object(replica_server.bucket, lost)

    found = audit(catalog, keeper)
    bad = {(c.role, c.object_id): c.copies for c in found.checks if not c.ok}
    by_key = {row.id: row.key for row in listed}
    assert {(role, by_key[i]): copies for (role, i), copies in bad.items()} == {
        ("thumb", flipped): {"primary": "corrupt", "replica": "ok"},
        ("thumb", lost): {"primary": "ok", "replica": "missing"},
    }
    assert found.checked == len(listed)

    repaired = audit(catalog, keeper, repair=True)
    assert repaired.unresolved == 0
    assert audit(catalog, keeper).unresolved == 0
    assert keeper.replica.head(lost) is not None


def test_deleting_a_document_after_its_retention_removes_every_object_from_both_copies(
    servers: tuple[WeedS3, WeedS3], tmp_path: Path, code: str
) -> None:
    primary, replica = servers
    catalog = Catalog.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")
    keeper = Keeper(s3_store(primary), s3_store(replica), RetentionPolicy(intake_years=1))
    record = store_doc(catalog, keeper, tmp_path, code=code, pages=2)
    record = add_second_version(catalog, keeper, tmp_path, record, pages=2)
    keys = [row.key for row in listed_objects(catalog, record.id)]
    assert len(keys) == 2 + 2 + 4 + 1
    copies = list(keeper.copies().values())

    with pytest.raises(RetentionRefused, match="retained until"):
        delete_document(catalog, keeper, record.id, actor="archivist")
    assert all(copy.head(key) is not None for copy in copies for key in keys)

    delete_document(
        catalog, keeper, record.id, actor="archivist", now=utc_now() + timedelta(days=800)
    )
    assert [key for copy in copies for key in keys if copy.head(key) is not None] == []
    assert catalog.document(record.id) is None
    assert listed_objects(catalog, record.id) == []
    with catalog.sessions() as session:
        left = session.scalars(
            select(DocumentVersionRow).where(DocumentVersionRow.document_id == record.id)
        )
        assert list(left) == []
    deleted = [e for e in events_for(catalog, code) if e.type == "deleted"]
    assert [e.detail["objects"] for e in deleted] == [len(keys)]
