"""The search index's table: each stored document's OCR text, as read and folded.

``text`` is the NFC text as the OCR read it (what snippets show); ``text_folded``
is :func:`storage.folding.fold` of it, character for character (what is matched).
The full-text index over ``text_folded`` is not a model: on SQLite it is the FTS5
virtual table ``document_text_fts`` kept in step by triggers, on PostgreSQL the
generated column ``document_text_fts_vector`` (``to_tsvector('simple', text_folded)``)
with the GIN index ``document_text_fts_gin``;
both are made by migration 0007 and left out of the schema comparison.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sohoa.clock import utc_now
from sohoa.storage.models import Base, UTCDateTime

#: Names of the full-text objects the migration makes beside the table (not in the models).
FULL_TEXT_PREFIX = "document_text_fts"


class DocumentTextRow(Base):
    """The OCR text of one stored document (one row per catalog id)."""

    __tablename__ = "document_texts"

    document_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dossier_code: Mapped[str] = mapped_column(String(64))
    #: Pages joined by a blank line, NFC.
    text: Mapped[str] = mapped_column(Text)
    text_folded: Mapped[str] = mapped_column(Text)
    indexed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)
