"""The dossiers behind a number of the report: the drill-down of the web page.

Every count of :mod:`register.report` is a filter over the same per-dossier flags
(:func:`register.digitised.flags`); ``measure`` names which count, and a group
(a unit with its sub-units, a procedure, a month) narrows it like the row it was
read from. Paged by keyset on (received_on, code), in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

from sqlalchemy import ColumnElement, and_, select, tuple_
from sqlalchemy.sql import Subquery

from sohoa.register.digitised import digitised_of, flags
from sohoa.register.units import units_below_in
from sohoa.storage.database import SessionSource

Measure = Literal["received", "digitised", "paper", "result_digitised", "reused", "not_digitised"]
MEASURES: tuple[Measure, ...] = get_args(Measure)
PAGE_SIZE = 50


@dataclass(frozen=True)
class Scope:
    """Which dossiers: the report's unit and period, and optionally one row's group."""

    unit: str
    start: date
    end: date
    sub_unit: str | None = None
    procedure: str | None = None
    month: str | None = None  # YYYY-MM


@dataclass(frozen=True)
class Behind:
    code: str
    unit_code: str
    procedure_code: str
    received_on: date


@dataclass(frozen=True)
class BehindPage:
    items: list[Behind]
    #: Pass as ``after`` for the next page; None on the last page.
    next_after: tuple[date, str] | None


def dossiers_behind(
    source: SessionSource,
    scope: Scope,
    measure: Measure,
    after: tuple[date, str] | None = None,
    limit: int = PAGE_SIZE,
) -> BehindPage:
    """One page of the dossiers counted by ``measure`` in ``scope``, oldest first.

    ``sub_unit`` must lie under ``unit`` (else nothing is found): a caller checks the
    user's units once, on ``unit``.
    """
    with source.sessions() as session:
        dialect = session.get_bind().dialect.name
        units = units_below_in(session, scope.unit)
        if scope.sub_unit:
            below = units_below_in(session, scope.sub_unit)
            units = units & below if scope.sub_unit.upper() in units else set()
        f = flags(units or {"-"}, scope.start, scope.end, dialect)
        conditions = [_measure(f, measure)]
        if scope.procedure:
            conditions.append(f.c.procedure_code == scope.procedure)
        if scope.month:
            first, last = _month_range(scope.month)
            conditions.append(f.c.received_on.between(first, last))
        if after is not None:
            conditions.append(tuple_(f.c.received_on, f.c.code) > tuple_(*after))
        query = (
            select(f.c.code, f.c.unit_code, f.c.procedure_code, f.c.received_on)
            .where(and_(*conditions))
            .order_by(f.c.received_on, f.c.code)
            .limit(limit + 1)
        )
        rows = session.execute(query).all()
    items = [Behind(r.code, r.unit_code, r.procedure_code, r.received_on) for r in rows[:limit]]
    more = len(rows) > limit
    return BehindPage(items, (items[-1].received_on, items[-1].code) if more else None)


def _month_range(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM`` (an unreadable month matches nothing)."""
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        return date.max, date.min
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _measure(f: Subquery, measure: Measure) -> ColumnElement[bool]:
    c = f.c
    digitised = digitised_of(f)
    conditions: dict[str, ColumnElement[bool]] = {
        "received": c.code.is_not(None),
        "digitised": digitised == 1,
        "not_digitised": digitised == 0,
        "paper": c.paper == 1,
        "result_digitised": and_(c.paper == 1, c.result_ok == 1),
        "reused": c.reused_ok == 1,
    }
    return conditions[measure]
