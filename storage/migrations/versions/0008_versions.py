"""Document versions and page thumbnails (issue 10: fix without rescanning, the dossier page).

- ``document_versions``: one row per version of a document (v1 = the original store,
  written at the first revision); each fix is a new object, never an overwrite.
- ``documents.version``: the current version (NULL = 1); ``documents.thumbs_key``: the
  prefix of the current version's page thumbnails in the object store (NULL = none yet;
  ``sohoa thumbnails --missing`` makes them for older documents).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "document_versions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("text_key", sa.String(512), nullable=True),
        sa.Column("thumbs_key", sa.String(512), nullable=True),
        sa.Column("pdfa_valid", sa.Boolean(), nullable=True),
        sa.Column("pdfa_report", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("page_origins", sa.JSON(), nullable=False),
        sa.UniqueConstraint("document_id", "version", name="uq_document_versions"),
    )
    op.create_index("ix_document_versions_document", "document_versions", ["document_id"])
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("thumbs_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("version")
        batch.drop_column("thumbs_key")
    op.drop_index("ix_document_versions_document", "document_versions")
    op.drop_table("document_versions")
