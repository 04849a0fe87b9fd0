"""Load and validate scanner profiles (pydantic), from the bundled folder or a given path."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BUNDLED = Path(__file__).parent

ColorMode = Literal["color", "gray", "bilevel"]


class ProfileError(ValueError):
    """A profile that does not exist or does not validate; the message names the field."""


class Profile(BaseModel):
    """How one scanner is set up and how its output is treated (defaults: a careful generic
    duplex ADF in colour, because almost every TTHC paper carries a seal)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    #: Resolution the device is set to when sohoa drives it (spec §3: 300 for long retention).
    resolution: int = Field(300, ge=200, le=1200)
    min_dpi: float = Field(200, ge=200, description="spec §3: never below 200 dpi")
    #: Colour by default: seals, photos and handwriting (spec §3).
    color_mode: ColorMode = "color"
    duplex: bool = True
    drop_blank_backs: bool = True
    deskew: bool = True
    fix_orientation: bool = True
    #: JPEG quality when sohoa itself encodes a colour/gray capture (bilevel goes to CCITT G4).
    jpeg_quality: int = Field(85, ge=60, le=100)
    languages: str = Field("vie", pattern=r"^[a-z_]{3,}(\+[a-z_]{3,})*$")
    max_pages: int = Field(500, ge=1, le=10_000)
    #: SANE source asked for, e.g. "ADF Duplex", "ADF Front", "Flatbed"; matched by kind
    #: against what the device offers (sohoa scan --source overrides it).
    sane_source: str = Field("ADF Duplex", min_length=1)
    #: Usual SANE device name of this scanner (e.g. "fujitsu:fi-7160:12345"); --device wins.
    sane_device: str | None = None
    #: Further backend options passed as --NAME=VALUE; a "mode" or "source" here overrides
    #: sohoa's mapping of color_mode and sane_source.
    sane_options: dict[str, str | int | float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Profile:
        """Contradictions that would lose pages or quality are refused at load time."""
        if self.resolution < self.min_dpi:
            raise ValueError(
                f"resolution: {self.resolution} dpi is below this profile's min_dpi "
                f"({self.min_dpi:g}); every capture would be rejected"
            )
        source = self.sane_source.lower()
        if "duplex" in source and not self.duplex:
            raise ValueError("sane_source: a duplex source needs duplex: true")
        if "flatbed" in source and (self.duplex or self.drop_blank_backs):
            raise ValueError(
                "sane_source: a flatbed scans one side; set duplex: false, drop_blank_backs: false"
            )
        for key in self.sane_options:
            if not key.replace("-", "").isalnum() or key.startswith("-"):
                raise ValueError(f"sane_options: {key!r} is not a SANE option name")
        return self


def available(folder: Path = BUNDLED) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load_all(folder: Path = BUNDLED) -> list[Profile]:
    """Every bundled profile, validated (a broken one raises, naming its file and field)."""
    return [load(name, folder) for name in available(folder)]


def load(name_or_path: str, folder: Path = BUNDLED) -> Profile:
    """A bundled profile by name, or a YAML file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = folder / f"{name_or_path}.yaml"
    if not path.is_file():
        known = ", ".join(available(folder))
        raise ProfileError(f"unknown scanner profile {name_or_path!r}; known: {known}")
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        if not isinstance(data, dict):
            raise ProfileError(f"{path.name}: expected 'field: value' lines, got {data!r}")
        return Profile.model_validate({"name": path.stem, **data})
    except yaml.YAMLError as e:
        raise ProfileError(f"{path.name}: not valid YAML: {e}") from e
    except ValidationError as e:
        raise ProfileError(f"{path.name}: {_problems(e)}") from e


def _problems(error: ValidationError) -> str:
    """`field: what is wrong` for each error; model-level errors already start with the field."""
    parts = []
    for err in error.errors():
        where = ".".join(str(p) for p in err["loc"])
        message = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}" if where else message)
    return "; ".join(parts)
