"""Fixity audit on the local store, through `sohoa audit` (SOHOA_HOME: local objects + SQLite).

A flipped byte and a deleted object (a PDF/A, its OCR text, a page thumbnail) are
both found and reported as what they are;
an audit stopped half-way resumes where it stopped; the alert says what to do.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import delete

from sohoa.exit_codes import ExitCode
from sohoa.storage.catalog import Catalog
from sohoa.storage.events import events_for
from sohoa.storage.fixity import audit
from sohoa.storage.keeping import keeper_of
from sohoa.storage.keeping_models import StoredObjectRow
from sohoa.storage.keys import TEXT_SUFFIX, sidecar_key, thumb_key
from sohoa.storage.local_store import LocalStore
from tests.conftest import Sohoa
from tests.keeping.helpers import CODE, store_doc

NO_LIMITS = {"SOHOA_AUDIT_MAX_MB_PER_S": "0", "SOHOA_AUDIT_MAX_OBJECTS_PER_S": "0"}


@pytest.fixture
def office(sohoa_home: Path, tmp_path: Path) -> tuple[Catalog, LocalStore]:
    sohoa_home.mkdir(parents=True)
    catalog = Catalog.open(f"sqlite:///{sohoa_home / 'catalog.sqlite3'}")
    return catalog, LocalStore(sohoa_home / "objects")


def test_a_flipped_byte_and_a_deleted_object_are_both_found(
    office: tuple[Catalog, LocalStore], sohoa: Sohoa, sohoa_home: Path, tmp_path: Path,
) -> None:  # fmt: skip
    catalog, store = office
    flipped, deleted, fine = (store_doc(catalog, store, tmp_path) for _ in range(3))
    path = store.root / flipped.stored_key
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    (store.root / sidecar_key(deleted.stored_key, TEXT_SUFFIX)).unlink()

    report = tmp_path / "audit.json"
    result = sohoa("audit", "--report", report, env=NO_LIMITS)

    assert result.exit_code == ExitCode.STORAGE, result.output
    objects = json.loads(report.read_text())["objects"]
    bad = {(o["document_id"], o["role"]): o["primary"] for o in objects if not o["ok"]}
    assert bad == {(flipped.id, "pdf"): "corrupt", (deleted.id, "text"): "missing"}
    assert len(objects) == 6
    alerts = [line for line in result.output.splitlines() if "fixity failure" in line]
    assert len(alerts) == 2, result.output
    # One copy only (no SOHOA_REPLICA_URL): the alert says to restore from a backup.
    assert all(line.lower().startswith("error") and "SOHOA_REPLICA_URL" in line for line in alerts)
    assert "scan-" not in result.output  # no file names in the alerts
    failed = [e for e in events_for(catalog, CODE) if e.type == "fixity_failed"]
    assert {(e.document_id, e.detail["problem"]) for e in failed} == {
        (flipped.id, "corrupt"),
        (deleted.id, "missing"),
    }
    assert fine.id not in {e.document_id for e in failed}


def test_an_interrupted_audit_resumes_where_it_stopped(
    office: tuple[Catalog, LocalStore], sohoa: Sohoa, tmp_path: Path
) -> None:
    catalog, store = office
    for _ in range(3):
        store_doc(catalog, store, tmp_path)  # 6 objects

    first = json.loads(sohoa("audit", "--max-objects", "4", "--json", env=NO_LIMITS).output)
    assert (first["checked"], first["remaining"]) == (4, 2)
    second = json.loads(sohoa("audit", "--older-than", "90", "--json", env=NO_LIMITS).output)
    assert (second["checked"], second["remaining"]) == (2, 0)
    third = json.loads(sohoa("audit", "--older-than", "90", "--json", env=NO_LIMITS).output)
    assert third["checked"] == 0
    checks = [e for e in events_for(catalog, CODE) if e.type == "fixity_checked"]
    assert len(checks) == 6 and all(e.detail["ok"] for e in checks)


def test_the_throttle_keeps_under_both_rates() -> None:
    from sohoa.storage.fixity import Throttle

    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(1_000_000, 10, clock=lambda: now[0], sleep=sleep)
    for _ in range(20):
        throttle.after(10_000)  # 20 objects at 10/s: 2 s; 200 kB at 1 MB/s: 0.2 s
    assert now[0] == pytest.approx(2.0)
    throttle = Throttle(1_000_000, None, clock=lambda: now[0], sleep=sleep)
    start = now[0]
    for _ in range(5):
        throttle.after(1_000_000)
    assert now[0] - start == pytest.approx(5.0)


def test_sohoa_audit_finds_a_flipped_and_a_missing_thumbnail(
    office: tuple[Catalog, LocalStore], sohoa: Sohoa, tmp_path: Path
) -> None:
    catalog, store = office
    record = store_doc(catalog, store, tmp_path, pages=3)
    assert record.thumbs_key is not None
    flipped = store.root / thumb_key(record.thumbs_key, 1)
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    (store.root / thumb_key(record.thumbs_key, 3)).unlink()

    report = tmp_path / "audit.json"
    result = sohoa("audit", "--report", report, env=NO_LIMITS)

    assert result.exit_code == ExitCode.STORAGE, result.output
    objects = json.loads(report.read_text())["objects"]
    assert Counter(o["role"] for o in objects) == {"pdf": 1, "text": 1, "dropped": 1, "thumb": 3}
    assert sorted(o["primary"] for o in objects if o["role"] == "thumb") == [
        "corrupt", "missing", "ok",
    ]  # fmt: skip
    trail = events_for(catalog, CODE)
    failed = [e.detail for e in trail if e.type == "fixity_failed"]
    assert sorted((d["role"], d["problem"]) for d in failed) == [
        ("thumb", "corrupt"), ("thumb", "missing"),
    ]  # fmt: skip
    # A good thumbnail is recorded on its row, not in the trail (one per page would drown it).
    checked = [e.detail["role"] for e in trail if e.type == "fixity_checked"]
    assert sorted(checked) == ["dropped", "pdf", "text", "thumb", "thumb"]


def test_thumbnails_stored_before_they_were_kept_are_listed_by_the_audit(
    office: tuple[Catalog, LocalStore], tmp_path: Path
) -> None:
    catalog, store = office
    record = store_doc(catalog, store, tmp_path, pages=2)
    with catalog.sessions.begin() as session:  # as an install before this change left them
        session.execute(delete(StoredObjectRow).where(StoredObjectRow.role == "thumb"))

    report = audit(catalog, keeper_of(store))

    thumbs = [c for c in report.checks if c.role == "thumb"]
    assert [(c.document_id, c.copies) for c in thumbs] == [(record.id, {"primary": "ok"})] * 2
