"""The README's configuration tables and sohoa.settings.Settings agree on every default.

Each `| variable | default | meaning |` table is read; a row may name several variables
with one default each (comma-separated) or one default shared by all. Every setting must
be documented in some table, and every documented default must be the code's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from sohoa.settings import Settings

README = Path(__file__).parents[1] / "README.md"
#: Defaults the README describes instead of stating: the field's default is None and the
#: value is worked out at run time (from SOHOA_HOME, the profile, tesseract, or generated).
DERIVED = ("$SOHOA_HOME", "profile's", "tesseract's", "generated", "—")


def documented_defaults() -> dict[str, str]:
    """SOHOA_NAME -> the default as written, from every configuration table."""
    found: dict[str, str] = {}
    in_table = False
    for line in README.read_text("utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[:2] == ["variable", "default"]:
            in_table = True
            continue
        if not line.startswith("|"):
            in_table = False
        if not in_table or set(cells[0]) <= {"-", ":"}:
            continue
        names = re.findall(r"`(SOHOA_\w+)`", cells[0])
        defaults = _split_defaults(cells[1], len(names))
        assert len(defaults) == len(names), f"README row {line!r}: one default per variable"
        found.update(zip(names, defaults, strict=True))
    return found


def _split_defaults(cell: str, count: int) -> list[str]:
    parts = [p.strip() for p in re.split(r",\s+(?![^(]*\))", cell)]
    return parts if len(parts) == count else [cell] * count if len(parts) == 1 else parts


def expected(text: str) -> Any:
    """The value a README default stands for."""
    text = text.replace("`", "").strip()
    if any(marker in text for marker in DERIVED):
        return None
    if text.startswith("~/"):
        return Path.home() / text[2:]
    if text in ("true", "false"):
        return text == "true"
    number = re.match(r"^(\d+(?:\.\d+)?)(?![\d.])", text)
    if number:
        return float(number.group(1))
    return text


def actual(name: str) -> Any:
    value = Settings.model_fields[name].default
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, bool) or value is None or isinstance(value, Path):
        return value
    return float(value) if isinstance(value, int | float) else str(value)


def test_every_setting_is_documented_in_a_readme_table() -> None:
    documented = {n.removeprefix("SOHOA_").lower() for n in documented_defaults()}
    assert sorted(set(Settings.model_fields) - documented) == []


def test_every_documented_variable_is_a_setting() -> None:
    names = {n.removeprefix("SOHOA_").lower() for n in documented_defaults()}
    assert sorted(names - set(Settings.model_fields)) == []


@pytest.mark.parametrize("variable", sorted(documented_defaults()))
def test_the_readme_default_is_the_code_default(variable: str) -> None:
    name = variable.removeprefix("SOHOA_").lower()
    if name not in Settings.model_fields:
        pytest.skip("not a setting (reported by the test above)")
    assert expected(documented_defaults()[variable]) == actual(name)
