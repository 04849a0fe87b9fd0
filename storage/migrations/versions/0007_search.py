"""Full-text search over the OCR text of stored documents (issue 10).

- ``document_texts``: one row per stored document, its NFC text and the same text
  folded (lower case, no diacritics, đ → d) by :mod:`storage.folding`.
- SQLite: the FTS5 table ``document_text_fts`` over ``text_folded`` (external
  content: it holds the index, not a second copy of the text), kept in step by
  triggers, so any write to ``document_texts`` is indexed in the same transaction.
- PostgreSQL: a stored generated column ``document_text_fts_vector`` =
  ``to_tsvector('simple', text_folded)`` with a GIN index. The text is
  folded in Python rather than by the ``unaccent`` extension: both backends then
  match exactly the same words (unaccent's rules and FTS5's differ, FTS5 keeps đ),
  no extension has to be created by a privileged role, and snippets highlight by
  the same offsets on both.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

_SQLITE = (
    "CREATE VIRTUAL TABLE document_text_fts USING fts5(text_folded, content='document_texts',"
    " content_rowid='document_id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER document_text_fts_insert AFTER INSERT ON document_texts BEGIN"
    " INSERT INTO document_text_fts(rowid, text_folded) VALUES (new.document_id, new.text_folded);"
    " END",
    "CREATE TRIGGER document_text_fts_delete AFTER DELETE ON document_texts BEGIN"
    " INSERT INTO document_text_fts(document_text_fts, rowid, text_folded)"
    " VALUES ('delete', old.document_id, old.text_folded); END",
    "CREATE TRIGGER document_text_fts_update AFTER UPDATE ON document_texts BEGIN"
    " INSERT INTO document_text_fts(document_text_fts, rowid, text_folded)"
    " VALUES ('delete', old.document_id, old.text_folded);"
    " INSERT INTO document_text_fts(rowid, text_folded) VALUES (new.document_id, new.text_folded);"
    " END",
)
_POSTGRESQL = (
    # Stored, so ranking reads the vector instead of parsing every matching text again
    # (9 s → well under a second for a common word over 10,000 documents, bench/search.py).
    # Capped at 1,000,000 characters: a tsvector has a 1 MB limit.
    "ALTER TABLE document_texts ADD COLUMN document_text_fts_vector tsvector"
    " GENERATED ALWAYS AS (to_tsvector('simple', left(text_folded, 1000000))) STORED",
    "CREATE INDEX document_text_fts_gin ON document_texts USING gin (document_text_fts_vector)",
)


def upgrade() -> None:
    op.create_table(
        "document_texts",
        sa.Column("document_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_folded", sa.Text(), nullable=False),
        sa.Column("indexed_at", sa.DateTime(timezone=True), nullable=False),
    )
    for statement in _POSTGRESQL if _postgresql() else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if not _postgresql():
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS document_text_fts_{name}")
        op.execute("DROP TABLE IF EXISTS document_text_fts")
    op.drop_table("document_texts")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"
