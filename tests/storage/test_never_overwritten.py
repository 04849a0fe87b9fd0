"""A stored key is never overwritten, and an object's bytes always match its checksum.

Put if absent on both backends: other bytes under a stored key are refused, the same
bytes again are fine. Concurrent writers of different bytes to one key, many times
over (separate processes on the local store, released together by a barrier; threads
with their own clients on S3): exactly one lands per key, and every object reads back
as the checksum recorded for it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sohoa.storage.errors import ObjectExists
from sohoa.storage.local_store import LocalStore
from sohoa.storage.objects import ObjectStore
from sohoa.storage.store_url import open_store
from tests.conftest_services import S3Server

KEY = "dossiers/x/intake/x.1.pdf"
KEYS = 30
WRITERS = 4


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], ObjectStore]:
    """Opens the test's store (each call a new client, as another process would have)."""
    if request.param == "local":
        url = (tmp_path / "objects").as_uri()
        return lambda: open_store(url, s3_access_key=None, s3_secret_key=None)
    server: S3Server = request.getfixturevalue("s3_server")
    url = f"s3+http://{server.endpoint}/{server.bucket}/never-{secrets.token_hex(4)}"
    return lambda: open_store(
        url,
        s3_access_key=server.access_key,
        s3_secret_key=server.secret_key,
        s3_region=server.region,
    )


def written(path: Path, data: bytes) -> tuple[Path, str]:
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_other_bytes_under_a_stored_key_are_refused(
    make_store: Callable[[], ObjectStore], tmp_path: Path
) -> None:
    store = make_store()
    first, first_sha = written(tmp_path / "a.pdf", b"the stored document")
    stored = store.put_file(KEY, first, first_sha)
    second, second_sha = written(tmp_path / "b.pdf", b"a different rendering")
    with pytest.raises(ObjectExists, match="never overwritten"):
        store.put_file(KEY, second, second_sha)
    assert store.put_file(KEY, first, first_sha) == stored  # the same bytes: idempotent
    store.get_to_file(KEY, tmp_path / "back.pdf")
    assert (tmp_path / "back.pdf").read_bytes() == b"the stored document"


def test_the_same_bytes_put_back_repair_a_local_copy_that_rotted(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    good, sha = written(tmp_path / "a.pdf", b"the stored document")
    store.put_file(KEY, good, sha)
    (tmp_path / "objects" / KEY).write_bytes(b"the stored documenT")  # one flipped byte
    store.put_file(KEY, good, sha)
    assert (tmp_path / "objects" / KEY).read_bytes() == b"the stored document"


def _write_many(url: str, tmp: str, writer: int, barrier: Any, results: Any) -> None:
    """One writer process: its own bytes to every key, each key started with the others."""
    store = open_store(url, s3_access_key=None, s3_secret_key=None)
    for n in range(KEYS):
        source, sha = written(Path(tmp) / f"w{writer}-{n}.pdf", f"{writer}/{n} ".encode() * 5000)
        barrier.wait()
        try:
            store.put_file(f"race/{n}.pdf", source, sha)
            results.put((n, writer))
        except ObjectExists:
            pass


def test_racing_local_writer_processes_leave_one_object_whose_bytes_match_its_checksum(
    tmp_path: Path,
) -> None:
    url = (tmp_path / "objects").as_uri()
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(WRITERS), context.Queue()
    writers = [
        context.Process(target=_write_many, args=(url, str(tmp_path), w, barrier, results))
        for w in range(WRITERS)
    ]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=300)
        assert process.exitcode == 0
    landed: dict[int, list[int]] = {}
    while not results.empty():
        key, writer = results.get()
        landed.setdefault(key, []).append(writer)
    assert sorted(landed) == list(range(KEYS))
    assert all(len(winners) == 1 for winners in landed.values()), landed
    check_every_object(LocalStore(tmp_path / "objects"), tmp_path, landed)


@pytest.mark.s3
def test_racing_s3_writers_leave_one_object_whose_bytes_match_its_checksum(
    make_store: Callable[[], ObjectStore], tmp_path: Path
) -> None:
    stores = [make_store() for _ in range(WRITERS)]
    barrier = threading.Barrier(WRITERS)
    landed: dict[int, list[int]] = {}
    lock = threading.Lock()

    def write(writer: int) -> None:
        for n in range(KEYS // 3):
            source, sha = written(tmp_path / f"w{writer}-{n}.pdf", f"{writer}/{n}".encode() * 99)
            barrier.wait()
            try:
                stores[writer].put_file(f"race/{n}.pdf", source, sha)
            except ObjectExists:
                continue
            with lock:
                landed.setdefault(n, []).append(writer)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(len(winners) == 1 for winners in landed.values()), landed
    assert sorted(landed) == list(range(KEYS // 3))
    check_every_object(stores[0], tmp_path, landed)


def check_every_object(store: ObjectStore, tmp: Path, landed: dict[int, list[int]]) -> None:
    """Every object reads back (verified against its recorded checksum) as its winner's bytes."""
    for n, (writer,) in landed.items():
        back = store.get_to_file(f"race/{n}.pdf", tmp / f"back-{n}.pdf")
        assert back.sha256 == hashlib.sha256((tmp / f"back-{n}.pdf").read_bytes()).hexdigest()
        assert (tmp / f"back-{n}.pdf").read_bytes() == (tmp / f"w{writer}-{n}.pdf").read_bytes()
