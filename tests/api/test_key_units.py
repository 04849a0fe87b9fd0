"""API keys bound to a unit (``sohoa apikey create NAME --unit …``) reach only that unit and
the units below it, by the web's rule (register.units.covers); a key without a unit reaches
every unit, as every key did before. Every route of the API is tried, one by one, with a
district's key on the neighbouring district's dossier and on its own; a route the table
below does not name fails ``test_every_api_route_is_in_the_unit_table``."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from sohoa.storage.api_keys import ApiKeyError
from tests.api.conftest import API, Api, api_settings, running
from tests.conftest_services import postgres_db

UNIT = "000.00.20.H56"  # the key's district
MINE = f"{UNIT}-250106-0001"
BELOW = "000.17.20.H56-250106-0003"  # a commune of the district (register only)
OTHER = "000.00.21.H56-250106-0002"  # the neighbouring district
#: The error codes a unit check answers with (anything else means the check let it through).
UNIT_ANSWERS = {"unknown_dossier", "unknown_job", "outside_key_unit"}


@dataclass
class Office:
    api: Api
    jobs: dict[str, str]

    @property
    def client(self) -> Any:
        return self.api.client

    def bound(self, scope: str, unit: str = UNIT) -> dict[str, str]:
        """The headers of a new key of ``scope`` restricted to ``unit``."""
        name = f"huyen-{scope}-{time.monotonic_ns()}"
        return {"Authorization": f"Bearer {self.api.keys.create(name, scope, unit).token}"}


def row(code: str) -> dict[str, Any]:
    return {"MaHoSo": code, "MaTTHC": "1.001612", "NgayTiepNhan": "06/01/2025", "KenhThucHien": 1}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def office(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, page_png: Path
) -> Iterator[Office]:
    """Three dossiers in the register (the district's, its commune's, the neighbour's), and
    one stored scan in the district's and in the neighbour's, sent with an all-units key.
    Once over each catalog the API runs on: the unit filters of search and sync/dossiers are
    SQL, and SQLite and PostgreSQL differ (prefix matching, escapes, case)."""
    with ExitStack() as stack:
        overrides: dict[str, Any] = {}
        if request.param == "postgresql":
            request.getfixturevalue("postgres_url")  # starts the server, or skips without one
            name = f"sohoa_units_{secrets.token_hex(6)}"
            overrides["database_url"] = stack.enter_context(postgres_db(name))
        home = tmp_path_factory.mktemp("units") / "home"
        api = stack.enter_context(running(api_settings(home, **overrides)))
        pushed = api.client.post(
            f"{API}/register/dossiers",
            json={"dossiers": [row(MINE), row(BELOW), row(OTHER)]},
            headers=api.auth("register"),
        ).json()
        assert pushed["imported"] == 3, pushed
        uploader = api.auth("upload")
        jobs = {}
        for code in (MINE, OTHER):
            job = api.wait(api.upload(page_png, uploader, code=code).json()["id"], uploader)
            assert job["state"] == "done", job
            jobs[code] = job["id"]
        yield Office(api, jobs)


def agency(code: str) -> str:
    return code.split("-", 1)[0]


def error_code(answer: httpx.Response) -> str | None:
    if not answer.content:
        return None
    body = answer.json()
    return body["error"]["code"] if isinstance(body, dict) and "error" in body else None


# -- how each route is asked, and what a key of another unit gets -------------------------------

Call = Callable[[Office, dict[str, str], str], httpx.Response]


@dataclass(frozen=True)
class Refused:
    """Outside the key's units: ``status`` with ``code`` (None: HEAD, no body)."""

    scope: str
    call: Call
    status: int
    code: str | None

    def outside(self, answer: httpx.Response) -> None:
        assert answer.status_code == self.status, answer.text
        if self.code is not None:
            assert error_code(answer) == self.code, answer.text

    def inside(self, answer: httpx.Response) -> None:
        assert answer.status_code < 400 or error_code(answer) not in UNIT_ANSWERS, answer.text


@dataclass(frozen=True)
class Filtered:
    """A list: another unit's dossiers are left out, the key's own are there."""

    scope: str
    call: Call
    codes: Callable[[dict[str, Any]], list[str]]

    def outside(self, answer: httpx.Response) -> None:
        assert answer.status_code == 200, answer.text
        assert OTHER not in self.codes(answer.json())

    def inside(self, answer: httpx.Response) -> None:
        assert answer.status_code == 200, answer.text
        assert MINE in self.codes(answer.json())


@dataclass(frozen=True)
class RowRefused:
    """A push: the other unit's row is refused with its reason; the key's own is kept."""

    scope: str
    call: Call

    def outside(self, answer: httpx.Response) -> None:
        assert answer.status_code == 200, answer.text
        pushed = answer.json()
        assert pushed["refused"] == 1 and pushed["imported"] + pushed["unchanged"] == 0, pushed
        (refusal,) = pushed["refusals"]
        assert refusal["index"] == 1
        assert "outside the key's unit" in refusal["reason_en"]
        assert "ngoài đơn vị của khóa" in refusal["reason_vi"]

    def inside(self, answer: httpx.Response) -> None:
        assert answer.status_code == 200, answer.text
        assert answer.json()["refused"] == 0, answer.text


def doc_url(code: str, doc: str = "1") -> str:
    return f"{API}/cases/{code}/documents/{doc}"


def report(office: Office, headers: dict[str, str], code: str) -> httpx.Response:
    query = {"unit": agency(code), "from": "01/01/2025", "to": "31/01/2025"}
    return office.client.get(f"{API}/reports/digitisation", params=query, headers=headers)  # type: ignore[no-any-return]


SINCE = {"changed_since": "2000-01-01T00:00:00Z"}

#: (method, path) of every API route → how a key of another unit is kept out.
#: Documents that do not exist ("99") let the writing routes be tried without changing
#: anything: inside the key's unit they answer unknown_document, not unknown_dossier.
UNIT_TABLE: dict[tuple[str, str], Refused | Filtered | RowRefused | None] = {
    ("GET", "/api/v1/cases/{code}"): Refused(
        "read", lambda o, h, c: o.client.get(f"{API}/cases/{c}", headers=h), 404, "unknown_dossier"
    ),
    ("GET", "/api/v1/cases/{code}/documents/{doc}"): Refused(
        "read", lambda o, h, c: o.client.get(doc_url(c), headers=h), 404, "unknown_dossier"
    ),
    ("HEAD", "/api/v1/cases/{code}/documents/{doc}"): Refused(
        "read", lambda o, h, c: o.client.head(doc_url(c), headers=h), 404, None
    ),
    ("DELETE", "/api/v1/cases/{code}/documents/{doc}"): Refused(
        "archive", lambda o, h, c: o.client.delete(doc_url(c, "99"), headers=h), 404,
        "unknown_dossier",
    ),
    ("GET", "/api/v1/cases/{code}/events"): Refused(
        "read", lambda o, h, c: o.client.get(f"{API}/cases/{c}/events", headers=h), 404,
        "unknown_dossier",
    ),
    ("GET", "/api/v1/cases/{code}/documents/{doc}/verification"): Refused(
        "read", lambda o, h, c: o.client.get(f"{doc_url(c)}/verification", headers=h), 404,
        "unknown_dossier",
    ),
    ("POST", "/api/v1/cases/{code}/documents/{doc}/revocation"): Refused(
        "upload",
        lambda o, h, c: o.client.post(
            f"{doc_url(c, '99')}/revocation", json={"reason": "nhầm hồ sơ"}, headers=h
        ),
        404,
        "unknown_dossier",
    ),
    ("POST", "/api/v1/cases/{code}/documents"): Refused(  # no file: inside, 422 missing_file
        "upload",
        lambda o, h, c: o.client.post(
            f"{API}/cases/{c}/documents", data={"kind": "intake"}, headers=h
        ),
        403,
        "outside_key_unit",
    ),
    ("POST", "/api/v1/cases/{code}/documents/attach"): Refused(
        "upload",
        lambda o, h, c: o.client.post(
            f"{API}/cases/{c}/documents/attach", json={"source": c, "document": "99"}, headers=h
        ),
        403,
        "outside_key_unit",
    ),
    ("GET", "/api/v1/jobs/{job_id}"): Refused(
        "read", lambda o, h, c: o.client.get(f"{API}/jobs/{o.jobs[c]}", headers=h), 404,
        "unknown_job",
    ),
    ("GET", "/api/v1/reports/digitisation"): Refused("read", report, 403, "outside_key_unit"),
    ("GET", "/api/v1/register/worklist"): Refused(
        "read",
        lambda o, h, c: o.client.get(
            f"{API}/register/worklist", params={"unit": agency(c)}, headers=h
        ),
        403,
        "outside_key_unit",
    ),
    ("POST", "/api/v1/register/dossiers"): RowRefused(
        "register",
        lambda o, h, c: o.client.post(
            f"{API}/register/dossiers", json={"dossiers": [row(c)]}, headers=h
        ),
    ),
    ("GET", "/api/v1/search"): Filtered(
        "read",
        lambda o, h, c: o.client.get(f"{API}/search", params={"code": c}, headers=h),
        lambda body: [hit["dossier_code"] for hit in body["results"]],
    ),
    ("GET", "/api/v1/sync/dossiers"): Filtered(
        "read",
        lambda o, h, c: o.client.get(f"{API}/sync/dossiers", params=SINCE, headers=h),
        lambda body: [d["MaHoSo"] for d in body["dossiers"]],
    ),
    # No dossier, document, job or unit behind these:
    ("GET", "/healthz"): None,
    ("GET", "/readyz"): None,
    ("GET", "/metrics"): None,
    ("GET", "/api/v1/openapi.json"): None,
    ("HEAD", "/api/v1/openapi.json"): None,
    ("GET", "/api/v1/docs"): None,
    ("MOUNT", "/api/v1/docs/assets"): None,
}  # fmt: skip

CHECKED = [route for route, check in UNIT_TABLE.items() if check is not None]


@pytest.mark.parametrize("route", CHECKED, ids=[f"{m} {p}" for m, p in CHECKED])
def test_a_districts_key_is_kept_out_of_the_neighbours_dossier(
    office: Office, route: tuple[str, str]
) -> None:
    check = UNIT_TABLE[route]
    assert check is not None
    headers = office.bound(check.scope)
    check.outside(check.call(office, headers, OTHER))
    check.inside(check.call(office, headers, MINE))


@pytest.mark.parametrize("route", CHECKED, ids=[f"{m} {p}" for m, p in CHECKED])
def test_a_key_without_a_unit_reaches_every_unit_as_before(
    office: Office, route: tuple[str, str]
) -> None:
    check = UNIT_TABLE[route]
    assert check is not None
    headers = office.api.auth(check.scope)
    answer = check.call(office, headers, OTHER)
    if isinstance(check, Filtered):
        assert OTHER in check.codes(answer.json())
    elif isinstance(check, RowRefused):
        assert answer.json()["refused"] == 0, answer.text
    else:
        assert answer.status_code < 400 or error_code(answer) not in UNIT_ANSWERS, answer.text


def routes_of(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, through included routers and mounts."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # FastAPI's included router
                walk(inner.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute) or hasattr(route, "methods"):
                found.update((m, prefix + route.path) for m in route.methods or ())
            else:
                found.add(("MOUNT", prefix + route.path))

    walk(list(app.routes), "")
    return found


def test_every_api_route_is_in_the_unit_table(office: Office) -> None:
    served = routes_of(office.client.app)
    assert ("GET", "/api/v1/cases/{code}") in served  # the walk sees the included routers
    missing = served - set(UNIT_TABLE)
    assert not missing, f"say how a unit-bound key is kept out of: {sorted(missing)}"
    assert not set(UNIT_TABLE) - served, "the table names routes the app no longer has"


def test_a_key_reaches_the_units_below_its_own(office: Office) -> None:
    headers = office.bound("read")
    query = {"unit": agency(BELOW), "from": "01/01/2025", "to": "31/01/2025"}
    below = office.client.get(f"{API}/reports/digitisation", params=query, headers=headers)
    assert below.status_code == 200, below.text
    synced = office.client.get(f"{API}/sync/dossiers", params=SINCE, headers=headers).json()
    assert {d["MaHoSo"] for d in synced["dossiers"]} == {MINE, BELOW}
    found = office.client.get(f"{API}/search", headers=headers).json()
    assert {hit["dossier_code"] for hit in found["results"]} == {MINE}
    commune = office.bound("read", agency(BELOW))  # and not upwards
    assert office.client.get(f"{API}/cases/{MINE}", headers=commune).status_code == 404


def test_attaching_another_units_document_is_as_if_it_did_not_exist(office: Office) -> None:
    answer = office.client.post(
        f"{API}/cases/{MINE}/documents/attach",
        json={"source": OTHER, "document": "1"},
        headers=office.bound("upload"),
    )
    assert answer.status_code == 404 and error_code(answer) == "unknown_dossier", answer.text


def test_a_refusal_says_why_in_vietnamese_and_english(office: Office) -> None:
    answer = report(office, office.bound("read"), OTHER)
    error = answer.json()["error"]
    assert error["message_vi"].startswith("Khóa API") and "000.00.21.H56" in error["message_vi"]
    assert "outside the key's unit 000.00.20.H56" in error["message_en"]


def test_a_unit_that_is_not_an_agency_code_is_refused(office: Office) -> None:
    with pytest.raises(ApiKeyError, match="not an agency code"):
        office.api.keys.create("sai-don-vi", "read", "H56 20;")
    assert office.api.keys.create("khong-don-vi", "read", "  ").key.unit is None
    assert office.api.keys.create("chu-thuong", "read", "h56.20").key.unit == "H56.20"
