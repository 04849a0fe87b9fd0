"""What the queue keeps between steps, as JSON: options, page geometry, page results.

Only small values cross a queue or sit in the catalog; page images never do.
A page result's text layer travels as an object key, not a local path.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sohoa.ocr.options import OcrOptions
from sohoa.ocr.page import PageResult
from sohoa.ocr.sources import PageInfo


def options_to_json(options: OcrOptions) -> dict[str, Any]:
    data = dataclasses.asdict(options)
    data["tessdata_dir"] = str(options.tessdata_dir) if options.tessdata_dir else None
    return data


def options_from_json(data: dict[str, Any]) -> OcrOptions:
    known = {f.name for f in dataclasses.fields(OcrOptions)}
    values = {k: v for k, v in data.items() if k in known}
    if values.get("tessdata_dir"):
        values["tessdata_dir"] = Path(values["tessdata_dir"])
    return OcrOptions(**values)


def page_info_to_json(page: PageInfo) -> dict[str, Any]:
    return dataclasses.asdict(page)


def page_info_from_json(data: dict[str, Any]) -> PageInfo:
    known = {f.name for f in dataclasses.fields(PageInfo)}
    return PageInfo(**{k: v for k, v in data.items() if k in known})


def page_result_to_json(result: PageResult, text_pdf_key: str | None) -> dict[str, Any]:
    data = dataclasses.asdict(result)
    data["text_pdf"] = text_pdf_key
    data["notes"] = list(result.notes)
    return data


def page_result_from_json(data: dict[str, Any], text_pdf: Path | None) -> PageResult:
    """The result with its text layer at ``text_pdf`` (downloaded by the caller)."""
    return PageResult(
        index=int(data["index"]),
        dropped=data.get("dropped"),
        turn=int(data.get("turn", 0)),
        skew=float(data.get("skew", 0.0)),
        text_pdf=text_pdf,
        text=str(data.get("text", "")),
        confidence=float(data.get("confidence", 0.0)),
        words=int(data.get("words", 0)),
        notes=tuple(data.get("notes", ())),
    )


def work_prefix(job_id: str) -> str:
    """Where a job's intermediate objects live until its document is stored."""
    return f"work/{job_id}"


def page_result_key(job_id: str, index: int) -> str:
    return f"{work_prefix(job_id)}/page-{index + 1:05d}.json"


def page_text_key(job_id: str, index: int) -> str:
    return f"{work_prefix(job_id)}/page-{index + 1:05d}.pdf"


def inbox_key(sha256: str) -> str:
    """Sources are kept by content: the same scan submitted twice is uploaded once."""
    return f"inbox/{sha256}"
