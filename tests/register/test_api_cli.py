"""The register over the API (scopes, idempotent push, report, worklist, sync) and the CLI
(exit code 3 when rows were refused, the XLSX report with Vietnamese headers)."""

from __future__ import annotations

import os
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from sohoa.cli import app
from tests.api.conftest import api_settings, running
from tests.register.conftest import register_csv

API = "/api/v1"
CODE = "000.00.20.H56-250106-0001"
PUSH = {"dossiers": [
    {"MaHoSo": CODE, "MaTTHC": "1.001612", "NgayTiepNhan": "06/01/2025", "KenhThucHien": 1},
    {"MaHoSo": "000.00.20.H56-250106-0002", "MaTTHC": "1.001612", "KenhThucHien": 9},
]}  # fmt: skip


def test_a_one_stop_system_pushes_dossiers_and_integrators_read_the_figures(
    tmp_path: Path,
) -> None:
    with running(api_settings(tmp_path / "home")) as api:
        pusher, reader = api.auth("register"), api.auth("read")

        refused = api.client.post(f"{API}/register/dossiers", json=PUSH, headers=reader)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"

        first = api.client.post(f"{API}/register/dossiers", json=PUSH, headers=pusher).json()
        assert (first["imported"], first["refused"]) == (1, 1)
        assert first["refusals"][0]["index"] == 2 and "channel" in first["refusals"][0]["reason_en"]
        again = api.client.post(f"{API}/register/dossiers", json=PUSH, headers=pusher).json()
        assert (again["imported"], again["unchanged"]) == (0, 1)

        query = {"unit": "000.00.00.H56", "from": "01/01/2025", "to": "2025-01-31"}
        report = api.client.get(f"{API}/reports/digitisation", params=query, headers=reader)
        assert report.status_code == 200
        digitisation = report.json()["total"]["digitisation"]
        assert digitisation == {"numerator": 0, "denominator": 1, "rate": "0.00", "points": "0.00"}
        bad = api.client.get(
            f"{API}/reports/digitisation", params={**query, "from": "31/02/2025"}, headers=reader
        )
        assert bad.status_code == 400

        work = api.client.get(
            f"{API}/register/worklist", params={"unit": "000.00.00.H56"}, headers=reader
        ).json()
        assert [item["code"] for item in work["items"]] == [CODE]

        sync = api.client.get(
            f"{API}/sync/dossiers", params={"changed_since": "2000-01-01T00:00:00Z"}, headers=reader
        ).json()
        assert [d["MaHoSo"] for d in sync["dossiers"]] == [CODE] and sync["next"] is None
        assert (
            api.client.get(f"{API}/sync/dossiers", params={"changed_since": "x"}).status_code == 401
        )


def test_the_cli_imports_with_exit_code_3_for_refused_rows_and_writes_the_xlsx_report(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(tmp_path / "home")
    export = register_csv(
        tmp_path / "ho-so.csv",
        [
            f"{CODE};1.001612;Cấp GCN;;Đất đai;06/01/2025;1;;;1;;Nguyễn Văn An",
            "000.00.20.H56-250106-0002;1.001612;x;;;06/01/2025;7;;;0;;",
        ],
    )
    runner = CliRunner()
    imported = runner.invoke(app, ["register", "import", str(export)], env=env)
    assert imported.exit_code == 3, imported.output
    assert "imported: 1" in imported.output and "refused: 1" in imported.output
    assert "Nguyễn" not in imported.output
    assert (tmp_path / "ho-so.errors.csv").exists()

    xlsx = tmp_path / "bao-cao.xlsx"
    report = runner.invoke(
        app,
        ["report", "--unit", "000.00.00.H56", "--from", "01/01/2025", "--to", "31/01/2025",
         "--xlsx", str(xlsx)],
        env=env,
    )  # fmt: skip
    assert report.exit_code == 0, report.output
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames[:2] == ["Tổng hợp", "Theo đơn vị"]
    rows = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert rows[0][0] and "QĐ 766" in str(rows[0][0])
    header = rows[5]
    assert header[2] == "Tổng số hồ sơ tiếp nhận" and header[4] == "Tỷ lệ số hóa hồ sơ (%)"
    assert rows[6][2] == 1 and rows[6][4] == 0.0

    bad = runner.invoke(
        app, ["report", "--unit", "X", "--from", "32/01/2025", "--to", "2025-01-31"], env=env
    )
    assert bad.exit_code == 2 and "Traceback" not in bad.output
