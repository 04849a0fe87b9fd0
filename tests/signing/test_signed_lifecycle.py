"""End to end: a unit with a signing configuration gets signed PDF/A from `sohoa process`;
`sohoa verify` says valid; a revoked result stays stored and is listed as revoked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import Result

from tests import images
from tests.api.conftest import API, api_settings, running
from tests.conftest import cli
from tests.signing.conftest import Token
from tests.signing.pki import AGENCY_NAME, PkiFiles

CODE = "000.00.20.H56-240101-0001"
UNIT = "000.00.20.H56"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


@pytest.fixture(scope="module")
def signing_config(tmp_path_factory: pytest.TempPathFactory, pki: PkiFiles, softhsm: Token) -> Path:
    """The agency signs results and intake, B-T, key on the SoftHSM token; verification
    asks the test PKI's OCSP responder (a B-T file carries no revocation data)."""
    path = tmp_path_factory.mktemp("config") / "signing.yaml"
    path.write_text(
        f"""verify_fetch_revocation: true
units:
  {UNIT}:
    sign: both
    level: B-T
    tsa_url: {pki.tsa_url}
    trust_roots: [{pki.root_cert}]
    pkcs11:
      module: {softhsm.module}
      token: {softhsm.token_label}
      key: {softhsm.key_label}
      pin_file: {softhsm.pin_file}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def office(
    tmp_path_factory: pytest.TempPathFactory, signing_config: Path
) -> tuple[Path, dict[str, str]]:
    home = tmp_path_factory.mktemp("office") / "sohoa-home"
    scan = images.save_jpeg(images.text_page().image, home.parent / "quyet-dinh.jpg")
    env = {"SOHOA_SIGNING_CONFIG": str(signing_config)}
    ok(cli(home)("process", scan, "--case", CODE, "--kind", "result", env=env))
    return home, env


def test_process_stores_a_signed_pdfa_that_verify_calls_valid(
    office: tuple[Path, dict[str, str]],
) -> None:
    home, env = office
    verified = ok(cli(home)("verify", CODE, "KQ1", "--json", env=env))
    [check] = json.loads(verified.output)
    assert check["valid"] and check["signature_valid"] and check["sha256_matches"]
    assert (check["signer"], check["level"]) == (AGENCY_NAME, "B-T")
    assert check["revocation_status"] == "good"
    assert check["pdfa_valid"]
    told = ok(cli(home)("verify", CODE, "KQ1", env={**env, "SOHOA_LANG": "vi"})).output
    assert "Thu hồi chứng thư: chưa bị thu hồi" in told
    shown = json.loads(ok(cli(home)("show", CODE, "--json", env=env)).output)
    [doc] = shown["documents"]
    assert (doc["signature_level"], doc["signed_by"]) == ("B-T", AGENCY_NAME)
    assert doc["signed"] is None  # the SOURCE was not signed: that flag keeps its meaning


def test_without_a_configuration_nothing_is_signed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    ok(cli(home)("process", scan, "--case", CODE))
    [doc] = json.loads(ok(cli(home)("show", CODE, "--json")).output)["documents"]
    assert doc["signature_level"] is None
    verified = ok(cli(home)("verify", CODE, "1", "--json"))
    assert json.loads(verified.output)[0]["signed"] is False


def test_a_revoked_result_stays_stored_and_is_listed_as_revoked(
    office: tuple[Path, dict[str, str]], pki: PkiFiles, tmp_path: Path
) -> None:
    home, env = office
    ok(
        cli(home)(
            "revoke", CODE, "KQ1", "--reason", "Cấp sai thông tin", "--by", "chuyên viên A", env=env
        )
    )
    shown = ok(cli(home)("show", CODE, env={**env, "SOHOA_LANG": "vi"})).output
    assert "ĐÃ THU HỒI" in shown and "Cấp sai thông tin" in shown
    ok(cli(home)("get", CODE, "KQ1", "-o", tmp_path, env=env))  # still retrievable
    assert any(tmp_path.glob("*.pdf"))
    settings = api_settings(home, signing_config=Path(env["SOHOA_SIGNING_CONFIG"]))
    with running(settings) as api:
        headers = api.auth("read")
        [doc] = api.client.get(f"{API}/cases/{CODE}", headers=headers).json()["documents"]
        assert doc["revoked"] and doc["revoked_reason"] == "Cấp sai thông tin"
        check = api.client.get(
            f"{API}/cases/{CODE}/documents/KQ1/verification", headers=headers
        ).json()
        assert check["valid"] and check["revoked"] and check["signer"] == AGENCY_NAME


def test_the_api_revokes_with_an_upload_key_and_refuses_a_read_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    scan = images.save_jpeg(images.text_page().image, tmp_path / "kq.jpg")
    ok(cli(home)("process", scan, "--case", CODE, "--kind", "result"))
    with running(api_settings(home)) as api:
        url = f"{API}/cases/{CODE}/documents/KQ1/revocation"
        refused = api.client.post(url, json={"reason": "x"}, headers=api.auth("read"))
        assert refused.status_code == 403
        done = api.client.post(url, json={"reason": "Sai tên"}, headers=api.auth("upload"))
        assert done.status_code == 200, done.text
        assert done.json()["revoked"] and done.json()["revoked_by"].startswith("api:")
