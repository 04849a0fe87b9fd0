"""Probes and metrics: the only endpoints answered without an API key.

``/healthz`` says the process serves requests (a liveness probe must not
depend on the database, or a database outage restarts every API pod);
``/readyz`` says it can do useful work. ``/metrics`` holds counts and
timings only, never a dossier code or a name, so it is left open for the
scraper; keep it off the public internet at the reverse proxy.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from sohoa.api.backends import BackendUnavailable
from sohoa.api.context import context_of
from sohoa.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={
        503: {
            "model": Health,
            "description": "Catalog or object store unreachable, or page workers dead.",
        }
    },
)
async def readyz(request: Request) -> JSONResponse:
    """Catalog answers a query, the object store a HEAD and the page workers run (embedded
    mode: a pool broken by a killed worker is replaced here); 503 with the reason otherwise."""
    context = context_of(request)
    try:
        await run_in_threadpool(context.backends.check_ready)
    except BackendUnavailable as error:
        return JSONResponse(
            Health(status="unavailable", reason=str(error)).model_dump(), status_code=503
        )
    workers = await run_in_threadpool(context.submitter.not_ready)
    if workers:
        return JSONResponse(
            Health(status="unavailable", reason=workers).model_dump(), status_code=503
        )
    return JSONResponse(Health(status="ok").model_dump())


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
)
async def metrics() -> Response:
    """Prometheus text format: pages, documents, failures, OCR seconds, upload bytes, queue."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
