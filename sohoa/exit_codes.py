"""Documented exit codes (also in the README); scripts at the counter rely on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    #: A bug: please report it with the log.
    UNEXPECTED = 1
    #: Wrong command line or invalid dossier code.
    USAGE = 2
    #: The input cannot be digitised: empty, corrupt, encrypted, unsupported,
    #: too big or too many pages.
    BAD_INPUT = 3
    #: The scan is below the minimum resolution (spec §3): rescan.
    LOW_RESOLUTION = 4
    #: OCR or PDF/A validation failed; nothing was stored.
    PROCESSING_FAILED = 5
    #: Object store or catalog unreachable, or a checksum did not match.
    STORAGE = 6
    #: The dossier or document asked for does not exist.
    NOT_FOUND = 7
    #: A required program or language pack is not installed.
    MISSING_DEPENDENCY = 8
    #: The sheets the clerk fed and the pages scanned disagree (spec §2a); the document
    #: WAS stored: check the pile and rescan if pages are missing.
    RECONCILE_MISMATCH = 9
    #: The scanner could not be found or failed during `sohoa scan`; nothing was stored.
    SCANNER = 10
    #: Interrupted (Ctrl-C); nothing half-written remains.
    INTERRUPTED = 130
