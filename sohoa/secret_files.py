"""``SOHOA_<NAME>_FILE``: any setting read from a file, as Docker and systemd hand secrets over.

A secret in an environment variable shows in ``docker inspect``, ``/proc/<pid>/environ`` and
crash reports; a secret file (``/run/secrets/…``, systemd ``LoadCredential=``) does not. Every
setting accepts the ``_FILE`` form, so no list of "secret" names can fall behind the settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

SUFFIX = "_FILE"


class SecretFilesSource(PydanticBaseSettingsSource):
    """Values from the files named by ``<PREFIX><NAME>_FILE`` variables.

    The content is used as it is, less the trailing newline editors and ``echo`` add.
    Setting both ``X`` and ``X_FILE`` is refused: which one wins would be a guess.
    """

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.prefix = str(self.config.get("env_prefix", "")).upper()

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        """Unused: ``__call__`` reads every field at once (the base class requires it)."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        errors: list[InitErrorDetails] = []
        for name in self.settings_cls.model_fields:
            variable = f"{self.prefix}{name.upper()}"
            path = os.environ.get(variable + SUFFIX)
            if not path:
                continue
            try:
                values[name] = _read(variable, path)
            except PydanticCustomError as error:
                errors.append({"type": error, "loc": (f"{name}{SUFFIX.lower()}",), "input": path})
        if errors:
            raise ValidationError.from_exception_data(self.settings_cls.__name__, errors)
        return values


def _read(variable: str, path: str) -> str:
    if variable in os.environ:
        raise PydanticCustomError(
            "secret_file_conflict",
            "both {variable} and {variable}_FILE are set; keep only one",
            {"variable": variable},
        )
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise PydanticCustomError(
            "secret_file_unreadable",
            "cannot read the file {path}: {reason}",
            {"path": path, "reason": reason},
        ) from None
    return text.rstrip("\r\n")


def with_password(url: str, password: str | None) -> str:
    """``url`` with ``password`` after its user name (percent-encoded), so the password can
    come from a secret file while the URL stays in plain configuration."""
    if password is None:
        return url
    parts = urlsplit(url)
    user, _, host = parts.netloc.rpartition("@")
    return parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}").geturl()


def password_problem(variable: str, url: str | None) -> str | None:
    """Why ``<variable>`` (a password) cannot be put into ``url``, or None when it can."""
    if url is None:
        return f"{variable} is set but the URL it belongs to is not"
    user = urlsplit(url).netloc.rpartition("@")[0]
    if not user:
        return f"{variable} needs a URL with a user name (scheme://user@host/…)"
    if ":" in user:
        return f"{variable} is set and the URL has a password too; keep only one"
    return None
