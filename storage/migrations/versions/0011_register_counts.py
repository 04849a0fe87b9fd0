"""The register's counts per unit, procedure and month, and the receiving clerk (issue 11).

- ``dossier_counts``: per (unit, reception month, procedure) the five sums the QĐ 766
  report is made of (received, digitised, paper result, result digitised, reused).
  A year's report of a province read a million dossier rows (0.9 s); it now reads
  these few tens of thousands of sums, and only the partial months at the edges of
  a period from the dossiers. Kept by triggers on ``dossiers``, in the transaction
  that changes a dossier row, whatever changed it: an import or API push (upsert),
  a document stored or attached (the flags of ``storage.dossier_flags``), a row
  deleted. PostgreSQL: one statement-level trigger per event over its transition
  tables (a batch of an import is one aggregate, not a thousand upserts; an update
  that moves no count writes nothing); SQLite: row-level triggers. Filled here from
  the dossiers already there.
- ``dossiers.clerk``: the officer who received the dossier, when the one-stop export
  names one (spec §8 has no such header; imported through a mapping), for the
  worklist per clerk; ``ix_dossiers_clerk`` serves one clerk's worklist, oldest first.

The trigger SQL is written out here (a migration must not change when the code does);
``tests/register/test_counts.py`` checks the sums against a count of the dossiers and
their documents after imports, stores, revocations and reuse.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

SUMS = ("received", "digitised", "paper", "result_digitised", "reused")
EVENTS = ("insert", "update", "delete")


def sums(p: str) -> list[str]:
    """The five 0/1 terms of one dossier row (``p`` = ``"NEW."``, ``"OLD."`` or ``""``), as
    :mod:`register.digitised` defines them; SQL both databases read alike."""
    intake = (
        f"(CASE WHEN {p}channel = 2 THEN coalesce({p}online_digitised, false)"
        f" ELSE {p}intake_stored END)"
    )
    return [
        "1",
        f"CASE WHEN {intake} = true AND ({p}paper_result = false OR {p}result_stored = true)"
        " THEN 1 ELSE 0 END",
        f"CASE WHEN {p}paper_result = true THEN 1 ELSE 0 END",
        f"CASE WHEN {p}paper_result = true AND {p}result_stored = true THEN 1 ELSE 0 END",
        f"CASE WHEN {p}channel = 2 AND {p}online_reused = true THEN 1"
        f" WHEN {p}reused_stored = true THEN 1 ELSE 0 END",
    ]


def month(p: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {p}received_on) AS date)"
    return f"date({p}received_on, 'start of month')"


KEY = "unit_code, month, procedure_code"
ADD = ", ".join(f"{s} = dossier_counts.{s} + excluded.{s}" for s in SUMS)


def _pg_rows(table: str, sign: str) -> str:
    """Each row of a transition table as its key and its terms, added (``""``) or taken
    away (``"-"``)."""
    terms = ", ".join(f"{sign}({t}) AS {name}" for t, name in zip(sums(""), SUMS, strict=True))
    name = "procedure_name" if sign == "" else "NULL::text AS procedure_name"
    return (
        f"SELECT unit_code, {month('', 'postgresql')} AS month, procedure_code, {name}, {terms} "
        f"FROM {table}"
    )


def _pg_apply(rows: str) -> str:
    """One statement: the rows' sums per key, in key order (two imports touching the same
    cells lock them in the same order), cells whose sums do not move left alone."""
    moved = " OR ".join(f"sum({s}) <> 0" for s in SUMS)
    return (
        f"INSERT INTO dossier_counts ({KEY}, procedure_name, {', '.join(SUMS)}) "
        f"SELECT {KEY}, max(procedure_name), {', '.join(f'sum({s})' for s in SUMS)} "
        f"FROM ({rows}) AS delta GROUP BY {KEY} HAVING {moved} ORDER BY {KEY} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {ADD}, procedure_name = "
        "greatest(dossier_counts.procedure_name, excluded.procedure_name);"
    )


def _pg() -> list[str]:
    old, new = _pg_rows("old_rows", "-"), _pg_rows("new_rows", "")
    body = (
        "BEGIN\n"
        f"IF TG_OP = 'INSERT' THEN {_pg_apply(new)}\n"
        f"ELSIF TG_OP = 'DELETE' THEN {_pg_apply(old)}\n"
        f"ELSE {_pg_apply(f'{old} UNION ALL {new}')}\n"
        "END IF;\nRETURN NULL;\nEND"
    )
    statements = [
        "CREATE OR REPLACE FUNCTION dossier_counts_apply() RETURNS trigger "
        f"LANGUAGE plpgsql AS $body$\n{body}\n$body$"
    ]
    tables = {
        "insert": "NEW TABLE AS new_rows",
        "update": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "OLD TABLE AS old_rows",
    }
    for event, referencing in tables.items():
        statements.append(
            f"CREATE TRIGGER dossier_counts_{event} AFTER {event.upper()} ON dossiers "
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            "EXECUTE FUNCTION dossier_counts_apply()"
        )
    return statements


def _sqlite_part(p: str, sign: str) -> str:
    terms = ", ".join(f"{sign}({t})" for t in sums(p))
    name = f"{p}procedure_name" if sign == "" else "NULL"
    return (
        f"INSERT INTO dossier_counts ({KEY}, procedure_name, {', '.join(SUMS)}) "
        f"VALUES ({p}unit_code, {month(p, 'sqlite')}, {p}procedure_code, {name}, {terms}) "
        f"ON CONFLICT ({KEY}) DO UPDATE SET {ADD}, procedure_name = "
        "coalesce(max(dossier_counts.procedure_name, excluded.procedure_name),"
        " dossier_counts.procedure_name, excluded.procedure_name);"
    )


def _sqlite() -> list[str]:
    parts = {
        "insert": _sqlite_part("NEW.", ""),
        "update": _sqlite_part("OLD.", "-") + " " + _sqlite_part("NEW.", ""),
        "delete": _sqlite_part("OLD.", "-"),
    }
    return [
        f"CREATE TRIGGER dossier_counts_{event} AFTER {event.upper()} ON dossiers "
        f"FOR EACH ROW BEGIN {part} END"
        for event, part in parts.items()
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # First: on SQLite a batch alteration may copy the table, which would drop its triggers.
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("clerk", sa.String(128), nullable=True))
    op.create_index("ix_dossiers_clerk", "dossiers", ["clerk", "received_on", "code"])
    op.create_table(
        "dossier_counts",
        sa.Column("unit_code", sa.String(40), primary_key=True),
        sa.Column("month", sa.Date(), primary_key=True),
        sa.Column("procedure_code", sa.String(64), primary_key=True),
        sa.Column("procedure_name", sa.Text(), nullable=True),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0") for name in SUMS),
    )
    terms = ", ".join(f"sum({t})" for t in sums(""))
    op.execute(
        f"INSERT INTO dossier_counts ({KEY}, procedure_name, {', '.join(SUMS)}) "
        f"SELECT unit_code, {month('', dialect)}, procedure_code, max(procedure_name), {terms} "
        f"FROM dossiers GROUP BY unit_code, {month('', dialect)}, procedure_code"
    )
    for statement in _pg() if dialect == "postgresql" else _sqlite():
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_dossiers_clerk", "dossiers")
    for event in EVENTS:
        op.execute(f"DROP TRIGGER IF EXISTS dossier_counts_{event}" + (
            " ON dossiers" if dialect == "postgresql" else ""))  # fmt: skip
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS dossier_counts_apply()")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("clerk")
    op.drop_table("dossier_counts")
