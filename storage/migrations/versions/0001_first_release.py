"""The schema of the first release (documents, jobs, job_pages, api_keys).

Written out column by column, not with ``create_all``: a migration must keep
describing the schema of its day even after the models move on.

A catalog made by that release has no ``alembic_version`` and may lack the
tables it never needed (the job tables appear once a queue ran, ``api_keys``
once the API did). Each table is therefore created only when it is missing,
which is how such a catalog is adopted: this revision fills the gaps and is
recorded, and the later revisions run as on any other database.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, create in (
        ("documents", _documents),
        ("jobs", _jobs),
        ("job_pages", _job_pages),
        ("api_keys", _api_keys),
    ):
        if name not in existing:
            create()


def downgrade() -> None:
    for table in ("api_keys", "job_pages", "jobs", "documents"):
        op.drop_table(table)


def _documents() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("result_code", sa.String(80), nullable=True),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("input_pages", sa.Integer(), nullable=True),
        sa.Column("dropped_pages", sa.JSON(), nullable=False),
        sa.Column("dropped_key", sa.String(512), nullable=True),
        sa.Column("text_key", sa.String(512), nullable=True),
        sa.Column("ocr_confidence", sa.Double(), nullable=True),
        sa.Column("pdfa_valid", sa.Boolean(), nullable=True),
        sa.Column("pdfa_report", sa.Text(), nullable=True),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("dossier_code", "kind", "number", name="uq_documents_number"),
        sa.UniqueConstraint("dossier_code", "kind", "source_sha256", name="uq_documents_source"),
    )
    op.create_index("ix_documents_dossier_code", "documents", ["dossier_code"])


def _jobs() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.Integer(), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("source_name", sa.String(512), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("source_key", sa.String(512), nullable=False),
        sa.Column("source_kind", sa.String(16), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("pages_total", sa.Integer(), nullable=True),
        sa.Column("pages_done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("assemblies", sa.Integer(), nullable=False),
        sa.Column("assemble_owner", sa.String(80), nullable=True),
        sa.Column("assemble_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_document", "jobs", ["document_id"])
    op.create_index("ix_jobs_dossier_code", "jobs", ["dossier_code"])


def _job_pages() -> None:
    op.create_table(
        "job_pages",
        sa.Column(
            "job_id",
            sa.String(32),
            sa.ForeignKey("jobs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("page_index", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("info", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("worker", sa.String(80), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("touched_at", sa.DateTime(timezone=True), nullable=False),
    )


def _api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("salt", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_api_keys_name", "api_keys", ["name"])
