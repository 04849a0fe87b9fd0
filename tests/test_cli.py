"""The `sohoa` command end to end: scan in, PDF/A stored under the dossier, found and fetched back.

Each scenario has its own SOHOA_HOME (local object store + SQLite catalog), except the last
ones, which run the same flow against a real S3 server and PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import unicodedata
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from tests import images
from tests.conftest import Sohoa, cli, pdftotext, stored_files
from tests.conftest_services import S3Server

CODE = "000.00.20.H56-240101-0001"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("scans")
    return {
        "application": images.save_jpeg(images.text_page().image, d / "don-de-nghi.jpg"),
        "other": images.save_jpeg(images.numbered_page(2).image, d / "giay-to-khac.jpg"),
        "with blank back": images.save_jpeg_pdf(
            [images.numbered_page(1).image, images.blank_back()], d / "hai-mat.pdf"
        ),
    }


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("office") / "sohoa-home"


@pytest.fixture(scope="module")
def processed(home: Path, scans: dict[str, Path]) -> Result:
    """One application scanned at the counter for dossier CODE (shared by the read-only tests)."""
    return cli(home)("process", scans["application"], "--case", CODE)


def the_only_document(home: Path, code: str = CODE) -> dict[str, object]:
    shown = json.loads(ok(cli(home)("show", code, "--json")).stdout)
    (document,) = shown["documents"]
    return document  # type: ignore[no-any-return]


# -- process, show, get ---------------------------------------------------------------------------


def test_process_stores_the_pdfa_under_the_dossier_and_says_where(
    processed: Result, home: Path
) -> None:
    ok(processed)
    key = f"dossiers/{CODE}/intake/{CODE}.1.pdf"
    assert f"{CODE}.1" in processed.stdout
    assert key in processed.stdout
    stored = home / "objects" / key
    assert stored.is_file()
    assert pikepdf.pdfa.validate_written(stored, "2b").passed
    assert images.MARKER in pdftotext(stored)


def test_the_stored_pdfa_carries_the_dossier_code_and_title(processed: Result, home: Path) -> None:
    ok(processed)
    with pikepdf.open(home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:identifier"] == CODE
        assert CODE in meta["dc:title"]
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["pdf:Producer"].startswith("sohoa")
        assert meta["xmp:CreateDate"].endswith("+07:00")


def test_the_ocr_text_is_stored_as_nfc_utf8_json_with_page_confidence(
    processed: Result, home: Path
) -> None:
    ok(processed)
    raw = (home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.ocr.json").read_bytes()
    text = raw.decode("utf-8")  # strict: fails on anything but UTF-8
    assert text == unicodedata.normalize("NFC", text)
    sidecar = json.loads(text)
    assert sidecar["dossier_code"] == CODE
    assert sidecar["document"] == f"{CODE}.1"
    (page,) = sidecar["pages"]
    assert page["page"] == 1
    assert 80 < page["confidence"] <= 100
    assert "Hạnh phúc" in page["text"]
    assert "Hạnh phúc" in text  # real characters, not \\u escapes


def test_show_lists_the_document_for_people(processed: Result, home: Path) -> None:
    ok(processed)
    shown = ok(cli(home)("show", CODE)).stdout
    assert CODE in shown
    assert f"{CODE}.1" in shown
    assert "PDF/A-2b" in shown


def test_show_json_has_kind_number_pages_checksum_pdfa_status_and_vietnam_time(
    processed: Result, home: Path
) -> None:
    ok(processed)
    document = the_only_document(home)
    assert document["kind"] == "intake"
    assert document["number"] == 1
    assert document["name"] == f"{CODE}.1"
    assert document["pages"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", str(document["sha256"]))
    assert document["pdfa_valid"] is True
    assert document["status"] == "stored"
    assert str(document["created_at"]).endswith("+07:00")


def test_get_writes_the_document_with_the_catalogued_checksum(
    processed: Result, home: Path, tmp_path: Path
) -> None:
    ok(processed)
    result = ok(cli(home)("get", CODE, "1", "-o", tmp_path / "out"))
    fetched = tmp_path / "out" / f"{CODE}.1.pdf"
    assert str(fetched) in result.stdout
    assert sha256(fetched) == the_only_document(home)["sha256"]


def test_a_corrupted_stored_object_is_refused_and_nothing_is_written(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path], tmp_path: Path
) -> None:
    ok(sohoa("process", scans["application"], "--case", CODE))
    stored = sohoa_home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.pdf"
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte: bit rot or a hand-edited file
    stored.write_bytes(bytes(data))
    result = sohoa("get", CODE, "1", "-o", tmp_path / "out")
    assert result.exit_code == ExitCode.STORAGE
    assert "Traceback" not in result.output
    assert "checksum" in result.stderr.lower()
    assert not (tmp_path / "out" / f"{CODE}.1.pdf").exists()
    assert list((tmp_path / "out").glob("*")) == []


@pytest.mark.parametrize("ref", ["99999999999999999999", "#99999999999999999999", "KQ1234567890"])
def test_get_with_a_number_of_20_digits_is_a_usage_error(
    processed: Result, home: Path, tmp_path: Path, ref: str
) -> None:
    ok(processed)
    result = cli(home)("get", CODE, ref, "-o", tmp_path)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "Traceback" not in result.output and "more than 9 digits" in result.stderr


def test_get_of_an_unknown_dossier_says_not_found(sohoa: Sohoa, tmp_path: Path) -> None:
    result = sohoa("get", "000.00.20.H56-240101-0099", "1", "-o", tmp_path)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "Traceback" not in result.output


# -- duplicates, numbering, kinds, codes ------------------------------------------------------


def test_the_same_scan_twice_is_stored_once_and_another_scan_gets_number_2(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    first = ok(sohoa("process", scans["application"], "--case", CODE, "--json"))
    again = ok(sohoa("process", scans["application"], "--case", CODE, "--json"))
    assert json.loads(first.stdout)[0]["duplicate"] is False
    assert json.loads(again.stdout)[0]["duplicate"] is True
    assert json.loads(again.stdout)[0]["name"] == f"{CODE}.1"
    assert len(json.loads(ok(sohoa("show", CODE, "--json")).stdout)["documents"]) == 1

    other = ok(sohoa("process", scans["other"], "--case", CODE, "--json"))
    assert json.loads(other.stdout)[0]["name"] == f"{CODE}.2"
    documents = json.loads(ok(sohoa("show", CODE, "--json")).stdout)["documents"]
    assert [d["number"] for d in documents] == [1, 2]


def test_a_result_document_is_named_code_kq1(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    out = ok(sohoa("process", scans["application"], "--case", CODE, "--kind", "result"))
    assert f"{CODE}-KQ1" in out.stdout
    (document,) = json.loads(ok(sohoa("show", CODE, "--json")).stdout)["documents"]
    assert document["name"] == f"{CODE}-KQ1"
    assert document["kind"] == "result"
    assert (sohoa_home / "objects" / f"dossiers/{CODE}/result/{CODE}-KQ1.pdf").is_file()


def test_an_unknown_kind_is_a_usage_error(sohoa: Sohoa, scans: dict[str, Path]) -> None:
    result = sohoa("process", scans["application"], "--case", CODE, "--kind", "photo")
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output


def test_a_lower_case_code_with_spaces_is_normalised(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    typed = "  000.00.20.h56 - 240101 - 0001 "
    ok(sohoa("process", scans["application"], "--case", typed))
    (document,) = json.loads(ok(sohoa("show", typed, "--json")).stdout)["documents"]
    assert document["dossier_code"] == CODE
    assert document["name"] == f"{CODE}.1"
    assert (sohoa_home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.pdf").is_file()


def test_a_code_with_arabic_indic_digits_is_refused_and_nothing_is_stored(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    look_alike = CODE.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    result = sohoa("process", scans["application"], "--case", look_alike)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert "non-ASCII character '\u0660'" in result.output
    assert "Traceback" not in result.output
    assert stored_files(sohoa_home) == []


def test_a_fullwidth_code_is_filed_under_its_ascii_form(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in CODE)
    ok(sohoa("process", scans["application"], "--case", fullwidth))
    assert (sohoa_home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.pdf").is_file()


def test_process_reports_the_dropped_blank_back(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path]
) -> None:
    result = ok(sohoa("process", scans["with blank back"], "--case", CODE))
    (line,) = [ln for ln in result.stdout.splitlines() if "blank back side" in ln]
    assert ": 2 (" in line  # the 1-based page number the clerk can find in the stack
    document = the_only_document(sohoa_home)
    assert document["pages"] == 1 and document["input_pages"] == 2
    assert [p["index"] for p in document["dropped_pages"]] == [2]  # type: ignore[union-attr]
    assert (sohoa_home / "objects" / f"dossiers/{CODE}/intake/{CODE}.1.dropped.pdf").is_file()


# -- ocr: no dossier, no storage ---------------------------------------------------------------


def test_ocr_writes_a_pdfa_and_touches_no_store(
    sohoa: Sohoa, sohoa_home: Path, scans: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "ra.pdf"
    result = ok(sohoa("ocr", scans["application"], out))
    assert str(out) in result.stdout
    assert pikepdf.pdfa.validate_written(out, "2b").passed
    assert images.MARKER in pdftotext(out)
    assert stored_files(sohoa_home) == []
    assert not (sohoa_home / "catalog.sqlite3").exists()


def test_ocr_json_reports_the_dropped_pages(
    sohoa: Sohoa, scans: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "ra.pdf"
    report = json.loads(ok(sohoa("ocr", scans["with blank back"], out, "--json")).stdout)
    assert report["input_pages"] == 2
    assert report["pages"] == 1
    assert [d["index"] for d in report["dropped"]] == [2]
    assert Path(report["dropped_pdf"]).is_file()
    assert report["pdfa_report"].startswith("PDF/A-2B valid")


# -- help ------------------------------------------------------------------------------------


def test_help_says_what_sohoa_does(sohoa: Sohoa) -> None:
    text = ok(sohoa("--help")).stdout
    assert "PDF/A" in text
    for command in ("process", "show", "get", "ocr"):
        assert command in text


@pytest.mark.parametrize(
    ("command", "says"),
    [("process", "Digitise"), ("show", "List"), ("get", "SHA-256"), ("ocr", "no storage")],
)
def test_each_command_help_says_what_it_does(sohoa: Sohoa, command: str, says: str) -> None:
    assert says in ok(sohoa(command, "--help")).stdout


def test_the_exit_code_table_in_the_readme_lists_every_exit_code() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text("utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    table = dict(re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.MULTILINE))
    assert sorted(int(code) for code in table) == sorted(int(code) for code in ExitCode)


# -- the same flow on the shared servers -------------------------------------------------------


@pytest.mark.s3
@pytest.mark.postgres
def test_process_show_get_against_s3_and_postgresql(
    sohoa: Sohoa, s3_server: S3Server, postgres_url: str, scans: dict[str, Path], tmp_path: Path
) -> None:
    prefix = f"cli-{secrets.token_hex(4)}"  # the bucket is shared with the storage tests
    env = {
        "SOHOA_STORAGE_URL": f"s3+http://{s3_server.endpoint}/{s3_server.bucket}/{prefix}",
        "SOHOA_S3_ACCESS_KEY": s3_server.access_key,
        "SOHOA_S3_SECRET_KEY": s3_server.secret_key,
        "SOHOA_S3_REGION": s3_server.region,
        "SOHOA_DATABASE_URL": postgres_url,
    }
    code = f"000.00.20.H56-240101-{secrets.randbelow(9000) + 1000}"
    stored = ok(sohoa("process", scans["application"], "--case", code, env=env))
    assert f"{code}.1" in stored.stdout
    assert f"{prefix}/dossiers/{code}/intake/{code}.1.pdf" in stored.stdout
    again = ok(sohoa("process", scans["application"], "--case", code, "--json", env=env))
    assert json.loads(again.stdout)[0]["duplicate"] is True

    (document,) = json.loads(ok(sohoa("show", code, "--json", env=env)).stdout)["documents"]
    assert document["pdfa_valid"] is True and document["status"] == "stored"
    assert str(document["created_at"]).endswith("+07:00")

    ok(sohoa("get", code, "1", "-o", tmp_path / "out", env=env))
    fetched = tmp_path / "out" / f"{code}.1.pdf"
    assert sha256(fetched) == document["sha256"]
    assert pikepdf.pdfa.validate_written(fetched, "2b").passed


@pytest.mark.parametrize(
    ("args", "env", "says"),
    [
        (("get", "000.00.20.H56-240101-0001", "xyz"), {}, "cannot understand document reference"),
        (("show", "000.00.20.H56-240101-0001"), {"SOHOA_STORAGE_URL": "ftp://x"}, "store URL"),
        (("show", "000.00.20.H56-240101-0001"), {"SOHOA_JOBS": "many"}, "SOHOA_JOBS"),
        (
            ("show", "000.00.20.H56-240101-0001"),
            {"SOHOA_STORAGE_URL": "s3://key:secret@127.0.0.1:9/b"},
            "not a valid bucket name",
        ),
        (
            ("show", "000.00.20.H56-240101-0001"),
            {"SOHOA_DATABASE_URL": "nonsense://u:hunter2@db/x"},
            "SOHOA_DATABASE_URL",
        ),
        (
            ("process", "missing.pdf", "--case", "000.00.20.H56-240101-0001"),
            {"SOHOA_BROKER_URL": "ftp://u:hunter2@x"},
            "broker URL",
        ),
    ],
    ids=["document reference", "store url", "setting", "bucket", "database url", "broker url"],
)
def test_a_wrong_reference_url_or_setting_is_one_line_and_exit_2(
    sohoa: Sohoa, args: tuple[str, ...], env: dict[str, str], says: str
) -> None:
    result = sohoa(*args, env=env)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert says in result.stderr
    assert "Traceback" not in result.output
    assert "hunter2" not in result.output


def test_an_unreachable_catalog_database_is_one_line_and_exit_6(sohoa: Sohoa) -> None:
    url = "postgresql+psycopg://sohoa:hunter2@127.0.0.1:9/sohoa"
    result = sohoa("show", "000.00.20.H56-240101-0001", env={"SOHOA_DATABASE_URL": url})
    assert result.exit_code == ExitCode.STORAGE, result.output
    assert "SOHOA_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.output and "hunter2" not in result.output
