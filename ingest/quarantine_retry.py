"""Sending a quarantined file through the pipeline again, optionally with the clerk's code.

Success takes it out of quarantine; a failure of the file updates its note
(new reason, one more attempt); a failure that is not the file's (the store is
down) is raised to the caller and the note is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sohoa.ingest.hot_file import Context, digitise_found
from sohoa.ingest.quarantine import Entry
from sohoa.workers.submission import Outcome


@dataclass(frozen=True)
class RetryResult:
    entry: Entry
    outcome: Outcome | None

    @property
    def stored(self) -> bool:
        return self.outcome is not None


def retry(entry: Entry, ctx: Context, code: str | None = None) -> RetryResult:
    try:
        outcome = digitise_found(entry.path, entry.origin, ctx, code)
    except Exception as error:
        why = ctx.explain(error)
        if why is None:
            raise
        return RetryResult(ctx.quarantine.failed_again(entry, why), None)
    ctx.quarantine.remove(entry)
    return RetryResult(entry, outcome)
