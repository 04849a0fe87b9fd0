"""The counter's scan-to-folder watcher: hot folders in, stored PDF/A or quarantine out.

Filesystem events (watchdog) only wake the loop up; what to do is always decided
by looking at the folder, and a periodic rescan catches what network shares
never report. Files are processed one at a time (their pages in parallel), so
stopping between files leaves nothing half-done; files a crash left in
``.processing/`` are taken up again at start.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from sohoa.ingest.claim import Claim, candidates, claim, put_back, recover
from sohoa.ingest.folder_config import FolderConfig
from sohoa.ingest.hot_file import Context, FileReport, handle_claim
from sohoa.ingest.links import LinkOutside, leaves
from sohoa.ingest.readiness import Ready, Settler, Timing
from sohoa.ocr.errors import InputRejected

log = logging.getLogger(__name__)

Report = Callable[[FileReport], None]


class Watcher:
    def __init__(
        self,
        folders: Sequence[FolderConfig],
        ctx: Context,
        timing: Timing,
        report: Report,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._folders = tuple(folders)
        self._ctx = ctx
        self._timing = timing
        self._report = report
        self._settler = Settler(timing, clock)
        #: Files put back after a failure that was not theirs; --once does not retry them.
        self._deferred: set[Path] = set()
        #: Links leaving their hot folder, already reported: left where they are, never read.
        self._refused: set[Path] = set()

    def run_once(self) -> list[FileReport]:
        """Everything present now, including files still being written; then return."""
        reports = self._recover()
        poll = min(self._timing.settle_seconds / 4, 0.5)
        while True:
            reports += self._sweep(skip=self._deferred)
            if not self._settler.waiting:
                return reports
            time.sleep(poll)

    def run_forever(self, stop: threading.Event, rescan_seconds: float) -> None:
        """Until ``stop`` is set (or Ctrl-C between steps): events wake it, rescans back it up."""
        wake = threading.Event()
        observer = Observer()
        for folder in self._folders:
            observer.schedule(_Waker(wake), str(folder.path), recursive=False)
        observer.start()
        log.info("watching", extra={"folders": [str(f.path) for f in self._folders]})
        try:
            self._recover()
            poll = min(self._timing.settle_seconds / 4, 0.5)
            retry_at = time.monotonic() + rescan_seconds
            while not stop.is_set():
                if time.monotonic() >= retry_at:  # failures that were not the file's: retry
                    self._deferred.clear()
                    retry_at = time.monotonic() + rescan_seconds
                self._sweep(skip=self._deferred)
                wake.wait(poll if self._settler.waiting else rescan_seconds)
                wake.clear()
        finally:
            observer.stop()
            observer.join()

    def _recover(self) -> list[FileReport]:
        reports = []
        for folder in self._folders:
            for claimed in recover(folder.processing_dir):
                reports.append(self._process(claimed, folder, None))
        return reports

    def _sweep(self, skip: set[Path]) -> list[FileReport]:
        reports = []
        present: set[Path] = set()
        for folder in self._folders:
            options = self._ctx.options_for(folder.profile)
            for path in candidates(folder.path):
                if path in skip or path in self._refused:
                    continue
                if leaves(path, folder.path):
                    reports.append(self._refuse(path, folder))
                    continue
                present.add(path)
                try:
                    ready = self._settler.check(path, options)
                    if ready is not None:
                        reports += self._take(ready, folder)
                except Exception:
                    # One file's problem (a name the filesystem refuses, a file gone
                    # mid-way…), never the daemon's: logged, and looked at again later.
                    log.exception("could not take a file", extra={"file": path.name})
                    self._settler.forget(path)
        self._settler.forget_missing(present)
        return reports

    def _take(self, ready: Ready, folder: FolderConfig) -> list[FileReport]:
        self._settler.forget(ready.path)
        claimed = claim(ready.path, folder.processing_dir)
        if claimed is None:
            log.info("taken by another watcher", extra={"file": str(ready.path)})
            return []
        return [self._process(claimed, folder, ready.rejection)]

    def _process(
        self, claimed: Claim, folder: FolderConfig, rejection: InputRejected | None
    ) -> FileReport:
        """handle_claim, with any error it lets through kept to this file: the file goes
        back to the hot folder (retried after the rescan period), or is reported gone."""
        try:
            return self._handle(handle_claim(claimed, folder, self._ctx, rejection))
        except Exception as error:
            log.exception("unexpected error with one file", extra={"file": claimed.original_name})
            return self._handle(_set_back(claimed, folder, error))

    def _refuse(self, path: Path, folder: FolderConfig) -> FileReport:
        """A link out of the folder is reported once and left in place: not claimed (the
        claim would carry the link into .processing/ and the quarantine), not opened."""
        self._refused.add(path)
        refused = LinkOutside(path, folder.path)
        log.warning(
            "refused a link leaving the hot folder",
            extra={"file": path.name, "reason": refused.reason},
        )
        report = FileReport(
            "refused", path.name, str(folder.path), message_vi=refused.vi, message_en=refused.en
        )
        self._report(report)
        return report

    def _handle(self, report: FileReport) -> FileReport:
        if report.status == "deferred":
            self._deferred.add(Path(report.folder) / report.source_name)
        log.info(
            "file done",
            extra={"file": report.source_name, "status": report.status, "doc": report.document},
        )
        self._report(report)
        return report


def _set_back(claimed: Claim, folder: FolderConfig, error: Exception) -> FileReport:
    name, where = claimed.original_name, str(folder.path)
    try:
        put_back(claimed, folder.path)
    except FileNotFoundError:
        claimed.release()
        return FileReport(
            "deferred",
            name,
            where,
            message_vi="tệp đã bị xóa hoặc chuyển đi trong khi xử lý; không có gì được lưu",
            message_en="the file was removed or moved away while being processed; nothing stored",
        )
    return FileReport(
        "deferred",
        name,
        where,
        message_vi=f"lỗi không mong đợi, sẽ thử lại ({type(error).__name__}); xem nhật ký",
        message_en=f"unexpected error, will retry ({type(error).__name__}); see the log",
    )


class _Waker(FileSystemEventHandler):
    """Any change in a hot folder wakes the loop; the loop looks for itself."""

    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._wake.set()
