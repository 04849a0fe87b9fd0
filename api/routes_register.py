"""The dossier register over the API (issue 11): the one-stop system pushes its dossiers,
integrators read the QĐ 766 report, the worklist and the national sync fields.

Scopes: pushing needs ``register`` (a one-stop system's key); reading needs ``read``
(``register`` and ``upload`` include it). A key bound to a unit (api.units) pushes only
its units' dossiers (other rows refused one by one), reads the report and worklist only
of its unit or one below it (403 otherwise) and the sync fields of its units only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool

from sohoa.api.auth import ReadKey, require
from sohoa.api.context import context_of, opened
from sohoa.api.errors import ApiError
from sohoa.api.responses import errors
from sohoa.api.units import OUTSIDE_ROW, both, key_units, refused_unit
from sohoa.storage.api_keys import ApiKey
from sohoa.storage.database import Database

router = APIRouter(tags=["register"])

RegisterKey = Annotated[ApiKey, Depends(require("register"))]
#: Rows one push may carry (a day of a province fits; larger exports go by file).
MAX_PUSH = 5000

Reason = tuple[str, str]
UnitQuery = Annotated[str, Query(description="Agency code; sub-units are included.", max_length=40)]


def _database(request: Request) -> Database:
    return opened(context_of(request).backends).services.catalog.database


def _bad(what_vi: str, what_en: str) -> ApiError:
    return ApiError(400, "invalid_parameter", what_vi, what_en)


def _day(text: str, name: str) -> date:
    from sohoa.register.parse import parse_date

    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        raise _bad(
            f"{name} '{text[:40]}' không phải ngày (dd/mm/yyyy hoặc yyyy-mm-dd)",
            f"{name} '{text[:40]}' is not a date (dd/mm/yyyy or yyyy-mm-dd)",
        )
    return parsed


@router.post("/register/dossiers", responses=errors(400, 401, 403))
async def push_dossiers(
    request: Request,
    key: RegisterKey,
    body: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(
            description='{"dossiers": [ {...}, … ]} or a list; keys as in the export headers '
            "(spec §8), the national sync names (MaHoSo, MaTTHC, NgayTiepNhan, KenhThucHien…) "
            "or field names."
        ),
    ],
) -> dict[str, Any]:
    """Upsert dossiers by code (idempotent: pushing the same batch again changes nothing).
    Bad rows are refused one by one with their position and reason; the rest is kept."""
    from sohoa.register.errors import RegisterError
    from sohoa.register.importer import ImportOptions, import_records

    records = body.get("dossiers") if isinstance(body, dict) else body
    if not isinstance(records, list) or len(records) > MAX_PUSH:
        raise _bad(
            f"cần danh sách 'dossiers' tối đa {MAX_PUSH} hồ sơ",
            f"expected a 'dossiers' list of at most {MAX_PUSH}",
        )
    settings = context_of(request).settings
    database = await run_in_threadpool(_database, request)
    options = ImportOptions(
        f"api:{key.name}",
        settings.register_keep_applicant,
        admit=_unit_rows(database, key) if key.unit is not None else None,
    )
    try:
        result = await run_in_threadpool(import_records, database, records, options)
    except RegisterError as error:
        raise _bad(error.message_vi, error.message_en) from None
    counts = result.counts
    return {
        "imported": counts.imported,
        "changed": counts.changed,
        "unchanged": counts.unchanged,
        "refused": counts.refused,
        "refusals": [
            {"index": r.row, "reason_vi": r.reason_vi, "reason_en": r.reason_en}
            for r in result.refusals
        ],
    }


def _unit_rows(database: Database, key: ApiKey) -> Callable[[dict[str, Any]], Reason | None]:
    """The push's row check for a key bound to a unit: the row's unit and, for a dossier the
    register already has, its present unit must both be the key's unit or below it."""
    from sohoa.register.units import dossier_unit, units_below

    assert key.unit is not None
    allowed = {code.upper() for code in units_below(database, key.unit)}

    def admit(values: dict[str, Any]) -> Reason | None:
        code = str(values["code"])
        for unit in (str(values.get("unit_code") or ""), dossier_unit(database, code)):
            if unit and unit.upper() not in allowed:
                return both(OUTSIDE_ROW, dossier=code, row_unit=unit.upper(), unit=key.unit or "")
        return None

    return admit


@router.get("/reports/digitisation", responses=errors(400, 401, 403))
async def digitisation(
    request: Request,
    _key: ReadKey,
    unit: UnitQuery,
    start: Annotated[str, Query(alias="from", description="dd/mm/yyyy or yyyy-mm-dd")],
    end: Annotated[str, Query(alias="to", description="dd/mm/yyyy or yyyy-mm-dd")],
    max_points: Annotated[float, Query(ge=0, le=1000)] = 1.0,
) -> dict[str, Any]:
    """QĐ 766 rates (numerator, denominator, rate %, points; null = N/A) for the unit and
    its sub-units, by reception date, with the per-unit, per-procedure and per-month
    breakdowns and the 12-month trend."""
    from sohoa.register.export import report_json
    from sohoa.register.report import digitisation_report

    first, last = _day(start, "from"), _day(end, "to")
    if last < first:
        raise _bad("'to' trước 'from'", "'to' is before 'from'")
    await run_in_threadpool(refused_unit, context_of(request), _key, unit)
    database = await run_in_threadpool(_database, request)
    report = await run_in_threadpool(
        digitisation_report, database, unit, first, last, Decimal(str(max_points))
    )
    return report_json(report)


@router.get("/register/worklist", responses=errors(400, 401, 403))
async def worklist(
    request: Request,
    key: ReadKey,
    unit: UnitQuery,
    after: Annotated[str | None, Query(description="The previous page's 'next'.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    clerk: Annotated[
        str | None, Query(description="Only this receiving clerk's dossiers.", max_length=128)
    ] = None,
    with_personal_data: Annotated[
        bool,
        Query(
            description="Add applicant_name (personal data): needs a key with the 'personal' "
            "scope; every such read is recorded as an event."
        ),
    ] = False,
) -> dict[str, Any]:
    """ "Hồ sơ chưa số hóa": dossiers whose intake or paper result is not digitised, oldest
    first, with the days since reception and the receiving clerk (when the register
    names one). No applicant's name unless asked for with a ``personal`` key."""
    from functools import partial

    from sohoa.register.personal import record_disclosure
    from sohoa.register.worklist import worklist as page_of

    if with_personal_data and not key.allows("personal"):
        raise ApiError(
            403,
            "insufficient_scope",
            f"Khóa API '{key.name}' không có quyền 'personal' (họ tên người nộp)",
            f"API key '{key.name}' does not have the 'personal' scope (applicants' names)",
        )
    await run_in_threadpool(refused_unit, context_of(request), key, unit)
    cursor = None
    if after:
        day, _, code = after.partition("/")
        cursor = (_day(day, "after"), code)
    database = await run_in_threadpool(_database, request)
    page = await run_in_threadpool(
        partial(page_of, clerk=clerk or None, personal=with_personal_data),
        database,
        unit,
        cursor,
        limit,
    )
    if with_personal_data:
        await run_in_threadpool(
            partial(
                record_disclosure,
                actor=f"api:{key.name}",
                unit=unit.strip().upper(),
                what="api_worklist",
                rows=len(page.items),
            ),
            database,
        )
    items = []
    for item in page.items:
        plain = {**item.__dict__, "received_on": item.received_on.isoformat()}
        if not with_personal_data:
            del plain["applicant_name"]
        items.append(plain)
    return {
        "items": items,
        "next": f"{page.next_after[0].isoformat()}/{page.next_after[1]}"
        if page.next_after
        else None,
    }


@router.get("/sync/dossiers", responses=errors(400, 401, 403))
async def sync_dossiers(
    request: Request,
    key: ReadKey,
    changed_since: Annotated[str, Query(description="ISO 8601 time (UTC if no offset).")],
    after: Annotated[str | None, Query(description="The previous page's 'next'.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> dict[str, Any]:
    """Dossiers changed since a time, with the national sync fields (DuocSoHoa,
    DuocTaiSuDung, MaGiayToKetQua, DuongDanTepTinKetQua); poll with ``next``."""
    from sohoa.register.sync import sync_page

    since = _moment(changed_since, "changed_since")
    cursor = None
    if after:
        at, _, code = after.partition("|")
        cursor = (_moment(at, "after"), code)
    base = str(request.base_url)
    database = await run_in_threadpool(_database, request)
    units = await run_in_threadpool(key_units, context_of(request), key)
    page = await run_in_threadpool(sync_page, database, since, base, cursor, limit, units)
    return {
        "dossiers": [{**d.fields, "changed_at": d.changed_at.isoformat()} for d in page.dossiers],
        "next": _cursor(page.next_after) if page.next_after else None,
    }


def _moment(text: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad(
            f"{name} '{text[:40]}' không phải thời điểm ISO 8601",
            f"{name} '{text[:40]}' is not an ISO 8601 time",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _cursor(after: tuple[datetime, str]) -> str:
    """``<UTC time>Z|<code>``: no '+' that a hand-written query string would turn into a space."""
    return f"{after[0].astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%f')}Z|{after[1]}"
