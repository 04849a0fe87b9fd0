"""Queue benchmark: ``python -m bench.queue [--corpus DIR] [--limit N] [--latency-runs K]``.

Measures, in one run and on the same workload (the corpus PDFs, or the first N), the embedded
mode against the deployment's queue workers on real services, and the latency of one 5-page
dossier. Progress goes to stderr, the table to stdout; writes ``OUT/queue.json`` and
``OUT/queue.md`` (default ``bench/out``).

Modes
  embedded   ``sohoa process DOC1 ... DOCN --case CODE`` in one child process: local object store
             and SQLite in a fresh ``SOHOA_HOME``, its own page workers (one per core).
  queue 1/2  1 resp. 2 ``sohoa worker`` processes (each the default ``-n 1 -t 1``: one process,
             one thread), on the local RabbitMQ (a fresh vhost), a private SeaweedFS
             ``weed mini`` (started here, free loopback ports, random S3 credentials; one
             bucket prefix per mode) and the local PostgreSQL (a fresh database per mode).
             The workers are started first and the clock starts only once they consume (their
             consumers are registered with RabbitMQ). This process then submits every document
             with ``workers.jobs.submit`` (source upload + reservation + job row + message, as
             ``sohoa process`` does with a broker) and polls the job table until every job has
             ended; the wall time runs from the first submit to the last job done.

What is measured
  pages/min        INPUT pages / wall minutes.
  CPU s/page       sohoa's own CPU (user+sys) / input pages.
                   embedded: the rusage ``os.wait4`` returns for the ``sohoa process`` child,
                   which on Linux covers the child and every descendant it waited for (page
                   workers, tesseract): the whole run, start-up included.
                   queue: for each worker, ``utime+stime+cutime+cstime`` from /proc/PID/stat
                   just before the first submit and just after the last job ended. The workers
                   are alive and idle at both instants, so no tesseract is running and cutime
                   holds every finished child; the difference is exactly the CPU spent on this
                   workload (worker start-up and shutdown excluded, idle polling included). The
                   total from ``wait4`` at exit is kept in queue.json for reference.
  infra CPU s/page queue only: CPU of what the embedded mode does not run at all, over the same
                   window: SeaweedFS (our child), RabbitMQ (``beam.smp``) and PostgreSQL
                   (``postgres``, backends reaped by the postmaster count via its cutime), both
                   system-wide, plus this submitting/polling process (RUSAGE_SELF).
  speed-up         pages/min over the 1-worker queue's.
  overhead         vs embedded: wall = wall / embedded wall - 1, only for 2 workers (the same
                   2 cores as the embedded mode's 2 page workers); CPU = (sohoa + infra CPU) /
                   embedded CPU - 1.
  5-page latency   a 5-page dossier (dev-003's 4 pages + dev-010's first, images copied as they
                   are by pikepdf): time from ``submit`` to the catalog marking the document
                   stored, with 2 idle workers waiting (fresh deployment), vs the wall time of
                   ``sohoa process FILE --case CODE`` (embedded, process start-up included).
                   ``--latency-runs`` runs each (new dossier code each time); median and min.

Everything started here (weed, workers, vhosts, databases, temp dirs) is removed at the end,
also on error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench import corpus, report
from bench.__main__ import cpu_model
from bench.services import (
    ProcCpu,
    WeedS3,
    postgres_db,
    rabbit_consumers,
    rabbit_vhost,
    system_busy_s,
)
from bench.tools import sohoa_exe, versions

REPO = Path(__file__).resolve().parent.parent
CORES = os.cpu_count() or 1
CODE = "000.00.20.H56-240101-{:04d}"
#: Quiet, but "worker started" must reach the log; no reconciler noise inside a measurement.
WORKER_ENV = {"SOHOA_LOG_LEVEL": "INFO", "SOHOA_RECONCILE_EVERY": "0", "SOHOA_LANG": "en"}
#: A mode is abandoned (and reported) when no job changes state for this long.
STALL_S = 180.0
BROKER_LOST = "Consumer encountered a connection error"


def say(message: str) -> None:
    print(f"[bench.queue {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def self_cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(extra)
    return env


# -- child processes reaped with wait4 --------------------------------------------------------


@dataclass
class Child:
    """A process in its own session, reaped with ``os.wait4`` to get its (and its reaped
    descendants') rusage."""

    argv: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    code: int | None = None
    cpu_s: float | None = None

    def start(self) -> Child:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=REPO,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.code is None and self._reap(block=False)

    def _reap(self, block: bool) -> bool:
        """True while still running."""
        pid, status, usage = os.wait4(self.pid, 0 if block else os.WNOHANG)
        if pid == 0:
            return True
        self.code = os.waitstatus_to_exitcode(status)
        self.cpu_s = usage.ru_utime + usage.ru_stime
        assert self.proc is not None
        self.proc.returncode = self.code  # Popen must not wait for it again
        return False

    def wait(self) -> int:
        if self.code is None:
            self._reap(block=True)
        assert self.code is not None
        return self.code

    def stop(self, timeout: float = 90.0) -> None:
        """SIGTERM (a worker finishes its message and exits), SIGKILL the group after timeout."""
        if self.proc is None or self.code is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        end = time.monotonic() + timeout
        while self._reap(block=False):
            if time.monotonic() > end:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.pid, signal.SIGKILL)
                self._reap(block=True)
                break
            time.sleep(0.1)
        with contextlib.suppress(ProcessLookupError):  # anything left in its group
            os.killpg(self.pid, signal.SIGKILL)

    def tail(self, lines: int = 20) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


# -- the workload -------------------------------------------------------------------------------


def latency_dossier(corpus_dir: Path, out: Path) -> Path:
    """dev-003 (4 pages) + dev-010 page 1: 5 content pages, images copied unchanged."""
    import pikepdf

    with (
        pikepdf.open(corpus_dir / "dev-003.pdf") as first,
        pikepdf.open(corpus_dir / "dev-010.pdf") as second,
    ):
        first.pages.append(second.pages[0])
        first.save(out)
    with pikepdf.open(out) as check:
        assert len(check.pages) == 5, len(check.pages)
    return out


# -- the modes ----------------------------------------------------------------------------------


@dataclass
class ModeResult:
    mode: str
    workers: int
    pages: int
    docs: int
    wall_s: float
    cpu_s: float
    infra_cpu_s: float = 0.0
    infra_detail: dict[str, float] = field(default_factory=dict)
    failed: int = 0
    #: CPU the whole machine used in the window minus what is accounted above (other load).
    foreign_cpu_s: float = 0.0
    worker_total_cpu_s: list[float | None] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def pages_per_min(self) -> float:
        return self.pages / self.wall_s * 60

    @property
    def cpu_per_page(self) -> float:
        return self.cpu_s / self.pages

    @property
    def infra_per_page(self) -> float:
        return self.infra_cpu_s / self.pages


def run_embedded(pdfs: list[Path], pages: int, work: Path) -> ModeResult:
    home = work / "embedded-home"
    home.mkdir()
    argv = [str(sohoa_exe()), "process", *map(str, pdfs), "--case", CODE.format(1)]
    say(f"embedded: sohoa process {len(pdfs)} files ({pages} pages)")
    child = Child(argv, clean_env(SOHOA_HOME=str(home), SOHOA_LANG="en"), work / "embedded.log")
    busy0, me0 = system_busy_s(), self_cpu()
    start = time.perf_counter()
    child.start()
    code = child.wait()
    wall = time.perf_counter() - start
    result = ModeResult("embedded", 2, pages, len(pdfs), wall, child.cpu_s or 0.0)
    result.foreign_cpu_s = system_busy_s() - busy0 - result.cpu_s - (self_cpu() - me0)
    if code != 0:
        result.failed = -1
        result.notes.append(f"embedded: sohoa process exited {code}: {child.tail(5)}")
        say(f"!! embedded exited {code}\n{child.tail()}")
    say(f"embedded: {wall:.1f} s wall, {result.cpu_s:.1f} s CPU")
    return result


@dataclass
class Deployment:
    """One mode's private deployment: vhost, database, bucket prefix, N worker processes."""

    s3: WeedS3
    broker_url: str
    vhost: str
    database_url: str
    prefix: str
    root: Path
    workers: list[Child] = field(default_factory=list)

    def env(self, n: int) -> dict[str, str]:
        home = self.root / f"worker-{n}"
        home.mkdir(parents=True, exist_ok=True)
        return clean_env(
            **WORKER_ENV,
            **self.s3.env(self.prefix),
            SOHOA_DATABASE_URL=self.database_url,
            SOHOA_BROKER_URL=self.broker_url,
            SOHOA_QUEUE_PREFIX=self.prefix,
            SOHOA_HOME=str(home),
        )

    def start_workers(self, count: int) -> None:
        # The first worker alone creates the tables of the empty database: workers starting
        # together on an empty PostgreSQL race on CREATE TABLE and one may die (a product
        # race, reported); a real deployment creates the schema once, too.
        end = time.monotonic() + 120
        for batch in ([0], list(range(1, count))):
            for n in batch:
                log = self.root / f"worker-{n}.log"
                self.workers.append(Child([str(sohoa_exe()), "worker"], self.env(n), log).start())
            # Ready = every worker logged "worker started" and its consumers reached RabbitMQ.
            while not all("worker started" in w.tail(1000) for w in self.workers):
                self._check_alive()
                if time.monotonic() > end:
                    raise RuntimeError("workers did not start:\n" + self.logs())
                time.sleep(0.2)
        seen, stable = -1, 0
        while stable < 2:  # the count of consumers stops growing
            self._check_alive()
            count = rabbit_consumers(self.vhost)
            stable = stable + 1 if count == seen and count >= 3 * len(self.workers) else 0
            seen = count
            if time.monotonic() > end:
                raise RuntimeError(f"only {count} consumers on {self.vhost}:\n" + self.logs())
            time.sleep(0.3)
        say(f"{len(self.workers)} workers consuming ({seen} consumers on vhost {self.vhost})")

    def _check_alive(self) -> None:
        for worker in self.workers:
            if not worker.alive():
                raise RuntimeError(f"worker {worker.pid} exited {worker.code}:\n{worker.tail()}")

    def stop_workers(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(ProcessLookupError):
                if worker.proc is not None and worker.code is None:
                    os.kill(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            worker.stop()

    def logs(self) -> str:
        return "\n".join(f"--- worker {w.pid} ---\n{w.tail()}" for w in self.workers)


@contextlib.contextmanager
def deployment(s3: WeedS3, work: Path, label: str, workers: int) -> Iterator[Deployment]:
    token = secrets.token_hex(4)
    vhost, prefix = f"sohoa-bench-{label}-{token}", f"b{label}{token}"
    root = work / f"{label}-{token}"
    root.mkdir()
    with rabbit_vhost(vhost) as broker_url, postgres_db(f"sohoa_bench_{label}_{token}") as db:
        dep = Deployment(s3, broker_url, vhost, db, prefix, root)
        try:
            say(f"{label}: vhost {vhost}, database sohoa_bench_{label}_{token}, prefix {prefix}")
            dep.start_workers(workers)
            yield dep
        finally:
            dep.stop_workers()


@contextlib.contextmanager
def submitter(dep: Deployment) -> Iterator[Any]:
    """This process's side: store, catalog, job book and queue of ``dep``."""
    from sohoa.scanner_profiles import load as load_profile
    from sohoa.settings import Settings
    from sohoa.storage.catalog import Catalog
    from sohoa.storage.jobs import JobBook
    from sohoa.storage.store_url import open_store
    from sohoa.workers.queue import JobQueue
    from sohoa.workers.queue_config import QueueConfig

    store = open_store(
        dep.s3.env(dep.prefix)["SOHOA_STORAGE_URL"],
        s3_access_key=dep.s3.access_key,
        s3_secret_key=dep.s3.secret_key,
        s3_region=dep.s3.region,
    )
    catalog = Catalog.open(dep.database_url)
    queue = JobQueue(QueueConfig(broker_url=dep.broker_url, prefix=dep.prefix))
    options = Settings(home=dep.root / "submitter").ocr_options(load_profile("generic"))
    try:
        yield store, catalog, JobBook(catalog), queue, options
    finally:
        queue.close()
        catalog.close()


def submit_one(side: Any, pdf: Path, code: str) -> str:
    from sohoa.ingest.submit import make_submission
    from sohoa.workers.jobs import submit

    store, catalog, book, queue, options = side
    return submit(
        make_submission(pdf, code, "intake"),
        store=store,
        catalog=catalog,
        options=options,
        queue=queue,
        book=book,
    )


def run_queue(s3: WeedS3, work: Path, workers: int, pdfs: list[Path], pages: int) -> ModeResult:
    label = f"q{workers}"
    with deployment(s3, work, label, workers) as dep, submitter(dep) as side:
        book = side[2]
        procs = ProcCpu(pids=tuple(w.pid for w in dep.workers))
        infra = {
            "seaweedfs": ProcCpu(pids=(s3.process.pid,) if s3.process else ()),
            "rabbitmq": ProcCpu(names=("beam.smp",)),
            "postgresql": ProcCpu(names=("postgres",)),
        }
        infra0 = {k: p.snapshot() for k, p in infra.items()}
        w0, me0, busy0 = procs.snapshot(), self_cpu(), system_busy_s()
        start = time.perf_counter()
        jobs = [submit_one(side, pdf, CODE.format(1)) for pdf in pdfs]
        say(f"{label}: {len(jobs)} jobs submitted in {time.perf_counter() - start:.1f} s")
        last, counts, moved = "", {}, time.perf_counter()
        while True:
            counts = book.count_by_status()
            ended = counts.get("done", 0) + counts.get("failed", 0)
            if ended >= len(jobs):
                break
            line = " ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            if line != last:
                say(f"{label}: {line}")
                last, moved = line, time.perf_counter()
            if time.perf_counter() - moved > STALL_S:
                raise RuntimeError(
                    f"{label}: no job moved for {STALL_S:.0f} s ({line}); "
                    f"see the worker logs:\n{dep.logs()}"
                )
            dep._check_alive()
            time.sleep(0.2)
        wall = time.perf_counter() - start
        w1, me1, busy1 = procs.snapshot(), self_cpu(), system_busy_s()
        detail = {k: ProcCpu.seconds(infra0[k], p.snapshot()) for k, p in infra.items()}
        detail["submitter"] = me1 - me0
        if set(w1) != set(w0):
            raise RuntimeError(f"{label}: a worker disappeared during the run\n{dep.logs()}")
        result = ModeResult(
            f"queue {workers}w",
            workers,
            pages,
            len(pdfs),
            wall,
            ProcCpu.seconds(w0, w1),
            infra_cpu_s=sum(detail.values()),
            infra_detail=detail,
            failed=counts.get("failed", 0),
        )
        result.foreign_cpu_s = busy1 - busy0 - result.cpu_s - result.infra_cpu_s
        if any(BROKER_LOST in w.tail(100_000) for w in dep.workers):
            result.notes.append(
                f"{label}: a worker lost its RabbitMQ connection during the run (someone "
                "restarted or stopped the broker); this mode's numbers are disturbed"
            )
        if result.failed:
            for job_id in jobs:
                record = book.get(job_id)
                if record is not None and record.status == "failed":
                    result.notes.append(f"{label} job {job_id} failed: {record.error}")
        stored = sum(
            1
            for job_id in jobs
            if (r := book.get(job_id)) is not None
            and (d := side[1].document(r.document_id)) is not None
            and d.status == "stored"
        )
        if stored != len(jobs):
            result.notes.append(f"{label}: only {stored}/{len(jobs)} documents stored")
        say(
            f"{label}: {wall:.1f} s wall, workers {result.cpu_s:.1f} s CPU, infra "
            + ", ".join(f"{k} {v:.1f}" for k, v in detail.items())
        )
    result.worker_total_cpu_s = [w.cpu_s for w in dep.workers]
    return result


# -- latency ------------------------------------------------------------------------------------


def latency_embedded(pdf: Path, work: Path, runs: int) -> list[float]:
    home = work / "latency-home"
    home.mkdir()
    times = []
    for i in range(runs):
        argv = [str(sohoa_exe()), "process", str(pdf), "--case", CODE.format(100 + i)]
        child = Child(argv, clean_env(SOHOA_HOME=str(home), SOHOA_LANG="en"), work / "lat.log")
        start = time.perf_counter()
        code = child.start().wait()
        times.append(time.perf_counter() - start)
        if code != 0:
            raise RuntimeError(f"embedded latency run exited {code}:\n{child.tail()}")
        say(f"latency embedded run {i + 1}: {times[-1]:.2f} s")
    return times


def latency_queue(s3: WeedS3, pdf: Path, work: Path, runs: int) -> list[float]:
    times = []
    with deployment(s3, work, "lat", 2) as dep, submitter(dep) as side:
        book, catalog = side[2], side[1]
        for i in range(runs):
            time.sleep(1.0)  # the workers are idle, waiting on their queues
            start = time.perf_counter()
            job_id = submit_one(side, pdf, CODE.format(200 + i))
            record = book.get(job_id)
            assert record is not None
            while True:
                doc = catalog.document(record.document_id)
                if doc is not None and doc.status == "stored":
                    break
                job = book.get(job_id)
                if job is not None and job.status == "failed":
                    raise RuntimeError(f"latency job failed: {job.error}")
                if time.perf_counter() - start > 600:
                    raise RuntimeError("latency job not stored after 600 s\n" + dep.logs())
                time.sleep(0.05)
            times.append(time.perf_counter() - start)
            say(f"latency queue run {i + 1}: {times[-1]:.2f} s")
    return times


# -- report -------------------------------------------------------------------------------------


def table(results: list[ModeResult]) -> tuple[report.Row, list[report.Row]]:
    head = (
        "mode",
        "workers",
        "pages",
        "wall s",
        "pages/min",
        "CPU s/page",
        "infra CPU s/page",
        "speed-up vs 1w",
        "wall overhead vs emb %",
        "CPU overhead vs emb %",
        "other load %",
        "failed",
    )
    emb = next((r for r in results if r.mode == "embedded"), None)
    one = next((r for r in results if r.mode == "queue 1w"), None)
    rows: list[report.Row] = []
    for r in results:
        queued = r.mode != "embedded"
        speed = f"{r.pages_per_min / one.pages_per_min:.2f}x" if one and queued else "-"
        wall_over = "-"
        if emb and queued and r.workers == emb.workers:
            wall_over = f"{100 * (r.wall_s / emb.wall_s - 1):+.1f}"
        cpu_over = "-"
        if emb and queued:
            cpu_over = f"{100 * ((r.cpu_s + r.infra_cpu_s) / emb.cpu_s - 1):+.1f}"
        rows.append(
            (
                r.mode,
                str(r.workers) + (" (page workers)" if not queued else ""),
                str(r.pages),
                f"{r.wall_s:.1f}",
                f"{r.pages_per_min:.1f}",
                f"{r.cpu_per_page:.2f}",
                f"{r.infra_per_page:.2f}" if queued else "-",
                speed,
                wall_over,
                cpu_over,
                f"{100 * r.foreign_cpu_s / (r.wall_s * CORES):.0f}",
                str(r.failed),
            )
        )
    return head, rows


def verdicts(results: list[ModeResult]) -> list[str]:
    by = {r.mode: r for r in results}
    out = []
    one, two, emb = by.get("queue 1w"), by.get("queue 2w"), by.get("embedded")
    if one and two:
        speed = two.pages_per_min / one.pages_per_min
        ok = "MET" if speed >= 1.8 else "NOT MET"
        out.append(f"aim 2 workers >= 1.8x one worker: {speed:.2f}x -> {ok}")
    if emb and two:
        over = two.wall_s / emb.wall_s - 1
        ok = "MET" if over <= 0.10 else "NOT MET"
        out.append(
            f"aim queue overhead <= 10% (2 workers vs embedded, wall): {100 * over:+.1f}% -> {ok}"
        )
        cpu = (two.cpu_s + two.infra_cpu_s) / emb.cpu_s - 1
        out.append(f"    same on CPU (workers + infra vs embedded): {100 * cpu:+.1f}%")
    return out


def wait_idle(limit: float) -> None:
    """Wait (at most ``limit`` s) until other processes use < 10% of the machine for 10 s."""
    end = time.monotonic() + limit
    while True:
        busy0 = system_busy_s()
        time.sleep(10)
        share = (system_busy_s() - busy0) / (10 * CORES)
        if share < 0.10:
            return
        if time.monotonic() > end:
            say(f"machine still {100 * share:.0f}% busy after {limit:.0f} s; measuring anyway")
            return
        say(f"waiting for an idle machine ({100 * share:.0f}% busy)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.queue", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--corpus", type=Path, default=REPO / ".." / "shared" / "corpus" / "dev")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--latency-runs", type=int, default=3, help="runs of each latency test")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=600,
        help="wait up to this many seconds for the machine to be idle (<10%% busy over 10 s)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args(argv)
    args.corpus, args.out = args.corpus.resolve(), args.out.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup (finally)
    docs = corpus.load(args.corpus, args.limit)
    if not docs:
        say(f"no documents in {args.corpus}")
        return 2
    pdfs, pages = [d.pdf for d in docs], sum(d.n_pages for d in docs)
    args.out.mkdir(parents=True, exist_ok=True)
    wait_idle(args.wait_idle)
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    load_at_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-queue-"))
    s3 = WeedS3(work / "weed")
    s3.workdir.mkdir()
    results: list[ModeResult] = []
    lat_emb: list[float] = []
    lat_q: list[float] = []
    try:
        say(f"starting SeaweedFS in {s3.workdir}")
        s3.start()
        say(f"SeaweedFS S3 at {s3.endpoint} (credentials enforced)")
        results.append(run_embedded(pdfs, pages, work))
        results.append(run_queue(s3, work, 1, pdfs, pages))
        results.append(run_queue(s3, work, 2, pdfs, pages))
        if args.latency_runs > 0:
            dossier = latency_dossier(args.corpus, work / "dossier-5p.pdf")
            lat_emb = latency_embedded(dossier, work, args.latency_runs)
            lat_q = latency_queue(s3, dossier, work, args.latency_runs)
    finally:
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)
        say("cleaned up (workers, SeaweedFS, vhosts, databases, temp files)")

    header = [
        f"corpus      {args.corpus} ({len(docs)} documents, {pages} pages)",
        f"machine     {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}",
        f"sohoa       {versions()['sohoa']}",
        "services    RabbitMQ 127.0.0.1:5672 (own vhost per mode), PostgreSQL 127.0.0.1:5432 "
        "(own database per mode), SeaweedFS weed mini (own bucket prefix per mode)",
        f"started     {started}, load average at start {load_at_start}",
        "other load  % of all cores' time in the mode's window used by processes outside the "
        "measurement (from /proc/stat); above ~5 the numbers are disturbed",
    ]
    head, rows = table(results)
    lat_lines = []
    if lat_emb and lat_q:
        lat_lines.append(
            f"5-page latency (submit -> stored, 2 idle workers): median "
            f"{statistics.median(lat_q):.2f} s, min {min(lat_q):.2f} s  |  embedded "
            f"`sohoa process`: median {statistics.median(lat_emb):.2f} s, min {min(lat_emb):.2f} s"
            f"  ({len(lat_q)} runs each; queue/embedded "
            f"{statistics.median(lat_q) / statistics.median(lat_emb):.2f}x)"
        )
    for r in results:
        share = r.foreign_cpu_s / (r.wall_s * CORES)
        if share > 0.05:
            r.notes.append(
                f"{r.mode}: other processes used {100 * share:.0f}% of the machine during this "
                "mode; its numbers are disturbed (run again on an idle machine)"
            )
    notes = [n for r in results for n in r.notes]
    aims = verdicts(results)
    infra = [
        f"infra CPU {r.mode}: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.infra_detail.items())
        for r in results
        if r.infra_detail
    ]
    print("\n".join(header))
    print()
    print(report.fixed(head, rows))
    print()
    for line in [*lat_lines, *aims, *infra]:
        print(line)
    for note in notes:
        print(f"note: {note}")

    md = ["# sohoa queue benchmark", "", *(f"- {h}" for h in header), ""]
    md += [report.markdown(head, rows), ""]
    md += [f"- {line}" for line in [*lat_lines, *aims, *infra]]
    md += [f"- note: {n}" for n in notes]
    (args.out / "queue.md").write_text("\n".join(md) + "\n", "utf-8")
    data = {
        "corpus": str(args.corpus),
        "documents": len(docs),
        "input_pages": pages,
        "machine": {"cores": os.cpu_count(), "cpu": cpu_model(), "platform": platform.platform()},
        "started": started,
        "modes": [
            {
                **asdict(r),
                "pages_per_min": r.pages_per_min,
                "cpu_s_per_page": r.cpu_per_page,
                "infra_cpu_s_per_page": r.infra_per_page,
            }
            for r in results
        ],
        "latency_5_pages": {"queue_s": lat_q, "embedded_s": lat_emb},
        "aims": aims,
        "notes": notes,
    }
    (args.out / "queue.json").write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")
    say(f"wrote {args.out / 'queue.json'} and {args.out / 'queue.md'}")
    return 1 if notes or any(r.failed for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
