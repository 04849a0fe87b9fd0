"""API keys restricted to a unit: ``api_keys.unit``.

A key with a unit reads (and changes) only the dossiers of that unit and the units
below it, through the unit tree, by the same rule as a web user's unit
(``register.units.covers``). NULL, which every key issued before keeps, means every
unit, so existing installs keep working unchanged.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("unit", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("unit")
