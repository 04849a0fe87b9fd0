"""The report's fast path (the sums ``dossier_counts`` keeps per unit, month and procedure,
plus the partial months counted from the dossiers) gives exactly what counting every
dossier and its stored documents gives, after imports, re-imports that move a dossier,
documents stored before and after the register knew the dossier, a revocation and reuse.

The reference below is the straightforward computation, in Python, from the rows: no
flag, no sum, no trigger."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date

from sqlalchemy import select

from sohoa.register.importer import ImportOptions, import_records
from sohoa.register.report import Counts, Report, digitisation_report
from sohoa.register.units import units_below
from sohoa.storage.catalog import Catalog
from sohoa.storage.database import Database
from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierCountRow, DossierRow
from tests.register.conftest import COMMUNE, DISTRICT, OTHER_DISTRICT, PROVINCE, store_document

UNITS = (DISTRICT, COMMUNE, OTHER_DISTRICT, PROVINCE)
PROCEDURES = ("1.001612", "2.000046", "1.004227")


def reference_rows(database: Database) -> list[tuple[str, str, str, date, Counts]]:
    """(code, unit, procedure, received_on, the dossier's 0/1 counts) from the raw rows."""
    with database.sessions() as session:
        documents = session.execute(
            select(Document.dossier_code, Document.kind, Document.reused).where(
                Document.status == "stored"
            )
        ).all()
        dossiers = session.scalars(select(DossierRow)).all()
        kinds: dict[str, set[str]] = defaultdict(set)
        for code, kind, reused in documents:
            kinds[code].add(kind)
            if reused:
                kinds[code].add("reused")
        rows = []
        for d in dossiers:
            have = kinds[d.code]
            online = d.channel == 2
            intake = bool(d.online_digitised) if online else "intake" in have
            result = "result" in have
            reused = bool(online and d.online_reused) or "reused" in have
            digitised = intake and (not d.paper_result or result)
            counts = Counts(
                1, int(digitised), int(d.paper_result), int(d.paper_result and result), int(reused)
            )
            rows.append((d.code, d.unit_code, d.procedure_code, d.received_on, counts))
    return rows


def expected(database: Database, unit: str, start: date, end: date) -> dict[str, dict[str, Counts]]:
    """What each section of the report must count, the straightforward way."""
    rows = reference_rows(database)
    below = {code: units_below(database, code) for code in units_below(database, unit)}
    sections: dict[str, dict[str, Counts]] = {"by_unit": {}, "by_procedure": {}, "by_month": {}}
    for code in below:
        sections["by_unit"][code] = Counts()
    for _, row_unit, procedure, day, counts in rows:
        if row_unit not in below[unit] or not start <= day <= end:
            continue
        for code, under in below.items():
            if row_unit in under:
                sections["by_unit"][code] += counts
        month = f"{day:%Y-%m}"
        for section, key in (("by_procedure", procedure), ("by_month", month)):
            sections[section][key] = sections[section].get(key, Counts()) + counts
    return sections


def trend_expected(database: Database, unit: str, end: date) -> dict[str, Counts]:
    first = date(end.year - 1 + end.month // 12, end.month % 12 + 1, 1)
    months = expected(database, unit, first, end)["by_month"]
    return {key: counts for key, counts in months.items()}


def shown(report: Report) -> dict[str, dict[str, Counts]]:
    return {
        "by_unit": {f.key: f.counts for f in report.by_unit},
        "by_procedure": {f.key: f.counts for f in report.by_procedure},
        "by_month": {f.key: f.counts for f in report.by_month},
    }


def code_of(unit: str, day: date, serial: int) -> str:
    return f"{unit}-{day:%y%m%d}-{serial:04d}"


def generated(rng: random.Random, count: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for serial in range(1, count + 1):
        day = date(2025, 1, 1).fromordinal(date(2024, 11, 1).toordinal() + rng.randrange(420))
        unit = rng.choice(UNITS)
        channel = rng.choice((1, 1, 2, 3))
        rows.append(
            {
                "Mã hồ sơ": code_of(unit, day, serial),
                "Mã TTHC": rng.choice(PROCEDURES),
                "Tên TTHC": "Thủ tục",
                "Ngày tiếp nhận": f"{day:%d/%m/%Y}",
                "Kênh thực hiện": channel,
                "Có kết quả giấy": rng.choice((0, 1)),
                "DuocSoHoa": int(channel == 2 and rng.random() < 0.7),
                "DuocTaiSuDung": int(channel == 2 and rng.random() < 0.3),
            }
        )
    return rows


PERIODS = (
    (PROVINCE, date(2025, 1, 1), date(2025, 12, 31)),  # whole months only: sums alone
    (PROVINCE, date(2025, 3, 17), date(2025, 9, 4)),  # cut months at both ends
    (DISTRICT, date(2025, 2, 10), date(2025, 2, 20)),  # inside one month
    (PROVINCE, date(2024, 11, 15), date(2025, 12, 31)),  # longer than the trend
    (OTHER_DISTRICT, date(2025, 6, 1), date(2025, 6, 30)),
    # Months cut on either side, so each is read as its days or as its sums less the rest.
    (PROVINCE, date(2025, 3, 5), date(2025, 9, 25)),
    (DISTRICT, date(2024, 11, 25), date(2025, 12, 20)),
    (PROVINCE, date(2024, 11, 5), date(2025, 10, 31)),
    (COMMUNE, date(2025, 2, 27), date(2025, 3, 2)),
)


def check_every_period(database: Database) -> None:
    for unit, start, end in PERIODS:
        report = digitisation_report(database, unit, start, end)
        assert shown(report) == expected(database, unit, start, end), (unit, start, end)
        trend = {f.key: f.counts for f in report.trend if f.counts.received}
        assert trend == trend_expected(database, unit, end), (unit, end)
    # And the sums themselves: one cell per (unit, month, procedure) as counted.
    with database.sessions() as session:
        kept = {
            (r.unit_code, f"{r.month:%Y-%m}", r.procedure_code): Counts(
                r.received, r.digitised, r.paper, r.result_digitised, r.reused
            )
            for r in session.scalars(select(DossierCountRow))
            if r.received
        }
    counted: dict[tuple[str, str, str], Counts] = {}
    for _, unit, procedure, day, counts in reference_rows(database):
        key = (unit, f"{day:%Y-%m}", procedure)
        counted[key] = counted.get(key, Counts()) + counts
    assert kept == counted


def test_the_fast_report_equals_counting_every_dossier_through_its_whole_life(
    catalog: Catalog,
) -> None:
    database, rng = catalog.database, random.Random(20251127)
    rows = generated(rng, 160)
    early = rows[:20]
    # Documents stored before the register knows their dossiers (the import must count them).
    for row in early[:10]:
        store_document(catalog, str(row["Mã hồ sơ"]), "intake")
    import_records(database, rows, ImportOptions(actor="test"))
    check_every_period(database)

    # Stores, results and reuse through the catalog, as the counter and the API do them.
    codes = [str(r["Mã hồ sơ"]) for r in rows]
    stored = []
    for code in rng.sample(codes, 70):
        stored.append(store_document(catalog, code, "intake"))
    for code in rng.sample(codes, 40):
        store_document(catalog, code, "result")
    for code in rng.sample(codes, 15):
        source = rng.choice(stored)
        if source.dossier_code != code:
            catalog.attach_existing(code, "intake", source.id, actor="clerk")
    check_every_period(database)

    # A revocation leaves the document stored (and counted); a second page changes nothing.
    for record in rng.sample(stored, 5):
        catalog.revoke(record.id, "cấp nhầm", actor="clerk")
    for record in stored[:5]:
        store_document(catalog, record.dossier_code, "intake")
    check_every_period(database)

    # Re-imports that move dossiers across units, months, procedures, channels and results.
    moved = []
    for row in rng.sample(rows, 40):
        day = date(2025, rng.randrange(1, 13), rng.randrange(1, 29))
        moved.append(
            {
                **row,
                "Mã đơn vị": rng.choice(UNITS),
                "Mã TTHC": rng.choice(PROCEDURES),
                "Ngày tiếp nhận": f"{day:%d/%m/%Y}",
                "Kênh thực hiện": rng.choice((1, 2, 3)),
                "Có kết quả giấy": rng.choice((0, 1)),
                "DuocSoHoa": rng.choice((0, 1)),
            }
        )
    import_records(database, moved, ImportOptions(actor="test"))
    import_records(database, moved, ImportOptions(actor="test"))  # again: nothing changes
    check_every_period(database)
