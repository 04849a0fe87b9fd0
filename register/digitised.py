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
SQLite and PostgreSQL alike. The stored-document facts are flags on the dossier row,
kept by the catalog (:mod:`storage.dossier_flags`); :func:`stored` (an ``EXISTS`` on
the documents, index ``ix_documents_register``) remains for the worklist.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, case, exists, func, select, true
from sqlalchemy.sql import Subquery

from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierRow

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


def month_of(dialect: str) -> ColumnElement[Any]:
    """The reception month: its first day on PostgreSQL (``date_trunc``, much cheaper per
    row than ``to_char``), ``YYYY-MM`` text on SQLite. Read it with :func:`month_key`."""
    if dialect == "postgresql":
        return func.date_trunc("month", D.received_on)
    return func.strftime("%Y-%m", D.received_on)


def month_key(value: Any) -> str:
    """``YYYY-MM`` of a :func:`month_of` value from either database."""
    return str(value)[:7]


def flags(
    units: Collection[str], start: date, end: date, dialect: str, period_from: date | None = None
) -> Subquery:
    """One row per dossier of ``units`` received in [start, end], with its 0/1 flags
    (and ``inside``: 1 when received on or after ``period_from``, if given).

    Read from the dossier row alone: the catalog keeps ``intake_stored`` /
    ``result_stored`` / ``reused_stored`` as documents are stored
    (:mod:`storage.dossier_flags`), so no document is joined here.
    """
    return (
        select(
            D.code.label("code"),
            D.unit_code.label("unit_code"),
            D.procedure_code.label("procedure_code"),
            D.procedure_name.label("procedure_name"),
            D.received_on.label("received_on"),
            month_of(dialect).label("month"),
            *flag_columns(),
            *(
                [case((D.received_on >= period_from, 1), else_=0).label("inside")]
                if period_from
                else []
            ),
        )
        .where(in_scope(units, start, end))
        .subquery("flags")
    )


def in_scope(units: Collection[str], start: date, end: date) -> ColumnElement[bool]:
    """Dossiers of ``units`` received in [start, end]."""
    return and_(
        D.unit_code.in_(bindparam("units", sorted(units), expanding=True)),
        D.received_on.between(start, end),
    )


def flag_columns() -> list[ColumnElement[int]]:
    """intake_ok, result_ok, paper, reused_ok: 0/1 per dossier (see the module docstring)."""
    online = D.channel == 2
    intake = case(
        (online, _flag(D.online_digitised == true())), else_=_flag(D.intake_stored == true())
    )
    reused = case(
        (and_(online, D.online_reused == true()), 1), else_=_flag(D.reused_stored == true())
    )
    return [
        intake.label("intake_ok"),
        _flag(D.result_stored == true()).label("result_ok"),
        _flag(D.paper_result == true()).label("paper"),
        reused.label("reused_ok"),
    ]


def digitised_of(f: Subquery) -> ColumnElement[int]:
    """The dossier counts as digitised (spec §6's numerator)."""
    return case((and_(f.c.intake_ok == 1, (f.c.paper == 0) | (f.c.result_ok == 1)), 1), else_=0)
