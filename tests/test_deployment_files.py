"""The deployment files users run with Docker (no Docker engine here): they parse, every
setting they pass is one sohoa reads, and the image is built with the README/CI install steps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from sohoa.cli import app
from sohoa.settings import Settings

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
    return data


def settings_env_names() -> set[str]:
    return {f"SOHOA_{name.upper()}" for name in Settings.model_fields}


def test_compose_has_s3_broker_database_api_and_workers(compose: dict[str, Any]) -> None:
    assert {"s3", "rabbitmq", "postgres", "api", "worker"} <= set(compose["services"])


def test_workers_can_be_scaled(compose: dict[str, Any]) -> None:
    worker = compose["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker


@pytest.mark.parametrize("service", ["api", "worker"])
def test_every_sohoa_variable_in_compose_is_a_setting(
    compose: dict[str, Any], service: str
) -> None:
    env = compose["services"][service]["environment"]
    unknown = {k for k in env if k.startswith("SOHOA_")} - settings_env_names()
    assert not unknown


@pytest.mark.parametrize("service", ["api", "worker"])
def test_the_compose_environment_is_valid_for_the_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in compose["services"][service]["environment"].items():
        monkeypatch.setenv(key, _substitute(str(value)))
    settings = Settings()
    assert settings.resolved_storage_url.startswith("s3+http://s3:8333/")
    assert settings.resolved_database_url.startswith("postgresql+psycopg://")
    assert settings.broker_url is not None


def test_every_sohoa_variable_in_the_env_example_is_a_setting() -> None:
    lines = (ROOT / ".env.example").read_text("utf-8").splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    assert {n for n in names if n.startswith("SOHOA_")} <= settings_env_names()


def test_the_compose_secrets_come_from_the_env_file_not_the_compose_file(
    compose: dict[str, Any],
) -> None:
    text = (ROOT / "docker-compose.yml").read_text("utf-8")
    for secret in ("SOHOA_S3_SECRET_KEY", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"):
        assert f"${{{secret}:?" in text


def test_the_image_is_built_with_the_same_install_steps_as_ci() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "bash scripts/install.sh" in dockerfile
    assert "scripts/install.sh" in (ROOT / "scripts" / "test.sh").read_text("utf-8")
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text("utf-8")


@pytest.mark.parametrize("service", ["api", "worker"])
def test_the_compose_commands_are_sohoa_commands(compose: dict[str, Any], service: str) -> None:
    command = compose["services"][service]["command"]
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in (a for a in command if a.startswith("--")):
        assert option in result.output


def _substitute(value: str) -> str:
    """Compose's ${VAR:-default} gives its default, ${VAR:?msg} a stand-in secret."""

    def one(match: re.Match[str]) -> str:
        name, kind, rest = match.group(1), match.group(2), match.group(3)
        return rest if kind == "-" else f"test-{name.lower()}"

    return re.sub(r"\$\{(\w+):([?-])([^}]*)\}", one, value)
