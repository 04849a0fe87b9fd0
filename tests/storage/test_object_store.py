"""One specification for every object store: the local directory and a real S3 server.

Each behaviour is written once and run against both backends, so the
pipeline can rely on it whichever store an office configures.
"""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from minio.error import S3Error
from minio.helpers import MIN_PART_SIZE

from sohoa.storage.errors import ChecksumMismatch, ObjectNotFound, StorageUnavailable
from sohoa.storage.local_store import LocalStore
from sohoa.storage.objects import ObjectStore, StoredObject
from sohoa.storage.s3_store import S3Config, S3Store, checksum_headers
from sohoa.storage.store_url import open_store
from tests.conftest_services import S3Server

KEY = "dossiers/000.00.04.H40-230414-0002/intake/000.00.04.H40-230414-0002.1.pdf"


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ObjectStore]:
    """A fresh store per test: a temp directory, or a unique prefix in the test bucket."""
    if backend == "local":
        yield open_store((tmp_path / "objects").as_uri(), s3_access_key=None, s3_secret_key=None)
        return
    server: S3Server = request.getfixturevalue("s3_server")
    yield open_store(
        f"s3+http://{server.endpoint}/{server.bucket}/test-{secrets.token_hex(4)}",
        s3_access_key=server.access_key,
        s3_secret_key=server.secret_key,
        s3_region=server.region,
    )


def make_file(path: Path, size: int = 300_000) -> tuple[Path, str]:
    """A file of random bytes and its hex SHA-256."""
    data = secrets.token_bytes(size)
    path.write_bytes(data)
    return path, hashlib.sha256(data).hexdigest()


def test_a_put_file_can_be_read_back_byte_for_byte(store: ObjectStore, tmp_path: Path) -> None:
    source, sha256 = make_file(tmp_path / "scan.pdf")
    stored = store.put_file(KEY, source, sha256)
    assert stored == StoredObject(key=KEY, size=source.stat().st_size, sha256=sha256)
    assert store.head(KEY) == stored
    dest = tmp_path / "out" / "copy.pdf"
    assert store.get_to_file(KEY, dest) == stored
    assert dest.read_bytes() == source.read_bytes()


def test_putting_the_same_content_twice_is_harmless(store: ObjectStore, tmp_path: Path) -> None:
    source, sha256 = make_file(tmp_path / "scan.pdf")
    first = store.put_file(KEY, source, sha256)
    assert store.put_file(KEY, source, sha256) == first
    assert store.head(KEY) == first


def test_an_empty_file_round_trips(store: ObjectStore, tmp_path: Path) -> None:
    source, sha256 = make_file(tmp_path / "empty.pdf", size=0)
    assert store.put_file(KEY, source, sha256).size == 0
    store.get_to_file(KEY, tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == b""


def test_a_wrong_declared_checksum_is_rejected_and_nothing_appears(
    store: ObjectStore, tmp_path: Path
) -> None:
    source, _ = make_file(tmp_path / "scan.pdf")
    with pytest.raises(ChecksumMismatch):
        store.put_file(KEY, source, hashlib.sha256(b"something else").hexdigest())
    assert store.head(KEY) is None


def test_a_rejected_put_leaves_the_previous_object_intact(
    store: ObjectStore, tmp_path: Path
) -> None:
    original, sha256 = make_file(tmp_path / "v1.pdf")
    stored = store.put_file(KEY, original, sha256)
    replacement, _ = make_file(tmp_path / "v2.pdf")
    with pytest.raises(ChecksumMismatch):
        store.put_file(KEY, replacement, sha256)
    assert store.head(KEY) == stored
    store.get_to_file(KEY, tmp_path / "copy.pdf")
    assert (tmp_path / "copy.pdf").read_bytes() == original.read_bytes()


def test_a_missing_key_has_no_head_and_cannot_be_fetched(
    store: ObjectStore, tmp_path: Path
) -> None:
    assert store.head(KEY) is None
    with pytest.raises(ObjectNotFound):
        store.get_to_file(KEY, tmp_path / "copy.pdf")
    assert not (tmp_path / "copy.pdf").exists()


def test_delete_removes_the_object_and_is_idempotent(store: ObjectStore, tmp_path: Path) -> None:
    source, sha256 = make_file(tmp_path / "scan.pdf")
    store.put_file(KEY, source, sha256)
    store.delete(KEY)
    assert store.head(KEY) is None
    store.delete(KEY)


@pytest.mark.parametrize("key", ["../escape.pdf", "/etc/passwd", "a//b.pdf", ".hidden/x.pdf", ""])
def test_keys_that_could_escape_or_hide_are_refused(
    store: ObjectStore, tmp_path: Path, key: str
) -> None:
    source, sha256 = make_file(tmp_path / "scan.pdf")
    with pytest.raises(ValueError):
        store.put_file(key, source, sha256)


def test_describe_names_the_location(store: ObjectStore, backend: str) -> None:
    expected_scheme = "file:///" if backend == "local" else "s3+http://127.0.0.1:"
    assert store.describe().startswith(expected_scheme)


def test_a_local_object_corrupted_on_disk_is_detected_on_read(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "objects")
    source, sha256 = make_file(tmp_path / "scan.pdf")
    store.put_file(KEY, source, sha256)
    on_disk = tmp_path / "objects" / KEY
    on_disk.write_bytes(b"bit rot" + on_disk.read_bytes()[7:])
    dest = tmp_path / "out" / "copy.pdf"
    dest.parent.mkdir()
    dest.write_bytes(b"previous download")
    with pytest.raises(ChecksumMismatch):
        store.get_to_file(KEY, dest)
    assert dest.read_bytes() == b"previous download"
    assert list(dest.parent.iterdir()) == [dest], "no temp file may be left behind"


def test_the_local_store_cannot_presign(tmp_path: Path) -> None:
    assert LocalStore(tmp_path).presign_get("a.pdf", timedelta(minutes=5)) is None


@pytest.mark.s3
def test_a_presigned_url_downloads_the_object(s3_server: S3Server, tmp_path: Path) -> None:
    store = _s3_store(s3_server)
    source, sha256 = make_file(tmp_path / "scan.pdf")
    store.put_file(KEY, source, sha256)
    url = store.presign_get(KEY, timedelta(minutes=5))
    assert url is not None
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == source.read_bytes()


@pytest.mark.s3
def test_an_expired_presigned_url_is_refused(s3_server: S3Server, tmp_path: Path) -> None:
    store = _s3_store(s3_server)
    source, sha256 = make_file(tmp_path / "scan.pdf", size=1000)
    store.put_file(KEY, source, sha256)
    url = store.presign_get(KEY, timedelta(seconds=1))
    assert url is not None
    time.sleep(2)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403


@pytest.mark.s3
def test_the_server_itself_rejects_bytes_that_do_not_match_the_checksum_header(
    s3_server: S3Server,
) -> None:
    """Our upload headers make the server verify the body, not just store a label."""
    wrong = hashlib.sha256(b"not the body").hexdigest()
    with pytest.raises(S3Error) as rejected:
        s3_server.client().put_object(
            s3_server.bucket,
            "checksum-probe",
            io.BytesIO(b"body"),
            4,
            metadata=checksum_headers(wrong),
        )
    assert rejected.value.code == "BadDigest"


@pytest.mark.s3
def test_a_wrong_secret_is_reported_as_unavailable_without_revealing_it(
    s3_server: S3Server,
) -> None:
    wrong_secret = "wrong-" + secrets.token_hex(8)
    with pytest.raises(StorageUnavailable) as caught:
        open_store(
            f"s3+http://{s3_server.endpoint}/{s3_server.bucket}",
            s3_access_key=s3_server.access_key,
            s3_secret_key=wrong_secret,
        )
    message = str(caught.value)
    assert "secret key" in message
    assert wrong_secret not in message
    assert wrong_secret not in repr(caught.value.__cause__)


@pytest.mark.s3
def test_credentials_in_the_url_work_but_are_never_shown(
    s3_server: S3Server, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    store = open_store(
        f"s3+http://{s3_server.access_key}:{s3_server.secret_key}@{s3_server.endpoint}"
        f"/{s3_server.bucket}/from-url",
        s3_access_key=None,
        s3_secret_key=None,
    )
    source, sha256 = make_file(tmp_path / "scan.pdf")
    store.put_file(KEY, source, sha256)
    assert store.describe() == f"s3+http://{s3_server.endpoint}/{s3_server.bucket}/from-url"
    for shown in (store.describe(), repr(store), caplog.text):
        assert s3_server.secret_key not in shown
        assert s3_server.access_key not in shown
    for record in caplog.records:
        assert s3_server.secret_key not in repr(record.__dict__)


def test_an_unreachable_s3_server_is_reported_as_unavailable() -> None:
    with pytest.raises(StorageUnavailable) as caught:
        open_store("s3+http://127.0.0.1:9/bucket", s3_access_key="a", s3_secret_key="s3cr3t")
    assert "endpoint" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


@pytest.mark.parametrize(
    "url",
    ["ftp://host/x", "/var/lib/sohoa", "http://u:hunter2@host/bucket", "file://server/share"],
)
def test_store_urls_of_unknown_form_are_refused_with_the_accepted_forms(url: str) -> None:
    with pytest.raises(ValueError) as caught:
        open_store(url, s3_access_key=None, s3_secret_key=None)
    assert "file:///" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_an_s3_url_needs_a_bucket_and_credentials() -> None:
    with pytest.raises(ValueError, match="bucket"):
        open_store("s3://host:8333", s3_access_key="a", s3_secret_key="b")
    with pytest.raises(ValueError, match="credentials"):
        open_store("s3://host:8333/bucket", s3_access_key=None, s3_secret_key=None)
    with pytest.raises(ValueError, match="not a valid bucket name"):
        open_store("s3://host:8333/b", s3_access_key="a", s3_secret_key="b")


def _s3_store(server: S3Server) -> ObjectStore:
    return open_store(
        f"s3+http://{server.endpoint}/{server.bucket}/test-{secrets.token_hex(4)}",
        s3_access_key=server.access_key,
        s3_secret_key=server.secret_key,
    )


@pytest.mark.s3
def test_a_file_larger_than_one_part_goes_up_in_parts_and_is_verified(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """Long documents: memory is bounded by the part size, the whole object is still checked."""
    prefix = f"parts-{secrets.token_hex(4)}"
    store = S3Store(
        S3Config(
            endpoint=s3_server.endpoint,
            bucket=s3_server.bucket,
            access_key=s3_server.access_key,
            secret_key=s3_server.secret_key,
            secure=False,
            region=s3_server.region,
            prefix=prefix,
            part_size=MIN_PART_SIZE,
        )
    )
    source, sha256 = make_file(tmp_path / "long.pdf", size=2 * MIN_PART_SIZE + 1000)

    stored = store.put_file(KEY, source, sha256)

    assert (stored.size, stored.sha256) == (source.stat().st_size, sha256)
    assert store.get_to_file(KEY, tmp_path / "back.pdf").sha256 == sha256
    stat = s3_server.client().stat_object(s3_server.bucket, f"{prefix}/{KEY}")
    assert (stat.etag or "").endswith("-3")  # three parts, completed as one object


@pytest.mark.s3
def test_presigned_links_are_made_for_the_public_url_and_download_from_there(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """Inside a compose network the store is reached as s3:8333; outside systems need the
    public name. Here the store talks to `localhost`, links must name 127.0.0.1."""
    port = s3_server.endpoint.rsplit(":", 1)[1]
    store = open_store(
        f"s3+http://localhost:{port}/{s3_server.bucket}/public-{secrets.token_hex(4)}",
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_public_url=f"http://127.0.0.1:{port}",
    )
    source, sha256 = make_file(tmp_path / "scan.pdf")
    store.put_file(KEY, source, sha256)

    url = store.presign_get(KEY, timedelta(minutes=5))

    assert url is not None and url.startswith(f"http://127.0.0.1:{port}/{s3_server.bucket}/")
    with urllib.request.urlopen(url, timeout=10) as response:
        assert hashlib.sha256(response.read()).hexdigest() == sha256


@pytest.mark.s3
def test_signing_for_a_public_name_this_machine_cannot_reach_needs_no_network(
    s3_server: S3Server,
) -> None:
    store = open_store(
        f"s3+http://{s3_server.endpoint}/{s3_server.bucket}",
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_public_url="https://files.example.invalid/",
    )
    url = store.presign_get(KEY, timedelta(minutes=5))
    assert url is not None and url.startswith(f"https://files.example.invalid/{s3_server.bucket}/")
    assert "X-Amz-Credential=" in url and "us-east-1" in url


@pytest.mark.parametrize(
    "public_url",
    [
        "files.example.gov.vn",
        "ftp://files.example.gov.vn",
        "https://files.example.gov.vn/s3",
        "https://files.example.gov.vn/?a=b",
        "https://user:hunter2@files.example.gov.vn",
    ],
)
def test_a_public_url_must_be_only_scheme_host_and_port(public_url: str) -> None:
    with pytest.raises(ValueError, match="public S3 URL") as caught:
        open_store(
            "s3+http://127.0.0.1:9/bucket",
            s3_access_key="a",
            s3_secret_key="b",
            s3_public_url=public_url,
        )
    assert "hunter2" not in str(caught.value)
