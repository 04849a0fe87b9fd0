"""Property-based run of the published OpenAPI schema (schemathesis): no input yields a 5xx,
every status, content type, header and body is the one the schema documents, and invalid
input (a code off the published pattern, a 20-digit document number) is refused with a 4xx.

Driven through schemathesis' Python API inside one test (the pytest lazy-fixture
loader does not support pytest 9 yet): every operation, valid and invalid
inputs, a bounded number of examples each, with an upload+read key.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from sohoa.api.app import create_app
from tests.api.conftest import CODE, api_settings

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    ignored_auth,
]
#: Document references past the number check: huge numbers and ids once gave a 500.
HUGE_REFS = ["99999999999999999999", "#99999999999999999999", "KQ99999999999999999999"]


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    app = create_app(api_settings(tmp_path / "home"))
    with TestClient(app):  # runs the lifespan, so the embedded workers are shut down after
        token = app.state.sohoa.backends.get().keys.create("fuzz", "upload").token
        headers = {"Authorization": f"Bearer {token}"}
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        results = list(schema.get_all_operations())
        operations = [result.ok() for result in results if isinstance(result, Ok)]
        assert len(operations) == len(results), results
        assert len(operations) >= 7
        for operation in operations:
            _fuzz(operation.as_strategy(), headers, CHECKS)
            names = {p.name for p in operation.path_parameters}
            if "code" in names:  # past the code check
                _fuzz(operation.as_strategy(path_parameters={"code": CODE}), headers, CHECKS)
            for ref in HUGE_REFS if "doc" in names else []:
                fixed = operation.as_strategy(path_parameters={"code": CODE, "doc": ref})
                _fuzz(fixed, headers, CHECKS, examples=3)
            try:  # invalid inputs: impossible for an operation without parameters
                negative = operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
                _fuzz(negative, headers, [*CHECKS, negative_data_rejection])
            except Unsatisfiable:
                assert not operation.path_parameters, operation.label


def _fuzz(
    strategy: Any, headers: dict[str, str], checks: list[Any], examples: int = EXAMPLES
) -> None:
    @given(case=strategy)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=checks)

    run()


def test_the_dossier_code_pattern_and_error_bodies_are_published(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path / "home"))) as client:
        document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/cases/{code}/documents/{doc}"]["get"]
    (code,) = [p for p in operation["parameters"] if p["name"] == "code"]
    pattern = re.compile(code["schema"]["pattern"])
    assert pattern.match(CODE) and pattern.match("H56.001.02-260301-010001")
    assert not pattern.match(
        CODE.translate(
            str.maketrans(
                "0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669"
            )
        )
    )
    for status in ("400", "401", "403", "404"):
        body = operation["responses"][status]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/ErrorBody"}


def test_schema_and_docs_are_published(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path / "home"))) as client:
        document = client.get("/api/v1/openapi.json").json()
        assert client.get("/api/v1/docs").status_code == 200
    assert {"HTTPBearer", "APIKeyHeader"} <= set(document["components"]["securitySchemes"])
    assert "/api/v1/cases/{code}/documents/{doc}" in document["paths"]
