"""The worklist per receiving clerk, and applicants' names (personal data, NĐ 13/2023):
kept only when the office chose to, shown only when asked for by whom may see them
(a ``personal`` API key; the CLI's explicit option), every such disclosure recorded,
never in logs, reports, sync fields or webhooks."""

from __future__ import annotations

import json
import logging
import os
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from sohoa.cli import app
from sohoa.register.export import csv_bytes, report_json, xlsx_bytes
from sohoa.register.fields import merge_mapping
from sohoa.register.importer import ImportOptions, import_file, import_records
from sohoa.register.report import digitisation_report
from sohoa.register.report_pdf import report_pdf
from sohoa.register.sync import sync_page
from sohoa.register.worklist import worklist, worklist_csv
from sohoa.settings import Settings
from sohoa.storage.catalog import Catalog
from sohoa.storage.database import Database
from sohoa.storage.events import events_for
from sohoa.storage.keeping_models import EventRow
from sohoa.storage.webhook_models import WebhookDeliveryRow
from sohoa.storage.webhooks import add_webhook
from tests.api.conftest import api_settings, running
from tests.register.conftest import DISTRICT, PROVINCE, register_csv, store_document

#: A planted applicant: it must never reach a log, a report or a sync feed.
APPLICANT = "Phạm Thị Ngờ Vực"
MINE = f"{DISTRICT}-250106-0001"
THEIRS = f"{DISTRICT}-250107-0002"
NOBODYS = f"{DISTRICT}-250108-0003"
API = "/api/v1"


def rows(clerk_header: str = "Cán bộ tiếp nhận") -> list[dict[str, object]]:
    base = {"Mã TTHC": "1.001612", "Kênh thực hiện": 1, "Họ tên người nộp": APPLICANT}
    return [
        {**base, "Mã hồ sơ": MINE, clerk_header: "canbo"},
        {**base, "Mã hồ sơ": THEIRS, clerk_header: "canbo-khac"},
        {**base, "Mã hồ sơ": NOBODYS},
    ]


def test_the_worklist_is_per_clerk_when_the_register_names_the_receiving_officer(
    database: Database,
) -> None:
    import_records(database, rows(), ImportOptions(actor="test"))

    assert [w.code for w in worklist(database, PROVINCE, clerk="canbo").items] == [MINE]
    everyone = worklist(database, PROVINCE).items
    assert [(w.code, w.clerk) for w in everyone] == [
        (MINE, "canbo"),
        (THEIRS, "canbo-khac"),
        (NOBODYS, None),
    ]
    # A later push without the column (spec §8 has none) keeps what the register knew.
    import_records(
        database, [{"Mã hồ sơ": MINE, "Mã TTHC": "1.001612", "Kênh thực hiện": 3}],
        ImportOptions(actor="test"),
    )  # fmt: skip
    assert [w.code for w in worklist(database, PROVINCE, clerk="canbo").items] == [MINE]


def test_a_province_names_its_clerk_column_in_the_mapping_file(database: Database) -> None:
    mapping = merge_mapping({"clerk": "Người nhận hồ sơ"})
    import_records(database, rows("Người nhận hồ sơ"), ImportOptions("test", mapping=mapping))
    assert [w.code for w in worklist(database, PROVINCE, clerk="canbo-khac").items] == [THEIRS]


def test_names_are_not_kept_unless_the_office_chose_to_and_shown_only_when_asked(
    database: Database,
) -> None:
    import_records(database, rows()[:1], ImportOptions(actor="test"))
    assert worklist(database, PROVINCE, personal=True).items[0].applicant_name is None

    import_records(database, rows()[:1], ImportOptions(actor="test", keep_applicant=True))
    assert worklist(database, PROVINCE).items[0].applicant_name is None, "not asked"
    assert worklist(database, PROVINCE, personal=True).items[0].applicant_name == APPLICANT
    plain, _ = worklist_csv(database, PROVINCE)
    named, count = worklist_csv(database, PROVINCE, personal=True)
    assert APPLICANT not in plain.decode("utf-8-sig") and "Họ tên" not in plain.decode("utf-8-sig")
    assert APPLICANT in named.decode("utf-8-sig") and count == 1
    assert "Cán bộ tiếp nhận" in plain.decode("utf-8-sig")


def test_reports_sync_fields_webhooks_and_logs_never_carry_an_applicants_name(
    catalog: Catalog, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    database = catalog.database
    add_webhook(
        database,
        "https://dongbo.example/hook",
        "bi-mat-dong-bo-0123456789",
        ("document.stored", "document.revoked"),
    )
    with caplog.at_level(logging.DEBUG):
        import_records(database, rows(), ImportOptions(actor="test", keep_applicant=True))
        export = register_csv(
            tmp_path / "ho-so.csv",
            [f"{DISTRICT}-250109-0004;1.001612;x;;;09/01/2025;9;;;0;;{APPLICANT}"],
        )
        import_file(database, export, ImportOptions(actor="test", keep_applicant=True))
        store_document(catalog, MINE, "intake")
        worklist(database, PROVINCE, personal=True)
        report = digitisation_report(database, PROVINCE, date(2025, 1, 1), date(2025, 12, 31))
        sync = sync_page(database, catalog.documents(MINE)[0].created_at.replace(year=2000), "x")
    assert APPLICANT not in caplog.text
    assert APPLICANT not in json.dumps(report_json(report), ensure_ascii=False)
    assert APPLICANT.encode() not in csv_bytes(report) + xlsx_bytes(report) + report_pdf(report)
    assert APPLICANT not in json.dumps([d.fields for d in sync.dossiers], ensure_ascii=False)
    with database.sessions() as session:
        payloads = session.scalars(select(WebhookDeliveryRow.payload)).all()
        assert payloads, "the store queued a webhook"
        assert APPLICANT not in json.dumps(payloads, ensure_ascii=False)
        trail = session.scalars(select(EventRow.detail)).all()
        assert APPLICANT not in json.dumps(trail, ensure_ascii=False)
    errors = (tmp_path / "ho-so.errors.csv").read_text("utf-8-sig")
    assert APPLICANT not in errors, "the error file is blanked unless asked"


def _keep(home: Path) -> Settings:
    return api_settings(home, register_keep_applicant=True)


def test_the_api_gives_names_only_to_a_personal_key_that_asks_and_records_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), running(_keep(tmp_path / "home")) as api:
        pusher = api.auth("register")
        pushed = api.client.post(f"{API}/register/dossiers", json=rows(), headers=pusher)
        assert pushed.json()["imported"] == 3
        reader, personal = api.auth("read"), api.auth("personal")
        query = {"unit": PROVINCE, "clerk": "canbo"}

        plain = api.client.get(f"{API}/register/worklist", params=query, headers=personal)
        assert [i["code"] for i in plain.json()["items"]] == [MINE]
        assert "applicant_name" not in plain.json()["items"][0], "not asked: not given"
        asked = {**query, "with_personal_data": "true"}
        refused = api.client.get(f"{API}/register/worklist", params=asked, headers=reader)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"
        given = api.client.get(f"{API}/register/worklist", params=asked, headers=personal)
        assert given.json()["items"][0]["applicant_name"] == APPLICANT
        for path, params in (
            ("/reports/digitisation", {"unit": PROVINCE, "from": "01/01/2025", "to": "31/12/2025"}),
            ("/sync/dossiers", {"changed_since": "2000-01-01T00:00:00Z"}),
        ):
            answer = api.client.get(f"{API}{path}", params=params, headers=personal)
            assert answer.status_code == 200 and APPLICANT not in answer.text, path
        database = Settings(home=tmp_path / "home").resolved_database_url
    assert APPLICANT not in caplog.text
    with Database.open(database) as opened:
        disclosed = events_for(opened, PROVINCE)
    assert [(e.type, e.detail["what"], e.detail["rows"]) for e in disclosed] == [
        ("personal_disclosed", "api_worklist", 1)
    ]
    assert disclosed[0].actor.startswith("api:")


def test_the_cli_worklist_exports_names_only_with_the_option_and_records_it(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(tmp_path / "home"), SOHOA_REGISTER_KEEP_APPLICANT="true")
    env.update(SOHOA_LOG_LEVEL="DEBUG")
    pushed = tmp_path / "ho-so.json"
    pushed.write_text(json.dumps(rows(), ensure_ascii=False), "utf-8")
    runner = CliRunner()
    imported = runner.invoke(app, ["register", "import", str(pushed)], env=env)
    assert imported.exit_code == 0, imported.output

    listed = runner.invoke(
        app, ["register", "worklist", "-u", PROVINCE, "--clerk", "canbo"], env=env
    )
    assert MINE in listed.output and THEIRS not in listed.output and APPLICANT not in listed.output
    plain, named = tmp_path / "plain.csv", tmp_path / "named.csv"
    runner.invoke(app, ["register", "worklist", "-u", PROVINCE, "--csv", str(plain)], env=env)
    asked = ["register", "worklist", "-u", PROVINCE, "--csv", str(named), "--with-personal-data"]
    assert runner.invoke(app, asked, env=env).exit_code == 0
    assert APPLICANT not in plain.read_text("utf-8-sig")
    assert APPLICANT in named.read_text("utf-8-sig")
    with Database.open(Settings(home=tmp_path / "home").resolved_database_url) as database:
        disclosed = [
            (e.type, e.detail["what"], e.detail["rows"]) for e in events_for(database, PROVINCE)
        ]
    assert disclosed == [("personal_disclosed", "worklist_csv", 3)]
    logs = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "home").rglob("*.log"))
    assert APPLICANT not in logs + imported.output
