"""The deployment files users run with Docker (no Docker engine here): they parse, every
setting they pass is one sohoa reads, and the image is built with the README/CI install steps."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import ValidationError
from typer.testing import CliRunner

import sohoa
from sohoa.cli import app
from sohoa.ingest.folder_config import load_watch_config
from sohoa.settings import Settings

ROOT = Path(__file__).parents[1]
SOHOA_SERVICES = ["api", "worker", "watcher"]


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


@pytest.mark.parametrize("service", SOHOA_SERVICES)
def test_every_sohoa_variable_in_compose_is_a_setting(
    compose: dict[str, Any], service: str
) -> None:
    env = compose["services"][service]["environment"]
    names = {k.removesuffix("_FILE") for k in env if k.startswith("SOHOA_")}
    assert not names - settings_env_names()


@pytest.mark.parametrize("service", SOHOA_SERVICES)
def test_the_compose_environment_is_valid_for_the_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With each Docker secret as a file, the services' settings resolve to the servers."""
    for key, value in compose["services"][service]["environment"].items():
        value = _substitute(str(value))
        if value.startswith("/run/secrets/"):
            secret = tmp_path / value.rsplit("/", 1)[1]
            secret.write_text(f"pw-{secret.name}/x\n", "utf-8")  # a "/" must survive in a URL
            value = str(secret)
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.resolved_storage_url.startswith("s3+http://s3:8333/")
    assert settings.resolved_database_url == (
        "postgresql+psycopg://sohoa:pw-postgres_password%2Fx@postgres:5432/sohoa"
    )
    queue = settings.queue_config()
    assert queue is not None and queue.broker_url == (
        "amqp://sohoa:pw-rabbitmq_password%2Fx@rabbitmq:5672/"
    )
    assert settings.secret("s3_secret_key") == "pw-s3_secret_key/x"
    assert settings.secret("api_key_pepper") == "pw-api_key_pepper/x"


def test_every_sohoa_variable_in_the_env_example_is_a_setting() -> None:
    lines = (ROOT / ".env.example").read_text("utf-8").splitlines()
    names = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    assert {n for n in names if n.startswith("SOHOA_")} <= settings_env_names()


def test_no_secret_is_passed_in_the_environment(compose: dict[str, Any]) -> None:
    """Secrets are Docker secrets (files under /run/secrets), never environment values,
    which `docker inspect` and /proc/<pid>/environ show."""
    secret_words = ("SECRET", "PASSWORD", "PASS", "PEPPER")
    for name, service in compose["services"].items():
        for key, value in service.get("environment", {}).items():
            if any(word in key for word in secret_words):
                assert key.endswith("_FILE"), (name, key)
                assert str(value).startswith("/run/secrets/"), (name, key)
                assert str(value).rsplit("/", 1)[1] in service["secrets"], (name, key)
    for secret in compose["secrets"].values():
        assert secret["file"].startswith("./secrets/")
    text = (ROOT / "docker-compose.yml").read_text("utf-8")
    assert "${POSTGRES_PASSWORD" not in text and "${RABBITMQ_PASSWORD" not in text


def test_secret_files_stay_out_of_git_and_the_image() -> None:
    for ignore in (".gitignore", ".dockerignore"):
        lines = (ROOT / ignore).read_text("utf-8").splitlines()
        assert {"secrets", "/secrets/"} & set(lines), ignore
        assert ".env" in lines, ignore


def test_every_service_restarts_unless_stopped(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        assert service.get("restart") == "unless-stopped", name


def test_every_image_is_pinned_to_an_exact_version(compose: dict[str, Any]) -> None:
    version = sohoa.__version__  # the one version string (pyproject reads it too)
    for name, service in compose["services"].items():
        image = service["image"]
        repository, _, tag = image.rpartition(":")
        assert repository and re.fullmatch(r"\d+(\.\d+)+(-[a-z]+)?", tag), (name, image)
        if repository == "sohoa":
            assert tag == version, name
    base = re.search(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text("utf-8"), re.M)
    assert base is not None and re.search(r":\d+\.\d+", base.group(1)), base
    assert "latest" not in (ROOT / "docker-compose.yml").read_text("utf-8")


def test_the_s3_healthcheck_probes_the_s3_port_the_store_url_names(
    compose: dict[str, Any],
) -> None:
    s3 = compose["services"]["s3"]
    port = urlsplit(compose["x-sohoa-env"]["SOHOA_STORAGE_URL"]).port
    assert f"-s3.port={port}" in s3["command"][0]
    probe = next(a for a in s3["healthcheck"]["test"] if a.startswith("http"))
    assert urlsplit(probe).port == port and urlsplit(probe).path == "/healthz"


def test_the_api_healthcheck_probes_healthz_on_the_port_the_api_listens_on(
    compose: dict[str, Any],
) -> None:
    api = compose["services"]["api"]
    command = api["command"]
    port = int(command[command.index("--port") + 1])
    test = api["healthcheck"]["test"]
    assert test[:2] == ["CMD", "python"]  # the image's venv python (on PATH)
    assert f"http://127.0.0.1:{port}/healthz" in test[-1]
    compile(test[-1], "healthcheck", "exec")


def test_metrics_are_not_published_on_every_interface(compose: dict[str, Any]) -> None:
    """The API's port carries /metrics: published on loopback unless API_BIND says
    otherwise; the workers' metrics ports are reachable inside the network only."""
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert _substitute(str(port)).startswith("127.0.0.1:"), (name, port)
    worker = compose["services"]["worker"]
    assert "ports" not in worker
    assert worker["environment"]["SOHOA_WORKER_METRICS_PORT"] in worker["expose"]


def test_the_watcher_watches_the_hot_folders_of_a_valid_config(compose: dict[str, Any]) -> None:
    watcher = compose["services"]["watcher"]
    command = watcher["command"]
    assert command[:2] == ["watch", "--config"]
    mounts = dict(_substitute(v).split(":")[:2] for v in watcher["volumes"])
    source = next(host for host, inside in mounts.items() if inside == command[2])
    config = load_watch_config(ROOT / source)
    scan_root = mounts["./scans"]  # ${SCAN_DIR:-./scans}
    for folder in config.folders:
        assert str(folder.path).startswith(scan_root + "/"), folder.path


def test_the_image_is_built_with_the_same_install_steps_as_ci() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert "bash scripts/install.sh" in dockerfile
    assert "scripts/install.sh" in (ROOT / "scripts" / "test.sh").read_text("utf-8")
    assert "scripts/test.sh" in (ROOT / ".ci" / "run").read_text("utf-8")


def test_the_install_compiles_every_package_folder_of_sohoa() -> None:
    """The image's user cannot write bytecode beside the sources: install.sh writes it for
    every folder sohoa/ links to (compileall does not follow the links itself)."""
    install = (ROOT / "scripts" / "install.sh").read_text("utf-8").replace("\\\n", " ")
    line = next(line for line in install.splitlines() if "-m compileall" in line)
    named = {word for word in line.split() if (ROOT / word).is_dir()}
    linked = {p.name for p in (ROOT / "sohoa").iterdir() if p.is_symlink() and p.is_dir()}
    assert named == linked | {"sohoa"}


@pytest.mark.parametrize("service", SOHOA_SERVICES)
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


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No SOHOA_* from the developer's shell."""
    for key in [k for k in os.environ if k.startswith("SOHOA_")]:
        monkeypatch.delenv(key)
    return monkeypatch


def test_any_setting_can_come_from_a_file_without_its_trailing_newline(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "secret").write_text("s3cr3t with spaces \n", "utf-8")
    (tmp_path / "port").write_text("9090\n", "utf-8")
    clean_env.setenv("SOHOA_S3_SECRET_KEY_FILE", str(tmp_path / "secret"))
    clean_env.setenv("SOHOA_API_PORT_FILE", str(tmp_path / "port"))
    settings = Settings()
    assert settings.secret("s3_secret_key") == "s3cr3t with spaces "
    assert settings.api_port == 9090
    assert "s3cr3t" not in repr(settings)


def test_a_missing_secret_file_is_one_line_naming_the_variable(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_env.setenv("SOHOA_HOME", str(tmp_path / "home"))
    clean_env.setenv("SOHOA_API_KEY_PEPPER_FILE", str(tmp_path / "nowhere"))
    result = CliRunner().invoke(app, ["apikey", "list"])
    assert result.exit_code == 2, result.output
    assert "SOHOA_API_KEY_PEPPER_FILE" in result.output
    assert str(tmp_path / "nowhere") in result.output
    assert "Traceback" not in result.output


def test_a_value_and_its_file_together_are_refused(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pepper").write_text("from-file", "utf-8")
    clean_env.setenv("SOHOA_API_KEY_PEPPER", "from-env")
    clean_env.setenv("SOHOA_API_KEY_PEPPER_FILE", str(tmp_path / "pepper"))
    with pytest.raises(ValidationError, match="SOHOA_API_KEY_PEPPER_FILE"):
        Settings()


def test_a_database_password_file_completes_the_url(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "pg").write_text("p@ss:word\n", "utf-8")
    clean_env.setenv("SOHOA_DATABASE_URL", "postgresql+psycopg://sohoa@db:5432/sohoa")
    clean_env.setenv("SOHOA_DATABASE_PASSWORD_FILE", str(tmp_path / "pg"))
    assert Settings().resolved_database_url == (
        "postgresql+psycopg://sohoa:p%40ss%3Aword@db:5432/sohoa"
    )
    clean_env.setenv("SOHOA_DATABASE_URL", "postgresql+psycopg://sohoa:other@db/sohoa")
    with pytest.raises(ValidationError, match="keep only one"):
        Settings()
