"""Start-up of the signing step: SOHOA_SIGNING_CONFIG read once per process.

A PIN asked at a prompt is asked here, once, when the process starts (not per
document). The same file loaded again (every command opens services once; the API
and workers once at start) is reused, so a prompt is never repeated.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.workers import signing

# The configuration's reader (YAML, the key and PAdES modules) is imported only when
# SOHOA_SIGNING_CONFIG names a file: most commands and offices sign nothing (issue 9).
if TYPE_CHECKING:
    from sohoa.settings import Settings
    from sohoa.signing.config import SigningConfig
    from sohoa.storage.database import SessionSource

_loaded: dict[Path, SigningConfig] = {}


def install_signing(settings: Settings) -> SigningConfig | None:
    """Install the configured signing policies in this process (None: sign nothing)."""
    path = settings.signing_config
    if path is None:
        signing.install(None)
        return None
    config = _loaded.get(path)
    if config is None:
        from sohoa.signing.config import ConfigError, load_config

        try:
            config = load_config(path)
        except ConfigError as error:
            raise problem(
                ExitCode.USAGE,
                f"Cấu hình ký số không dùng được: {error}",
                f"The signing configuration cannot be used: {error}",
                kind="signing_config",
            ) from error
        _loaded[path] = config
    signing.install(config)
    return config


def use_units(source: SessionSource | None, only: SessionSource | None = None) -> None:
    """Name the database whose register and unit tree choose a document's signing
    policy; ``only``: forget it only if it is still that one (services closing)."""
    if only is None or signing.units_source() is only:
        signing.use_units(source)
