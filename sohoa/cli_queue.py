"""Commands of the deployment's queue: worker, status, reconcile, redrive (and the queue's side
of `process`: job ids printed as files are handed over, the answer when not waiting).

They need SOHOA_BROKER_URL (amqp://… or redis://…). dramatiq is imported only
here, on use, so the embedded mode and `--help` never load it.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sohoa import queue_views
from sohoa.exit_codes import ExitCode
from sohoa.failures import Failure, problem
from sohoa.runtime import (
    JsonOption,
    fail,
    guard,
    load_settings,
    open_services,
    reported,
)
from sohoa.storage.codes import parse_dossier_code

if TYPE_CHECKING:
    from sohoa.ocr.options import OcrOptions
    from sohoa.settings import Settings
    from sohoa.storage.catalog import Catalog
    from sohoa.workers.lifecycle import Digitiser, Handed
    from sohoa.workers.queue import JobQueue
    from sohoa.workers.queue_config import QueueConfig

WaitOption = Annotated[
    bool,
    typer.Option("--wait", help="With a queue (SOHOA_BROKER_URL): follow the jobs until they end."),
]


def register(app: typer.Typer) -> None:
    app.command(epilog="Ví dụ: SOHOA_BROKER_URL=redis://127.0.0.1:6379/0 sohoa worker -n 2")(worker)
    app.command(epilog="Ví dụ: sohoa status 000.00.20.H56-240101-0001 --json")(status)
    app.command(epilog="Ví dụ: sohoa reconcile --older-than 600")(reconcile)
    app.command(epilog="Ví dụ: sohoa redrive 3f2a… ;  sohoa redrive --all-failed")(redrive)


def worker(
    processes: Annotated[
        int, typer.Option("--processes", "-n", min=1, help="Worker processes (one per core).")
    ] = 1,
    threads: Annotated[
        int, typer.Option("--threads", "-t", min=1, help="Threads per process (keep 1 for OCR).")
    ] = 1,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port",
            min=1,
            max=65535,
            help="Serve Prometheus /metrics here (default SOHOA_WORKER_METRICS_PORT; "
            "process n of -n N uses port + n).",
        ),
    ] = None,
) -> None:
    """Run queue workers for SOHOA_BROKER_URL until SIGTERM or Ctrl-C.

    Each process takes one page (or document, or assembly) at a time. On SIGTERM
    it finishes the message in hand and exits; unfinished messages go back to the
    broker. Every worker also re-sends work stuck longer than SOHOA_STUCK_AFTER.
    """
    settings = load_settings()
    _require_queue(settings)
    port = metrics_port or settings.worker_metrics_port
    if port is not None and port + processes - 1 > 65535:
        fail(_bad_metrics_port(port, "port + processes > 65535"), settings)
    if processes == 1:
        _run_one_worker(threads, port)
        return
    _run_worker_pool(processes, threads, port)


def status(
    case: Annotated[
        str | None, typer.Argument(help="Dossier code; default: the 50 latest jobs.")
    ] = None,
    job: Annotated[str | None, typer.Option("--job", help="One job id, with its pages.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show queued jobs: queued, processing, assembling, done or failed (with the reason)."""
    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        from sohoa.storage.jobs import JobBook

        book = JobBook(services.catalog)
        if job is not None:
            record = book.get(job)
            if record is None:
                fail(_no_job(job), settings)
            queue_views.print_job(record, book.pages(job), settings.lang, as_json)
            return
        records = book.for_dossier(str(parse_dossier_code(case))) if case else book.recent()
        queue_views.print_jobs(records, book.count_by_status(), settings.lang, as_json)


def reconcile(
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than", min=0, help="Seconds without progress (default SOHOA_STUCK_AFTER)."
        ),
    ] = None,
) -> None:
    """Re-send queued work that has not moved for a while (a lost message, a dead worker)."""
    settings = load_settings()
    config = _require_queue(settings)
    with guard(settings), open_services(settings) as services, _queue(config) as queue:
        from sohoa.storage.jobs import JobBook
        from sohoa.workers.resend_stuck import resend_stuck as run

        deadline = timedelta(seconds=config.stuck_after if older_than is None else older_than)
        resent = run(JobBook(services.catalog), queue, deadline)
        typer.echo(
            f"re-sent: {resent.documents} documents, {resent.pages} pages, "
            f"{resent.assemblies} assemblies"
        )


def redrive(
    job: Annotated[str | None, typer.Argument(help="Job id (see `sohoa status`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="Every failed job.")] = False,
) -> None:
    """Start failed jobs again from the beginning (after fixing what made them fail)."""
    settings = load_settings()
    config = _require_queue(settings)
    if (job is None) == (not all_failed):
        fail(
            problem(ExitCode.USAGE, "Cần JOB hoặc --all-failed", "Give JOB or --all-failed"),
            settings,
        )
    with guard(settings), open_services(settings) as services, _queue(config) as queue:
        from sohoa.storage.jobs import JobBook
        from sohoa.workers.jobs import redrive as run

        book = JobBook(services.catalog)
        ids = book.ids("failed") if all_failed else [job or ""]
        redriven = [i for i in ids if run(i, book=book, queue=queue)]
        for job_id in redriven:
            typer.echo(f"redriven: {job_id}")
        if job is not None and not redriven:
            fail(_no_job(f"{job} (failed)"), settings)


def hand_over(
    lifecycle: Digitiser,
    files: Sequence[Path],
    code: str,
    kind: str,
    options: OcrOptions,
    settings: Settings,
    failures: list[list[Failure]],
    *,
    as_json: bool,
) -> list[tuple[int, Path, Handed]]:
    """`sohoa process`, first half: hand every file to the lifecycle before following any,
    so a queue's workers start on all of them at once. A queued file prints its job id
    (``queued: FILE -> job ID``); a file refused here is reported in ``failures[i]``."""
    from sohoa.ingest.submit import make_submission

    handed: list[tuple[int, Path, Handed]] = []
    for index, path in enumerate(files):
        with reported(settings, failures[index]):
            submitted = lifecycle.submit(make_submission(path, code, kind), options)
            handed.append((index, path, submitted))
            if submitted.job_id is not None and not as_json:
                typer.echo(f"queued: {path.name} -> job {submitted.job_id}")
    return handed


def print_not_waited(
    catalog: Catalog,
    handed: Sequence[tuple[int, Path, Handed]],
    sheets: int | None,
    settings: Settings,
    as_json: bool,
) -> None:
    """Queued without --wait: the jobs as they are now (--json), and a note that --sheets
    cannot be checked before the pages are counted."""
    from sohoa.cli_capture import sheets_need_wait
    from sohoa.storage.jobs import JobBook

    if as_json:
        book = JobBook(catalog)
        jobs = [book.get(h.job_id) for _, _, h in handed if h.job_id is not None]
        queue_views.print_jobs([j for j in jobs if j is not None], None, settings.lang, True)
    if sheets is not None:
        sheets_need_wait(settings)


def _require_queue(settings: Settings) -> QueueConfig:
    config = settings.queue_config()
    if config is None:
        fail(
            problem(
                ExitCode.USAGE,
                "Chưa cấu hình hàng đợi: đặt SOHOA_BROKER_URL (amqp://… hoặc redis://…)",
                "No queue configured: set SOHOA_BROKER_URL (amqp://… or redis://…)",
            ),
            settings,
        )
    return config


@contextmanager
def _queue(config: QueueConfig) -> Iterator[JobQueue]:
    from sohoa.workers.queue import JobQueue

    with JobQueue(config) as queue:
        yield queue


def _bad_metrics_port(port: int, why: str) -> Failure:
    return problem(
        ExitCode.USAGE,
        f"Không mở được cổng metrics {port}: {why}",
        f"Cannot serve metrics on port {port}: {why}",
    )


def _no_job(what: str) -> Failure:
    return problem(ExitCode.NOT_FOUND, f"Không tìm thấy việc {what}", f"No job {what}")


def _run_one_worker(threads: int, metrics_port: int | None) -> None:
    """One worker in this process (also the body of each pool child)."""
    from sohoa.workers.worker_metrics import metrics_endpoint
    from sohoa.workers.worker_process import run_worker

    settings = load_settings()
    config = _require_queue(settings)
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(
                metrics_endpoint(metrics_port, settings.worker_metrics_host, config)
            )
        except OSError as error:
            fail(_bad_metrics_port(metrics_port or 0, str(error)), settings)
        services = stack.enter_context(open_services(settings))
        run_worker(
            store=services.store,
            catalog=services.catalog,
            config=config,
            scratch=settings.home / "worker" / str(multiprocessing.current_process().pid),
            threads=threads,
        )


def _run_worker_pool(processes: int, threads: int, metrics_port: int | None) -> None:
    """N worker processes kept running by `workers.worker_pool`; SIGTERM is passed on.

    Each child serves its own metrics (port + n): counters live in the process
    that did the work, and Prometheus sums the targets.
    """
    from sohoa.workers.worker_pool import run_pool

    def args_of(n: int) -> tuple[object, ...]:
        return (threads, None if metrics_port is None else metrics_port + n)

    exit_code = run_pool(_run_one_worker, args_of, processes)
    if exit_code:
        raise typer.Exit(exit_code)
