"""The unit tree: a report for a unit includes every unit below it.

The tree comes from the one-stop system's unit file (``Mã đơn vị``, ``Tên đơn vị``,
``Mã đơn vị cha``) or, for units no file named, from the way agency codes nest:
legacy ``000.17.22.H56`` sits under ``000.00.22.H56``, which sits under
``000.00.00.H56``; QĐ 20/2020 codes such as ``H55.242.01`` under ``H55.242`` under
``H55``. A unit the file names keeps the file's parent; nesting only fills gaps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from sohoa.register.db import dialect_insert
from sohoa.register.errors import RegisterError
from sohoa.register.parse import AGENCY_CODE
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.database import SessionSource
from sohoa.storage.register_models import DossierRow, UnitRow

_LEGACY = re.compile(r"^([0-9A-Z]{3})\.([0-9A-Z]{2})\.([0-9A-Z]{2})\.([A-Z][0-9]{2})$")

_BELOW = text(
    "WITH RECURSIVE below(code) AS ("
    " SELECT CAST(:code AS VARCHAR(40))"
    " UNION SELECT u.code FROM units u JOIN below b ON u.parent_code = b.code"
    ") SELECT code FROM below"
)


def units_below(source: SessionSource, code: str) -> set[str]:
    """``code`` and every unit under it (recursive CTE; SQLite and PostgreSQL).

    A code the tree does not know is its own only unit, so a report still works
    before any unit file was imported.
    """
    with source.sessions() as session:
        return units_below_in(session, code)


def units_below_in(session: Session, code: str) -> set[str]:
    """:func:`units_below` inside a caller's session."""
    return {row[0] for row in session.execute(_BELOW, {"code": code.strip().upper()})}


def dossier_unit(source: SessionSource, code: str) -> str:
    """The unit of a dossier: the register's when it has the dossier, else the agency part
    of the code (everything before the first ``-``)."""
    normalised = parse_dossier_code(code)
    with source.sessions() as session:
        unit = session.scalar(
            select(DossierRow.unit_code).where(DossierRow.code == normalised.value)
        )
    return unit or normalised.agency


def covers(source: SessionSource, unit: str, dossier_code: str) -> bool:
    """The one rule of who sees a dossier (web users and unit-bound API keys alike): true
    when ``dossier_code`` belongs to ``unit`` or a unit below it."""
    return within(source, unit, dossier_unit(source, dossier_code))


def within(source: SessionSource, unit: str, other: str) -> bool:
    """True when unit ``other`` is ``unit`` or one below it (a report or worklist asked
    for ``other`` shows nothing ``unit`` may not see)."""
    return other.strip().upper() in {code.upper() for code in units_below(source, unit)}


def units_above(source: SessionSource, code: str) -> list[str]:
    """``code``, its parent, and so on to the top: nearest first (a setting made for a
    unit applies below it, and the nearest one wins). The tree's parents are followed;
    where the tree does not know a unit, the way codes nest (:func:`parent_of`) is."""
    with source.sessions() as session:
        rows = session.execute(select(UnitRow.code, UnitRow.parent_code))
        tree: dict[str, str | None] = {code: parent for code, parent in rows}
    chain: list[str] = []
    current: str | None = code.strip().upper()
    while current is not None and current not in chain:  # a cycle in a file stops here
        chain.append(current)
        current = tree[current] if current in tree else parent_of(current)
    return chain


def parent_of(code: str) -> str | None:
    """The unit a code nests under, or None at the top (see the module docstring)."""
    legacy = _LEGACY.match(code)
    if legacy:
        groups = list(legacy.groups())
        for index in range(3):
            if set(groups[index]) != {"0"}:
                groups[index] = "0" * len(groups[index])
                return ".".join(groups)
        return None
    head, dot, _ = code.rpartition(".")
    return head if dot and head else None


def unit_names(source: SessionSource, codes: Iterable[str]) -> dict[str, str]:
    """code → name for the units the tree knows."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    with source.sessions() as session:
        rows = session.execute(
            select(UnitRow.code, UnitRow.name).where(
                UnitRow.code.in_(bindparam("c", expanding=True))
            ),
            {"c": wanted},
        )
        return {code: name for code, name in rows}


def ensure_units(session: Session, codes: Iterable[str]) -> int:
    """Add the units of ``codes`` the tree lacks, with their nesting ancestors; returns how
    many rows were added. Existing units (from a unit file) are never changed."""
    chain: dict[str, str | None] = {}
    for code in set(codes):
        current: str | None = code
        while current is not None and current not in chain:
            chain[current] = parent_of(current)
            current = chain[current]
    if not chain:
        return 0
    known = set(
        session.scalars(
            select(UnitRow.code).where(UnitRow.code.in_(bindparam("c", expanding=True))),
            {"c": sorted(chain)},
        )
    )
    missing = [
        {"code": c, "name": c, "parent_code": p, "level": _depth(c, chain)}
        for c, p in chain.items()
        if c not in known
    ]
    if missing:
        session.execute(
            dialect_insert(session, UnitRow).on_conflict_do_nothing(index_elements=["code"]),
            missing,
        )
    return len(missing)


def import_units(source: SessionSource, rows: Iterable[tuple[int, dict[str, Any]]]) -> int:
    """Upsert the unit file's rows (``code``, ``name``, ``parent_code``); returns the count.

    Levels are recomputed for the whole tree (a few hundred rows at most).
    """
    values: dict[str, dict[str, Any]] = {}
    for number, cells in rows:
        code = str(cells.get("code") or "").strip().upper()
        parent = str(cells.get("parent_code") or "").strip().upper() or None
        if not AGENCY_CODE.match(code) or (parent and not AGENCY_CODE.match(parent)):
            raise RegisterError(
                f"dòng {number}: mã đơn vị không hợp lệ {code!r}",
                f"row {number}: invalid unit code {code!r}",
            )
        name = str(cells.get("name") or "").strip() or code
        values[code] = {"code": code, "name": name[:255], "parent_code": parent, "level": 1}
    with source.sessions.begin() as session:
        if values:
            statement = dialect_insert(session, UnitRow)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["code"],
                    set_={
                        "name": statement.excluded.name,
                        "parent_code": statement.excluded.parent_code,
                    },
                ),
                list(values.values()),
            )
        _relevel(session)
    return len(values)


def _relevel(session: Session) -> None:
    tree = {
        code: parent for code, parent in session.execute(select(UnitRow.code, UnitRow.parent_code))
    }
    levels = [{"c": code, "l": _depth(code, tree)} for code in tree]
    session.execute(text("UPDATE units SET level = :l WHERE code = :c"), levels)


def _depth(code: str, tree: dict[str, str | None]) -> int:
    depth, seen, current = 1, {code}, tree.get(code)
    while current is not None and current not in seen:  # a cycle in a file stops here
        depth += 1
        seen.add(current)
        current = tree.get(current)
    return depth
