"""The deployment's queue: three dramatiq actors on one broker, and how to send to them.

Messages carry ids only: ``(job_id)`` for the document and assemble steps,
``(job_id, page_index)`` for a page. The actors run the functions of
:mod:`workers.queue_steps` with the worker context installed by
:func:`workers.worker_process.run_worker`; a submitter only sends.
"""

from __future__ import annotations

from typing import Any

import dramatiq

from sohoa.ocr.errors import InputRejected, ToolMissing
from sohoa.workers import queue_steps
from sohoa.workers.broker import build_broker
from sohoa.workers.queue_config import QueueConfig

DOCUMENT, PAGE, ASSEMBLE = "documents", "pages", "assemble"

_context: queue_steps.WorkerContext | None = None


def install_context(ctx: queue_steps.WorkerContext | None) -> None:
    """Give this process's actors their store, catalog and job book (workers only)."""
    global _context
    _context = ctx


def _ctx() -> queue_steps.WorkerContext:
    if _context is None:
        raise RuntimeError("no worker context: actors run only inside `sohoa worker`")
    return _context


def document_actor(job_id: str) -> None:
    queue_steps.run_document(_ctx(), job_id)


def page_actor(job_id: str, index: int) -> None:
    queue_steps.run_page(_ctx(), job_id, index)


def assemble_actor(job_id: str) -> None:
    queue_steps.run_assemble(_ctx(), job_id)


class JobQueue:
    """A broker with the three actors declared; safe to share between threads."""

    def __init__(self, config: QueueConfig, broker: dramatiq.Broker | None = None) -> None:
        self.config = config
        self.broker = broker or build_broker(config)
        # Never retried: the same input, or the same missing language pack, fails the same
        # way every time; the job is dead-lettered with its reason until `sohoa redrive`.
        poison = (InputRejected, ToolMissing)
        self.document = self._actor(document_actor, DOCUMENT, config.page_time_limit, poison)
        self.page = self._actor(page_actor, PAGE, config.page_time_limit, poison)
        self.assemble = self._actor(assemble_actor, ASSEMBLE, config.assemble_time_limit, poison)

    def send_document(self, job_id: str) -> None:
        self.document.send(job_id)

    def send_page(self, job_id: str, index: int) -> None:
        self.page.send(job_id, index)

    def send_assemble(self, job_id: str) -> None:
        self.assemble.send(job_id)

    def close(self) -> None:
        self.broker.close()

    def __enter__(self) -> JobQueue:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _actor(
        self, fn: Any, step: str, time_limit: float, throws: tuple[type[Exception], ...]
    ) -> dramatiq.Actor[Any, Any]:
        declare = dramatiq.actor(
            broker=self.broker,
            actor_name=f"sohoa_{step}",
            queue_name=self.config.queue_name(step),
            time_limit=int(time_limit * 1000),
            throws=throws,
        )
        return declare(fn)
