"""Claims on documents and one active job per document (issue 8: nothing overwritten).

- ``documents.claimed_by`` / ``claimed_at``: who is digitising a pending row and since
  when (``host:pid:start`` of an embedded run, ``job:<id>`` of a queue job). Taken by a
  conditional UPDATE before any OCR, so of two concurrent runs of one source exactly one
  digitises; a claim whose owner died (or older than the lease, for other hosts) is
  taken over. Cleared when the row ends stored, rejected or failed.
- ``uq_jobs_active_document``: a unique partial index on ``jobs(document_id)`` for the
  active statuses, so the queue never holds two active jobs for one document. Existing
  duplicates (all but the oldest active job of a document) end failed first.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

ACTIVE = "('queued', 'processing', 'assembling')"


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(120), nullable=True))
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        f"UPDATE jobs SET status = 'failed', error = 'superseded by an older active job' "
        f"WHERE status IN {ACTIVE} AND EXISTS (SELECT 1 FROM jobs older "
        f"WHERE older.document_id = jobs.document_id AND older.status IN {ACTIVE} "
        f"AND (older.created_at < jobs.created_at "
        f"OR (older.created_at = jobs.created_at AND older.id < jobs.id)))"
    )
    op.create_index(
        "uq_jobs_active_document",
        "jobs",
        ["document_id"],
        unique=True,
        sqlite_where=sa.text(f"status IN {ACTIVE}"),
        postgresql_where=sa.text(f"status IN {ACTIVE}"),
    )


def downgrade() -> None:
    op.drop_index("uq_jobs_active_document", table_name="jobs")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
