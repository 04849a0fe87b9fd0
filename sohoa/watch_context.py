"""What the watcher and the quarantine commands run with: services, page workers, policy.

The policy for failures lives here because it is the faces' decision (via
sohoa.failures): a file's own problem sends it to quarantine; an unavailable
store or a missing tesseract is not the file's fault, so it waits and is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sohoa.exit_codes import ExitCode
from sohoa.failures import describe
from sohoa.ingest.hot_file import Context
from sohoa.ingest.quarantine import Quarantine
from sohoa.ingest.quarantine_reasons import Why, why_failed, why_rejected
from sohoa.ocr import tesseract
from sohoa.ocr.options import OcrOptions
from sohoa.progress import page_progress
from sohoa.runtime import open_lifecycle, open_services
from sohoa.scanner_profiles import load as load_profile
from sohoa.settings import Settings
from sohoa.workers.lifecycle import Outcome, Submission

log = logging.getLogger(__name__)

#: Failures to wait out rather than blame on the file.
_NOT_THE_FILES_FAULT = {ExitCode.STORAGE, ExitCode.MISSING_DEPENDENCY}


def explain(error: Exception) -> Why | None:
    """The quarantine reason for ``error``, or None to leave the file for a later try."""
    why = why_rejected(error)
    if why is not None:
        return why
    failure = describe(error)
    if failure is None:
        log.error("unexpected error, file quarantined", exc_info=error)
        return why_failed(
            "internal_error",
            f"lỗi không mong đợi ({type(error).__name__}: {error})",
            f"unexpected error ({type(error).__name__}: {error})",
        )
    if failure.exit_code in _NOT_THE_FILES_FAULT:
        return None
    return why_failed(failure.exit_code.name.lower(), failure.vi, failure.en)


@contextmanager
def open_context(settings: Settings) -> Iterator[Context]:
    """Store, catalog and page workers for as long as the watcher runs."""

    @cache
    def options_for(profile: str | None) -> OcrOptions:
        return settings.ocr_options(load_profile(profile or settings.profile))

    default = options_for(None)
    if settings.queue_config() is None:  # queued: the workers run tesseract
        tesseract.check_installed(default.languages, default.tessdata_dir)
    with open_services(settings) as services, open_lifecycle(settings, services) as lifecycle:

        def digitise(submission: Submission, options: OcrOptions) -> Outcome:
            # A bar on a terminal; log lines for a long document under systemd or Docker.
            with page_progress(submission.source_name, what="watch") as progress:
                return lifecycle.digitise(submission, options, progress)

        yield Context(digitise, explain, options_for, Quarantine(settings.resolved_quarantine_dir))
