"""`sohoa apikey create|list|revoke` and `sohoa api --help`."""

from __future__ import annotations

from tests.conftest import Sohoa


def test_apikey_create_list_revoke(sohoa: Sohoa) -> None:
    created = sohoa("apikey", "create", "quay-1", "--scope", "upload")
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[0]
    assert token.startswith("sohoa_") and len(token) > 60

    listed = sohoa("apikey", "list", "--json")
    assert listed.exit_code == 0
    assert token not in listed.output and token.rsplit("_", 1)[1] not in listed.output
    assert '"scope": "upload"' in listed.output and '"revoked": null' in listed.output

    assert sohoa("apikey", "create", "quay-1").exit_code == 2  # an active key has that name
    assert sohoa("apikey", "revoke", "quay-1").exit_code == 0
    assert sohoa("apikey", "revoke", "quay-1").exit_code == 2  # nothing active left
    assert "revoked 20" in sohoa("apikey", "list").output
    assert sohoa("apikey", "create", "bad name!").exit_code == 2


def test_api_command_help(sohoa: Sohoa) -> None:
    result = sohoa("api", "--help")
    assert result.exit_code == 0
    assert "--host" in result.output and "--port" in result.output
    assert "apikey" in sohoa("--help").output


def test_apikey_create_with_a_unit_and_list_says_which_units(sohoa: Sohoa) -> None:
    created = sohoa("apikey", "create", "cong-huyen", "--scope", "read", "--unit", "h56.20")
    assert created.exit_code == 0, created.output
    assert sohoa("apikey", "create", "toan-tinh", "--scope", "read").exit_code == 0
    listed = sohoa("apikey", "list").output
    (district,) = [line for line in listed.splitlines() if line.startswith("cong-huyen")]
    (province,) = [line for line in listed.splitlines() if line.startswith("toan-tinh")]
    assert "H56.20" in district and "tất cả đơn vị / all units" in province
    assert '"unit": "H56.20"' in sohoa("apikey", "list", "--json").output
    refused = sohoa("apikey", "create", "sai", "--unit", "H56 20;")
    assert refused.exit_code == 2 and "not an agency code" in refused.output
