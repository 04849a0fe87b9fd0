"""Admin and supervisors: scanner profiles, and the health of the catalog, store and queue.

Read-only. Readiness is what ``/readyz`` checks (catalog query, object store
HEAD, page workers); jobs are the job book's counts and latest rows, as
``sohoa status`` shows them; in the queued mode the broker's queue depth too.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from sohoa.api.backends import BackendUnavailable
from sohoa.api.context import context_of
from sohoa.i18n import N_
from sohoa.scanner_profiles import Profile, load_all
from sohoa.storage.accounts import User
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.web.auth import require_user
from sohoa.web.context import web_of
from sohoa.web.lang import translate
from sohoa.web.templating import render

router = APIRouter(prefix="/admin/system")
#: Job statuses as the clerk reads them (the same words as ``sohoa status``).
STATUS = {
    "queued": N_("waiting"),
    "processing": N_("processing"),
    "assembling": N_("assembling"),
    "done": N_("done"),
    "failed": N_("failed"),
}


@router.get("")
def system_page(
    request: Request, user: Annotated[User, Depends(require_user("admin", "supervisor"))]
) -> Response:
    book = JobBook(web_of(request).catalog())
    counts = book.count_by_status()
    return render(
        request,
        "admin/system.html",
        profiles=_profiles(),
        ready=_readiness(request),
        mode=translate(request, "queued (broker)")
        if web_of(request).settings.queue_config()
        else translate(request, "embedded (this process)"),
        depth=_queue_depth(request),
        counts=[(translate(request, STATUS.get(s, s)), n) for s, n in sorted(counts.items())],
        jobs=[
            (job, translate(request, STATUS.get(job.status, job.status))) for job in _recent(book)
        ],
    )


def _recent(book: JobBook) -> list[JobRecord]:
    return book.recent(20)


def _profiles() -> list[Profile]:
    return load_all()


def _readiness(request: Request) -> str:
    """'' when ready, else the reason (the same checks as /readyz)."""
    context = context_of(request)
    try:
        context.backends.check_ready()
    except BackendUnavailable as error:
        return str(error)
    not_ready = getattr(context.submitter, "not_ready", None)
    return str(not_ready()) if callable(not_ready) else ""


def _queue_depth(request: Request) -> str:
    """Messages waiting in the broker, '' in the embedded mode, '?' when it does not answer."""
    config = web_of(request).settings.queue_config()
    if config is None:
        return ""
    from sohoa.workers.queue_depth import queue_depth_reader

    depth = queue_depth_reader(config)()
    return "?" if math.isnan(depth) else str(int(depth))
