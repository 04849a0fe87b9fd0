"""Which dossiers a user's unit covers: the unit itself and every unit below it.

The unit tree and a dossier's unit come from the register (issue 11,
``register.units``): a dossier's unit is the register's when it has the
dossier, otherwise the agency part of its code; the units below a unit are
read from the ``units`` table (a unit the tree does not know covers itself).
"""

from __future__ import annotations

from fastapi import Request

from sohoa.register import units as register_units
from sohoa.web.context import web_of


def units_below(request: Request, unit: str) -> set[str]:
    """``unit`` and the units under it, from the catalog's unit tree."""
    return register_units.units_below(web_of(request).catalog(), unit)


def dossier_unit(request: Request, dossier_code: str) -> str:
    """The unit a dossier belongs to (register first, then the code's agency part)."""
    return register_units.dossier_unit(web_of(request).catalog(), dossier_code)


def covers(request: Request, unit: str, dossier_code: str) -> bool:
    """True when ``dossier_code`` belongs to ``unit`` or a unit below it (the rule is
    :func:`register.units.covers`, which unit-bound API keys follow too)."""
    return register_units.covers(web_of(request).catalog(), unit, dossier_code)
