""" "Hồ sơ chưa số hóa": the dossiers a clerk still has to scan, oldest first.

- received at the counter (1) or by post (3) and no intake document stored;
- the procedure returns a paper result, the result was returned (``result_on`` set),
  and no result document stored.

"Stored" is read from the dossier row's flags (kept by the catalog,
:mod:`storage.dossier_flags`). Paged by keyset on (received_on, code), which the
index ``ix_dossiers_unit_received`` serves for one unit; the first page of a
province is one indexed scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, false, or_, select, true, tuple_

from sohoa.clock import utc_now, vietnam_time
from sohoa.register.digitised import D
from sohoa.register.units import units_below_in
from sohoa.storage.database import SessionSource

PAGE_SIZE = 50


@dataclass(frozen=True)
class WorkItem:
    code: str
    unit_code: str
    procedure_code: str
    procedure_name: str | None
    received_on: date
    channel: int
    days_waiting: int
    intake_missing: bool
    result_missing: bool


@dataclass(frozen=True)
class WorkPage:
    items: list[WorkItem]
    #: Pass as ``after`` for the next page; None on the last page.
    next_after: tuple[date, str] | None


def worklist(
    source: SessionSource,
    unit: str,
    after: tuple[date, str] | None = None,
    limit: int = PAGE_SIZE,
    today: date | None = None,
) -> WorkPage:
    """One page of the unit's (and its sub-units') undigitised dossiers, oldest first."""
    today = today or vietnam_time(utc_now()).date()
    intake_missing = and_(D.channel.in_((1, 3)), D.intake_stored == false())
    result_missing = and_(
        D.paper_result == true(), D.result_on.is_not(None), D.result_stored == false()
    )
    with source.sessions() as session:
        units = units_below_in(session, unit)
        query = (
            select(
                D.code,
                D.unit_code,
                D.procedure_code,
                D.procedure_name,
                D.received_on,
                D.channel,
                intake_missing.label("intake_missing"),
                result_missing.label("result_missing"),
            )
            .where(D.unit_code.in_(sorted(units)), or_(intake_missing, result_missing))
            .order_by(D.received_on, D.code)
            .limit(limit + 1)
        )
        if after is not None:
            query = query.where(tuple_(D.received_on, D.code) > tuple_(*after))
        rows = session.execute(query).all()
    items = [
        WorkItem(
            code=r.code,
            unit_code=r.unit_code,
            procedure_code=r.procedure_code,
            procedure_name=r.procedure_name,
            received_on=r.received_on,
            channel=r.channel,
            days_waiting=(today - r.received_on).days,
            intake_missing=bool(r.intake_missing),
            result_missing=bool(r.result_missing),
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return WorkPage(items, (items[-1].received_on, items[-1].code) if more else None)
