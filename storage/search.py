"""Search the stored documents: by words of their OCR text without diacritics, by dossier
code (exact or prefix), by date, unit and kind.

The index lives in the catalog's own database and is written in the same
transaction that marks a document stored (:func:`index_text`, called by
:meth:`storage.catalog.Catalog.mark_stored`), so a stored document is findable
at once and nothing is scanned at query time. Matching is on text folded by
:mod:`storage.folding` (query and index alike): FTS5 on SQLite, ``to_tsvector``
with the ``simple`` configuration in a stored column with a GIN index on PostgreSQL
(migration 0007).

Results are ordered by relevance (best first; FTS5's bm25, PostgreSQL's
ts_rank), then by catalog id, newest first: the same query gives the same page.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, func, literal, select, text
from sqlalchemy.orm import Session

from sohoa.clock import VIETNAM
from sohoa.storage.codes import normalise_code_text
from sohoa.storage.database import SessionSource
from sohoa.storage.folding import fold, nfc, query_terms
from sohoa.storage.keys import check_kind, document_name
from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierRow
from sohoa.storage.search_models import DocumentTextRow
from sohoa.storage.snippets import snippet
from sohoa.values import Kind

__all__ = [
    "MAX_LIMIT",
    "SearchHit",
    "SearchPage",
    "copy_text",
    "index_document",
    "index_text",
    "indexed_ids",
    "search",
]

#: The most results one page may hold.
MAX_LIMIT = 100
#: A select of the result columns (SQLAlchemy 2.1 types a select by its columns).
Query = Select[*tuple[Any, ...]]
#: Pages of a document are joined by a blank line in the indexed text.
PAGE_BREAK = "\n\n"


@dataclass(frozen=True)
class SearchHit:
    """One stored document found; ``snippet`` is HTML (escaped text and ``<mark>``)."""

    document_id: int
    dossier_code: str
    kind: Kind
    number: int | None
    name: str
    pages: int | None
    created_at: datetime
    revoked: bool
    snippet: str
    score: float


@dataclass(frozen=True)
class SearchPage:
    """A page of results, with how many there are in all."""

    hits: list[SearchHit]
    total: int
    limit: int
    offset: int
    #: The words searched for, folded (what the snippets highlight).
    terms: tuple[str, ...]


def index_text(
    session: Session, document_id: int, dossier_code: str, page_texts: Sequence[str]
) -> None:
    """Write (or replace) a document's text in the index, in the caller's transaction."""
    joined = nfc(PAGE_BREAK.join(page.strip() for page in page_texts))
    row = session.get(DocumentTextRow, document_id)
    if row is None:
        row = DocumentTextRow(document_id=document_id)
        session.add(row)
    row.dossier_code = dossier_code
    row.text = joined
    row.text_folded = fold(joined)


def index_document(
    source: SessionSource, document_id: int, dossier_code: str, page_texts: Sequence[str]
) -> None:
    """:func:`index_text` in its own transaction (what ``sohoa reindex`` calls)."""
    with source.sessions.begin() as session:
        index_text(session, document_id, dossier_code, page_texts)


def copy_text(session: Session, from_id: int, to_id: int, dossier_code: str) -> None:
    """A document attached from an earlier dossier is found under its new dossier too."""
    source = session.get(DocumentTextRow, from_id)
    if source is not None:
        index_text(session, to_id, dossier_code, [source.text])


def indexed_ids(source: SessionSource) -> set[int]:
    """Catalog ids that have a text in the index (what a resumed reindex skips)."""
    with source.sessions() as session:
        return set(session.scalars(select(DocumentTextRow.document_id)))


def search(
    source: SessionSource,
    query: str = "",
    *,
    units: Collection[str] | None = None,
    code_prefix: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    kind: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Stored documents matching every given criterion.

    ``query``: words of the OCR text, any case, with or without diacritics (all must
    appear). ``units``: the units the reader may see (None: all; empty: nothing).
    ``code_prefix``: a dossier code or its beginning. ``date_from``/``date_to``: days
    (Vietnam time, both included) the document was received. ``kind``: intake/result.
    """
    terms = tuple(query_terms(query))
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    with source.sessions() as session:
        dialect = session.get_bind().dialect.name
        matched = _matched(dialect, terms) if terms else None
        wanted = _filtered(_base(matched), dialect, units, code_prefix, date_from, date_to, kind)
        total = session.scalar(select(func.count()).select_from(wanted.subquery())) or 0
        score = matched.c.score if matched is not None else literal(0.0, Float)
        rows = session.execute(
            wanted.add_columns(score.label("score"))
            .order_by(text("score DESC"), Document.id.desc())
            .limit(limit)
            .offset(offset)
        ).all()
    return SearchPage([_hit(row, terms) for row in rows], int(total), limit, offset, terms)


def _base(matched: Any) -> Query:
    query = select(
        Document.id,
        Document.dossier_code,
        Document.kind,
        Document.number,
        Document.pages,
        Document.created_at,
        Document.revoked_at,
        DocumentTextRow.text,
        DocumentTextRow.text_folded,
    ).select_from(Document)
    if matched is not None:
        query = query.join(matched, matched.c.document_id == Document.id)
    return query.outerjoin(DocumentTextRow, DocumentTextRow.document_id == Document.id).where(
        Document.status == "stored"
    )


def _matched(dialect: str, terms: Sequence[str]) -> Any:
    """(document_id, score) of the documents whose folded text has every term; higher is better."""
    if dialect == "postgresql":
        statement = text(
            "SELECT t.document_id,"
            " ts_rank(t.document_text_fts_vector, plainto_tsquery('simple', :words)) AS score"
            " FROM document_texts t"  # the query inline: a constant the GIN index can use
            " WHERE t.document_text_fts_vector @@ plainto_tsquery('simple', :words)"
        ).bindparams(words=" ".join(terms))
    else:  # FTS5; each term is letters and digits only, quoted as a string all the same
        statement = text(
            "SELECT rowid AS document_id, -bm25(document_text_fts) AS score"
            " FROM document_text_fts WHERE document_text_fts MATCH :words"
        ).bindparams(words=" ".join(f'"{term}"' for term in terms))
    return statement.columns(document_id=Integer, score=Float).subquery("matched")


def _filtered(
    query: Query,
    dialect: str,
    units: Collection[str] | None,
    code_prefix: str | None,
    date_from: date | None,
    date_to: date | None,
    kind: str | None,
) -> Query:
    if code_prefix and code_prefix.strip():
        prefix = normalise_code_text(code_prefix)
        query = query.where(Document.dossier_code.startswith(prefix, autoescape=True))
    if kind:
        query = query.where(Document.kind == check_kind(kind))
    if date_from is not None:
        query = query.where(Document.created_at >= _day_start(date_from))
    if date_to is not None:
        query = query.where(Document.created_at < _day_start(date_to + timedelta(days=1)))
    if units is not None:
        query = query.outerjoin(DossierRow, DossierRow.code == Document.dossier_code).where(
            func.coalesce(DossierRow.unit_code, _agency(dialect)).in_(
                sorted({unit.strip().upper() for unit in units})
            )
        )
    return query


def _agency(dialect: str) -> ColumnElement[str]:
    """The agency part of the dossier code (before the first ``-``): its unit when the
    register does not have the dossier."""
    code = Document.dossier_code
    if dialect == "postgresql":
        return func.split_part(code, "-", 1)
    return func.substr(code, 1, func.instr(code, "-") - 1)


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` on the Vietnam clock, as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=VIETNAM)


def _hit(row: Any, terms: Sequence[str]) -> SearchHit:
    kind = check_kind(row.kind)
    name = (
        document_name(row.dossier_code, kind, row.number)
        if row.number is not None
        else f"{row.dossier_code} #{row.id}"
    )
    return SearchHit(
        document_id=row.id,
        dossier_code=row.dossier_code,
        kind=kind,
        number=row.number,
        name=name,
        pages=row.pages,
        created_at=row.created_at,
        revoked=row.revoked_at is not None,
        snippet=snippet(row.text or "", row.text_folded or "", terms),
        score=float(row.score or 0.0),
    )


def parse_day(text: str) -> date:
    """A day as people write it (dd/mm/yyyy) or as forms send it (yyyy-mm-dd).

    Raises ValueError with a message naming both forms.
    """
    cleaned = text.strip()
    for form in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date; write dd/mm/yyyy (e.g. 15/06/2024)")
