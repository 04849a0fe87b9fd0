"""Who is digitising a pending document: claim owners, and when a claim is abandoned.

Of two concurrent runs for one source (two ``sohoa process``, two watchers, several
API threads) exactly one may digitise: each takes the row's claim with a conditional
UPDATE (:meth:`storage.catalog.Catalog.claim`) before any OCR. The owner names the
run: ``host:pid:start:token`` where ``start`` is the process's start time in clock ticks
(``/proc/<pid>/stat``), so a pid reused by another process is not mistaken for the
owner, and ``token`` tells two runs of one process apart (the API's worker threads).
A claim is *abandoned* when its owner is gone from this host (kill -9, power cut),
or, for an owner on another host, when it is older than the lease: it may then be
taken over, so no row stays pending for ever.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta
from functools import cache
from typing import Literal

from sohoa.clock import utc_now

#: A claim held by another host is trusted this long (no way to ask that host).
DEFAULT_LEASE = timedelta(hours=2)

ClaimState = Literal["in_progress", "abandoned", "unclaimed"]


def new_owner() -> str:
    """A fresh owner for one run in this process (fits the 120-character column)."""
    return f"{_process(os.getpid())}:{secrets.token_hex(4)}"


@cache
def _process(pid: int) -> str:
    """``host:pid:start`` of a process (keyed by pid: a forked child is another owner)."""
    return f"{socket.gethostname()[:80]}:{pid}:{_start_ticks(pid)}"


def owner_alive(owner: str, claimed_at: datetime | None, lease: timedelta = DEFAULT_LEASE) -> bool:
    """True while the claim's owner may still be working: the very process still runs
    (same host), or the lease has not run out (another host, or an owner we cannot read)."""
    host, pid, start = _parse(owner)
    if host == socket.gethostname()[:80] and pid is not None:
        return _start_ticks(pid) == start and start != ""
    return claimed_at is not None and utc_now() - claimed_at < lease


def claim_state(
    status: str, owner: str | None, claimed_at: datetime | None, lease: timedelta = DEFAULT_LEASE
) -> ClaimState | None:
    """How a row stands: None unless pending; then in progress, abandoned or unclaimed."""
    if status != "pending":
        return None
    if owner is None:
        return "unclaimed"
    return "in_progress" if owner_alive(owner, claimed_at, lease) else "abandoned"


def _parse(owner: str) -> tuple[str, int | None, str]:
    parts = owner.rsplit(":", 3)  # host:pid:start:token
    if len(parts) == 4 and parts[1].isdigit():
        return parts[0], int(parts[1]), parts[2]
    return owner, None, ""


def _start_ticks(pid: int) -> str:
    """The process's start time (field 22 of /proc/<pid>/stat), or "" when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()  # the command name may hold spaces
    return fields[19] if len(fields) > 19 else ""
