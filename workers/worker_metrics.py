"""The Prometheus endpoint of a queue worker (`sohoa worker --metrics-port`).

The counters are those of :mod:`workers.metrics` (same names as the API's
``/metrics``), recorded by the queue steps in the process that did the work, so
each worker process serves its own on its own port; Prometheus sums them
(``sum(rate(sohoa_pages_processed_total[5m])) * 60`` = pages/min). One port per
process rather than prometheus_client's multiprocess mode: no shared directory
to clean after a crash, and ``sohoa_queue_depth`` (a gauge read from the broker
at each scrape) keeps working.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import start_http_server

from sohoa.workers.metrics import watch_queue_depth
from sohoa.workers.queue_config import QueueConfig
from sohoa.workers.queue_depth import queue_depth_reader

log = logging.getLogger(__name__)


@contextmanager
def metrics_endpoint(port: int | None, host: str, config: QueueConfig) -> Iterator[None]:
    """Serve ``/metrics`` on ``host:port`` for the body (nothing when ``port`` is None).

    Raises OSError when the port cannot be bound (taken, or not allowed).
    """
    if port is None:
        yield
        return
    watch_queue_depth(queue_depth_reader(config))
    server, thread = start_http_server(port, addr=host)
    log.info("metrics endpoint listening", extra={"host": host, "port": port})
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
