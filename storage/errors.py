"""Exceptions raised by the storage layer.

Callers (workers, CLI) catch these by kind rather than by backend, so a
local directory and an S3 bucket fail in the same vocabulary.
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class: anything the storage layer refuses or cannot do."""


class StorageUnavailable(StorageError):
    """The backend cannot be reached or refuses our credentials.

    The message says what to check; it never contains a secret.
    """


class ChecksumMismatch(StorageError):
    """Bytes on one side do not match the SHA-256 promised by the other.

    Raised before an upload (the caller's file is not what it claims), after an
    upload (what landed is not what we sent) and on download (corruption at rest).
    """


class ObjectNotFound(StorageError):
    """The requested object key does not exist in the store."""


class BadReference(StorageError, ValueError):
    """A document reference or store URL that cannot be understood; the message lists the forms."""


class DocumentNotFound(StorageError):
    """The catalog has no document with the given id."""


class RetentionRefused(StorageError):
    """A delete refused because the document is still under retention (revoked or not),
    still used by another document or still being processed: by the catalog, or by the
    S3 server's object lock. ``str()`` is the English message; ``message_vi`` the
    Vietnamese one people read first."""

    def __init__(self, message_en: str, message_vi: str | None = None) -> None:
        super().__init__(message_en)
        self.message_en = message_en
        self.message_vi = message_vi or message_en


class ObjectExists(StorageError):
    """A put refused: the key already holds an object with another SHA-256.

    A stored key is never overwritten; writing the same bytes again is fine.
    """
