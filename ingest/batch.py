"""Backlog batches: many files, many dossiers, split at separator sheets, each part filed.

For archive staff digitising old dossiers (spec §1.2): folders of scans, often
long PDFs/TIFFs holding many dossiers with a separator sheet before each. Every
source is read for separators first (cheap: one barcode scan per page), then
each part is written as its own deterministic PDF and goes through the normal
lifecycle (workers.lifecycle), which is idempotent on the
part's SHA-256: a re-run, or a run resumed after a crash or Ctrl-C, skips what
is stored and reuses the reservation of a part that was interrupted.

A source without separators is submitted as it is, byte for byte, so
`sohoa batch` and `sohoa process` agree on what is a duplicate.

What cannot be filed is set aside in the quarantine the hot folders use, with
its note, for a clerk to file with ``sohoa quarantine retry NAME --case CODE``:
a part as it was cut, a rejected source file as a copy (an archive's original
never leaves its folder). Parts are cut deterministically, so a re-run finds the
same content already quarantined (or already filed by the clerk) and adds nothing.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image

from sohoa.bilingual import BilingualError
from sohoa.ingest.batch_report import ReportRow
from sohoa.ingest.folder_config import FIXED_PREFIX
from sohoa.ingest.links import LinkOutside, leaves
from sohoa.ingest.page_codes import code_from_filename
from sohoa.ingest.parts import PlannedPart, Separator, plan_parts, separators
from sohoa.ingest.quarantine import Origin, Quarantine
from sohoa.ingest.quarantine_reasons import RETRY, Why, why_rejected
from sohoa.ingest.separators import PageCodes, classify
from sohoa.ingest.split import PageRange, as_pdf, write_part
from sohoa.ocr.blank import blank_reason
from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.images import load_pixels
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.sources import SourceKind, inspect_source, sniff
from sohoa.storage.catalog import Catalog
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.files import sha256_file
from sohoa.storage.keys import check_kind
from sohoa.storage.objects import ObjectStore
from sohoa.workers.lifecycle import Digitiser, Outcome, Submission
from sohoa.workers.problems import Problem

#: A backlog file may hold far more pages than one document may; each part is still held
#: to the profile's page limit when it is digitised.
BATCH_MAX_PAGES = 20_000


#: How a failure reads for people: (exit code, Vietnamese, English), or None for a bug.
#: Supplied by the face (sohoa.failures), which owns exit codes and wording.
Explain = Callable[[BaseException], "tuple[int, str, str] | None"]


class PartProblem(BilingualError):
    """A part that must not be filed (no code, faulty separator, no pages): bad input."""

    def __init__(self, vi: str, en: str, reason: str = "no_code") -> None:
        super().__init__(vi, en)
        #: Stable reason code for the quarantine note (``no_code``, ``separator_invalid``…).
        self.reason = reason

    def why(self) -> Why:
        return Why(
            self.reason,
            self.vi[:1].upper() + self.vi[1:],
            self.en[:1].upper() + self.en[1:],
            f"Chạy: {RETRY} --case <mã hồ sơ đúng>, hoặc in lại phiếu phân tách và quét lại",
            f"Run: {RETRY} --case <correct dossier code>, or print a new separator and rescan",
        )


def _ignore(*_: object) -> None:
    return None


@dataclass(frozen=True)
class BatchHooks:
    """Where the engine tells the face what happened (progress bar, one line per part)."""

    pages_done: Callable[[int], None] = _ignore
    row_done: Callable[[ReportRow], None] = _ignore
    reading: Callable[[str], None] = _ignore


@dataclass
class Batch:
    """One `sohoa batch` run: what to file, where, and the rows reported so far."""

    kind: str
    case: str | None
    store: ObjectStore
    catalog: Catalog
    options: OcrOptions
    #: The lifecycle every entrance uses (embedded page workers, or the queue).
    digitiser: Digitiser
    explain: Explain
    hooks: BatchHooks = field(default_factory=BatchHooks)
    rows: list[ReportRow] = field(default_factory=list)
    #: Where what cannot be filed is set aside (None: only reported).
    quarantine: Quarantine | None = None
    #: The scanner profile given (None = default), noted so a retry reads pages alike.
    profile: str | None = None
    #: Files found under a folder that are links leaving it (:func:`links_outside`):
    #: reported as refused, never opened, never copied into the quarantine.
    refused: Mapping[Path, LinkOutside] = field(default_factory=dict)

    def run(self, files: Iterable[Path]) -> list[ReportRow]:
        """Process every file in order; the rows are kept even if interrupted halfway."""
        for path in files:
            self._source(path)
        return self.rows

    def _report(self, row: ReportRow) -> None:
        self.rows.append(row)
        self.hooks.row_done(row)

    def _failed(self, row: ReportRow, error: Exception) -> ReportRow:
        """``row`` as an error row for ``error``; a bug (unknown error) is raised again."""
        explained = self.explain(error)
        if explained is None:
            raise error
        exit_code, vi, en = explained
        return dataclasses.replace(
            row, status="error", error_vi=vi, error_en=en, exit_code=int(exit_code)
        )

    def _source(self, path: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="sohoa-batch-") as tmp:
            try:
                if path in self.refused:
                    raise self.refused[path]
                if not path.is_file():
                    raise InputRejected(Reason.UNSUPPORTED, path, "not a file or does not exist")
                kind = sniff(path)
                self.hooks.reading(path.name)
                pages = read_pages(path, self.options)
                plan = plan_parts(pages, self.case or _filename_code(path))
                found = separators(pages)
                self._report(_source_row(path, len(pages), len(found)))
                for separator in found:
                    self._report(_separator_row(path, separator))
                self.hooks.pages_done(len(found) + sum(1 for s in found if s.back))
                pdf_path = as_pdf(path, kind, Path(tmp)) if found else path
                self._parts(path, pdf_path, plan, whole=not found, workdir=Path(tmp))
            except Exception as error:
                refused = self._refuse_in_catalog(path, error)
                row = self._failed(ReportRow(str(path), "source", "error"), refused)
                self._report(self._set_aside_source(row, path, refused))

    def _refuse_in_catalog(self, path: Path, error: Exception) -> Exception:
        """A source refused while reading it, for a known dossier, goes through the lifecycle
        as it is, so its catalog row ends "rejected" with the reason, as at every entrance."""
        code = self.case or _filename_code(path)
        if not isinstance(error, InputRejected) or code is None or not path.is_file():
            return error
        try:
            self.digitiser.digitise(
                Submission(
                    parse_dossier_code(code),
                    check_kind(self.kind),
                    path.resolve(),
                    path.name,
                    sha256_file(path),
                ),
                self.options,
            )
        except Problem as problem:
            return problem
        except Exception:
            return error
        return error  # the lifecycle took it after all: the row says so

    def _set_aside_source(self, row: ReportRow, path: Path, error: Exception) -> ReportRow:
        """A rejected source file is copied into the quarantine; the original stays put."""
        why = why_rejected(error)
        if self.quarantine is None or why is None or not path.is_file():
            return row
        code = self.case or _filename_code(path)
        entry = self.quarantine.copy_in(path, why, self._origin(path, path, code, None))
        return dataclasses.replace(row, quarantine=entry.name)

    def _set_aside(
        self, row: ReportRow, why: Why | None, path: Path, part: PlannedPart, target: Path | None
    ) -> ReportRow:
        """An unfiled part goes to the quarantine as cut (a copy if it is the source itself)."""
        if self.quarantine is None or why is None or target is None:
            return row
        origin = self._origin(path, target, part.code, part.pages)
        entry = self.quarantine.copy_in(target, why, origin)
        return dataclasses.replace(row, quarantine=entry.name)

    def _origin(
        self, path: Path, target: Path, code: str | None, pages: PageRange | None
    ) -> Origin:
        """What `sohoa quarantine retry` needs: kind, profile, and the code if one is known.

        Without a code a cut part is retried only with ``--case``: its name carries the
        source's name, whose code belongs to the pages before the first separator.
        """
        copied = target == path
        code_from = (f"{FIXED_PREFIX}{code}",) if code else ("filename",) if copied else ()
        return Origin(
            folder=str(path.parent),
            original_name=target.name,
            kind=self.kind,
            profile=self.profile,
            code_from=code_from,
            source=str(path),
            pages=str(pages) if pages else "",
            copied=copied,
        )

    def _release(self, target: Path) -> None:
        """A part filed now (e.g. with --case on a re-run) leaves the quarantine if it was there."""
        held = self.quarantine.holding(target) if self.quarantine else None
        if self.quarantine is not None and held is not None and held.origin.kind == self.kind:
            self.quarantine.remove(held)

    def _parts(
        self, path: Path, pdf_path: Path, plan: Sequence[PlannedPart], *, whole: bool, workdir: Path
    ) -> None:
        if whole:  # no separators: the file itself, byte for byte
            for part in plan:
                self._report(self._file(path, part, lambda _: path))
            return
        with pikepdf.open(pdf_path) as pdf:
            for part in plan:

                def cut(pages: PageRange, part: PlannedPart = part) -> Path:
                    return write_part(pdf, pages, workdir / _part_name(path, pages))

                self._report(self._file(path, part, cut))

    def _file(self, path: Path, part: PlannedPart, cut: Callable[[PageRange], Path]) -> ReportRow:
        """Digitise one part and say how it went; a failure is a row, never a crash."""
        pages = part.pages
        base = _part_row(path, part)
        if part.problem is not None or part.code is None or pages is None:
            self.hooks.pages_done(pages.count if pages else 0)
            return self._unfiled(base, path, part, cut)
        ticker = _Ticker(self.hooks.pages_done, pages.count)
        target: Path | None = None
        try:
            target = cut(pages)
            submission = Submission(
                dossier_code=parse_dossier_code(part.code),
                kind=check_kind(self.kind),
                source=target.resolve(),
                source_name=target.name if target != path else path.name,
                source_sha256=sha256_file(target),
            )
            outcome = self.digitiser.digitise(submission, self.options, ticker)
        except Exception as error:
            ticker.finish()
            return self._set_aside(
                self._failed(base, error), why_rejected(error), path, part, target
            )
        ticker.finish()
        self._release(target)
        return _outcome_row(base, outcome, pages)

    def _unfiled(
        self, base: ReportRow, path: Path, part: PlannedPart, cut: Callable[[PageRange], Path]
    ) -> ReportRow:
        """A part without a usable code: an error row and a quarantine entry, unless a
        clerk has filed the same pages since (then it is a duplicate, as for stored parts)."""
        problem = PartProblem(*(part.problem or ("", "")), reason=_problem_reason(part))
        row = self._failed(base, problem)
        if part.pages is None or self.quarantine is None:
            return row
        target = cut(part.pages)
        filed = self.catalog.stored_source(self.kind, sha256_file(target))
        if filed is not None:
            return dataclasses.replace(
                row,
                status="duplicate",
                dossier_code=filed.dossier_code,
                document=filed.name,
                key=filed.stored_key,
                error_vi="",
                error_en="",
                exit_code=0,
            )
        return self._set_aside(row, problem.why(), path, part, target)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and files under folders named (recursively, in name order, hidden ones
    skipped). Paths that do not exist are kept: they are reported as errors in their turn."""
    files: list[Path] = []
    for path in paths:
        files.extend(_files_under(path) if path.is_dir() else [path])
    return list(dict.fromkeys(files))


def links_outside(paths: Iterable[Path]) -> dict[Path, LinkOutside]:
    """Files under the folders named that are symbolic links resolving outside that folder.

    A file named on the command line is taken as named, link or not: the clerk chose it.
    """
    found: dict[Path, LinkOutside] = {}
    for folder in (p for p in paths if p.is_dir()):
        found.update((f, LinkOutside(f, folder)) for f in _files_under(folder) if leaves(f, folder))
    return found


def _files_under(folder: Path) -> list[Path]:
    return [
        p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(n.startswith(".") for n in p.relative_to(folder).parts)
    ]


def count_pages(path: Path) -> int:
    """Pages in a source, for the progress bar's total; 0 when it cannot be told cheaply."""
    try:
        kind = sniff(path)
        if kind is SourceKind.PDF:
            with pikepdf.open(path) as pdf:
                return len(pdf.pages)
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1))
    except Exception:  # the real error is reported when the file is processed
        return 0


def read_pages(path: Path, options: OcrOptions) -> list[PageCodes]:
    """Separator or not, and the code, for every page: decoded once, never kept.

    In a duplex scan a separator sheet printed with a blank back (``sohoa sheets``) is
    two pages: the back is removed with the sheet when it is truly blank (the same
    conservative test as for any back side), so the part after it starts on a front
    side and its own back sides stay in step. A back with anything on it stays.
    """
    relaxed = dataclasses.replace(options, min_dpi=0.0, max_pages=BATCH_MAX_PAGES)
    source = inspect_source(path, relaxed)
    found: list[PageCodes] = []
    for page in source.pages:
        pixels = load_pixels(source, page)
        if _after_front_separator(found, options) and blank_reason(pixels.convert("L"), page.dpi):
            found.append(PageCodes(False, separator_back=True))
        else:
            found.append(classify(pixels))
    return found


def _after_front_separator(found: Sequence[PageCodes], options: OcrOptions) -> bool:
    """The next page is the back side of a separator sheet fed in a duplex scan."""
    if not (options.duplex and options.drop_blank_backs and found and found[-1].separator):
        return False
    return len(found) % 2 == 1  # the sheet (page len(found), from 1) is a front side


class _Ticker:
    """Turns one document's (done, total) page callbacks into batch-wide page increments."""

    def __init__(self, advance: Callable[[int], None], pages: int) -> None:
        self.advance = advance
        self.pages = pages
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        step = min(done, self.pages) - self.done
        if step > 0:
            self.done += step
            self.advance(step)

    def finish(self) -> None:
        """Count what was not OCR'd (duplicate, error, blank backs) so the bar ends full."""
        self(self.pages, self.pages)


def _filename_code(path: Path) -> str | None:
    code = code_from_filename(path)
    return code.value if code else None


def _problem_reason(part: PlannedPart) -> str:
    """The note's reason code: what was wrong with the separator, or no code at all."""
    if part.separator is None:
        return "no_code"
    if part.pages is None:
        return "empty_part"
    problem = part.separator.codes.problem
    return f"separator_{problem.value}" if problem else "no_code"


def _part_name(path: Path, pages: PageRange) -> str:
    return f"{path.stem}.p{pages}.pdf"


def _source_row(path: Path, pages: int, found: int) -> ReportRow:
    return ReportRow(
        source=str(path),
        row="source",
        status="done",
        pages_range=str(PageRange(1, pages)) if pages else "",
        pages=pages,
        separators_removed=found,
    )


def _separator_row(path: Path, separator: Separator) -> ReportRow:
    codes = separator.codes
    vi, en = ("", "") if codes.code else codes.explain()
    return ReportRow(
        source=str(path),
        row="separator",
        status="separator",
        pages_range=str(separator.page),
        dossier_code=codes.code or "",
        pages=2 if separator.back else 1,
        dropped_pages=str(separator.back or ""),
        error_vi=vi,
        error_en=en,
    )


def _part_row(path: Path, part: PlannedPart) -> ReportRow:
    return ReportRow(
        source=str(path),
        row="part",
        status="error",
        pages_range=str(part.pages) if part.pages else "",
        dossier_code=part.code or "",
        pages=part.pages.count if part.pages else 0,
        separators_removed=1 if part.separator else 0,
    )


def _outcome_row(base: ReportRow, outcome: Outcome, pages: PageRange) -> ReportRow:
    record = outcome.record
    dropped = ", ".join(str(pages.first + d.index - 1) for d in record.dropped_pages)
    return dataclasses.replace(
        base,
        status="duplicate" if outcome.duplicate else "stored",
        dossier_code=record.dossier_code,
        document=record.name,
        dropped_pages=dropped,
        key=record.stored_key,
    )
