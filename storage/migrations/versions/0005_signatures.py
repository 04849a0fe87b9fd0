"""Agency signatures and revocation on documents (issue 12).

- ``documents.signature_level`` (B-B, B-T, B-LT), ``signed_by`` (the certificate's CN),
  ``signed_at``: the PAdES signature sohoa applied before upload. Distinct from
  ``documents.signed``, which says the SOURCE carried a signature and was kept as received.
- ``documents.revoked_at``, ``revoked_reason``, ``revoked_by``: a revoked result
  (thu hồi, NĐ 45/2020 Đ15) stays stored and retrievable and is shown as revoked.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_COLUMNS = (
    ("signature_level", sa.String(8)),
    ("signed_by", sa.String(255)),
    ("signed_at", sa.DateTime(timezone=True)),
    ("revoked_at", sa.DateTime(timezone=True)),
    ("revoked_reason", sa.Text()),
    ("revoked_by", sa.String(255)),
)


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
