"""Two copies on two SeaweedFS servers: every object reaches the replica verified; a replica
killed mid-copy leaves the object pending (the document stays stored), and the audit
catches up once it is back; a lost or corrupted copy is found and repaired from the other."""

from __future__ import annotations

import io
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.services import WeedS3
from sohoa.storage.catalog import Catalog
from sohoa.storage.events import events_for
from sohoa.storage.fixity import audit
from sohoa.storage.keeping import Keeper, pending_replication
from sohoa.storage.objects import ObjectStore
from sohoa.storage.s3_store import S3Config, S3Store
from tests.conftest_services import started
from tests.keeping.helpers import store_doc


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
