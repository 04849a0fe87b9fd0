"""Why a value was refused, in the clerk's language: a command line's values and SOHOA_* settings.

Both are checked by pydantic, whose reasons are English ("Input should be greater than or
equal to 0"). The common kinds (a bound, a number, a choice) are said from the shared
catalogue instead; any other kind keeps pydantic's own words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sohoa import i18n
from sohoa.i18n import N_

#: pydantic's error type -> (the bound in its ctx, what the value must be).
_BOUNDS = {
    "greater_than_equal": ("ge", N_("must be %(bound)s or more")),
    "greater_than": ("gt", N_("must be more than %(bound)s")),
    "less_than_equal": ("le", N_("must be %(bound)s or less")),
    "less_than": ("lt", N_("must be less than %(bound)s")),
}
_KINDS = {
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number"),
    "bool_parsing": N_("must be true or false"),
}
_CHOICES = ("literal_error", "enum")


def reason(found: Mapping[str, Any], lang: str) -> str:
    """One of pydantic's `errors()` entries as a short reason in `lang`."""
    _ = i18n.gettext(lang).gettext
    kind = str(found.get("type", ""))
    ctx = found.get("ctx") or {}
    if kind in _BOUNDS:
        key, text = _BOUNDS[kind]
        return _(text) % {"bound": _number(ctx.get(key))}
    if kind in _KINDS:
        return _(_KINDS[kind])
    if kind in _CHOICES and "expected" in ctx:
        choices = re.findall(r"'([^']*)'", str(ctx["expected"])) or [str(ctx["expected"])]
        return _("must be one of: %(choices)s") % {"choices": ", ".join(choices)}
    return str(found.get("msg", kind))


def reasons(error: Any, lang: str) -> str:
    """Every reason of a pydantic ValidationError, joined."""
    return "; ".join(reason(found, lang) for found in error.errors(include_url=False))


def _number(bound: object) -> str:
    return f"{bound:g}" if isinstance(bound, float) else str(bound)
