"""The API docs page (Swagger UI) served with its assets from the installed package.

FastAPI's default page loads Swagger UI from a CDN, which a provincial network
without internet access cannot reach: the page would be blank exactly where an
integrator needs it. The assets come from the ``fastapi-offline`` wheel (Swagger
UI 5, which reads the OpenAPI 3.1 schema FastAPI publishes).
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png")


def install(app: FastAPI, docs_url: str, openapi_url: str) -> None:
    """Serve the page at ``docs_url`` and its assets under ``docs_url/assets``."""
    missing = [name for name in _FILES if not (ASSETS / name).is_file()]
    if missing:  # a broken install; say what is missing rather than serve a blank page
        raise RuntimeError(f"Swagger UI assets missing from {ASSETS}: {', '.join(missing)}")
    assets_url = f"{docs_url}/assets"
    app.mount(assets_url, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get(docs_url, include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        root = str(request.scope.get("root_path", "")).rstrip("/")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{assets_url}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{assets_url}/swagger-ui.css",
            swagger_favicon_url=f"{root}{assets_url}/favicon.png",
        )
