"""Backlog batches started from the archive page: ingest.batch in a thread of the server.

One batch at a time per server (a backlog keeps the page workers busy anyway). The
batch's own hooks feed the progress (pages done, the file being read, each part as
it ends); after every part the report (report.csv / report.json) and a small
``run.json`` are rewritten, so a server stopped mid-way leaves a report that says
where it stood. Such a run is shown as interrupted; running the same folder again
skips what is stored (each stored part reports ``duplicate``) and files the rest.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sohoa.clock import utc_now, vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.failures import describe
from sohoa.ingest.batch_report import ReportRow, Summary, write_report
from sohoa.ingest.quarantine import Quarantine
from sohoa.scanner_profiles import load as load_profile
from sohoa.settings import Settings
from sohoa.storage.catalog import Catalog
from sohoa.storage.objects import ObjectStore
from sohoa.storage.permissions import make_dir

log = logging.getLogger(__name__)

RUN_FILE = "run.json"
#: Run directories under $SOHOA_HOME/reports.
PREFIX = "web-batch-"


class Busy(Exception):
    """A batch is already running on this server."""


@dataclass
class BatchRun:
    """One batch as the archive page follows it (plain data: safe to read from any thread)."""

    id: str
    folder: str
    kind: str
    started_by: str
    started_at: str
    directory: Path
    #: counting | running | finished | failed | interrupted
    state: str = "counting"
    total_pages: int = 0
    done_pages: int = 0
    reading: str = ""
    rows: list[ReportRow] = field(default_factory=list)
    error_vi: str = ""
    error_en: str = ""
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def running(self) -> bool:
        return self.state in ("counting", "running")

    def progress(self) -> dict[str, Any]:
        """Pages done of the total, pages per minute and the time left (seconds)."""
        elapsed = (self.ended or time.monotonic()) - self.started
        rate = self.done_pages / elapsed * 60 if elapsed > 0 and self.done_pages else 0.0
        left = max(self.total_pages - self.done_pages, 0)
        eta = round(left / rate * 60) if rate and self.running else None
        summary = asdict(Summary.of(self.rows))
        return {
            "id": self.id,
            "state": self.state,
            "done": self.done_pages,
            "total": self.total_pages,
            "per_minute": round(rate, 1),
            "eta_seconds": eta,
            "reading": self.reading,
            "summary": summary,
            "rows": len(self.rows),
        }

    def save(self) -> None:
        """Rewrite the report and run.json (atomically): what a crash leaves behind."""
        write_report(self.rows, self.directory)
        data = {
            "id": self.id,
            "folder": self.folder,
            "kind": self.kind,
            "started_by": self.started_by,
            "started_at": self.started_at,
            "state": self.state,
            "total_pages": self.total_pages,
            "done_pages": self.done_pages,
            "error_vi": self.error_vi,
            "error_en": self.error_en,
        }
        partial = self.directory / f".{RUN_FILE}.tmp"
        partial.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        partial.replace(self.directory / RUN_FILE)


class BatchRunner:
    """The server's batches: the one running now and the earlier ones on disk."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reports = settings.home / "reports"
        self._lock = threading.Lock()
        self._current: BatchRun | None = None

    def start(
        self, folder: Path, kind: str, user: str, store: ObjectStore, catalog: Catalog
    ) -> BatchRun:
        with self._lock:
            if self._current is not None and self._current.running:
                raise Busy
            now = vietnam_time(utc_now())
            run_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
            directory = self.reports / f"{PREFIX}{run_id}"
            make_dir(directory)
            run = BatchRun(run_id, str(folder), kind, user, now.isoformat(), directory)
            run.save()
            self._current = run
        thread = threading.Thread(
            target=self._run, args=(run, folder, store, catalog), name="sohoa-web-batch"
        )
        thread.daemon = True  # a stopped server leaves run.json 'running': shown interrupted
        thread.start()
        return run

    def get(self, run_id: str) -> BatchRun | None:
        current = self._current
        if current is not None and current.id == run_id:
            return current
        return self._from_disk(self.reports / f"{PREFIX}{run_id}")

    def runs(self, limit: int = 10) -> list[BatchRun]:
        """The latest runs, newest first (the live one as it is now)."""
        if not self.reports.is_dir():
            return []
        folders = sorted(self.reports.glob(f"{PREFIX}*"), reverse=True)[:limit]
        found = [self.get(f.name.removeprefix(PREFIX)) for f in folders]
        return [run for run in found if run is not None]

    def _from_disk(self, directory: Path) -> BatchRun | None:
        try:
            data = json.loads((directory / RUN_FILE).read_text("utf-8"))
            report = json.loads((directory / "report.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        state = data.get("state", "interrupted")
        run = BatchRun(
            id=str(data["id"]),
            folder=str(data["folder"]),
            kind=str(data.get("kind", "intake")),
            started_by=str(data.get("started_by", "")),
            started_at=str(data.get("started_at", "")),
            directory=directory,
            state="interrupted" if state in ("counting", "running") else state,
            total_pages=int(data.get("total_pages", 0)),
            done_pages=int(data.get("done_pages", 0)),
            rows=[ReportRow(**row) for row in report.get("rows", [])],
            error_vi=str(data.get("error_vi", "")),
            error_en=str(data.get("error_en", "")),
        )
        run.ended = run.started
        return run

    def _run(self, run: BatchRun, folder: Path, store: ObjectStore, catalog: Catalog) -> None:
        try:
            self._batch(run, folder, store, catalog)
            run.state = "finished"
        except Exception as error:
            log.exception("web batch stopped", extra={"run": run.id})
            failure = describe(error)
            run.state = "failed"
            run.error_vi = failure.vi if failure else f"Lỗi không mong đợi: {type(error).__name__}"
            run.error_en = failure.en if failure else f"Unexpected error: {type(error).__name__}"
        finally:
            run.ended = time.monotonic()
            run.reading = ""
            try:
                run.save()
            except OSError:
                log.exception("web batch report not written", extra={"run": run.id})

    def _batch(self, run: BatchRun, folder: Path, store: ObjectStore, catalog: Catalog) -> None:
        from sohoa.ingest.batch import Batch, BatchHooks, collect_files, count_pages, links_outside
        from sohoa.workers.lifecycle import open_digitiser

        settings = self.settings
        files = collect_files([folder])
        refused = links_outside([folder])
        run.total_pages = sum(count_pages(f) for f in files if f not in refused)
        run.state = "running"
        run.save()
        options = settings.ocr_options(load_profile(settings.profile))
        with open_digitiser(
            store, catalog, settings.queue_config(), settings.jobs or None
        ) as digitiser:
            engine = Batch(
                kind=run.kind,
                case=None,
                store=store,
                catalog=catalog,
                options=options,
                digitiser=digitiser,
                explain=explain,
                hooks=BatchHooks(
                    pages_done=_adder(run),
                    row_done=lambda row: _row_done(run, row),
                    reading=lambda text: setattr(run, "reading", Path(text).name),
                ),
                rows=run.rows,
                quarantine=Quarantine(settings.resolved_quarantine_dir),
                refused=refused,
            )
            engine.run(files)


def explain(error: BaseException) -> tuple[int, str, str] | None:
    """How a part's failure reads (as `sohoa batch` says it); None for a bug."""
    from sohoa.ingest.batch import PartProblem
    from sohoa.ingest.links import LinkOutside

    if isinstance(error, (PartProblem, LinkOutside)):
        return int(ExitCode.BAD_INPUT), error.vi, error.en
    failure = describe(error)
    return None if failure is None else (int(failure.exit_code), failure.vi, failure.en)


def _adder(run: BatchRun) -> Callable[[int], None]:
    def advance(pages: int) -> None:
        run.done_pages += pages

    return advance


def _row_done(run: BatchRun, row: ReportRow) -> None:
    """The batch appended ``row`` to ``run.rows`` already; write the report as it stands."""
    try:
        run.save()
    except OSError:
        log.exception("web batch report not written", extra={"run": run.id})


def started_at_text(run: BatchRun) -> str:
    """dd/mm/yyyy hh:mm of the start (Vietnam time, as stored)."""
    try:
        return f"{datetime.fromisoformat(run.started_at):%d/%m/%Y %H:%M}"
    except ValueError:
        return run.started_at
