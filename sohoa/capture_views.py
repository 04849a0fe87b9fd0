"""What `sohoa profiles`, `sohoa scan` and `--sheets` print: Vietnamese for clerks (English with
SOHOA_LANG=en), or JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import typer

from sohoa.views import record_dict

if TYPE_CHECKING:
    from sohoa.ingest.page_count import Reconciliation
    from sohoa.ingest.scanimage import Capture
    from sohoa.scanner_profiles import Profile
    from sohoa.workers.submission import Outcome

_WORDS = {
    "vi": {
        "profile": "Hồ sơ máy quét",
        "scanned": "Đã quét",
        "pages": "trang",
        "from": "từ",
        "match": "khớp",
    },
    "en": {
        "profile": "Scanner profile",
        "scanned": "Scanned",
        "pages": "pages",
        "from": "from",
        "match": "matches",
    },
}


def print_profiles(profiles: Sequence[Profile], as_json: bool) -> None:
    if as_json:
        typer.echo(_dump([{"name": p.name, "description": p.description} for p in profiles]))
        return
    width = max((len(p.name) for p in profiles), default=0)
    for p in profiles:
        typer.echo(f"{p.name:<{width}}  {p.description}")


def print_profile(profile: Profile, lang: str, as_json: bool) -> None:
    data = profile.model_dump()
    if as_json:
        typer.echo(_dump(data))
        return
    typer.echo(f"{_WORDS[lang]['profile']} {data.pop('name')}")
    for key, value in data.items():
        typer.echo(f"  {key}: {_plain(value)}")


def print_capture(capture: Capture, lang: str) -> None:
    w = _WORDS[lang]
    setup = ", ".join(
        part for part in (capture.source, capture.mode, f"{capture.resolution} dpi") if part
    )
    typer.echo(
        f"{w['scanned']} {len(capture.pages)} {w['pages']} {w['from']} {capture.device} ({setup})"
    )


def print_reconciliation(check: Reconciliation, lang: str, *, to_stderr: bool) -> None:
    """The counts always; the mismatch warning in yellow on stderr, where a clerk sees it."""
    tail = f" - {_WORDS[lang]['match']}" if check.matches else ""
    typer.echo(check.summary(lang) + tail, err=to_stderr)
    if not check.matches:
        typer.secho(check.warning(lang), fg="yellow", err=True)


def print_scan_json(capture: Capture, outcome: Outcome, check: Reconciliation | None) -> None:
    """One object: what the scanner gave, the document stored, and the §2a counts."""
    data = {
        "capture": capture_dict(capture),
        "documents": [{"duplicate": outcome.duplicate, **record_dict(outcome.record)}],
        "reconciliation": reconciliation_dict(check) if check else None,
    }
    typer.echo(_dump(data))


def capture_dict(capture: Capture) -> dict[str, Any]:
    return {
        "device": capture.device,
        "source": capture.source,
        "mode": capture.mode,
        "resolution": capture.resolution,
        "pages": len(capture.pages),
    }


def reconciliation_dict(check: Reconciliation) -> dict[str, Any]:
    c = check.counts
    return {
        "sheets": check.sheets,
        "duplex": check.duplex,
        "expected_input_pages": check.expected_input_pages,
        "input_pages": c.input_pages,
        "content_pages": c.content_pages,
        "blank_backs_dropped": c.blank_backs_dropped,
        "separators_removed": c.separators_removed,
        "matches": check.matches,
    }


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
    return "-" if value is None else str(value)


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
