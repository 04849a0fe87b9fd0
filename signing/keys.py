"""Where an agency's signing key lives, and opening it: PKCS#11 tokens/HSMs or PKCS#12 files.

A PKCS#11 key is chosen by token *label* and key label (SoftHSM reassigns slot
numbers; pyHanko's slot number is a list index). The PIN comes from a secret file or
an operator prompt at start-up; it is held only in memory and never printed:
:class:`Secret` hides it from ``repr`` and logs.

Token operations are serial (one signer at a time per token): :func:`token_lock`
gives a process-wide lock plus a file lock for several processes on one machine.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Debian softhsm2's module; real tokens name their vendor's module in the configuration.
SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")


class SigningKeyError(Exception):
    """The key could not be opened (wrong PIN, no such token, unreadable file)."""


@dataclass(frozen=True)
class Secret:
    """A PIN or passphrase: kept in memory, never shown."""

    value: str = field(repr=False)

    def __str__(self) -> str:
        return "***"

    @classmethod
    def from_file(cls, path: Path) -> Secret:
        """The first line of a secret file (Docker secrets, systemd credentials)."""
        lines = path.read_text(encoding="utf-8").splitlines()
        return cls(lines[0].strip() if lines else "")


@dataclass(frozen=True)
class Pkcs11Key:
    module: Path
    token_label: str
    key_label: str
    pin: Secret
    cert_label: str | None = None

    @property
    def lock_name(self) -> str:
        return f"pkcs11:{self.module}:{self.token_label}"


@dataclass(frozen=True)
class Pkcs12Key:
    """A PKCS#12 file (development and tests; production keys stay on a token)."""

    path: Path
    passphrase: Secret | None = None

    @property
    def lock_name(self) -> str:
        return f"pkcs12:{self.path.resolve()}"


KeySource = Pkcs11Key | Pkcs12Key

_open_signers: dict[KeySource, Any] = {}
_sessions: list[Any] = []
_registry_lock = threading.Lock()
_token_locks: dict[str, threading.Lock] = {}


def signer_for(key: KeySource) -> Any:
    """The pyHanko Signer for ``key``, opened once per process (the session stays open:
    opening a token is slow and a fresh process per document costs 1.5 s of imports)."""
    with _registry_lock:
        signer = _open_signers.get(key)
        if signer is None:
            signer = _open(key)
            _open_signers[key] = signer
        return signer


def close_all() -> None:
    """Close token sessions (tests and shutdown)."""
    with _registry_lock:
        _open_signers.clear()
        while _sessions:
            session = _sessions.pop()
            with contextlib.suppress(Exception):
                session.close()


def _open(key: KeySource) -> Any:
    if isinstance(key, Pkcs12Key):
        return _open_pkcs12(key)
    return _open_pkcs11(key)


def _open_pkcs12(key: Pkcs12Key) -> Any:
    from pyhanko.sign.signers import SimpleSigner

    passphrase = key.passphrase.value.encode() if key.passphrase else None
    signer = SimpleSigner.load_pkcs12(str(key.path), passphrase=passphrase)  # type: ignore[no-untyped-call]
    if signer is None:
        raise SigningKeyError(f"cannot open the PKCS#12 file {key.path.name} (wrong passphrase?)")
    return signer


def _open_pkcs11(key: Pkcs11Key) -> Any:
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            str(key.module),
            token_criteria=TokenCriteria(label=key.token_label),
            user_pin=key.pin.value,
        )
    except Exception as error:  # python-pkcs11 raises many kinds; the PIN never in the text
        raise SigningKeyError(
            f"cannot open token {key.token_label!r} with {key.module}: {type(error).__name__}"
        ) from error
    _sessions.append(session)
    return PKCS11Signer(
        session,
        key_label=key.key_label,
        cert_label=key.cert_label or key.key_label,
        other_certs_to_pull=None,  # the chain stored on the token goes into the signature
    )


@contextmanager
def token_lock(key: KeySource) -> Iterator[None]:
    """Serialise operations on one token: a thread lock, then an flock shared by the
    processes of this machine (a USB token signs one thing at a time)."""
    name = key.lock_name
    with _registry_lock:
        lock = _token_locks.setdefault(name, threading.Lock())
    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"sohoa-token-{os.getuid()}-{digest}.lock"
    with lock, open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
