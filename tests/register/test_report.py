"""The QĐ 766 figures on a small case worked out by hand, the unit tree roll-up, the
worklist and the sync fields (spec §6)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from sohoa.register.importer import ImportOptions, import_records
from sohoa.register.report import digitisation_report, indicator
from sohoa.register.sync import sync_page
from sohoa.register.units import dossier_unit, units_below
from sohoa.register.worklist import worklist
from sohoa.storage.catalog import Catalog
from sohoa.storage.database import Database
from tests.register.conftest import (
    COMMUNE,
    DISTRICT,
    OTHER_DISTRICT,
    PROVINCE,
    store_document,
)

A = f"{DISTRICT}-250106-0001"  # counter, paper result; intake and result stored → digitised
B = f"{DISTRICT}-250107-0002"  # counter, paper result returned; intake only → not digitised
C = f"{COMMUNE}-250108-0003"  # post, no paper result; intake reused → digitised
D = f"{COMMUNE}-250203-0004"  # online, the one-stop system says digitised → digitised
E = f"{OTHER_DISTRICT}-250204-0005"  # counter, nothing stored → not digitised
EARLIER = f"{DISTRICT}-241201-0009"  # December 2024: outside the period


def dossier(code: str, channel: int, paper: int, **more: object) -> dict[str, object]:
    return {"Mã hồ sơ": code, "Mã TTHC": "1.001612", "Kênh thực hiện": channel,
            "Có kết quả giấy": paper, **more}  # fmt: skip


@pytest.fixture
def office(catalog: Catalog) -> Catalog:
    database = catalog.database
    import_records(
        database,
        [
            dossier(A, 1, 1),
            dossier(B, 1, 1, **{"Ngày trả kết quả": "20/01/2025"}),
            dossier(C, 3, 0),
            dossier(D, 2, 0, DuocSoHoa=1),
            dossier(E, 1, 0),
            dossier(EARLIER, 1, 0),
        ],
        ImportOptions(actor="test"),
    )
    store_document(catalog, A, "intake")
    store_document(catalog, A, "result")
    store_document(catalog, B, "intake")
    earlier = store_document(catalog, EARLIER, "intake")
    catalog.attach_existing(C, "intake", earlier.id, actor="clerk")
    return catalog


def test_the_three_rates_for_the_province_match_the_hand_count(office: Catalog) -> None:
    report = digitisation_report(office.database, PROVINCE, date(2025, 1, 1), date(2025, 12, 31))
    total = report.total
    # 5 received; A, C, D digitised; 2 with a paper result, A's result stored; C reused.
    assert total.digitisation == indicator(3, 5)
    assert (total.digitisation.rate, total.digitisation.points) == (
        Decimal("60.00"),
        Decimal("0.75"),
    )
    assert (total.electronic_result.numerator, total.electronic_result.denominator) == (1, 2)
    assert (total.electronic_result.rate, total.electronic_result.points) == (
        Decimal("50.00"),
        Decimal("0.63"),  # 0.625 rounds half up
    )
    assert (total.reuse.numerator, total.reuse.rate, total.reuse.points) == (
        1,
        Decimal("20.00"),
        Decimal("0.25"),
    )


def test_a_unit_report_includes_the_units_below_it(office: Catalog) -> None:
    database = office.database
    assert units_below(database, DISTRICT) == {DISTRICT, COMMUNE}
    assert units_below(database, PROVINCE) == {PROVINCE, DISTRICT, COMMUNE, OTHER_DISTRICT}
    report = digitisation_report(database, DISTRICT, date(2025, 1, 1), date(2025, 12, 31))
    assert (report.total.digitisation.numerator, report.total.digitisation.denominator) == (3, 4)
    assert report.total.digitisation.points == Decimal("0.94")  # 75 / 80
    by_unit = {f.key: f.counts.received for f in report.by_unit}
    assert by_unit == {DISTRICT: 4, COMMUNE: 2}
    by_month = {f.key: f.counts.received for f in report.by_month}
    assert by_month == {"2025-01": 3, "2025-02": 1}
    assert [f.key for f in report.trend][-1] == "2025-12" and len(report.trend) == 12


def test_rates_round_half_up_score_full_from_80_percent_and_are_na_without_dossiers() -> None:
    assert indicator(2, 3) == indicator(2, 3, Decimal(1))
    assert (indicator(2, 3).rate, indicator(2, 3).points) == (Decimal("66.67"), Decimal("0.83"))
    assert (indicator(4, 5).rate, indicator(4, 5).points) == (Decimal("80.00"), Decimal("1.00"))
    assert indicator(9, 10).points == Decimal("1.00")
    assert indicator(1, 2, Decimal(2)).points == Decimal("1.25")
    na = indicator(0, 0)
    assert (na.rate, na.points, na.denominator) == (None, None, 0)


def test_a_unit_with_no_dossiers_in_the_period_reads_na(office: Catalog) -> None:
    report = digitisation_report(office.database, PROVINCE, date(2030, 1, 1), date(2030, 1, 31))
    assert report.total.digitisation.rate is None and report.total.electronic_result.rate is None


def test_the_worklist_lists_what_a_clerk_must_still_scan_oldest_first(office: Catalog) -> None:
    page = worklist(office.database, PROVINCE, today=date(2025, 2, 14))
    # B: result returned on paper but not scanned; E: counter intake not scanned.
    # A and C are done, D is online (not scanned at the counter).
    assert [(i.code, i.intake_missing, i.result_missing) for i in page.items] == [
        (B, False, True),
        (E, True, False),
    ]
    assert [i.days_waiting for i in page.items] == [38, 10]
    first = worklist(office.database, PROVINCE, limit=1, today=date(2025, 2, 14))
    assert [i.code for i in first.items] == [B] and first.next_after is not None
    rest = worklist(office.database, PROVINCE, after=first.next_after, limit=1)
    assert [i.code for i in rest.items] == [E] and rest.next_after is None


def test_a_dossier_belongs_to_the_registers_unit_else_its_codes_agency(office: Catalog) -> None:
    assert dossier_unit(office.database, C.lower()) == COMMUNE
    assert dossier_unit(office.database, "000.00.33.H56-250101-0001") == "000.00.33.H56"


def test_sync_fields_flag_digitised_and_reused_files_and_link_results(office: Catalog) -> None:
    since = datetime(2000, 1, 1, tzinfo=UTC)
    page = sync_page(office.database, since, "https://sohoa.example/")
    fields = {d.code: d.fields for d in page.dossiers}
    assert fields[A]["KetQua"] == [
        {
            "MaGiayToKetQua": f"{A}-KQ1",
            "DuocTaiSuDung": False,
            "DuongDanTepTinKetQua": f"https://sohoa.example/api/v1/cases/{A}/documents/{A}-KQ1",
            "DaThuHoi": False,
            "ThoiDiemThuHoi": None,
        }
    ]
    assert fields[C]["ThanhPhanHoSo"][0]["DuocSoHoa"] is True
    assert fields[C]["ThanhPhanHoSo"][0]["DuocTaiSuDung"] is True
    assert fields[E] == {"MaHoSo": E, "ThanhPhanHoSo": [], "KetQua": []}

    pages, after = [], None
    while True:
        one = sync_page(office.database, since, "http://x", after=after, limit=2)
        pages.append([d.code for d in one.dossiers])
        if one.next_after is None:
            break
        after = one.next_after
    assert sorted(c for p in pages for c in p) == sorted({A, B, C, D, E, EARLIER})
    later = sync_page(office.database, page.dossiers[-1].changed_at, "http://x")
    assert later.dossiers == []

    result = next(d for d in office.documents(A) if d.kind == "result")
    office.revoke(result.id, "cấp nhầm", actor="clerk")
    revoked = sync_page(office.database, page.dossiers[-1].changed_at, "http://x")
    assert [d.code for d in revoked.dossiers] == [A], "a revocation is a change the sync sees"
    assert revoked.dossiers[0].fields["KetQua"][0]["DaThuHoi"] is True


def test_sync_for_some_units_goes_by_the_registers_unit_else_the_codes_agency(
    office: Catalog,
) -> None:
    """The filter of a unit-bound API key's sync/dossiers, in SQL on SQLite and PostgreSQL:
    a dossier only the store knows (no register row) belongs to its code's agency."""
    unregistered = "000.00.33.H56-250101-0007"
    store_document(office, unregistered, "intake")
    since = datetime(2000, 1, 1, tzinfo=UTC)

    def synced(*units: str) -> set[str]:
        return {d.code for d in sync_page(office.database, since, "http://x", units=units).dossiers}

    assert synced(DISTRICT) == {A, B, EARLIER}
    assert synced(COMMUNE, f" {OTHER_DISTRICT.lower()} ") == {C, D, E}
    assert synced("000.00.33.H56") == {unregistered}
    assert synced() == set()
    assert unregistered in {d.code for d in sync_page(office.database, since, "http://x").dossiers}


def test_attaching_an_existing_document_reuses_its_object(office: Catalog) -> None:
    attached = [d for d in office.documents(C) if d.reused]
    assert len(attached) == 1
    source = office.document(attached[0].reused_from or 0)
    assert source is not None and attached[0].key == source.key
    again = office.attach_existing(C, "intake", source.id, actor="clerk")
    assert again.id == attached[0].id, "attaching twice files it once"


def test_units_from_a_file_take_their_names_and_parents(database: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sohoa.register.importer import import_unit_file

    units = tmp_path / "don-vi.csv"
    units.write_text(
        "\ufeffMã đơn vị;Tên đơn vị;Mã đơn vị cha\n"
        "H56;UBND tỉnh Khánh Hòa;\nH56.20;UBND thành phố Nha Trang;H56\n"
        "H56.20.01;UBND phường Lộc Thọ;H56.20\n",
        "utf-8",
    )
    assert import_unit_file(database, units) == 3
    assert units_below(database, "H56") == {"H56", "H56.20", "H56.20.01"}
    report = digitisation_report(database, "H56", date(2025, 1, 1), date(2025, 1, 31))
    assert report.unit_name == "UBND tỉnh Khánh Hòa"


def test_each_count_of_the_report_lists_the_dossiers_behind_it(office: Catalog) -> None:
    from sohoa.register.drilldown import Scope, dossiers_behind

    year = Scope(PROVINCE, date(2025, 1, 1), date(2025, 12, 31))
    database = office.database

    def codes(scope: Scope, measure: str) -> list[str]:
        return [d.code for d in dossiers_behind(database, scope, measure).items]  # type: ignore[arg-type]

    assert codes(year, "digitised") == [A, C, D]  # oldest first
    assert codes(year, "not_digitised") == [B, E]
    assert codes(year, "paper") == [A, B] and codes(year, "result_digitised") == [A]
    assert codes(year, "reused") == [C]
    february = Scope(PROVINCE, year.start, year.end, month="2025-02")
    assert codes(february, "received") == [D, E]
    commune = Scope(DISTRICT, year.start, year.end, sub_unit=COMMUNE)
    assert codes(commune, "received") == [C, D]
    outside = Scope(DISTRICT, year.start, year.end, sub_unit=OTHER_DISTRICT)
    assert codes(outside, "received") == [], "a sub-unit outside the unit finds nothing"
    first = dossiers_behind(database, year, "received", limit=2)
    assert [d.code for d in first.items] == [A, B] and first.next_after is not None
    rest = dossiers_behind(database, year, "received", after=first.next_after, limit=2)
    assert [d.code for d in rest.items] == [C, D]
