"""Which units a user may report on, and the report filters read from a query string.

A clerk or supervisor reports on their own unit and the units below it; an admin on
any unit the tree knows. A unit outside that set is refused (403) however it was
asked for (filter, drill-down, export): the check is here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import Request
from sqlalchemy import select

from sohoa.clock import utc_now, vietnam_time
from sohoa.register.parse import parse_date
from sohoa.register.units import unit_names
from sohoa.storage.accounts import User
from sohoa.storage.register_models import UnitRow
from sohoa.web.context import web_of
from sohoa.web.errors import Forbidden
from sohoa.web.units import units_below


@dataclass(frozen=True)
class Filters:
    unit: str
    start: date
    end: date
    #: A filter the person typed that could not be read (shown on the page), or "".
    problem: str = ""

    def query(self, **more: str | None) -> str:
        """The query string of these filters plus ``more`` (None values left out)."""
        values = {"unit": self.unit, "from": f"{self.start:%d/%m/%Y}", "to": f"{self.end:%d/%m/%Y}"}
        values.update({k: v for k, v in more.items() if v is not None})
        return urlencode(values)


def allowed_units(request: Request, user: User) -> list[tuple[str, str]]:
    """(code, name) of the units ``user`` may report on, sorted by code."""
    catalog = web_of(request).catalog()
    if user.role == "admin":
        with catalog.sessions() as session:
            codes = set(session.scalars(select(UnitRow.code))) | {user.unit_code}
    else:
        codes = units_below(request, user.unit_code)
    names = unit_names(catalog, codes)
    return [(code, names.get(code, code)) for code in sorted(codes)]


def filters(request: Request, user: User) -> Filters:
    """The filters of this request, checked: a unit outside the user's is Forbidden."""
    params = request.query_params
    unit = (params.get("unit") or user.unit_code).strip().upper()
    if unit not in {code for code, _ in allowed_units(request, user)}:
        raise Forbidden
    today = vietnam_time(utc_now()).date()
    start = _day(params.get("from")) or date(today.year, 1, 1)
    end = _day(params.get("to")) or today
    problem = ""
    if (params.get("from") and _day(params.get("from")) is None) or (
        params.get("to") and _day(params.get("to")) is None
    ):
        problem = "dates"
    if end < start:
        start, end, problem = end, start, "order"
    return Filters(unit, start, end, problem)


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return parse_date(text.strip())
    except ValueError:
        return None
