"""Object store on an S3-compatible server (SeaweedFS, MinIO, AWS) via the minio SDK.

Integrity is checked three times: the file is hashed before upload, the
server verifies ``x-amz-checksum-sha256`` while receiving it, and the object
is stat'ed afterwards. The hex digest is also kept as user metadata
(``x-amz-meta-sha256``) so downloads can be verified by any client.

Files larger than one part (8 MiB by default) go up in parts, one at a
time, so memory stays bounded whatever the document's length. The server
checks each part (SigV4 payload hash over HTTP, Content-MD5 over HTTPS) and,
since no server checks a whole-object digest of a multipart upload, the
object is read back and hashed once it is complete.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.helpers import MIN_PART_SIZE, DictType
from minio.retention import Retention

from sohoa.storage.errors import (
    ChecksumMismatch,
    ObjectExists,
    ObjectNotFound,
    RetentionRefused,
    StorageError,
    StorageUnavailable,
)
from sohoa.storage.files import CHUNK_SIZE, sha256_file, write_verified
from sohoa.storage.objects import StoredObject, check_key, check_sha256

log = logging.getLogger(__name__)

SHA256_METADATA = "sha256"
_SHA256_HEADER = "x-amz-meta-sha256"
_MISSING_CODES = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound"})
_AUTH_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"}
)
_DIGEST_CODES = frozenset({"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"})
_BUCKET_RACE_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
#: The region SeaweedFS, MinIO and AWS assume when none is configured.
DEFAULT_REGION = "us-east-1"


@dataclass(frozen=True)
class S3Config:
    """Where and how to reach the bucket; credentials are kept out of ``repr``."""

    endpoint: str
    bucket: str
    access_key: str = field(repr=False)
    secret_key: str = field(repr=False)
    secure: bool = True
    region: str | None = None
    prefix: str = ""
    #: Larger files are uploaded in parts of this size (bounded memory); 5 MiB at least.
    part_size: int = 8 * 1024 * 1024
    #: ``host[:port]`` outside systems reach the server by, when it differs from ``endpoint``
    #: (a compose network's ``s3:8333``): presigned URLs are signed for this host.
    public_endpoint: str | None = None
    public_secure: bool = True

    def describe(self) -> str:
        """URL-like location in the same form :func:`storage.store_url.open_store` accepts."""
        scheme = "s3" if self.secure else "s3+http"
        prefix = self.prefix.strip("/")
        return f"{scheme}://{self.endpoint}/{self.bucket}" + (f"/{prefix}" if prefix else "")


class S3Store:
    """An :class:`~storage.objects.ObjectStore` on one bucket (optionally under a prefix).

    Constructing it contacts the server and creates the bucket if needed, so a
    wrong endpoint or credentials fail at startup rather than mid-batch.
    """

    def __init__(self, config: S3Config) -> None:
        self.config = config
        self._prefix = f"{config.prefix.strip('/')}/" if config.prefix.strip("/") else ""
        self._client = Minio(
            config.endpoint,
            access_key=config.access_key,
            secret_key=config.secret_key,
            secure=config.secure,
            region=config.region,
            http_client=_http_client(),
        )
        self._presigner = _presigner(config) or self._client
        self._ensure_bucket()

    def __repr__(self) -> str:
        return f"S3Store({self.describe()!r})"

    def describe(self) -> str:
        return self.config.describe()

    def put_file(
        self, key: str, path: Path, sha256: str, content_type: str = "application/pdf"
    ) -> StoredObject:
        """Upload atomically (one PUT, or parts completed at once), then verify what landed.

        Put if absent: a key holding another SHA-256 is refused (:class:`ObjectExists`),
        checked by HEAD and, on a single PUT, by the server (``If-None-Match: *``). The
        same bytes again are put again (idempotent; repairs a copy whose bytes rotted).
        """
        check_key(key)
        check_sha256(sha256)
        actual = sha256_file(path)
        if actual != sha256:
            raise ChecksumMismatch(
                f"{path} hashes to {actual}, not the declared {sha256}; nothing uploaded"
            )
        existing = self.head(key)
        if existing is not None and existing.sha256 != sha256:
            raise self._exists(key, existing.sha256, sha256)
        size = path.stat().st_size
        part_size = max(self.config.part_size, MIN_PART_SIZE)
        multipart = size > part_size
        if multipart:  # HEAD above is the check; the catalog's claim keeps writers apart
            with path.open("rb") as data, self._errors(key):
                self._client.put_object(
                    self.config.bucket,
                    self._name(key),
                    data,
                    size,
                    content_type=content_type,
                    metadata={SHA256_METADATA: sha256},
                    part_size=part_size,
                    num_parallel_uploads=1,
                )
        else:
            self._put_single(key, path, sha256, content_type, only_new=existing is None)
        stored = self._verify_landed(key, size, sha256)
        if multipart:
            self._verify_read_back(key, sha256)
        log.info(
            "object stored",
            extra={"object_key": key, "size": size, "store": self.describe(), "parts": multipart},
        )
        return stored

    def _put_single(
        self, key: str, path: Path, sha256: str, content_type: str, *, only_new: bool
    ) -> None:
        """One PUT; ``only_new`` adds ``If-None-Match: *`` so the server itself refuses it
        when the key appeared since our HEAD (SeaweedFS, MinIO and AWS answer 412).

        minio-py's public put_object prefixes unknown headers as user metadata, so the
        request goes through its ``_put_object`` (same signing and checksums).
        """
        headers: DictType = {
            "Content-Type": content_type,
            _SHA256_HEADER: sha256,
            "x-amz-checksum-sha256": checksum_headers(sha256)["x-amz-checksum-sha256"],
        }
        if only_new:
            headers["If-None-Match"] = "*"
        refused = False
        with self._errors(key):
            try:
                self._client._put_object(
                    self.config.bucket, self._name(key), path.read_bytes(), headers=headers
                )
            except S3Error as exc:
                if exc.code != "PreconditionFailed":
                    raise
                refused = True
        if refused:  # another writer's object landed first: the same bytes, or refused
            landed = self.head(key)
            if landed is None or landed.sha256 != sha256:
                raise self._exists(key, landed.sha256 if landed else "?", sha256)

    def _exists(self, key: str, held: str, offered: str) -> ObjectExists:
        return ObjectExists(
            f"{key!r} in {self.describe()} already holds another object ({held[:12]}…, "
            f"not {offered[:12]}…); a stored object is never overwritten"
        )

    def get_to_file(self, key: str, dest: Path) -> StoredObject:
        """Stream the object to ``dest``, checking it against the digest it was stored with.

        The digest is taken from the GET response itself, so a concurrent
        overwrite cannot pair new bytes with an old checksum.
        """
        check_key(key)
        with self._errors(key):
            response = self._client.get_object(self.config.bucket, self._name(key))
        try:
            expected = self._recorded_sha256(key, response.headers)
            try:
                size = write_verified(dest, response.stream(CHUNK_SIZE), expected)
            except ChecksumMismatch as exc:
                raise ChecksumMismatch(
                    f"object {key!r} in {self.describe()} is corrupted: {exc}"
                ) from None
        finally:
            response.close()
            response.release_conn()
        return StoredObject(key=key, size=size, sha256=expected)

    def head(self, key: str) -> StoredObject | None:
        check_key(key)
        try:
            with self._errors(key):
                stat = self._client.stat_object(self.config.bucket, self._name(key))
        except ObjectNotFound:
            return None
        return StoredObject(
            key=key,
            size=stat.size or 0,
            sha256=self._recorded_sha256(key, stat.metadata or {}),
        )

    def delete(self, key: str) -> None:
        check_key(key)
        with self._errors(key):
            self._client.remove_object(self.config.bucket, self._name(key))

    def presign_get(self, key: str, expires: timedelta) -> str | None:
        """A GET URL signed for ``expires`` (1 s to 7 days, the S3 limits), on the public
        endpoint when one is configured (SigV4 signs the Host, so it cannot be rewritten)."""
        check_key(key)
        with self._errors(key):
            return self._presigner.presigned_get_object(
                self.config.bucket, self._name(key), expires=expires
            )

    def protect(self, key: str, until: datetime | None) -> bool:
        """Object lock on ``key``: COMPLIANCE retention until ``until``, or a legal hold when
        it is kept permanently (None). False when the bucket was not created with object
        lock (the server says InvalidRequest): the catalog's refusal is then the only guard."""
        check_key(key)
        try:
            if until is None:
                self._client.enable_object_legal_hold(self.config.bucket, self._name(key))
            else:  # S3 keeps whole seconds: rounded up, never released before the catalog
                whole = until.replace(microsecond=0)
                retention = Retention(
                    COMPLIANCE, whole + timedelta(seconds=1) if whole < until else whole
                )
                self._client.set_object_retention(self.config.bucket, self._name(key), retention)
        except S3Error as exc:
            if exc.code in (
                "InvalidRequest",
                "InvalidBucketState",
                "ObjectLockConfigurationNotFoundError",
            ):
                return False
            _raise_for_s3_error(exc, key, self.describe())
        return True

    def delete_all_versions(self, key: str) -> None:
        """Remove every version of ``key`` (a plain delete on a versioned bucket only hides
        it behind a marker). A version under object lock is refused by the server:
        :class:`RetentionRefused`."""
        check_key(key)
        name = self._name(key)
        with self._errors(key):
            versions = [
                item.version_id
                for item in self._client.list_objects(
                    self.config.bucket, prefix=name, include_version=True
                )
                if item.object_name == name
            ]
        for version in versions or [None]:
            try:
                self._client.remove_object(self.config.bucket, name, version_id=version)
            except S3Error as exc:
                if exc.code in ("AccessDenied", "ObjectLocked", "InvalidRequest"):
                    raise RetentionRefused(
                        f"{self.describe()} refused to delete {key!r} ({exc.code}): "
                        "the object is under retention (object lock)",
                        f"{self.describe()} từ chối xóa {key!r} ({exc.code}): đối tượng "
                        "đang trong thời hạn lưu giữ (object lock)",
                    ) from None
                _raise_for_s3_error(exc, key, self.describe())

    def _ensure_bucket(self) -> None:
        with self._errors(None):
            if self._client.bucket_exists(self.config.bucket):
                return
            try:
                self._client.make_bucket(self.config.bucket, location=self.config.region)
            except S3Error as exc:
                if exc.code not in _BUCKET_RACE_CODES:
                    raise
        log.info("bucket created", extra={"store": self.describe()})

    def _verify_landed(self, key: str, size: int, sha256: str) -> StoredObject:
        stored = self.head(key)
        if stored is None:
            raise StorageError(f"{key!r} is missing from {self.describe()} right after upload")
        if (stored.size, stored.sha256) != (size, sha256):
            raise ChecksumMismatch(
                f"{key!r} landed as {stored.size} bytes / {stored.sha256}, "
                f"sent {size} bytes / {sha256}"
            )
        return stored

    def _verify_read_back(self, key: str, sha256: str) -> None:
        """Hash the object as the server returns it (streamed; nothing kept)."""
        digest = hashlib.sha256()
        with self._errors(key):
            response = self._client.get_object(self.config.bucket, self._name(key))
        try:
            for chunk in response.stream(CHUNK_SIZE):
                digest.update(chunk)
        finally:
            response.close()
            response.release_conn()
        if digest.hexdigest() != sha256:
            raise ChecksumMismatch(
                f"{key!r} reads back as {digest.hexdigest()}, not the {sha256} uploaded"
            )

    def _recorded_sha256(self, key: str, headers: Mapping[str, Any]) -> str:
        for name, value in headers.items():
            if name.lower() == _SHA256_HEADER:
                return str(value)
        raise StorageError(
            f"object {key!r} in {self.describe()} has no {_SHA256_HEADER} metadata, "
            "so it cannot be verified; was it written by sohoa?"
        )

    def _name(self, key: str) -> str:
        return self._prefix + key

    @contextlib.contextmanager
    def _errors(self, key: str | None) -> Iterator[None]:
        """Translate SDK and network errors into storage errors that carry no secrets."""
        try:
            yield
        except S3Error as exc:
            _raise_for_s3_error(exc, key, self.describe())
        except (ServerError, InvalidResponseError, urllib3.exceptions.HTTPError) as exc:
            raise StorageUnavailable(
                f"cannot talk to {self.describe()}: {type(exc).__name__}; check the endpoint "
                "address and port, that the server is running, and http vs https "
                "(s3+http:// is plain HTTP)"
            ) from exc


def _raise_for_s3_error(exc: S3Error, key: str | None, where: str) -> NoReturn:
    what = f"{key!r} in {where}" if key else where
    if exc.code in _MISSING_CODES:
        raise ObjectNotFound(f"no object {what}") from None
    if exc.code in _AUTH_CODES:
        raise StorageUnavailable(
            f"{where} refused our credentials ({exc.code}); check the S3 access key and "
            "secret key, and that this identity may read and write the bucket"
        ) from None
    if exc.code in _DIGEST_CODES:
        raise ChecksumMismatch(
            f"the server rejected {what}: the bytes sent do not match their SHA-256 ({exc.code})"
        ) from None
    raise StorageError(f"S3 error on {what}: {exc.code}: {exc.message}") from None


def checksum_headers(sha256: str) -> DictType:
    """User metadata for readers plus the header that makes the server verify the body.

    minio-py passes ``x-amz-*`` keys of ``metadata`` through unprefixed, and
    prefixes the others with ``x-amz-meta-``.
    """
    raw = bytes.fromhex(sha256)
    return {
        SHA256_METADATA: sha256,
        "x-amz-checksum-sha256": base64.b64encode(raw).decode("ascii"),
    }


def _presigner(config: S3Config) -> Minio | None:
    """A client that only signs URLs for the public endpoint. Its region is explicit
    (the server default, us-east-1, unless configured) so signing never asks the network."""
    if config.public_endpoint is None:
        return None
    return Minio(
        config.public_endpoint,
        access_key=config.access_key,
        secret_key=config.secret_key,
        secure=config.public_secure,
        region=config.region or DEFAULT_REGION,
    )


def _http_client() -> urllib3.PoolManager:
    """Bounded timeouts and few retries: an unreachable server should fail in seconds."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=5, read=120),
        retries=urllib3.Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )
