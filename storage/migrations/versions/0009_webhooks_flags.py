"""Webhooks and per-dossier digitised flags (issue 11).

- ``webhooks``: receivers (url, signing secret, event types); ``webhook_deliveries``:
  the outbox, one row per (event, webhook), with attempts, next attempt, delivery
  time, the time it was given up and the last error.
- ``dossiers.intake_stored`` / ``result_stored`` / ``reused_stored``: kept by the
  catalog as documents are stored, so the report reads one table; filled here from
  the documents already stored. ``ix_dossiers_report`` covers what the report
  groups by.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

FLAGS = ("intake_stored", "result_stored", "reused_stored")


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("secret", sa.String(255), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("abandoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("event_id", "webhook_id", name="uq_webhook_deliveries_event"),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["delivered_at", "next_attempt_at"]
    )
    with op.batch_alter_table("dossiers") as batch:
        for name in FLAGS:
            batch.add_column(
                sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false())
            )
    op.execute(
        "UPDATE dossiers SET"
        " intake_stored = EXISTS (SELECT 1 FROM documents d WHERE d.dossier_code = dossiers.code"
        "  AND d.kind = 'intake' AND d.status = 'stored'),"
        " result_stored = EXISTS (SELECT 1 FROM documents d WHERE d.dossier_code = dossiers.code"
        "  AND d.kind = 'result' AND d.status = 'stored'),"
        " reused_stored = EXISTS (SELECT 1 FROM documents d WHERE d.dossier_code = dossiers.code"
        "  AND d.reused AND d.status = 'stored')"
    )


def downgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        for name in FLAGS:
            batch.drop_column(name)
    op.drop_index("ix_webhook_deliveries_due", "webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
