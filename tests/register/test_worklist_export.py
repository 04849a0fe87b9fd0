"""The worklist's CSV export: every undigitised dossier of the unit and the units below it,
oldest first, the same file however many queries it takes to read them, and the unit tree
looked up once for the whole export (not once per query)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from sohoa.register import worklist as worklist_module
from sohoa.register.importer import ImportOptions, import_records
from sohoa.register.units import units_below_in
from sohoa.register.worklist import worklist, worklist_csv
from sohoa.storage.database import Database
from tests.register.conftest import COMMUNE, DISTRICT, OTHER_DISTRICT, PROVINCE

TODAY = date(2025, 3, 1)


def dossiers(database: Database) -> list[str]:
    """30 undigitised dossiers under the province (district and commune, counter and post,
    some days with two) and one of another province's unit; the province's codes, oldest
    first."""
    rows = [
        {"Mã hồ sơ": f"{unit}-2501{day:02d}-{n:04d}", "Mã TTHC": "1.001612",
         "Kênh thực hiện": 1 if n % 2 else 3, "Tên TTHC": f"=thủ tục {n}"}
        for n, (unit, day) in enumerate(
            [(DISTRICT, 1 + i // 2) for i in range(20)] + [(COMMUNE, 5 + i) for i in range(10)],
            start=1,
        )
    ]  # fmt: skip
    rows.append({"Mã hồ sơ": "000.00.20.H57-250101-0099", "Mã TTHC": "1.001612",
                 "Kênh thực hiện": 1})  # fmt: skip
    import_records(database, rows, ImportOptions(actor="test"))
    return [w.code for w in worklist(database, PROVINCE, limit=100, today=TODAY).items]


@pytest.fixture
def tree_lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The units whose tree the worklist module looked up (it still looks them up)."""
    asked: list[str] = []

    def counted(session: object, code: str) -> set[str]:
        asked.append(code)
        return units_below_in(session, code)  # type: ignore[arg-type]

    monkeypatch.setattr(worklist_module, "units_below_in", counted)
    return asked


def test_an_export_read_in_many_queries_is_the_same_file_and_looks_the_tree_up_once(
    database: Database, monkeypatch: pytest.MonkeyPatch, tree_lookups: list[str]
) -> None:
    codes = dossiers(database)
    assert len(codes) == 30 and not any(c.startswith("000.00.20.H57") for c in codes)
    tree_lookups.clear()
    whole, count = worklist_csv(database, PROVINCE, today=TODAY)
    assert count == 30 and tree_lookups == [PROVINCE]

    tree_lookups.clear()
    monkeypatch.setattr(worklist_module, "CSV_PAGE", 4)  # 8 queries of at most 4 rows
    paged, paged_count = worklist_csv(database, PROVINCE, today=TODAY)
    assert (paged, paged_count) == (whole, count)
    assert tree_lookups == [PROVINCE], "the unit tree is looked up once per export"

    table = list(csv.reader(io.StringIO(whole.decode("utf-8-sig"))))
    assert table[0] == worklist_module.CSV_HEADERS
    assert [row[0] for row in table[1:]] == codes  # the worklist's rows, in its order
    first = table[1]
    assert first[3].startswith("'=")  # a would-be formula stays text
    assert first[4] == "01/01/2025" and first[6] == str((TODAY - date(2025, 1, 1)).days)
    assert {row[7] for row in table[1:]} == {"hồ sơ"}  # intake missing, at the counter or by post


def test_a_sub_units_export_has_only_its_own_dossiers(
    database: Database, monkeypatch: pytest.MonkeyPatch, tree_lookups: list[str]
) -> None:
    dossiers(database)
    tree_lookups.clear()
    monkeypatch.setattr(worklist_module, "CSV_PAGE", 3)
    body, count = worklist_csv(database, COMMUNE, today=TODAY)
    table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert count == 10 and {row[1] for row in table[1:]} == {COMMUNE}
    assert tree_lookups == [COMMUNE]
    assert worklist_csv(database, OTHER_DISTRICT, today=TODAY)[1] == 0
