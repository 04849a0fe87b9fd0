"""The counter scanner's hot folder, as its unit's clerks see it on the counter page.

The folders are those of the hot-folder file `sohoa watch` reads (SOHOA_WATCH_CONFIG);
a folder with ``unit:`` belongs to that unit's counter. A clerk sees the folders of
their unit and the units below it (the rule of the dossiers and the archive roots),
never another unit's; an admin sees every folder that has a unit. A folder is named in
forms by its place in that file, and every request checks the folder against the
user again, so a number typed into a form opens nothing more.

Picking a file takes it the way a watcher does (a rename into ``.processing/``, so a
watcher on the same folder and a second clerk cannot take it too), copies it into the
inbox as an upload lands, and hands it to the API's submitter under the code the clerk
typed: the one lifecycle, as for an upload. The source stays in ``.processing/`` with
its job's id noted beside it (ingest.claim.hand_over) until the job has ended, whoever
ran it (the embedded pool or a queue worker) and however many restarts later: each
look at the folder, and `sohoa serve`'s round every few seconds, settles the files whose
jobs ended as ``sohoa watch`` settles its own (ingest.hot_file): stored or already
stored, the source leaves as the folder's ``after`` says (``done/`` or deleted);
rejected or failed, it goes to the quarantine with the job's reason.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sohoa.bilingual import BilingualError
from sohoa.ingest.claim import (
    Claim,
    candidates,
    claim,
    claimed_files,
    handed_to,
    hold,
    original_name,
    put_back,
    recover,
)
from sohoa.ingest.folder_config import FolderConfig, FolderConfigError, load_watch_config
from sohoa.ingest.hot_file import finish_source, origin_of, quarantine_source
from sohoa.ingest.links import leaves
from sohoa.ingest.quarantine import Quarantine
from sohoa.ingest.quarantine_reasons import Why, why_failed, why_rejected
from sohoa.storage.accounts import User
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobBook, JobRecord
from sohoa.workers.lifecycle import problem_of_job

log = logging.getLogger(__name__)

#: arriving: changed within the settle time (the scanner may still write it);
#: ready: may be filed; taken: being filed (by a watcher or another clerk).
FileState = Literal["arriving", "ready", "taken"]
#: The job book's row of a job id (None when there is no such job).
JobOf = Callable[[str], JobRecord | None]
#: Files listed per folder (a counter's folder holds a few scans, not a backlog).
MAX_LISTED = 100


@dataclass(frozen=True)
class CounterFolder:
    """A hot folder of a unit's counter, numbered by its place in the configuration."""

    id: int
    config: FolderConfig

    @property
    def label(self) -> str:
        return self.config.counter or self.config.path.name


@dataclass(frozen=True)
class HotFile:
    folder: CounterFolder
    name: str
    size: int
    modified: datetime
    state: FileState

    @property
    def pick(self) -> str:
        """What the form sends to pick it: ``<folder id>/<name>`` (a name has no slash)."""
        return f"{self.folder.id}/{self.name}"


class NotPickable(BilingualError):
    """The file cannot be picked; the messages say why and what to do."""


def counter_folders(config_file: Path | None) -> list[CounterFolder]:
    """Every folder of the hot-folder file that names a unit (none when there is no file).

    Read at each request, so a changed file needs no restart; a file that cannot be
    read lists nothing (logged) rather than breaking the counter page.
    """
    if config_file is None:
        return []
    try:
        folders = load_watch_config(config_file).folders
    except FolderConfigError as error:
        log.warning("hot-folder configuration unreadable", extra={"error": str(error)})
        return []
    return [CounterFolder(n, f) for n, f in enumerate(folders) if f.unit is not None]


def folders_of(
    folders: list[CounterFolder], user: User, units_below: Callable[[str], set[str]]
) -> list[CounterFolder]:
    """The folders ``user`` sees: their unit's and those of the units below it (admins: all)."""
    if user.role == "admin":
        return folders
    mine = {unit.upper() for unit in units_below(user.unit_code)}
    return [f for f in folders if (f.config.unit or "").upper() in mine]


def waiting_files(folder: CounterFolder, settle_seconds: float, now: float) -> list[HotFile]:
    """The scans in the folder (newest first), and those being filed from it.

    In a folder no watcher looks after (``watch: false``), a file left in ``.processing/``
    by a server stopped between taking it and handing it over (nobody holds its lock) is
    put back first, so it is offered again instead of showing as being filed for ever.
    """
    if not folder.config.watch:
        for left in recover(folder.config.processing_dir):
            give_back(left, folder)
    found = [_hot_file(folder, path, path.name, settle_seconds, now) for path in _listed(folder)]
    found += [
        _hot_file(folder, path, original_name(path), settle_seconds, now, taken=True)
        for path in _being_filed(folder)
    ]
    present = [f for f in found if f is not None]
    return sorted(present, key=lambda f: f.modified, reverse=True)[:MAX_LISTED]


def settle(folder: CounterFolder, job_of: JobOf, quarantine: Quarantine) -> None:
    """Files handed over to a job that has ended leave ``.processing/`` as the watcher's
    do: the document stored (or already stored), to ``done/`` or deleted; rejected or
    failed, to the quarantine with the job's reason. A job still under way keeps its
    file (listed as being filed); a job the book does not know puts it back to be
    offered again. Whoever holds the file's lock is settling it already: it is skipped.
    """
    for path in _being_filed(folder):
        job_id = handed_to(path)
        if job_id is None:
            continue
        job = job_of(job_id)
        if job is not None and job.status not in ("done", "failed"):
            continue
        held = hold(path)
        if held is None:
            continue
        try:
            _settle_one(held, folder, job, quarantine)
        except OSError:
            log.exception("picked source not settled", extra={"job": job_id})
            held.release()


def settle_all(folders: list[CounterFolder], catalog: Catalog, quarantine_dir: Path) -> None:
    """`settle` for each of ``folders``, from the catalogue's job book. The counter page
    settles the clerk's folders at each look; `sohoa serve` settles every counter folder
    every few seconds, so a picked scan's source leaves ``.processing/`` soon after its
    job ends, and after a restart, whether or not a clerk has the counter open."""
    if not folders:
        return
    book, quarantine = JobBook(catalog), Quarantine(quarantine_dir)
    for folder in folders:
        settle(folder, book.get, quarantine)


def _settle_one(
    held: Claim, folder: CounterFolder, job: JobRecord | None, quarantine: Quarantine
) -> None:
    if job is None:
        give_back(held, folder)
    elif job.status == "done":
        finish_source(held, folder.config)
    else:
        origin = origin_of(folder.config, held.original_name)
        quarantine_source(held, quarantine, why_job_failed(job), origin)


def why_job_failed(job: JobRecord) -> Why:
    """The quarantine note of a failed job: the reason the lifecycle recorded, in both
    languages, with the way out the watcher's notes give."""
    problem = problem_of_job(job)
    return why_rejected(problem) or why_failed(problem.kind, problem.message_vi, problem.message_en)


def take(folder: CounterFolder, name: str) -> Claim:
    """Claim the file ``name`` of ``folder`` for this request (NotPickable if it cannot be).

    The name must be one of the folder's own files as listed: it is compared, never
    joined onto a path as given.
    """
    path = next((p for p in _listed(folder) if p.name == name), None)
    if path is None:
        raise NotPickable(
            "Tệp không còn trong thư mục quét (đã được lưu hoặc bị chuyển đi); tải lại trang.",
            "The file is no longer in the scanner's folder (already filed or moved); "
            "reload the page.",
        )
    if leaves(path, folder.config.path):
        raise NotPickable(
            "Tệp này là liên kết ra ngoài thư mục quét nên không được lấy; báo quản trị viên.",
            "This file is a link leaving the scanner's folder and is not taken; tell the "
            "administrator.",
        )
    claimed = claim(path, folder.config.processing_dir)
    if claimed is None:
        raise NotPickable(
            "Tệp vừa được lấy để lưu (bởi người khác hoặc bộ theo dõi thư mục); tải lại trang.",
            "The file was just taken to be filed (by someone else or the folder watcher); "
            "reload the page.",
        )
    return claimed


def give_back(claimed: Claim, folder: CounterFolder) -> None:
    """The file could not be handed over: back into the folder, as it was."""
    try:
        put_back(claimed, folder.config.path)
    except FileNotFoundError:
        claimed.release()


def _listed(folder: CounterFolder) -> list[Path]:
    """The folder's scans; a link leaving the folder is not one (not listed, not taken)."""
    return [p for p in candidates(folder.config.path) if not leaves(p, folder.config.path)]


def _being_filed(folder: CounterFolder) -> list[Path]:
    return claimed_files(folder.config.processing_dir)


def _hot_file(
    folder: CounterFolder,
    path: Path,
    name: str,
    settle_seconds: float,
    now: float,
    *,
    taken: bool = False,
) -> HotFile | None:
    try:
        stat = os.stat(path)
    except FileNotFoundError:  # filed or moved while we looked
        return None
    state: FileState = "taken" if taken else "ready"
    if not taken and now - stat.st_mtime < settle_seconds:
        state = "arriving"
    modified = datetime.fromtimestamp(stat.st_mtime, UTC)
    return HotFile(folder, name, stat.st_size, modified, state)
