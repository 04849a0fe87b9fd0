"""How many messages wait in the broker, for the workers' ``sohoa_queue_depth`` gauge.

Read at each scrape with a short-lived connection of its own: the metrics
server answers each request on a new thread, and dramatiq's brokers keep one
connection per thread, so borrowing them would leak a connection per scrape.
Counted: messages ready in the three step queues (documents, pages,
assemble); messages a worker holds (unacked) and delayed retries are not.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from urllib.parse import urlsplit

from sohoa.workers.queue_config import QueueConfig

log = logging.getLogger(__name__)

STEPS = ("documents", "pages", "assemble")
_TIMEOUT_S = 3.0


def queue_depth_reader(config: QueueConfig) -> Callable[[], float]:
    """A function giving the current depth, or NaN when the broker does not answer
    (a scrape must not fail, and 0 would claim an empty queue)."""
    names = [config.queue_name(step) for step in STEPS]
    scheme = urlsplit(config.broker_url).scheme.lower()
    count = _rabbitmq_ready if scheme in ("amqp", "amqps") else _redis_ready

    def depth() -> float:
        try:
            return float(count(config, names))
        except Exception as error:
            log.warning("queue depth unavailable", extra={"error": type(error).__name__})
            return math.nan

    return depth


def _rabbitmq_ready(config: QueueConfig, names: list[str]) -> int:
    """Passive declares: a message count per queue, and no queue is created by asking."""
    import pika

    params = pika.URLParameters(config.broker_url)
    params.socket_timeout = params.blocked_connection_timeout = _TIMEOUT_S
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        total = 0
        for name in names:
            try:
                total += channel.queue_declare(name, passive=True).method.message_count
            except pika.exceptions.ChannelClosedByBroker:  # not declared yet: nothing in it
                channel = connection.channel()
        return total
    finally:
        connection.close()


def _redis_ready(config: QueueConfig, names: list[str]) -> int:
    """dramatiq's Redis broker keeps each queue as the list ``<namespace>:<queue>``."""
    import redis

    client = redis.Redis.from_url(config.broker_url, socket_timeout=_TIMEOUT_S)
    try:
        return sum(int(client.llen(f"{config.prefix}:{name}")) for name in names)
    finally:
        client.close()
