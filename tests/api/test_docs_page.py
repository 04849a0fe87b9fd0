"""The API docs page works on a network without internet: every asset it loads is ours."""

from __future__ import annotations

import re

from tests.api.conftest import API, Api

DOCS = f"{API}/docs"


def _references(html: str) -> list[str]:
    """Every URL the page loads: src/href attributes and the schema URL given to Swagger UI."""
    attributes = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    schema = re.findall(r"""url:\s*["']([^"']+)["']""", html)
    return attributes + schema


def test_the_docs_page_refers_only_to_same_origin_urls(api: Api) -> None:
    page = api.client.get(DOCS)
    assert page.status_code == 200
    references = _references(page.text)
    assert len(references) >= 4  # css, favicon, js, schema
    for url in references:
        assert url.startswith("/") and not url.startswith("//"), url
    assert "http://" not in page.text and "https://" not in page.text


def test_every_asset_of_the_docs_page_is_served(api: Api) -> None:
    for url in _references(api.client.get(DOCS).text):
        response = api.client.get(url)
        assert response.status_code == 200, url
        assert response.content, url
    bundle = api.client.get(f"{DOCS}/assets/swagger-ui-bundle.js").text
    assert "SwaggerUIBundle" in bundle


def test_the_docs_assets_need_no_key_and_are_not_api_operations(api: Api) -> None:
    paths = api.client.get(f"{API}/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith(DOCS)]
    assert api.client.get(f"{DOCS}/assets/swagger-ui.css").status_code == 200
