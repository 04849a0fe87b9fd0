"""Receiving a scan over HTTP: bounded, recognised by content, landed atomically.

The request body is counted as it streams (a client cannot make us spool more
than the limit); the file part is then copied into the inbox under a
temporary name while hashed, fsynced, and renamed to ``<sha256>.<upload>.<ext>``:
a crash leaves either nothing or the whole file, and no two uploads share a
file (whoever digitises one may delete it).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from starlette.types import Message

from sohoa.api.errors import ApiError
from sohoa.storage.permissions import file_mode, make_dir

_CHUNK = 1024 * 1024
#: Magic bytes of what a counter scanner produces (the pipeline re-checks the content).
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
_UNSAFE_NAME = re.compile(r"[^\w.\- ()]+")

Receive = Callable[[], Awaitable[Message]]


@dataclass(frozen=True)
class Landed:
    path: Path
    sha256: str
    size: int


def too_large(limit: int) -> ApiError:
    mib = limit / (1024 * 1024)
    return ApiError(
        413,
        "upload_too_large",
        f"Tệp tải lên vượt quá giới hạn {mib:g} MiB (SOHOA_API_MAX_UPLOAD_MB)",
        f"The upload exceeds the {mib:g} MiB limit (SOHOA_API_MAX_UPLOAD_MB)",
    )


def check_declared_length(content_length: str | None, limit: int) -> None:
    """Refuse before reading a byte when the client announces too much."""
    if content_length and content_length.isdigit() and int(content_length) > limit:
        raise too_large(limit)


def limited(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises 413 as soon as more than ``limit`` body bytes arrived."""
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise too_large(limit)
        return message

    return wrapped


def sniff_extension(head: bytes) -> str:
    """The file's type from its first bytes; 415 for anything a scanner does not produce."""
    for magic, extension in _SIGNATURES:
        if head.startswith(magic):
            return extension
    raise ApiError(
        415,
        "unsupported_upload",
        "Định dạng không được hỗ trợ; hãy gửi bản quét PDF, TIFF, JPEG hoặc PNG",
        "Unsupported file type; send a scanned PDF, TIFF, JPEG or PNG",
    )


def land(source: BinaryIO, inbox: Path) -> Landed:
    """Copy ``source`` into ``inbox`` as ``<sha256>.<ext>``; 415/422 before anything is kept."""
    head = source.read(16)
    if not head:
        raise ApiError(
            422, "empty_upload", "Tệp tải lên rỗng; hãy quét lại", "The uploaded file is empty"
        )
    extension = sniff_extension(head)
    make_dir(inbox)
    digest, size = hashlib.sha256(), 0
    handle, temp_name = tempfile.mkstemp(dir=inbox, prefix=".upload-", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            chunk = head
            while chunk:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
                chunk = source.read(_CHUNK)
            out.flush()
            os.fsync(out.fileno())
            os.fchmod(out.fileno(), file_mode())  # 0640 for a service group
        # One file per upload: two clients sending the same bytes never share (or delete) one.
        final = inbox / f"{digest.hexdigest()}.{uuid.uuid4().hex[:12]}.{extension}"
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return Landed(final, digest.hexdigest(), size)


def client_file_name(name: str | None, fallback: str) -> str:
    """The name the client gave, reduced to a safe base name (kept in the catalog and metadata)."""
    base = _UNSAFE_NAME.sub("_", Path((name or "").replace("\\", "/")).name).strip(" ._")
    return base[:200] or fallback
