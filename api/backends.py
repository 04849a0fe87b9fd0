"""The catalog, object store and key table the API serves from, opened on first need.

Opening lazily (and retrying after a failure) lets the API start before its
database or bucket is up, as containers do; meanwhile ``/readyz`` answers 503
with the reason and data endpoints answer 503 instead of the process dying.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import ExitStack
from dataclasses import dataclass

from sohoa.pepper import api_key_pepper
from sohoa.services import Services
from sohoa.settings import Settings
from sohoa.storage.api_keys import ApiKeyStore
from sohoa.storage.local_store import LocalStore
from sohoa.storage.objects import ObjectStore
from sohoa.storage.store_url import redact_url

log = logging.getLogger(__name__)

_PROBE_KEY = "sohoa-readyz/probe"


class BackendUnavailable(Exception):
    """The catalog or the object store cannot be opened or reached; says which, no secrets."""


@dataclass
class Opened:
    services: Services
    keys: ApiKeyStore


class Backends:
    """Thread-safe, lazily opened backends shared by all requests of one app."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._stack = ExitStack()
        self._opened: Opened | None = None

    def get(self) -> Opened:
        """The open backends; raises BackendUnavailable (and retries next time) on failure."""
        with self._lock:
            if self._opened is None:
                self._opened = self._open()
            return self._opened

    def close(self) -> None:
        with self._lock:
            self._stack.close()
            self._opened = None

    def check_ready(self) -> None:
        """Raise BackendUnavailable unless the catalog answers a query and the store a HEAD."""
        opened = self.get()
        try:
            opened.keys.ping()
        except Exception as error:
            raise BackendUnavailable(f"catalog unreachable: {type(error).__name__}") from error
        probe_store(opened.services.store)

    def _open(self) -> Opened:
        stack = ExitStack()
        try:
            services = stack.enter_context(Services.open(self._settings))
            keys = ApiKeyStore(services.catalog, api_key_pepper(self._settings))
        except Exception as error:
            stack.close()
            log.warning(
                "backends unavailable",
                extra={
                    "store": redact_url(self._settings.resolved_storage_url),
                    "error": f"{type(error).__name__}: {error}",
                },
            )
            raise BackendUnavailable(
                f"cannot open the object store or catalog ({type(error).__name__}); see the log"
            ) from error
        self._stack = stack
        return Opened(services, keys)


def probe_store(store: ObjectStore) -> None:
    """A HEAD on a key that need not exist proves the store answers; a local root must be
    a writable directory (a vanished mount would otherwise look healthy)."""
    if isinstance(store, LocalStore) and not (
        store.root.is_dir() and os.access(store.root, os.W_OK | os.X_OK)
    ):
        raise BackendUnavailable(f"object store unreachable: {store.describe()} is not writable")
    try:
        store.head(_PROBE_KEY)
    except Exception as error:
        raise BackendUnavailable(
            f"object store unreachable: {store.describe()}: {type(error).__name__}"
        ) from error
