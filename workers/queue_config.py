"""How the deployment's queue behaves; built by the faces from settings (no env reads here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class QueueConfig:
    """Broker, retry policy and deadlines shared by submitters, workers and the reconciler."""

    #: amqp://user:pass@host:5672/vhost (RabbitMQ) or redis://host:6379/0 (Redis).
    broker_url: str
    #: Prefix of the queue names (and the Redis namespace): one per deployment or test.
    prefix: str = "sohoa"
    #: Attempts after the first before a job is dead-lettered (ends "failed").
    max_retries: int = 5
    min_backoff: float = 5.0
    max_backoff: float = 300.0
    #: dramatiq time limits; tesseract has its own (subprocess) timeout inside these.
    page_time_limit: float = 900.0
    assemble_time_limit: float = 1800.0
    #: Work that has not moved for this long is re-sent by the reconciler.
    stuck_after: float = 900.0
    #: How often each worker runs the reconciler (0 = never; run `sohoa reconcile`).
    reconcile_every: float = 60.0
    #: Redis only: a dead worker's messages are redelivered after this heartbeat timeout.
    redis_heartbeat_timeout: float = 60.0
    redis_dead_message_ttl: float = 7 * 86400.0
    #: Redis only: fetches per million that also requeue dead workers' messages
    #: (dramatiq's default is 1000; higher = a dead worker's page comes back sooner).
    redis_maintenance_chance: int = 10_000
    #: Seconds a stopping worker waits for the message in hand.
    shutdown_timeout: float = 60.0

    @property
    def stuck_delta(self) -> timedelta:
        return timedelta(seconds=self.stuck_after)

    @property
    def assemble_lease(self) -> float:
        """Seconds an assembly is exclusively held: longer than it may run (its time limit),
        so a slow but live assembler is never doubled by a re-sent message."""
        return self.assemble_time_limit + 60.0

    def queue_name(self, step: str) -> str:
        return f"{self.prefix}.{step}"
