"""One worker process: a dramatiq Worker on the configured broker, stopped cleanly by SIGTERM.

Threads default to 1: each page runs one single-threaded tesseract, so the
number of processes (one per core) is the parallelism. Prefetch is 1 so a long
document's pages spread over all workers instead of piling up in one.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from types import FrameType

import dramatiq
from dramatiq.middleware import Retries

from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobBook
from sohoa.storage.objects import ObjectStore
from sohoa.workers.dead_letter import DeadLetters
from sohoa.workers.queue import JobQueue, install_context
from sohoa.workers.queue_config import QueueConfig
from sohoa.workers.queue_steps import WorkerContext
from sohoa.workers.resend_stuck import resend_stuck_forever
from sohoa.workers.source_cache import SourceCache
from sohoa.workers.webhooks import delivery_rounds

log = logging.getLogger(__name__)


def run_worker(
    *,
    store: ObjectStore,
    catalog: Catalog,
    config: QueueConfig,
    scratch: Path,
    threads: int = 1,
    stop: threading.Event | None = None,
) -> None:
    """Consume until SIGTERM/SIGINT (or ``stop``), then finish the message in hand and return."""
    stop = stop or threading.Event()
    _stop_on_signals(stop)
    book = JobBook(catalog)
    queue = JobQueue(config)
    scratch.mkdir(parents=True, exist_ok=True)
    install_context(
        WorkerContext(
            store=store,
            catalog=catalog,
            book=book,
            sender=queue,
            sources=SourceCache(store, scratch / "sources"),
            scratch=scratch,
            lease_seconds=config.assemble_lease,
        )
    )
    # Before Retries in the list: dramatiq runs "after" hooks in reverse, so this one sees
    # the message once Retries has decided whether it is failed for good.
    queue.broker.add_middleware(DeadLetters(book, catalog, store), before=Retries)
    worker = dramatiq.Worker(queue.broker, worker_threads=threads, worker_timeout=1000)
    worker.queue_prefetch = 1
    worker.start()
    reconciler = _start_reconciler(book, queue, config, stop)
    webhooks = delivery_rounds(lambda: catalog)  # the outbox (claims rows: many workers are fine)
    webhooks.start()
    log.info("worker started", extra={"threads": threads, "prefix": config.prefix})
    try:
        stop.wait()
    finally:
        log.info("worker stopping")
        stop.set()
        webhooks.stop()
        worker.stop(timeout=int(config.shutdown_timeout * 1000))
        if reconciler is not None:
            reconciler.join(timeout=5)
        queue.close()
        install_context(None)
        log.info("worker stopped")


def _start_reconciler(
    book: JobBook, queue: JobQueue, config: QueueConfig, stop: threading.Event
) -> threading.Thread | None:
    if config.reconcile_every <= 0:
        return None
    thread = threading.Thread(
        target=resend_stuck_forever,
        args=(book, queue, config.stuck_delta, config.reconcile_every, stop),
        name="sohoa-reconciler",
        daemon=True,
    )
    thread.start()
    return thread


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        log.info("signal received", extra={"signal": signal.Signals(signum).name})
        stop.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
