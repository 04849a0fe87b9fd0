"""Importing the register: real CSV, XLSX and JSON exports, bad rows refused with their row
number and reason, re-imports change only what changed and leave an event for each change."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from sqlalchemy import select

from sohoa.register.fields import load_mapping
from sohoa.register.importer import ImportOptions, import_file, import_records
from sohoa.storage.database import Database
from sohoa.storage.register_models import DossierRow, RegisterEventRow
from tests.register.conftest import register_csv

GOOD = [
    "000.00.20.H56-250106-0001;1.001612;Cấp giấy chứng nhận;000.00.20.H56;Đất đai;"
    "06/01/2025 08:15;1;20/01/2025;;1;Đang xử lý;Nguyễn Văn An",
    "000.00.20.H56-250107-0002;1.001612.000.00.00.H56;Cấp giấy chứng nhận;;Đất đai;"
    "07/01/2025;2;;15/01/2025;0;Đã trả kết quả;Trần Thị Bình",
    "000.17.20.H56-250108-0003;2.000123;Đăng ký khai sinh;000.17.20.H56;Hộ tịch;"
    "2025-01-08;3;;;1;Đã tiếp nhận;Lê Văn Cường",
]
BAD = [
    # row 5: impossible date inside the code
    "000.00.20.H56-250230-0004;1.001612;x;;;;1;;;0;;Phạm D",
    # row 6: 31 February
    "000.00.20.H56-250110-0005;1.001612;x;;;31/02/2025;1;;;0;;Phạm E",
    # row 7: unknown channel
    "000.00.20.H56-250110-0006;1.001612;x;;;10/01/2025;4;;;0;;Phạm F",
    # row 8: bad procedure code
    "000.00.20.H56-250110-0007;1.0016;x;;;10/01/2025;1;;;0;;Phạm G",
]


def options(**overrides: object) -> ImportOptions:
    return ImportOptions(actor="test", **overrides)  # type: ignore[arg-type]


def rows(database: Database) -> dict[str, DossierRow]:
    with database.sessions() as session:
        return {row.code: row for row in session.scalars(select(DossierRow))}


def events(database: Database) -> list[RegisterEventRow]:
    with database.sessions() as session:
        return list(session.scalars(select(RegisterEventRow).order_by(RegisterEventRow.id)))


def test_a_one_stop_csv_imports_its_good_rows_and_refuses_the_bad_ones_by_row(
    database: Database, tmp_path: Path
) -> None:
    export = register_csv(tmp_path / "ho-so.csv", GOOD + BAD)
    result = import_file(database, export, options())

    assert (result.counts.imported, result.counts.refused) == (3, 4)
    assert [r.row for r in result.refusals] == [5, 6, 7, 8]
    reasons = [r.reason_en for r in result.refusals]
    assert "240230" not in reasons[0] and "250230 is not a real date" in reasons[0]
    assert "reception date '31/02/2025' is not a real date" in reasons[1]
    assert "channel '4'" in reasons[2] and "kênh thực hiện '4'" in result.refusals[2].reason_vi
    assert "procedure code '1.0016'" in reasons[3]

    stored = rows(database)
    first = stored["000.00.20.H56-250106-0001"]
    assert (first.received_on, first.channel, first.paper_result) == (date(2025, 1, 6), 1, True)
    assert first.due_on == date(2025, 1, 20) and first.result_on is None
    assert first.applicant_name is None, "personal data is not kept unless the setting says so"
    second = stored["000.00.20.H56-250107-0002"]
    assert second.unit_code == "000.00.20.H56", "an empty unit is the code's agency part"
    assert second.procedure_code == "1.001612.000.00.00.H56"

    assert result.error_file == tmp_path / "ho-so.errors.csv"
    with result.error_file.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0][:4] == ["Dòng", "Lý do", "reason_en", "Mã hồ sơ"]
    assert [line[0] for line in table[1:]] == ["5", "6", "7", "8"]
    assert table[2][3] == "000.00.20.H56-250110-0005"
    assert "Phạm" not in result.error_file.read_text("utf-8-sig"), "names blanked"


def test_reimport_changes_only_what_changed_and_records_each_change(
    database: Database, tmp_path: Path
) -> None:
    import_file(database, register_csv(tmp_path / "a.csv", GOOD), options())
    created = len(events(database))
    assert created == 3

    edited = [GOOD[0].replace(";;1;Đang xử lý;", ";24/01/2025;1;Đã trả kết quả;"), *GOOD[1:]]
    result = import_file(database, register_csv(tmp_path / "b.csv", edited), options())

    assert (result.counts.imported, result.counts.changed, result.counts.unchanged) == (0, 1, 2)
    last = events(database)[created:]
    assert len(last) == 1
    assert last[0].dossier_code == "000.00.20.H56-250106-0001" and last[0].actor == "test"
    assert last[0].changes == {
        "result_on": [None, "2025-01-24"],
        "status": ["Đang xử lý", "Đã trả kết quả"],
    }
    again = import_file(database, register_csv(tmp_path / "c.csv", edited), options())
    assert again.counts.unchanged == 3 and len(events(database)) == created + 1


def test_applicant_names_are_kept_only_when_asked_and_never_in_events(
    database: Database, tmp_path: Path
) -> None:
    import_file(database, register_csv(tmp_path / "a.csv", GOOD[:1]), options(keep_applicant=True))
    assert rows(database)["000.00.20.H56-250106-0001"].applicant_name == "Nguyễn Văn An"
    assert "Nguyễn" not in json.dumps(events(database)[0].changes, ensure_ascii=False)


def test_an_xlsx_export_with_typed_cells_imports(database: Database, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["MÃ HỒ SƠ", "Mã TTHC", "Ngày tiếp nhận", "Kênh thực hiện", "Có kết quả giấy"])
    sheet.append(["000.00.20.H56-250106-0001", "1.001612", datetime(2025, 1, 6, 9, 30), 1, 1])
    sheet.append(["000.00.20.H56-250106-0002", "1.001612", "06/01/2025", "2", 0])
    sheet.append(["000.00.20.H56-250106-0003", "1.001612", "hôm qua", 1, 0])
    book.save(tmp_path / "ho-so.xlsx")

    result = import_file(database, tmp_path / "ho-so.xlsx", options())

    assert (result.counts.imported, [r.row for r in result.refusals]) == (2, [4])
    assert rows(database)["000.00.20.H56-250106-0001"].received_on == date(2025, 1, 6)


def test_a_province_mapping_file_reads_its_own_headers(database: Database, tmp_path: Path) -> None:
    mapping = tmp_path / "tinh.yaml"
    mapping.write_text("code: Số hồ sơ\nreceived_on: [Ngày nhận]\nchannel: Hình thức\n", "utf-8")
    export = tmp_path / "tinh.csv"
    export.write_text(
        "Số hồ sơ,Mã TTHC,Ngày nhận,Hình thức\n000.00.20.H56-250106-0001,1.001612,06/01/2025,1\n",
        "utf-8",
    )
    result = import_file(database, export, options(mapping=load_mapping(mapping)))
    assert result.counts.imported == 1 and result.complete


def test_json_records_are_idempotent_by_code(database: Database) -> None:
    pushed = [
        {"MaHoSo": "000.00.20.H56-250106-0001", "MaTTHC": "1.001612", "NgayTiepNhan": "2025-01-06",
         "KenhThucHien": 2, "DuocSoHoa": True},
    ]  # fmt: skip
    first = import_records(database, pushed, options())
    second = import_records(database, pushed, options())
    assert (first.counts.imported, second.counts.unchanged) == (1, 1)
    assert rows(database)["000.00.20.H56-250106-0001"].online_digitised is True
