"""Servers the deployment tests stop and start: a private redis-server, a restartable
SeaweedFS, a RabbitMQ vhost, and worker processes (`sohoa worker`) with an OCR gate.

The gate is the OCR's test seam (`SOHOA_TEST_OCR_GATE`, see ocr/tesseract.py):
a worker about to recognise a page creates `<gate>/<pid>.inside` and waits until
the test opens the gate (`<gate>/release`). It lets a test know, without any
timing, that a worker is in the middle of a page.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.services import WeedS3, free_ports, stop_group
from tests.conftest_services import S3Server, server_of, started

#: Every wait in these tests is bounded by this (a guard against hanging, never an assertion).
DEADLINE_S = 120.0
SOHOA = str(Path(sys.executable).with_name("sohoa"))


def wait_until(
    check: Callable[[], bool], what: str | Callable[[], str], deadline: float = DEADLINE_S
) -> None:
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            told = what() if callable(what) else what
            pytest.fail(f"gave up after {deadline:.0f}s waiting for {told}")
        time.sleep(0.1)


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


# -- Redis --------------------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A redis-server of our own, without persistence: a restart loses every message."""

    workdir: Path
    port: int = field(default_factory=lambda: free_ports(1)[0])
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            skip_or_fail("redis-server is not installed")
        assert binary is not None
        log = (self.workdir / "redis.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        wait_until(lambda: _pings(client), "redis-server to answer", 30)

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None

    def flush(self) -> None:
        import redis

        redis.Redis(port=self.port).flushall()


def _pings(client: object) -> bool:
    try:
        return bool(client.ping())  # type: ignore[attr-defined]
    except Exception:
        return False


# -- RabbitMQ -----------------------------------------------------------------------------------


def rabbitmq_reachable() -> bool:
    import socket

    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5672), timeout=2):
        return True
    return False


def ensure_rabbitmq() -> None:
    if rabbitmq_reachable():
        return
    if shutil.which("rabbitmq-server"):
        subprocess.run(["rabbitmq-server", "-detached"], check=False, capture_output=True)
        end = time.monotonic() + 60
        while time.monotonic() < end and not rabbitmq_reachable():
            time.sleep(1)
    if not rabbitmq_reachable():
        skip_or_fail("RabbitMQ at 127.0.0.1:5672 is unreachable and could not be started")


def rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


# -- S3 that can be stopped -----------------------------------------------------------------------


class RestartableS3:
    """A private `weed mini` keeping its data and ports across stop()/start()."""

    def __init__(self, workdir: Path) -> None:
        self.weed = WeedS3(
            workdir, bucket="sohoa-deploy", access_key="SOHOATEST" + secrets.token_hex(6).upper()
        )
        self.server = server_of(self.weed)

    def start(self) -> None:
        started(self.weed)

    def stop(self) -> None:
        self.weed.stop()


def s3_env(server: S3Server, prefix: str) -> dict[str, str]:
    return {
        "SOHOA_STORAGE_URL": f"s3+http://{server.endpoint}/{server.bucket}/{prefix}",
        "SOHOA_S3_ACCESS_KEY": server.access_key,
        "SOHOA_S3_SECRET_KEY": server.secret_key,
        "SOHOA_S3_REGION": server.region,
    }


# -- the OCR gate and the workers -----------------------------------------------------------------


@dataclass
class Gate:
    """The folder the workers' OCR gate watches (tesseract runs in the worker's process)."""

    directory: Path

    @classmethod
    def make(cls, root: Path) -> Gate:
        gate = root / "gate"
        gate.mkdir()
        return cls(gate)

    @property
    def env(self) -> dict[str, str]:
        """What a worker needs in its environment to stop at this gate."""
        return {"SOHOA_TEST_OCR_GATE": str(self.directory)}

    def started_by(self) -> set[int]:
        """Pids of the workers whose OCR reached the gate."""
        return {int(p.name.split(".", 1)[0]) for p in self.directory.glob("*.inside")}

    def open(self) -> None:
        (self.directory / "release").touch()


@dataclass
class Workers:
    """`sohoa worker` subprocesses, each in its own process group (kill -9 takes all of it)."""

    root: Path
    env: dict[str, str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(
        self, count: int = 1, extra: Mapping[str, str] | None = None, args: Sequence[str] = ()
    ) -> list[int]:
        started = []
        for _ in range(count):
            n = len(self.procs)
            home = self.root / f"worker-{n}"
            home.mkdir(parents=True, exist_ok=True)
            env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
            env.update(self.env)
            env.update(extra or {})
            env["SOHOA_HOME"] = str(home)
            log = (self.root / f"worker-{n}.log").open("ab")
            proc = subprocess.Popen(
                [SOHOA, "worker", *args],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            self.procs.append(proc)
            started.append(proc.pid)
        return started

    def kill9(self, pid: int) -> None:
        os.killpg(pid, signal.SIGKILL)
        next(p for p in self.procs if p.pid == pid).wait(timeout=30)

    def stop_all(self) -> list[int | None]:
        """SIGTERM every worker (a clean stop) and return their exit codes."""
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(proc.pid, signal.SIGTERM)
        codes: list[int | None] = []
        for proc in self.procs:
            try:
                codes.append(proc.wait(timeout=60))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                codes.append(None)
        return codes

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name} ---\n" + "\n".join(p.read_text(errors="replace").splitlines()[-30:])
            for p in sorted(self.root.glob("worker-*.log"))
        )


def rabbitmq_restart_refused(own_vhost: str) -> str | None:
    """Why the local RabbitMQ must not be restarted from here (None when it may).

    Restarting needs `rabbitmqctl` with the node's Erlang cookie (root, or the
    rabbitmq user). And the node is a shared system service: while clients of
    other vhosts are connected (a benchmark, another deployment) it is left alone.
    """
    if shutil.which("rabbitmqctl") is None:
        return "rabbitmqctl is not installed: cannot restart RabbitMQ"
    try:
        listed = subprocess.run(
            ["rabbitmqctl", "-q", "list_connections", "vhost"],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.split()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        return f"rabbitmqctl cannot control the local node ({type(error).__name__}): run as root"
    others = sorted({v for v in listed if v not in ("vhost", own_vhost)})
    if others:
        return f"RabbitMQ is in use by other vhosts {others}: not restarting a shared broker"
    return None


def amqp_accepts(url: str) -> bool:
    """The broker completes an AMQP handshake on ``url`` (a TCP accept is not enough)."""
    import pika

    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except Exception:
        return False
    return True


@contextlib.contextmanager
def rabbitmq_app_stopped(url: str) -> Iterator[None]:
    """`rabbitmqctl stop_app` for the body (the Erlang node stays up), then `start_app`
    however the body ends, and wait until ``url`` accepts connections again."""
    rabbitmqctl("stop_app")
    try:
        yield
    finally:
        rabbitmqctl("start_app")
        wait_until(lambda: amqp_accepts(url), "RabbitMQ to accept connections again", 60)
