"""What a unit-bound API key may reach: its unit and the units below it (issue: keys of
one district). The rule is the web's (:func:`register.units.covers`), so a key and a
user of the same unit see the same dossiers; a key without a unit sees every unit.

How a route outside the key's units answers:

- a dossier, document, job or event trail addressed by its code or id: 404, the same
  answer as for one that does not exist (a key learns nothing of other units' dossiers);
- a new thing filed under a dossier (upload, attach) or a report / worklist asked for a
  unit: 403 ``outside_key_unit`` (the code or unit is the caller's own words);
- lists (search, sync fields): filtered to the key's units;
- a register push: each row of another unit refused with its reason, the rest kept.
"""

from __future__ import annotations

from fastapi.concurrency import run_in_threadpool

from sohoa.api.context import ApiContext, opened
from sohoa.api.errors import ApiError, not_found
from sohoa.i18n import N_, translations
from sohoa.storage.api_keys import ApiKey

OUTSIDE_DOSSIER = N_(
    "API key '%(key)s' may not file anything under dossier %(dossier)s: "
    "it belongs to a unit outside the key's unit %(unit)s"
)
OUTSIDE_UNIT = N_(
    "API key '%(key)s' may not read unit %(asked)s: it is outside the key's unit %(unit)s"
)
OUTSIDE_ROW = N_(
    "dossier %(dossier)s belongs to unit %(row_unit)s, outside the key's unit %(unit)s"
)


def both(message: str, **values: str) -> tuple[str, str]:
    """A catalogue message in Vietnamese and in English (API errors carry both)."""
    vi = translations("vi").gettext(message) % values
    en = translations("en").gettext(message) % values
    return vi, en


def key_units(context: ApiContext, key: ApiKey) -> set[str] | None:
    """The units ``key`` reads (its unit and those below), or None for every unit."""
    if key.unit is None:
        return None
    from sohoa.register.units import units_below

    return {
        code.upper() for code in units_below(opened(context.backends).services.catalog, key.unit)
    }


def covers(context: ApiContext, key: ApiKey, dossier: str) -> bool:
    """True when ``key`` may reach dossier ``dossier`` (normalised code)."""
    if key.unit is None:
        return True
    from sohoa.register import units

    return units.covers(opened(context.backends).services.catalog, key.unit, dossier)


def hidden_dossier(context: ApiContext, key: ApiKey, dossier: str) -> None:
    """404 ``unknown_dossier`` (as for a dossier that does not exist) outside the key's units.
    Blocking (reads the catalog): call from a thread."""
    if not covers(context, key, dossier):
        raise not_found("unknown_dossier", f"hồ sơ {dossier}", f"dossier {dossier}")


async def check_hidden(context: ApiContext, key: ApiKey, dossier: str) -> None:
    """:func:`hidden_dossier` off the event loop (nothing to read for an all-units key)."""
    if key.unit is not None:
        await run_in_threadpool(hidden_dossier, context, key, dossier)


def refused_dossier(context: ApiContext, key: ApiKey, dossier: str) -> None:
    """403 ``outside_key_unit`` when a new thing would be filed under another unit's dossier."""
    if not covers(context, key, dossier):
        vi, en = both(OUTSIDE_DOSSIER, key=key.name, dossier=dossier, unit=str(key.unit))
        raise ApiError(403, "outside_key_unit", vi, en)


async def check_refused(context: ApiContext, key: ApiKey, dossier: str) -> None:
    """:func:`refused_dossier` off the event loop."""
    if key.unit is not None:
        await run_in_threadpool(refused_dossier, context, key, dossier)


def refused_unit(context: ApiContext, key: ApiKey, asked: str) -> None:
    """403 ``outside_key_unit`` for a report or worklist of a unit the key does not cover."""
    if key.unit is None:
        return
    from sohoa.register.units import within

    if not within(opened(context.backends).services.catalog, key.unit, asked):
        vi, en = both(OUTSIDE_UNIT, key=key.name, asked=asked.strip().upper(), unit=key.unit)
        raise ApiError(403, "outside_key_unit", vi, en)
