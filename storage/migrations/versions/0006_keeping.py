"""Archive-grade keeping (issue 12): event trail, stored objects, retention date.

- ``events``: append-only trail per dossier and document (time, actor, type,
  technical detail). Triggers refuse UPDATE and DELETE on PostgreSQL and SQLite,
  so even a hand-written SQL statement cannot rewrite the evidence.
- ``stored_objects``: every object of a stored document (PDF, OCR text,
  dropped pages) with its SHA-256, replica state and last fixity check.
- ``documents.retain_until``: the document may not be deleted before this
  instant; NULL = kept permanently.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_PG_FUNCTION = """
CREATE FUNCTION sohoa_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("type", sa.String(20), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_index("ix_events_dossier", "events", ["dossier_code", "id"])
    op.create_table(
        "stored_objects",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("key", sa.String(512), nullable=False, unique=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replicated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fixity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_fixity_ok", sa.Boolean(), nullable=True),
    )
    op.create_index("ix_stored_objects_document", "stored_objects", ["document_id"])
    op.create_index("ix_stored_objects_checked", "stored_objects", ["last_fixity_at"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("retain_until", sa.DateTime(timezone=True), nullable=True))
    _append_only_triggers()


def _append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION sohoa_events_append_only()"
        )
        return
    for operation in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER events_no_{operation.lower()} BEFORE {operation} ON events "
            f"BEGIN SELECT RAISE(ABORT, 'events are append-only: {operation} refused'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")
        op.execute("DROP FUNCTION IF EXISTS sohoa_events_append_only()")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("retain_until")
    op.drop_table("stored_objects")
    op.drop_table("events")
