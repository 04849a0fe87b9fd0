"""The workers' queue-depth gauge when the broker does not answer: NaN, never an error
(a scrape must not fail) and never 0 (that would claim an empty queue)."""

from __future__ import annotations

import math

import pytest

from sohoa.workers.queue_config import QueueConfig
from sohoa.workers.queue_depth import queue_depth_reader
from tests.conftest_services import free_ports


@pytest.mark.parametrize("scheme", ["amqp://guest:guest@", "redis://"])
def test_queue_depth_is_nan_when_the_broker_is_down(scheme: str) -> None:
    [port] = free_ports(1)  # nothing listens there
    depth = queue_depth_reader(QueueConfig(broker_url=f"{scheme}127.0.0.1:{port}/0"))
    assert math.isnan(depth())
