"""`sohoa delete CODE DOC`: archive staff delete a document once its retention has ended.

End to end on the embedded store (local objects under SOHOA_HOME, SQLite catalog): a scan
is digitised with ``sohoa process`` under a five-year retention class; the command refuses
while the period runs (and while the document is revoked within it), asks before deleting,
and once the period has ended removes every object of the document and records who did it.
The end of the period is reached by moving the document's ``retain_until`` back, as the
catalog would see it five years on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import Result

from sohoa.clock import utc_now, vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.storage.database import Database
from sohoa.storage.models import Document
from tests import images
from tests.conftest import Sohoa, cli, stored_files

CODE = "000.00.20.H56-240315-0042"
FIVE_YEARS = {"SOHOA_RETENTION_INTAKE_YEARS": "5"}


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def office(sohoa_home: Path, tmp_path: Path) -> Sohoa:
    """An office that keeps intake components five years, with one application stored."""
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don-de-nghi.jpg")
    run = cli(sohoa_home)
    ok(run("process", scan, "--case", CODE, env=FIVE_YEARS))
    return run


def dossier_objects(home: Path) -> list[Path]:
    return [p for p in stored_files(home) if CODE in p.as_posix()]


def catalog_of(home: Path) -> Database:
    return Database.open(f"sqlite:///{home / 'catalog.sqlite3'}")


def retain_until(home: Path) -> datetime:
    with catalog_of(home) as database, database.sessions() as session:
        (until,) = session.scalars(
            select(Document.retain_until).where(Document.dossier_code == CODE)
        )
    assert until is not None
    return until if until.tzinfo else until.replace(tzinfo=UTC)


def retention_ends(home: Path) -> None:
    """Five years on: the document's retention date is yesterday."""
    with catalog_of(home) as database, database.sessions.begin() as session:
        for row in session.query(Document).filter(Document.dossier_code == CODE):
            row.retain_until = utc_now() - timedelta(days=1)


def test_delete_refuses_before_the_end_of_retention_and_deletes_everything_after(
    office: Sohoa, sohoa_home: Path
) -> None:
    kept = dossier_objects(sohoa_home)
    assert len(kept) >= 3  # the PDF/A, its OCR text, a page thumbnail (and checksums)

    early = office("delete", CODE, "1", "--yes", env={"SOHOA_LANG": "vi"})
    assert early.exit_code == ExitCode.REFUSED and int(ExitCode.REFUSED) == 11
    until = vietnam_time(retain_until(sohoa_home)).strftime("%d/%m/%Y")  # in five years
    assert retain_until(sohoa_home) > utc_now() + timedelta(days=365 * 5 - 1)
    assert f"Không xóa được: Tài liệu #1 phải lưu giữ đến ngày {until}" in early.stderr
    assert "Traceback" not in early.output
    assert dossier_objects(sohoa_home) == kept

    retention_ends(sohoa_home)
    declined = office("delete", CODE, "1", input="n\n")
    assert declined.exit_code == ExitCode.USAGE
    assert "retained until" in declined.stdout and "will be deleted" in declined.stdout
    assert "Not deleted: not confirmed" in declined.stderr
    assert dossier_objects(sohoa_home) == kept

    done = ok(office("delete", CODE, "1", "--by", "luutru.lan", input="y\n"))
    assert f"Deleted {CODE}.1 of {CODE}." in done.stdout
    assert dossier_objects(sohoa_home) == []
    assert office("show", CODE).exit_code == ExitCode.NOT_FOUND  # no document left
    trail = json.loads(ok(office("events", CODE, "--json")).stdout)
    (deleted,) = [e for e in trail if e["type"] == "deleted"]
    assert deleted["actor"] == "luutru.lan" and deleted["detail"]["objects"] >= 3

    again = office("delete", CODE, "1", "--yes")
    assert again.exit_code == ExitCode.NOT_FOUND


def test_a_revoked_document_is_kept_until_its_period_ends(office: Sohoa, sohoa_home: Path) -> None:
    ok(office("revoke", CODE, "1", "--reason", "Cấp sai thông tin"))
    refused = office("delete", CODE, "1", "--yes", env={"SOHOA_LANG": "vi"})
    assert refused.exit_code == ExitCode.REFUSED
    assert "đã bị thu hồi: theo NĐ 45/2020 Điều 15 phải lưu giữ hết thời hạn" in refused.stderr
    english = office("delete", CODE, "1", "--yes")
    assert "is revoked: NĐ 45/2020 Art. 15 keeps it for its retention period" in english.stderr
    assert dossier_objects(sohoa_home)

    retention_ends(sohoa_home)  # NĐ 45/2020 Đ15 keeps it for the period, not for ever
    ok(office("delete", CODE, "1", "--yes"))
    assert dossier_objects(sohoa_home) == []


def test_a_permanent_document_is_never_deleted(sohoa_home: Path, tmp_path: Path) -> None:
    run = cli(sohoa_home)
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    ok(run("process", scan, "--case", CODE))
    refused = run("delete", CODE, "1", "--yes")
    assert refused.exit_code == ExitCode.REFUSED
    assert "kept permanently" in refused.stderr
    assert dossier_objects(sohoa_home)


def test_delete_help_says_what_goes_when_it_is_refused_and_the_exit_codes(sohoa: Sohoa) -> None:
    told = " ".join(ok(sohoa("delete", "--help")).stdout.split())
    for fact in ("retention", "second copy", "revoked", "NĐ 45/2020", "attached to another",
                 "job", "--yes", "exit code 11", "'deleted' event"):  # fmt: skip
        assert fact in told, fact
