"""The dossier register (issue 11): units, dossiers, register events; reused documents.

- ``units``: the unit tree (code, name, parent_code, level).
- ``dossiers``: what the one-stop system reported per dossier (procedure, unit,
  reception date, channel, dates, paper result, status; the applicant's name only
  when the office chose to keep it).
- ``register_events``: append-only change log of the register (who, when, what).
- ``documents.reused`` / ``documents.reused_from``: a component attached from an
  earlier dossier's stored document instead of rescanned (DuocTaiSuDung), and
  indexes the report and the sync feed read from.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("parent_code", sa.String(40), nullable=True),
        sa.Column("level", sa.SmallInteger(), nullable=False),
    )
    op.create_index("ix_units_parent_code", "units", ["parent_code"])
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("procedure_code", sa.String(64), nullable=False),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        sa.Column("unit_code", sa.String(40), nullable=False),
        sa.Column("field", sa.String(255), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("result_on", sa.Date(), nullable=True),
        sa.Column("paper_result", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(255), nullable=True),
        sa.Column("applicant_name", sa.String(255), nullable=True),
        sa.Column("online_digitised", sa.Boolean(), nullable=True),
        sa.Column("online_reused", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_dossiers_unit_received", "dossiers", ["unit_code", "received_on", "code"])
    op.create_index("ix_dossiers_received", "dossiers", ["received_on"])
    op.create_index("ix_dossiers_updated", "dossiers", ["updated_at", "code"])
    op.create_table(
        "register_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_register_events_dossier", "register_events", ["dossier_code", "id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(
            sa.Column("reused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("reused_from", sa.Integer(), nullable=True))
    op.create_index(
        "ix_documents_register", "documents", ["dossier_code", "kind", "status", "reused"]
    )
    op.create_index("ix_documents_updated", "documents", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_documents_updated", "documents")
    op.drop_index("ix_documents_register", "documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("reused_from")
        batch.drop_column("reused")
    op.drop_table("register_events")
    op.drop_table("dossiers")
    op.drop_table("units")
