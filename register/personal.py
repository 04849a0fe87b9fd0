"""Applicants' names (personal data, Nghị định 13/2023/NĐ-CP): who may see them, and the
trail of every time they left sohoa.

- Stored only when the office keeps them (``SOHOA_REGISTER_KEEP_APPLICANT``); never in
  the change log (only that they changed), logs, reports, webhooks or sync fields.
- Shown on the worklist to the people who receive the dossiers: clerks and supervisors
  of the unit (their unit and the units below it). Not to admins or archivists, who do
  not need them, and not to API keys unless the key has the ``personal`` scope *and*
  the request asks for them.
- In an export (worklist CSV, the import's error file) only with an explicit option;
  each such export or API read is recorded as a ``personal_disclosed`` event (who,
  when, what, how many rows; never the names).
"""

from __future__ import annotations

from sohoa.storage.accounts import User
from sohoa.storage.database import SessionSource
from sohoa.storage.events import record_event

#: Roles that receive dossiers and so may see who filed them.
SEEING_ROLES = frozenset({"clerk", "supervisor"})


def may_see(user: User) -> bool:
    """``user`` may see applicants' names of the units they may open (their unit's tree)."""
    return user.role in SEEING_ROLES


def record_disclosure(
    source: SessionSource, *, actor: str, unit: str, what: str, rows: int
) -> None:
    """Keep the fact that ``actor`` took applicants' names out (``what``: worklist_csv,
    api_worklist, error_file, cli_worklist) for ``unit``'s list of ``rows`` dossiers."""
    record_event(
        source,
        "personal_disclosed",
        dossier_code=unit,
        actor=actor,
        detail={"what": what, "unit": unit, "rows": rows},
    )
