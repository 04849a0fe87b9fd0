"""Open an object store from the single URL an office puts in its configuration.

One string covers every deployment (a folder on the counter PC, a bucket on
the provincial server); credentials may ride in it but are never echoed back.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, unquote, urlsplit
from urllib.request import url2pathname

from sohoa.storage.errors import BadReference
from sohoa.storage.local_store import LocalStore
from sohoa.storage.objects import ObjectStore

# The S3 client (minio, urllib3, pycryptodome: about 0.25 CPU s to import) is loaded
# only for an s3:// URL: a counter PC's file:/// store and every command that only
# redacts a URL do without it (issue 9).
if TYPE_CHECKING:
    from sohoa.storage.s3_store import S3Config

ACCEPTED_FORMS = (
    "file:///absolute/path, "
    "s3://host[:port]/bucket[/prefix] (HTTPS), "
    "s3+http://host[:port]/bucket[/prefix] (plain HTTP, loopback/dev only)"
)
_S3_SCHEMES = {"s3": True, "s3+http": False}


def open_store(
    url: str,
    *,
    s3_access_key: str | None,
    s3_secret_key: str | None,
    s3_region: str | None = None,
    s3_public_url: str | None = None,
) -> ObjectStore:
    """Build the store named by ``url``.

    For S3, explicit keys win over ``ACCESS:SECRET@`` in the URL, so a secret
    can live in the environment while the URL stays in a shareable config file.
    ``s3_public_url`` (``http(s)://host[:port]``) is where outside systems reach the
    same server; presigned download links are made for it.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme == "file":
        return LocalStore(_local_root(parts, url))
    if scheme in _S3_SCHEMES:
        from sohoa.storage.s3_store import S3Store

        config = _s3_config(
            parts, url, s3_access_key, s3_secret_key, s3_region, _S3_SCHEMES[scheme]
        )
        if s3_public_url and s3_public_url.strip():
            endpoint, secure = public_endpoint(s3_public_url)
            config = replace(config, public_endpoint=endpoint, public_secure=secure)
        return S3Store(config)
    raise BadReference(f"unsupported store URL {redact_url(url)!r}; use one of: {ACCEPTED_FORMS}")


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``, safe for logs and errors."""
    parts = urlsplit(url.strip())
    if "@" not in parts.netloc:
        return url.strip()
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"***@{host}").geturl()


def public_endpoint(url: str) -> tuple[str, bool]:
    """``host[:port]`` and whether it is HTTPS, from a public S3 URL such as
    ``https://files.example.gov.vn``. A path is refused: SigV4 signs the path too, so a
    proxy that strips one would break every link."""
    shown = redact_url(url)
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise BadReference(
            f"public S3 URL {shown!r} must be http(s)://host[:port], "
            "e.g. https://files.example.gov.vn"
        )
    if parts.path.strip("/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise BadReference(
            f"public S3 URL {shown!r} must be only http(s)://host[:port]: no path, query "
            "or credentials (presigned links sign the path, so a proxy must not add one)"
        )
    return _endpoint(parts, shown), parts.scheme.lower() == "https"


def _local_root(parts: SplitResult, url: str) -> Path:
    if parts.netloc not in ("", "localhost") or not parts.path.startswith("/"):
        raise BadReference(
            f"store URL {redact_url(url)!r} must be file:///absolute/path (three slashes)"
        )
    return Path(url2pathname(parts.path))


def _s3_config(
    parts: SplitResult,
    url: str,
    access_key: str | None,
    secret_key: str | None,
    region: str | None,
    secure: bool,
) -> S3Config:
    from minio.helpers import check_bucket_name

    from sohoa.storage.s3_store import S3Config

    shown = redact_url(url)
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not parts.hostname or not bucket:
        raise BadReference(f"store URL {shown!r} needs a host and a bucket; use {ACCEPTED_FORMS}")
    try:
        check_bucket_name(bucket)
    except ValueError:
        raise BadReference(
            f"store URL {shown!r}: {bucket!r} is not a valid bucket name; use 3 to 63 "
            "lowercase letters, digits, dots and hyphens"
        ) from None
    access_key = access_key or (unquote(parts.username) if parts.username else None)
    secret_key = secret_key or (unquote(parts.password) if parts.password else None)
    if not access_key or not secret_key:
        raise BadReference(
            f"store URL {shown!r} needs S3 credentials: pass the access key and secret key "
            "or put ACCESS:SECRET@ before the host"
        )
    return S3Config(
        endpoint=_endpoint(parts, shown),
        bucket=bucket,
        access_key=access_key,
        secret_key=secret_key,
        secure=secure,
        region=region,
        prefix=prefix.strip("/"),
    )


def _endpoint(parts: SplitResult, shown: str) -> str:
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        raise BadReference(f"store URL {shown!r} has an invalid port") from None
    return f"{host}:{port}" if port else host
