"""What the commands print: short Vietnamese lines for clerks (English with SOHOA_LANG=en),
or JSON for scripts and other systems."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

import typer

from sohoa.clock import vietnam_time

if TYPE_CHECKING:
    from sohoa.ocr.assemble import DocumentResult
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.workers.submission import Outcome

_WORDS = {
    "vi": {
        "stored": "Đã lưu",
        "duplicate": "Đã có sẵn, không lưu lại",
        "pages": "trang",
        "dropped": "trang trống bị loại (có thể khôi phục)",
        "confidence": "độ tin cậy OCR",
        "store": "Kho lưu trữ",
        "dossier": "Hồ sơ",
        "documents": "tài liệu",
        "written": "Đã ghi",
        "text": "Nội dung trang đầu",
    },
    "en": {
        "stored": "Stored",
        "duplicate": "Already stored, not stored again",
        "pages": "pages",
        "dropped": "blank pages dropped (recoverable)",
        "confidence": "OCR confidence",
        "store": "Object store",
        "dossier": "Dossier",
        "documents": "documents",
        "written": "Wrote",
        "text": "First page reads",
    },
}


def print_outcomes(outcomes: Sequence[Outcome], store: str, lang: str, as_json: bool) -> None:
    if as_json:
        typer.echo(_dump([{"duplicate": o.duplicate, **record_dict(o.record)} for o in outcomes]))
        return
    w = _WORDS[lang]
    for outcome in outcomes:
        r = outcome.record
        status = w["duplicate"] if outcome.duplicate else w["stored"]
        typer.echo(
            f"{status}: {r.source_name} -> {r.name} ({r.pages} {w['pages']}, "
            f"{w['confidence']} {r.ocr_confidence or 0:.1f}%)"
        )
        typer.echo(f"  {store}/{r.key}")
        for page in r.dropped_pages:
            typer.echo(f"  - {w['dropped']}: {page.index} ({page.reason})")
        if outcome.result is not None:
            typer.echo(f"  {w['text']}: {_preview(outcome.result.page_texts)}")
            for note in outcome.result.notes:
                typer.echo(f"  ! {note}")


def print_dossier(code: str, records: Sequence[DocumentRecord], lang: str, as_json: bool) -> None:
    if as_json:
        typer.echo(_dump({"dossier_code": code, "documents": [record_dict(r) for r in records]}))
        return
    w = _WORDS[lang]
    typer.echo(f"{w['dossier']} {code}: {len(records)} {w['documents']}")
    for r in records:
        when = vietnam_time(r.created_at).strftime("%d/%m/%Y %H:%M:%S")
        pdfa = "PDF/A-2b" if r.pdfa_valid else "-"
        dropped = f", -{len(r.dropped_pages)}" if r.dropped_pages else ""
        typer.echo(
            f"  {r.name:<34} {r.kind:<6} {r.pages or 0:>3} {w['pages']}{dropped}  "
            f"{r.ocr_confidence or 0:5.1f}%  {pdfa}  {r.status}  {when}  {(r.sha256 or '')[:12]}"
        )
        reason = record_reason(r, lang)
        if reason:
            typer.echo(f"    {r.source_name}: {reason}")
        for line in signature_lines(r, lang):
            typer.echo(f"    {line}")


def signature_lines(record: DocumentRecord, lang: str) -> list[str]:
    """The agency signature and a revocation (thu hồi), as a person reads them."""
    vi = lang == "vi"
    lines = []
    if record.signature_level and record.signed_at:
        when = vietnam_time(record.signed_at).strftime("%d/%m/%Y %H:%M:%S")
        label = "Ký số" if vi else "Signed"
        lines.append(f"{label}: PAdES {record.signature_level}, {record.signed_by}, {when}")
    if record.revoked_at:
        when = vietnam_time(record.revoked_at).strftime("%d/%m/%Y %H:%M:%S")
        label = "ĐÃ THU HỒI" if vi else "REVOKED"
        lines.append(f"{label} {when} ({record.revoked_by}): {record.revoked_reason}")
    return lines


def record_reason(record: DocumentRecord, lang: str) -> str:
    """Why a document is not stored (rejected, failed, or a failed attempt), in ``lang``."""
    if record.status == "stored":
        return ""
    if record.claim_state is not None:
        return claim_reason(record, lang)
    message = record.error_vi if lang == "vi" and record.error_vi else record.error
    if not message:
        return ""
    return f"[{record.error_kind}] {message}" if record.error_kind else message


_CLAIM_WORDS = {
    "vi": {
        "in_progress": "đang được số hoá (tiến trình {owner}, từ {since})",
        "abandoned": "bị bỏ dở: tiến trình {owner} đã dừng; hãy xử lý lại tệp",
        "unclaimed": "đang chờ xử lý (hoặc bị bỏ dở trước khi bắt đầu; hãy xử lý lại tệp)",
    },
    "en": {
        "in_progress": "being digitised (run {owner}, since {since})",
        "abandoned": "abandoned: run {owner} stopped; process the file again",
        "unclaimed": "waiting (or abandoned before it started; process the file again)",
    },
}


def claim_reason(record: DocumentRecord, lang: str) -> str:
    """A pending row: being digitised by a live run, or abandoned by one that died."""
    state = record.claim_state or "unclaimed"
    since = vietnam_time(record.claimed_at).strftime("%H:%M:%S") if record.claimed_at else "?"
    owner = (record.claimed_by or "?").rsplit(":", 2)[0]  # host:pid
    words = _CLAIM_WORDS["vi" if lang == "vi" else "en"][state]
    return f"[{state}] " + words.format(owner=owner, since=since)


def print_ocr_result(result: DocumentResult, lang: str, as_json: bool) -> None:
    if as_json:
        data = asdict(result)
        data.pop("page_texts")
        typer.echo(_dump(data))
        return
    w = _WORDS[lang]
    typer.echo(
        f"{w['written']} {result.pdf} ({result.pages} {w['pages']}, "
        f"{w['confidence']} {result.confidence:.1f}%, {result.pdfa_report})"
    )
    for page in result.dropped:
        typer.echo(f"  - {w['dropped']}: {page.index} ({page.reason}) -> {result.dropped_pdf}")
    for note in result.notes:
        typer.echo(f"  ! {note}")


def record_dict(record: DocumentRecord) -> dict[str, Any]:
    data = asdict(record)
    data["name"] = record.name
    data["created_at"] = vietnam_time(record.created_at).isoformat()
    data["updated_at"] = vietnam_time(record.updated_at).isoformat()
    data["revoked"] = record.revoked
    data["claim_state"] = record.claim_state
    for name in ("signed_at", "revoked_at"):
        if data.get(name) is not None:
            data[name] = vietnam_time(data[name]).isoformat()
    return data


def _preview(texts: Sequence[str], length: int = 90) -> str:
    words = " ".join(texts[0].split()) if texts else ""
    return words[:length] + ("…" if len(words) > length else "")


def _dump(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
