"""The QĐ 766 digitisation report for a unit (with the units below it) and a period.

Three indicators, each with numerator, denominator, rate and points (spec §6):

- dossier digitisation rate = digitised dossiers ÷ dossiers received;
- electronic result rate = dossiers with a stored result ÷ dossiers whose procedure
  returns a paper result;
- reuse rate = dossiers with a reused component ÷ dossiers received (the issue's
  third figure; the national formula does not define its denominator: [open]).

Counting is SQL. Whole months are read from ``dossier_counts``, the sums per unit,
reception month and procedure that database triggers keep as dossier rows change
(migration 0011: imports, pushes, documents stored or attached); a month the period
cuts is counted from the dossiers of its smaller side, added to or taken from the
month's sums (:func:`_plan`; :func:`register.digitised.flags`, index
``ix_dossiers_unit_received``). Python only
turns sums into rates and adds unit groups up the tree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import String, bindparam, case, cast, func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session

from sohoa.clock import utc_now
from sohoa.register.digitised import digitised_of, flags, month_key
from sohoa.register.units import units_below_in
from sohoa.storage.database import SessionSource
from sohoa.storage.register_models import DossierCountRow, UnitRow

HUNDRED = Decimal(100)
#: Full points from this rate up (spec §6).
FULL_POINTS_AT = Decimal(80)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Indicator:
    """One rate: ``rate`` in percent to 2 decimals, None (N/A) when the denominator is 0."""

    numerator: int
    denominator: int
    rate: Decimal | None
    points: Decimal | None


@dataclass(frozen=True)
class Counts:
    """The four counts every indicator is made from."""

    received: int = 0
    digitised: int = 0
    paper: int = 0
    result_digitised: int = 0
    reused: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.received + other.received,
            self.digitised + other.digitised,
            self.paper + other.paper,
            self.result_digitised + other.result_digitised,
            self.reused + other.reused,
        )


@dataclass(frozen=True)
class Figures:
    """The three indicators of one group (the whole unit, one unit, procedure or month)."""

    key: str
    label: str
    counts: Counts
    digitisation: Indicator
    electronic_result: Indicator
    reuse: Indicator


@dataclass(frozen=True)
class Report:
    unit: str
    unit_name: str
    start: date
    end: date
    max_points: Decimal
    generated_at: datetime
    total: Figures
    #: Each unit of the tree below ``unit`` (itself included), its own sub-units included.
    by_unit: list[Figures] = field(default_factory=list)
    by_procedure: list[Figures] = field(default_factory=list)
    by_month: list[Figures] = field(default_factory=list)
    #: The 12 months ending with ``end``'s month (whatever ``start`` is).
    trend: list[Figures] = field(default_factory=list)


def indicator(numerator: int, denominator: int, max_points: Decimal = Decimal(1)) -> Indicator:
    """Rate in percent and points, both rounded half-up to 2 decimals; N/A without a denominator.

    Points follow spec §6 (QĐ 766/QĐ-TTg): full ``max_points`` at a rate of 80% or
    more, linear below: ``points = max_points * rate / 80``, computed from the exact
    rate and then rounded.
    """
    if denominator == 0:
        return Indicator(numerator, 0, None, None)
    exact = Decimal(numerator) * HUNDRED / Decimal(denominator)
    points = max_points * min(exact, FULL_POINTS_AT) / FULL_POINTS_AT
    return Indicator(
        numerator,
        denominator,
        exact.quantize(_CENT, ROUND_HALF_UP),
        points.quantize(_CENT, ROUND_HALF_UP),
    )


def figures(key: str, label: str, counts: Counts, max_points: Decimal) -> Figures:
    return Figures(
        key,
        label,
        counts,
        indicator(counts.digitised, counts.received, max_points),
        indicator(counts.result_digitised, counts.paper, max_points),
        indicator(counts.reused, counts.received, max_points),
    )


def digitisation_report(
    source: SessionSource,
    unit: str,
    start: date,
    end: date,
    max_points: Decimal = Decimal(1),
) -> Report:
    """The report the CLI, the API and the web app show (see the module docstring)."""
    unit = unit.strip().upper()
    trend_start = _months_back(end, 11)
    with source.sessions() as session:
        dialect = session.get_bind().dialect.name
        units = units_below_in(session, unit)
        tree = _tree(session, units)
        groups = _one_pass(session, units, start, end, min(start, trend_start), dialect)
    own = _sum(groups, "unit", period_only=True)
    # A key met only in days taken away sums to nothing: not a row of the report.
    procedures = {
        k: c for k, c in _sum(groups, "procedure", period_only=True).items() if c.received
    }
    months = {k: c for k, c in _sum(groups, "month", period_only=True).items() if c.received}
    trend = _sum([g for g in groups if g.key >= f"{trend_start:%Y-%m}"], "month")
    labels = {g.key: g.label for g in groups if g.by == "procedure" and g.label}
    rolled = _roll_up(own, tree, units)
    total = rolled.get(unit, Counts())
    names = {code: name for code, (name, _) in tree.items()}
    return Report(
        unit=unit,
        unit_name=names.get(unit, unit),
        start=start,
        end=end,
        max_points=max_points,
        generated_at=utc_now(),
        total=figures(unit, names.get(unit, unit), total, max_points),
        by_unit=[
            figures(code, names.get(code, code), counts, max_points)
            for code, counts in sorted(rolled.items())
        ],
        by_procedure=[
            figures(code, labels.get(code, code), counts, max_points)
            for code, counts in sorted(procedures.items())
        ],
        by_month=[figures(m, m, c, max_points) for m, c in sorted(months.items())],
        trend=[
            figures(m, m, trend.get(m, Counts()), max_points) for m in _month_keys(trend_start, end)
        ],
    )


@dataclass(frozen=True)
class _Group:
    by: str  # unit | procedure | month
    key: str
    label: str
    in_period: bool
    counts: Counts


def _one_pass(
    session: Session, units: set[str], start: date, end: date, since: date, dialect: str
) -> list[_Group]:
    """Counts per unit, per procedure and per month, each split by "in the period?", from
    ``since`` to ``end``: whole months from the sums the database keeps per unit,
    procedure and month (``dossier_counts``); a month cut by ``since``, ``start`` or
    ``end`` from the dossiers of its smaller side (see :func:`_plan`)."""
    groups: list[_Group] = []
    plan = _plan(since, start, end)
    plain = [p.first for p in plan if p.whole and p.inside is None]
    if plain:
        groups += _from_counts(session, units, plain, start)
    read: dict[tuple[date, date], list[_Group]] = {}
    for piece in plan:
        flag_from = start if piece.inside is None else date.min if piece.inside else date.max
        if piece.whole and piece.inside is not None:
            groups += _from_counts(session, units, [piece.first], flag_from)
        elif not piece.whole and (piece.first, piece.last) in read:
            # The same days again (a month cut by start: its smaller side taken from the
            # month's sums for the other side): the rows read once, counted as told.
            groups += [
                _Group(g.by, g.key, g.label, bool(piece.inside), _signed(g.counts, piece.sign))
                for g in read[piece.first, piece.last]
            ]
        elif not piece.whole:
            part = _from_dossiers(session, units, piece.first, piece.last, flag_from, dialect)
            read[piece.first, piece.last] = part
            groups += [
                _Group(g.by, g.key, g.label, g.in_period, _signed(g.counts, piece.sign))
                for g in part
            ]
    return groups


def _signed(counts: Counts, sign: int) -> Counts:
    if sign == 1:
        return counts
    return Counts(*(sign * getattr(counts, name) for name in _SUMS))


@dataclass(frozen=True)
class _Piece:
    """Part of the period to count: a whole month from ``dossier_counts`` or days from the
    dossiers; counted as in the period or not by date (``inside`` None) or as told;
    added (``sign`` 1) or taken away (-1)."""

    first: date
    last: date
    whole: bool
    inside: bool | None
    sign: int = 1


def _plan(since: date, start: date, end: date) -> list[_Piece]:
    """How to count [since, end] (``start`` splits in-period from trend-only days) reading
    as few dossier rows as possible: a whole month on one side of ``start`` is one read
    of its sums; a month cut by ``start`` alone is its smaller side from the dossiers
    plus the month's sums less that side for the other; a month cut by ``since`` or
    ``end`` alone is its needed days from the dossiers, or the month's sums less the
    days not needed, whichever reads fewer; any other month its days from the dossiers."""
    pieces: list[_Piece] = []
    first = date(since.year, since.month, 1)
    day = timedelta(days=1)
    while first <= end:
        following = _months_back(first, -1)
        last = following - day
        low, high = max(first, since), min(last, end)
        out = (low, min(high, start - day)) if low < start else None
        inn = (max(low, start), high) if high >= start else None
        outside = [r for r in ((first, low - day), (high + day, last)) if r[0] <= r[1]]
        if not outside and (out is None or inn is None):
            pieces.append(_Piece(first, last, True, None))
        elif not outside and out is not None and inn is not None:
            small, other = (out, True) if _days(out) <= _days(inn) else (inn, False)
            pieces += [
                _Piece(*small, False, None),
                _Piece(first, last, True, other),
                _Piece(*small, False, other, -1),
            ]
        elif len(outside) == 1 and (out is None) != (inn is None):
            needed, flag = (inn, True) if inn is not None else (out, False)
            assert needed is not None
            if _days(needed) <= _days(outside[0]):
                pieces.append(_Piece(*needed, False, flag))
            else:
                pieces += [
                    _Piece(first, last, True, flag),
                    _Piece(*outside[0], False, flag, -1),
                ]
        else:
            pieces.append(_Piece(low, high, False, None))
        first = following
    return pieces


def _days(span: tuple[date, date]) -> int:
    return (span[1] - span[0]).days + 1


def _from_counts(
    session: Session, units: set[str], months: list[date], start: date
) -> list[_Group]:
    """The groups of whole months, from ``dossier_counts`` (a few rows per unit and month)."""
    c = DossierCountRow
    inside = case((c.month >= start, 1), else_=0)
    scoped = (
        select(c, inside.label("inside"))
        .where(
            c.unit_code.in_(bindparam("units", sorted(units), expanding=True)),
            c.month.in_(bindparam("months", months, expanding=True)),
            c.received > 0,
        )
        .subquery("whole")
    )
    w = scoped.c
    sums = [func.sum(w[name]) for name in _SUMS]
    keys = {"unit": w.unit_code, "procedure": w.procedure_code, "month": cast(w.month, String)}
    parts = [
        select(
            literal(by).label("by"), k.label("key"), func.max(w.procedure_name), w.inside, *sums
        ).group_by(k, w.inside)
        for by, k in keys.items()
    ]
    return [_group(row[0], row[1], row, 2) for row in session.execute(union_all(*parts))]


def _from_dossiers(
    session: Session,
    units: set[str],
    first: date,
    last: date,
    start: date,
    dialect: str,
) -> list[_Group]:
    """The groups of the dossiers received in [first, last] (part of a month), counted from
    the dossier rows (index ``ix_dossiers_unit_received``)."""
    f = flags(units, first, last, dialect, start)
    sums = [
        func.count().label("received"),
        func.sum(digitised_of(f)).label("digitised"),
        func.sum(f.c.paper).label("paper"),
        func.sum(f.c.paper * f.c.result_ok).label("result_digitised"),
        func.sum(f.c.reused_ok).label("reused"),
    ]
    keys = {
        "unit": f.c.unit_code,
        "procedure": f.c.procedure_code,
        "month": cast(f.c.month, String),
    }
    label = func.max(f.c.procedure_name).label("label")
    if dialect == "postgresql":
        # One scan of the rows, grouped three ways (each key is never NULL in the data).
        sets = func.grouping_sets(*(tuple_(k, f.c.inside) for k in keys.values()))
        query = select(*keys.values(), label, f.c.inside, *sums).group_by(sets)
        return [
            _group(by, row[index], row, len(keys))
            for row in session.execute(query)
            for index, by in enumerate(keys)
            if row[index] is not None
        ]
    parts = [
        select(literal(by).label("by"), k.label("key"), label, f.c.inside, *sums).group_by(
            k, f.c.inside
        )
        for by, k in keys.items()
    ]
    return [_group(row[0], row[1], row, 2) for row in session.execute(union_all(*parts))]


_SUMS = ("received", "digitised", "paper", "result_digitised", "reused")


def _group(by: str, key: object, row: Any, offset: int) -> _Group:
    """A result row (by, key, label, inside, five sums) as a group; months as ``YYYY-MM``."""
    return _Group(
        by,
        month_key(key) if by == "month" else str(key),
        str(row[offset] or "") if by == "procedure" else "",
        bool(row[offset + 1]),
        Counts(*(int(v or 0) for v in row[offset + 2 :])),
    )


def _sum(groups: list[_Group], by: str, *, period_only: bool = False) -> dict[str, Counts]:
    sums: dict[str, Counts] = {}
    for group in groups:
        if group.by != by or (period_only and not group.in_period):
            continue
        sums[group.key] = sums.get(group.key, Counts()) + group.counts
    return sums


def _tree(session: Session, units: set[str]) -> dict[str, tuple[str, str | None]]:
    """code → (name, parent) for the units of the report."""
    known = {
        code: (name, parent)
        for code, name, parent in session.execute(
            select(UnitRow.code, UnitRow.name, UnitRow.parent_code).where(
                UnitRow.code.in_(sorted(units))
            )
        )
    }
    return {code: known.get(code, (code, None)) for code in units}


def _roll_up(
    own: dict[str, Counts], tree: dict[str, tuple[str, str | None]], units: set[str]
) -> dict[str, Counts]:
    """Each unit's counts including every unit below it (adds per-unit sums up the tree)."""
    rolled = {code: Counts() for code in units}
    for code, counts in own.items():
        for ancestor in _ancestors(code, tree):
            rolled[ancestor] = rolled[ancestor] + counts
    return rolled


def _ancestors(code: str, tree: dict[str, tuple[str, str | None]]) -> Iterable[str]:
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current in tree and current not in seen:
        seen.add(current)
        yield current
        current = tree[current][1]


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _month_keys(start: date, end: date) -> list[str]:
    keys, current = [], date(start.year, start.month, 1)
    while current <= end:
        keys.append(f"{current.year:04d}-{current.month:02d}")
        current = _months_back(current, -1)
    return keys
