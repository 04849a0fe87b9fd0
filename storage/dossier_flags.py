"""Per-dossier "digitised" flags on the register row, kept as documents are stored.

The QĐ 766 report counts dossiers; joining them to millions of documents on every
report made a year's report cost seconds. Instead the catalog sets
``dossiers.intake_stored`` / ``result_stored`` / ``reused_stored`` in the same
transaction that stores or attaches a document (:func:`document_stored`), and the
register import sets them for dossiers it adds after their documents were stored
(:func:`refresh`). The report's sums per unit, procedure and month
(``dossier_counts``) follow these flags through a database trigger on ``dossiers``
(migration 0011). A stored document stays stored (a revocation does not undo
digitisation), so a flag never goes back to false.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import and_, bindparam, exists, false, or_, true, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Exists

from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierRow


def document_stored(session: Session, row: Document) -> None:
    """Raise the flags of ``row``'s dossier (a no-op when the register lacks it)."""
    values: dict[str, bool] = {f"{row.kind}_stored": True}
    if row.reused:
        values["reused_stored"] = True
    # Only when a flag rises: the register's counts (dossier_counts, kept by a trigger on
    # this table) are then not touched by the second page of a dossier already counted.
    unset = or_(*(getattr(DossierRow, name) == false() for name in values))
    session.execute(
        update(DossierRow).where(DossierRow.code == row.dossier_code, unset).values(values)
    )


def refresh(session: Session, codes: Collection[str]) -> None:
    """Recompute the flags of ``codes`` from their stored documents (new register rows)."""
    if not codes:
        return

    def stored(kind: str | None, *, reused: bool = False) -> Exists:
        conditions = [Document.dossier_code == DossierRow.code, Document.status == "stored"]
        if kind is not None:
            conditions.append(Document.kind == kind)
        if reused:
            conditions.append(Document.reused == true())
        # Correlated to the updated row (a bare select(exists()) would not be, and set the
        # flags of every new dossier as soon as any dossier had a stored document).
        return exists().where(and_(*conditions)).correlate(DossierRow)

    session.execute(
        update(DossierRow)
        .where(
            DossierRow.code.in_(bindparam("codes", sorted(codes), expanding=True)),
            # Only dossiers with a stored document: the others keep their false flags, and
            # their rows (and the counts a trigger keeps from them) are not rewritten.
            stored(None),
        )
        .values(
            intake_stored=stored("intake"),
            result_stored=stored("result"),
            reused_stored=stored(None, reused=True),
        )
        .execution_options(synchronize_session=False)
    )
