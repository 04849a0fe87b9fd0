"""Property-based run of the published OpenAPI schema (schemathesis): no input yields a 5xx.

Driven through schemathesis' Python API inside one test (the pytest lazy-fixture
loader does not support pytest 9 yet): every operation, valid and invalid
inputs, a bounded number of examples each, with an upload+read key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from tests.api.conftest import CODE, api_settings

EXAMPLES = 30
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance, ignored_auth]


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    app = create_app(api_settings(tmp_path / "home"))
    with TestClient(app):  # runs the lifespan, so the embedded workers are shut down after
        token = app.state.sohoa.backends.get().keys.create("fuzz", "upload").token
        headers = {"Authorization": f"Bearer {token}"}
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 7
        for operation in operations:
            _fuzz(operation.as_strategy(), headers, CHECKS)
            if "code" in {p.name for p in operation.path_parameters}:  # past the code check
                _fuzz(operation.as_strategy(path_parameters={"code": CODE}), headers, CHECKS)
            try:  # invalid inputs: impossible for an operation without parameters
                negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
                _fuzz(negative, headers, [*CHECKS, negative_data_rejection])
            except Unsatisfiable:
                assert not operation.path_parameters, operation.label


def _fuzz(strategy: Any, headers: dict[str, str], checks: list[Any]) -> None:
    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_schema_and_docs_are_published(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path / "home"))) as client:
        document = client.get("/api/v1/openapi.json").json()
        assert client.get("/api/v1/docs").status_code == 200
    assert {"HTTPBearer", "APIKeyHeader"} <= set(document["components"]["securitySchemes"])
    assert "/api/v1/cases/{code}/documents/{doc}" in document["paths"]
