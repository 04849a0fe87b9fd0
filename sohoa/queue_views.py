"""How queued jobs look to people (a table) and to scripts (--json)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import typer

from sohoa.clock import vietnam_time
from sohoa.exit_codes import ExitCode

if TYPE_CHECKING:
    from sohoa.storage.jobs import JobRecord, PageRecord

_STATUS_VI = {
    "queued": "chờ xử lý",
    "processing": "đang xử lý",
    "assembling": "đang ghép",
    "done": "xong",
    "failed": "lỗi",
}


def job_dict(job: JobRecord) -> dict[str, Any]:
    data = asdict(job)
    data.pop("options")
    for key in ("created_at", "touched_at", "finished_at"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def print_jobs(
    jobs: Sequence[JobRecord], counts: Mapping[str, int] | None, lang: str, as_json: bool
) -> None:
    if as_json:
        out: dict[str, Any] = {"jobs": [job_dict(j) for j in jobs]}
        if counts is not None:
            out["counts"] = dict(counts)
        typer.echo(json.dumps(out, ensure_ascii=False, indent=1))
        return
    if counts:
        typer.echo("  ".join(f"{_status(s, lang)}: {n}" for s, n in sorted(counts.items())))
    for job in jobs:
        typer.echo(_line(job, lang))


def print_job(job: JobRecord, pages: Sequence[PageRecord], lang: str, as_json: bool) -> None:
    if as_json:
        data = job_dict(job)
        data["pages"] = [
            {"page": p.index + 1, "status": p.status, "worker": p.worker, "attempts": p.attempts}
            for p in pages
        ]
        typer.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    typer.echo(_line(job, lang))
    for page in pages:
        typer.echo(f"  {page.index + 1:>4}  {page.status:<10}  {page.worker or '-'}")


def exit_code(job: JobRecord) -> ExitCode:
    """A failed job's exit code: its Problem's, from the kind the job row carries."""
    from sohoa.workers.lifecycle import problem_of_job

    return problem_of_job(job).exit_code


def _line(job: JobRecord, lang: str) -> str:
    when = vietnam_time(job.created_at).strftime("%d/%m/%Y %H:%M")
    pages = f"{job.pages_done}/{job.pages_total}" if job.pages_total else "-"
    line = (
        f"{job.id}  {when}  {job.dossier_code} {job.kind:<6}  {job.source_name}  "
        f"{_status(job.status, lang)}  {pages}"
    )
    if job.attempts:
        line += f"  ({job.attempts} {'lần lỗi' if lang == 'vi' else 'failed attempts'})"
    if job.error and job.status != "done":
        message = job.error_vi if lang == "vi" and job.error_vi else job.error
        line += f"\n    {message}"
    return line


def _status(status: str, lang: str) -> str:
    return _STATUS_VI.get(status, status) if lang == "vi" else status
