"""Server-Sent Events for the live pages: poll something server-side, push what changed.

Why polling on the server: the job book (and a batch's progress) is the one source
of truth in both modes — embedded page workers and queue workers write to the same
rows — so the page follows the rows, not a separate message bus. The browser's
EventSource gets only changes, and the stream ends by itself when the watched work
has ended (an ``end`` event), or after ``MAX_SECONDS`` (EventSource then reconnects).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import StreamingResponse

#: How often the server looks at the rows again.
POLL_SECONDS = 0.5
#: A stream is closed after this long; the browser reconnects and gets the state again.
MAX_SECONDS = 15 * 60

#: One look at the watched work: the events to send now (name, data) and whether it has ended.
Snapshot = tuple[list[tuple[str, dict[str, Any]]], bool]


def event_text(name: str, data: dict[str, Any]) -> str:
    """One SSE message; JSON never contains a raw newline, so one ``data:`` line suffices."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def stream(
    request: Request, look: Callable[[], Snapshot], every: float = POLL_SECONDS
) -> StreamingResponse:
    """Call ``look`` (blocking, run in a thread) every ``every`` seconds; send each event
    whose data differs from what was last sent under the same name and ``id``."""
    return StreamingResponse(
        _events(request, look, every),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _events(
    request: Request, look: Callable[[], Snapshot], every: float
) -> AsyncIterator[str]:
    sent: dict[tuple[str, str], str] = {}
    deadline = time.monotonic() + MAX_SECONDS
    yield "retry: 2000\n\n"
    while time.monotonic() < deadline:
        events, ended = await run_in_threadpool(look)
        for name, data in events:
            text = event_text(name, data)
            key = (name, str(data.get("id", "")))
            if sent.get(key) != text:
                sent[key] = text
                yield text
        if ended:
            yield event_text("end", {})
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(every)
