"""A dramatiq broker from one URL: RabbitMQ (``amqp://``) or Redis (``redis://``).

Imported only when a broker is configured: the embedded mode never loads dramatiq.
RabbitMQ publishes with delivery confirmation (a send returns only once the
broker has the message); Redis' heartbeat decides how soon a dead worker's
messages come back, so it is configurable.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import dramatiq
from dramatiq.middleware import AgeLimit, Retries, ShutdownNotifications, TimeLimit

from sohoa.storage.errors import BadReference
from sohoa.workers.queue_config import QueueConfig

BROKER_FORMS = "amqp://user:pass@host:5672/vhost or redis://host:6379/0"


def build_broker(config: QueueConfig) -> dramatiq.Broker:
    scheme = urlsplit(config.broker_url).scheme.lower()
    middleware = [
        AgeLimit(),
        TimeLimit(),
        ShutdownNotifications(),
        Retries(
            max_retries=config.max_retries,
            min_backoff=max(1, int(config.min_backoff * 1000)),
            max_backoff=max(1, int(config.max_backoff * 1000)),
        ),
    ]
    if scheme in ("amqp", "amqps"):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        return RabbitmqBroker(url=config.broker_url, confirm_delivery=True, middleware=middleware)
    if scheme in ("redis", "rediss", "unix"):
        from dramatiq.brokers.redis import RedisBroker

        return RedisBroker(  # type: ignore[no-untyped-call]
            url=config.broker_url,
            namespace=config.prefix,
            heartbeat_timeout=int(config.redis_heartbeat_timeout * 1000),
            dead_message_ttl=int(config.redis_dead_message_ttl * 1000),
            maintenance_chance=config.redis_maintenance_chance,
            middleware=middleware,
        )
    raise BadReference(
        f"unsupported broker URL {redact_broker_url(config.broker_url)!r}; use {BROKER_FORMS}"
    )


def redact_broker_url(url: str) -> str:
    """The URL with any password replaced, for logs and errors."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{host}").geturl()
