"""What counts as digitised, per dossier, as SQL the database aggregates (spec §6, issue 11).

- intake digitised: at least one stored intake document; for an online dossier
  (channel 2, not scanned at the counter, spec §1) what the one-stop system says
  (``online_digitised``, imported);
- result digitised: a stored result (``<code>-KQ<n>``);
- reused: a stored component attached from an earlier dossier (``documents.reused``),
  or for an online dossier the one-stop system's ``online_reused``;
- digitised dossier: intake digitised and, when the procedure returns a paper
  result, result digitised.

Every flag is a 0/1 integer column of :func:`flags`, so one ``SUM`` counts it on
SQLite and PostgreSQL alike; the ``EXISTS`` probes are answered from the index
``ix_documents_register`` (dossier_code, kind, status, reused).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, select, true
from sqlalchemy.sql import Subquery

from storage.models import Document
from storage.register_models import DossierRow

D = DossierRow


def stored(kind: str, *, reused: bool = False) -> ColumnElement[bool]:
    """A stored document of this kind exists for the dossier (reused ones only, if asked)."""
    conditions = [Document.dossier_code == D.code, Document.kind == kind]
    conditions.append(Document.status == "stored")
    if reused:
        conditions.append(Document.reused == true())
    return exists().where(and_(*conditions))


def _flag(condition: ColumnElement[Any]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def intake_ok() -> ColumnElement[int]:
    return case(
        (D.channel == 2, _flag(D.online_digitised == true())),
        (stored("intake"), 1),
        else_=0,
    )


def result_ok() -> ColumnElement[int]:
    return _flag(stored("result"))


def reused_ok() -> ColumnElement[int]:
    return case(
        (and_(D.channel == 2, D.online_reused == true()), 1),
        (stored("intake", reused=True), 1),
        (stored("result", reused=True), 1),
        else_=0,
    )


def month_of(dialect: str) -> ColumnElement[str]:
    """``YYYY-MM`` of the reception date."""
    if dialect == "postgresql":
        return func.to_char(D.received_on, "YYYY-MM")
    return func.strftime("%Y-%m", D.received_on)


def flags(units: Collection[str], start: date, end: date, dialect: str) -> Subquery:
    """One row per dossier of ``units`` received in [start, end], with its 0/1 flags."""
    intake, result = intake_ok(), result_ok()
    paper = _flag(D.paper_result == true())
    return (
        select(
            D.code.label("code"),
            D.unit_code.label("unit_code"),
            D.procedure_code.label("procedure_code"),
            D.procedure_name.label("procedure_name"),
            month_of(dialect).label("month"),
            intake.label("intake_ok"),
            result.label("result_ok"),
            paper.label("paper"),
            reused_ok().label("reused_ok"),
        )
        .where(
            D.unit_code.in_(bindparam("units", list(units), expanding=True)),
            D.received_on.between(start, end),
        )
        .subquery("flags")
    )


def digitised_of(f: Subquery) -> ColumnElement[int]:
    """The dossier counts as digitised (spec §6's numerator)."""
    return case((and_(f.c.intake_ok == 1, (f.c.paper == 0) | (f.c.result_ok == 1)), 1), else_=0)
