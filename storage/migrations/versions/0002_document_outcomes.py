"""Failures carry their kind and Vietnamese message; rejected rows give their number back.

- ``documents.error_kind`` / ``jobs.error_kind``: the machine kind of the last
  failure (``low_resolution``, ``corrupt``…); ``error_vi``: the clerk's
  Vietnamese message (``error`` keeps the English one).
- ``documents.signed``: the source carried a digital signature and was stored
  as received.
- ``documents.number`` and ``documents.key`` become nullable: a ``rejected``
  row sets both to NULL so numbering stays without gaps.

SQLite cannot alter a column in place, so the changes go through
``batch_alter_table`` (copy, drop, rename), which keeps every row.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("error_kind", sa.String(40), nullable=True))
        batch.add_column(sa.Column("error_vi", sa.Text(), nullable=True))
        batch.add_column(sa.Column("signed", sa.Boolean(), nullable=True))
        batch.alter_column("number", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("key", existing_type=sa.String(512), nullable=True)
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("error_kind", sa.String(40), nullable=True))
        batch.add_column(sa.Column("error_vi", sa.Text(), nullable=True))


def downgrade() -> None:
    """Only possible while no row has given its number back (no NULL number or key)."""
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("error_vi")
        batch.drop_column("error_kind")
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("key", existing_type=sa.String(512), nullable=False)
        batch.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("signed")
        batch.drop_column("error_vi")
        batch.drop_column("error_kind")
