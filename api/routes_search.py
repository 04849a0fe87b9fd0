"""Searching stored documents (issue 10): the same search as the web page and ``sohoa search``.

Words are matched without diacritics or case ("nguyen van binh" finds "Nguyễn Văn
Bình"); the snippet is HTML-safe: the OCR text is escaped and only the ``<mark>``
around matched words is markup. A key bound to a unit finds only the documents of
that unit and the units below it (api.units); a key without one, every unit's.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, BeforeValidator, Field

from sohoa.api.auth import ReadKey
from sohoa.api.context import backends_of, context_of, opened
from sohoa.api.errors import ApiError
from sohoa.api.responses import errors
from sohoa.api.schemas import API_PREFIX
from sohoa.api.units import key_units
from sohoa.clock import vietnam_time
from sohoa.storage.codes import normalise_code_text
from sohoa.storage.search import MAX_LIMIT, SearchPage, search
from sohoa.values import Kind

router = APIRouter(tags=["search"])

#: A dossier code or its beginning: ASCII letters, digits, '.' and '-'.
_CODE_PREFIX = re.compile(r"^[0-9A-Z.\-]*$")
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_day(value: object) -> object:
    """Only ``yyyy-mm-dd``, as the schema says: pydantic alone would also read a number
    ("0.0") as a Unix time and answer for 1 January 1970."""
    if isinstance(value, str) and not _ISO_DAY.match(value):
        raise ValueError("a day is written yyyy-mm-dd")
    return value


Day = Annotated[date | None, BeforeValidator(_iso_day)]


class SearchHitOut(BaseModel):
    document_id: int = Field(description="Catalog id (also addressable as #<id>).")
    dossier_code: str
    kind: Kind
    name: str = Field(description="<code>.<n> for intake components, <code>-KQ<n> for results.")
    pages: int | None
    created: datetime = Field(description="Received, Vietnam time, ISO 8601 with +07:00.")
    revoked: bool = Field(description="Revoked (thu hồi): still stored and retrievable.")
    snippet: str = Field(
        description="HTML: the text around the first match, escaped, matched words in <mark>."
    )
    href: str = Field(description="Where to fetch the document's PDF/A.")


class SearchOut(BaseModel):
    total: int = Field(description="How many documents match, over all pages.")
    limit: int
    offset: int
    terms: list[str] = Field(description="The words searched for, folded (no case, no accents).")
    results: list[SearchHitOut]


@router.get("/search", response_model=SearchOut, responses=errors(400))
async def search_documents(
    request: Request,
    key: ReadKey,
    q: Annotated[
        str, Query(max_length=200, description="Words of the text; diacritics optional.")
    ] = "",
    code: Annotated[
        str | None, Query(max_length=80, description="Dossier code, or its beginning.")
    ] = None,
    date_from: Annotated[
        Day, Query(alias="from", description="Received on or after (Vietnam time).")
    ] = None,
    date_to: Annotated[
        Day, Query(alias="to", description="Received on or before (Vietnam time).")
    ] = None,
    kind: Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> SearchOut:
    """Stored documents whose OCR text has every word of ``q`` (without diacritics), of a
    dossier code or prefix, received between two days, of one kind; best match first."""
    prefix = _code_prefix(code)
    catalog = (await run_in_threadpool(opened, backends_of(request))).services.catalog
    units = await run_in_threadpool(key_units, context_of(request), key)
    page = await run_in_threadpool(
        lambda: search(
            catalog,
            q,
            code_prefix=prefix,
            date_from=date_from,
            date_to=date_to,
            kind=kind,
            units=units,
            limit=limit,
            offset=offset,
        )
    )
    return search_out(page)


def search_out(page: SearchPage) -> SearchOut:
    return SearchOut(
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        terms=list(page.terms),
        results=[
            SearchHitOut(
                document_id=hit.document_id,
                dossier_code=hit.dossier_code,
                kind=hit.kind,
                name=hit.name,
                pages=hit.pages,
                created=vietnam_time(hit.created_at),
                revoked=hit.revoked,
                snippet=hit.snippet,
                href=f"{API_PREFIX}/cases/{hit.dossier_code}/documents/%23{hit.document_id}",
            )
            for hit in page.hits
        ],
    )


def _code_prefix(code: str | None) -> str | None:
    """The code prefix, normalised; anything but a code's characters is a 400."""
    if code is None or not code.strip():
        return None
    prefix = normalise_code_text(code)
    if not _CODE_PREFIX.match(prefix):
        raise ApiError(
            400,
            "invalid_code_prefix",
            "Mã hồ sơ (hoặc phần đầu) chỉ gồm chữ số 0-9, chữ cái A-Z, dấu '.' và '-'",
            "A dossier code (or its beginning) has only digits 0-9, letters A-Z, '.' and '-'",
        )
    return prefix
