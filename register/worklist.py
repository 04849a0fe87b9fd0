""" "Hồ sơ chưa số hóa": the dossiers a clerk still has to scan, oldest first, per unit
(with the units below it) and, when the register names one, per receiving clerk.

- received at the counter (1) or by post (3) and no intake document stored;
- the procedure returns a paper result, the result was returned (``result_on`` set),
  and no result document stored.

"Stored" is read from the dossier row's flags (kept by the catalog,
:mod:`storage.dossier_flags`). Paged by keyset on (received_on, code), which the
index ``ix_dossiers_unit_received`` serves for one unit, and ``ix_dossiers_clerk``
for one clerk; the first page of a province is one indexed scan.

The clerk is the register's ``clerk`` field: spec §8 has no header for the receiving
officer, so it is read only when an export has one (a mapping ``clerk: <header>``,
or one of the headers of :data:`register.fields.DEFAULT_HEADERS`). It is compared
with sohoa usernames as it is.

The applicant's name (personal data, NĐ 13/2023) is read only when the caller says
the person asking may see it (``personal=True``); otherwise it is not even selected.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, exists, false, literal, or_, select, true, tuple_
from sqlalchemy.orm import Session

from sohoa.clock import utc_now, vietnam_time
from sohoa.register.digitised import D
from sohoa.register.units import units_below_in
from sohoa.storage.database import SessionSource

PAGE_SIZE = 50
#: Rows read per query by the CSV export.
CSV_PAGE = 1000


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
    #: The receiving clerk, when the register names one.
    clerk: str | None = None
    #: Personal data: only when asked for by someone allowed to see it (else None).
    applicant_name: str | None = None


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
    *,
    clerk: str | None = None,
    personal: bool = False,
) -> WorkPage:
    """One page of the unit's (and its sub-units') undigitised dossiers, oldest first;
    only ``clerk``'s when given; with the applicant's name only when ``personal``."""
    with source.sessions() as session:
        units = units_below_in(session, unit)
        return _page(session, units, after, limit, today, clerk=clerk, personal=personal)


def _page(
    session: Session,
    units: set[str],
    after: tuple[date, str] | None,
    limit: int,
    today: date | None,
    *,
    clerk: str | None,
    personal: bool,
) -> WorkPage:
    """:func:`worklist` in ``session``, over ``units`` (the unit and those below it)."""
    today = today or vietnam_time(utc_now()).date()
    intake_missing = and_(D.channel.in_((1, 3)), D.intake_stored == false())
    result_missing = and_(
        D.paper_result == true(), D.result_on.is_not(None), D.result_stored == false()
    )
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
            D.clerk,
            (D.applicant_name if personal else literal(None)).label("applicant_name"),
        )
        .where(D.unit_code.in_(sorted(units)), or_(intake_missing, result_missing))
        .order_by(D.received_on, D.code)
        .limit(limit + 1)
    )
    if clerk:
        query = query.where(D.clerk == clerk)
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
            clerk=r.clerk,
            applicant_name=r.applicant_name if personal else None,
        )
        for r in rows[:limit]
    ]
    more = len(rows) > limit
    return WorkPage(items, (items[-1].received_on, items[-1].code) if more else None)


def has_dossiers_of(source: SessionSource, clerk: str) -> bool:
    """The register names ``clerk`` on at least one dossier (index ``ix_dossiers_clerk``):
    the web worklist then shows a clerk their own dossiers first."""
    with source.sessions() as session:
        return bool(session.scalar(select(exists().where(D.clerk == clerk))))


#: Column titles of the worklist export (Vietnamese, as the office files it).
CSV_HEADERS = [
    "Mã hồ sơ",
    "Mã đơn vị",
    "Mã TTHC",
    "Tên TTHC",
    "Ngày tiếp nhận",
    "Kênh thực hiện",
    "Số ngày chờ",
    "Thiếu",
    "Cán bộ tiếp nhận",
]
PERSONAL_HEADER = "Họ tên người nộp"


def worklist_csv(
    source: SessionSource,
    unit: str,
    *,
    clerk: str | None = None,
    personal: bool = False,
    today: date | None = None,
) -> tuple[bytes, int]:
    """The whole worklist as CSV (UTF-8 with BOM, for Excel) and its row count. The
    applicant's name is a column only when ``personal`` (the caller records that). The
    unit tree and today's date are looked up once for the whole export, which is then
    read :data:`CSV_PAGE` rows at a time."""
    today = today or vietnam_time(utc_now()).date()
    with source.sessions() as session:
        units = units_below_in(session, unit)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADERS + ([PERSONAL_HEADER] if personal else []))
    after: tuple[date, str] | None = None
    count = 0
    while True:
        with source.sessions() as session:
            page = _page(session, units, after, CSV_PAGE, today, clerk=clerk, personal=personal)
        for w in page.items:
            missing = [
                m for m, on in (("hồ sơ", w.intake_missing), ("kết quả", w.result_missing)) if on
            ]
            row = [w.code, w.unit_code, w.procedure_code, w.procedure_name or "",
                   f"{w.received_on:%d/%m/%Y}", w.channel, w.days_waiting, ", ".join(missing),
                   w.clerk or ""]  # fmt: skip
            if personal:
                row.append(w.applicant_name or "")
            writer.writerow([_cell(v) for v in row])
        count += len(page.items)
        if page.next_after is None:
            return buffer.getvalue().encode("utf-8-sig"), count
        after = page.next_after


def _cell(value: object) -> object:
    """A cell a spreadsheet will not run as a formula (text from the one-stop system)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
