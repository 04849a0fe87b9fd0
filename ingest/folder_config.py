"""Hot-folder settings: which folder, which kind of paper, where its dossier code comes from.

Written by an administrator as a small YAML file (or given as command-line
options for one folder) and validated at load, so a typo names its field
instead of quietly sending every scan to quarantine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sohoa.storage.codes import DossierCodeError, parse_dossier_code

#: Where a dossier code may come from, tried in the order configured.
CODE_SOURCES = ("qr", "filename")
FIXED_PREFIX = "fixed:"


class FolderConfigError(ValueError):
    """The hot-folder configuration is wrong; the message names the field."""


class FolderConfig(BaseModel):
    """One scan-to-folder target, e.g. the folder of one counter's scanner."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path
    kind: Literal["intake", "result"] = "intake"
    #: Scanner profile name or YAML path; None = SOHOA_PROFILE.
    profile: str | None = None
    #: Ordered: "qr" (QR/barcode on the first pages), "filename", "fixed:<CODE>".
    code_from: tuple[str, ...] = ("qr", "filename")
    #: How many leading pages are searched for a QR code or barcode.
    qr_pages: int = Field(default=2, ge=1, le=20)
    #: What happens to the source once its PDF/A is stored: moved to done_dir, or deleted.
    after: Literal["done", "delete"] = "done"
    done_dir: Path | None = None
    #: The unit (đơn vị) whose counter this scanner serves: its clerks see the folder's
    #: files on the counter page (``sohoa serve``) and file them under the code they type.
    unit: str | None = Field(default=None, max_length=100)
    #: What the clerks call this scanner on the counter page (e.g. "Quầy 1").
    counter: str | None = Field(default=None, max_length=100)
    #: False: ``sohoa watch`` leaves the folder alone, every scan waits for a clerk to
    #: file it from the counter page (a counter whose scans carry no code of their own).
    watch: bool = True

    @field_validator("code_from")
    @classmethod
    def _known_sources(cls, sources: tuple[str, ...]) -> tuple[str, ...]:
        if not sources:
            raise ValueError("at least one source is needed: qr, filename or fixed:<CODE>")
        return tuple(_check_source(s) for s in sources)

    @field_validator("unit")
    @classmethod
    def _unit_code(cls, unit: str | None) -> str | None:
        if unit is not None and not unit.strip():
            raise ValueError("give the unit's code, e.g. 000.00.20.H56")
        return unit.strip().upper() if unit is not None else None

    @property
    def resolved_done_dir(self) -> Path:
        return self.done_dir or self.path / "done"

    @property
    def processing_dir(self) -> Path:
        """Claimed files live here while processed (same filesystem: the claim is a rename)."""
        return self.path / ".processing"


class WatchConfig(BaseModel):
    """The whole watcher: its folders and (optionally) its timing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    folders: tuple[FolderConfig, ...] = Field(min_length=1)
    settle_seconds: float | None = Field(default=None, gt=0)
    rescan_seconds: float | None = Field(default=None, gt=0)
    incomplete_seconds: float | None = Field(default=None, gt=0)


def _check_source(source: str) -> str:
    text = source.strip()
    if text.lower() in CODE_SOURCES:
        return text.lower()
    if text.lower().startswith(FIXED_PREFIX):
        code = parse_dossier_code(text[len(FIXED_PREFIX) :])  # DossierCodeError is a ValueError
        return f"{FIXED_PREFIX}{code}"
    raise ValueError(f"unknown code source {text!r}; use qr, filename or fixed:<CODE>")


def load_watch_config(path: Path) -> WatchConfig:
    """Read and validate a YAML file; relative paths are relative to the file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise FolderConfigError(f"{path}: cannot read: {error}") from error
    if not isinstance(data, dict):
        raise FolderConfigError(f"{path}: expected a mapping with a 'folders' list")
    config = parse_watch_config(data, str(path))
    return _relative_to(config, path.parent)


def parse_watch_config(data: object, origin: str = "options") -> WatchConfig:
    """Validate settings from YAML or from command-line options."""
    try:
        return WatchConfig.model_validate(data)
    except ValidationError as error:
        raise FolderConfigError(f"{origin}: {_first_problem(error)}") from None


def _first_problem(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"]
        cause = item.get("ctx", {}).get("error")
        if isinstance(cause, DossierCodeError):
            message = f"invalid dossier code {cause}"
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


def _relative_to(config: WatchConfig, base: Path) -> WatchConfig:
    folders = tuple(
        f.model_copy(
            update={
                "path": base / f.path,
                "done_dir": base / f.done_dir if f.done_dir is not None else None,
            }
        )
        for f in config.folders
    )
    return config.model_copy(update={"folders": folders})
