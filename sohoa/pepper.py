"""The API key pepper: a server secret mixed into every key hash, never in the catalog.

With an empty pepper a copy of the catalog is enough to check guessed keys, so
the API never runs without one. ``SOHOA_API_KEY_PEPPER`` wins; otherwise, in the
embedded mode (one machine, one $SOHOA_HOME), one is generated on first use and
kept in ``$SOHOA_HOME/api-key-pepper`` (owner-only, like the catalog), which is
said once in the log. A deployment (a queue broker, so possibly several API and
CLI hosts) must configure it: hosts generating their own would each reject the
others' keys, so `sohoa api` refuses to start instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from sohoa.bilingual import BilingualError
from sohoa.settings import Settings
from sohoa.storage.permissions import file_mode, make_dir

log = logging.getLogger(__name__)

PEPPER_FILE = "api-key-pepper"


class PepperMissing(BilingualError):
    """A deployment without ``SOHOA_API_KEY_PEPPER``."""

    def __init__(self) -> None:
        super().__init__(
            "chưa đặt SOHOA_API_KEY_PEPPER; khi chạy với hàng đợi (SOHOA_BROKER_URL) mọi máy "
            "phải dùng chung một giá trị bí mật, ví dụ: openssl rand -base64 32",
            "SOHOA_API_KEY_PEPPER is not set; with a queue broker (SOHOA_BROKER_URL) every host "
            "must share one secret value, e.g. from: openssl rand -base64 32",
        )


def api_key_pepper(settings: Settings) -> str:
    """The configured pepper, or the embedded one (generated on first use)."""
    configured = (settings.secret("api_key_pepper") or "").strip()
    if configured:
        return configured
    if settings.queue_config() is not None:
        raise PepperMissing
    path = settings.home / PEPPER_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    return _generate(path)


def _read(path: Path) -> str:
    pepper = path.read_text(encoding="ascii").strip()
    if not pepper:
        raise ValueError(f"{path} is empty; delete it to generate a new pepper")
    return pepper


def _generate(path: Path) -> str:
    """Write a new pepper under a temporary name, then link it into place: if another
    process got there first, its pepper is the one (``link`` fails, never overwrites)."""
    make_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(32) + "\n")
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temp, path)
    except FileExistsError:
        return _read(path)
    finally:
        temp.unlink()
    log.warning(
        "generated the API key pepper; keep this file with the catalog (keys issued "
        "without a pepper must be issued again)",
        extra={"file": str(path)},
    )
    return _read(path)
