"""Fix a stored document without rescanning it all: each fix is a new version.

The operations a clerk needs at the counter (issue 10, spec §2d):

- :func:`rotate`: turn one page (its /Rotate; nothing is re-encoded);
- :func:`restore_dropped`: put a dropped blank back (from the ``.dropped.pdf``
  sidecar) at the place it was scanned;
- :func:`replace_page` / :func:`insert_after`: one page from a new scan, which goes
  through the same page pipeline (OCR, PDF/A) as any scan, then is spliced in;
- :func:`sticky`: a page carrying a sticky note gets a second image, right after it,
  with a note in the change record.

Every fix reads the current version (its SHA-256 checked), edits it with pikepdf,
saves it as validated PDF/A-2b, stores it under a new key (``<name>.v<k>.pdf``,
with its own OCR text and thumbnails), and only then makes it current in the
catalog (:func:`storage.versions.add_version`). Earlier versions are never
overwritten. A document that carries a signature (the agency's, or the source's
own) is never changed in place: a new document must be made instead.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.errors import InputRejected
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.pdfa import save_pdfa
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.events import try_record_event
from sohoa.storage.files import sha256_file
from sohoa.storage.keeping import keep_stored
from sohoa.storage.keys import TEXT_SUFFIX, sidecar_key
from sohoa.storage.objects import ObjectStore
from sohoa.storage.versions import NewVersion, VersionRecord, add_version, version_key, versions
from sohoa.workers.lifecycle import digitise_file, named
from sohoa.workers.pages import PageRunner
from sohoa.workers.problems import ExitCode, Problem, problem_or_unexpected
from sohoa.workers.storing import document_metadata
from sohoa.workers.thumbnails import store_thumbnails

__all__ = [
    "STICKY_NOTE",
    "insert_after",
    "refuse_signed",
    "replace_page",
    "restore_dropped",
    "rotate",
    "sticky",
]

#: What the change record says of a second image of a page with a sticky note (§2d).
STICKY_NOTE = "trang có giấy ghi chú dán: ảnh thứ hai chụp trang khi đã gỡ giấy ghi chú"


@dataclass
class Draft:
    """The next version being made: the PDF open for editing, per-page texts and origins."""

    pdf: pikepdf.Pdf
    texts: list[dict[str, Any]]
    origins: list[int | None]
    scratch: Path
    notes: list[str] = field(default_factory=list)


Edit = Callable[[Draft], None]


def rotate(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, page: int, degrees: int,
    *, actor: str,
) -> DocumentRecord:  # fmt: skip
    """Turn page ``page`` (1-based) clockwise by ``degrees`` (a multiple of 90)."""
    if degrees % 90 != 0 or degrees % 360 == 0:
        raise _usage(
            f"Góc xoay phải là 90, 180 hoặc 270 độ (nhận {degrees})",
            f"The angle must be 90, 180 or 270 degrees (got {degrees})",
        )
    _check_page(record, page)

    def edit(draft: Draft) -> None:
        draft.pdf.pages[page - 1].rotate(degrees % 360, relative=True)

    change = {"op": "rotate", "page": page, "degrees": degrees % 360}
    return _revise(store, catalog, record, change, edit, actor)


def restore_dropped(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, scanned: int, *, actor: str
) -> DocumentRecord:
    """Put dropped page ``scanned`` (its number in the scan, as listed) back where it was."""
    positions = [p.index for p in record.dropped_pages]
    if scanned not in positions or record.dropped_key is None:
        listed = ", ".join(str(p) for p in positions) or "không có / none"
        raise _usage(
            f"Trang {scanned} của bản quét không nằm trong các trang bị loại ({listed})",
            f"Scanned page {scanned} is not among the dropped pages ({listed})",
        )
    dropped_key = record.dropped_key

    def edit(draft: Draft) -> None:
        if scanned in draft.origins:
            raise _usage(
                f"Trang {scanned} của bản quét đã được khôi phục",
                f"Scanned page {scanned} was already restored",
            )
        local = draft.scratch / "dropped.pdf"
        store.get_to_file(dropped_key, local)
        with pikepdf.open(local) as dropped:
            at = _restored_position(draft.origins, scanned)
            draft.pdf.pages.insert(at, dropped.pages[positions.index(scanned)])
            draft.origins.insert(at, scanned)
            draft.texts.insert(at, {"confidence": 0.0, "text": ""})

    change = {"op": "restore_dropped", "scanned_page": scanned}
    return _revise(store, catalog, record, change, edit, actor)


def replace_page(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, page: int, scan: Path,
    *, actor: str, options: OcrOptions, scan_name: str | None = None,
) -> DocumentRecord:  # fmt: skip
    """Replace page ``page`` with the one page of a new scan (OCR'd like any scan)."""
    _check_page(record, page)

    def splice(draft: Draft, new: pikepdf.Page, text: dict[str, Any]) -> None:
        draft.pdf.pages.insert(page - 1, new)
        del draft.pdf.pages[page]
        draft.texts[page - 1] = text  # the origin stays: the same sheet, scanned again

    return _from_scan(store, catalog, record, scan, scan_name, options, actor,
                      {"op": "replace", "page": page}, splice)  # fmt: skip


def insert_after(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, page: int, scan: Path,
    *, actor: str, options: OcrOptions, scan_name: str | None = None,
) -> DocumentRecord:  # fmt: skip
    """Insert the one page of a new scan after page ``page`` (0 = before the first)."""
    _check_page(record, page, allow_zero=True)
    change = {"op": "insert", "after": page}
    return _from_scan(store, catalog, record, scan, scan_name, options, actor, change,
                      _inserter(page))  # fmt: skip


def sticky(
    store: ObjectStore, catalog: Catalog, record: DocumentRecord, page: int, scan: Path,
    *, actor: str, options: OcrOptions, scan_name: str | None = None,
) -> DocumentRecord:  # fmt: skip
    """A page with a sticky note: its second image (note lifted) goes right after it."""
    _check_page(record, page)
    change = {"op": "sticky", "page": page, "note": STICKY_NOTE}
    return _from_scan(store, catalog, record, scan, scan_name, options, actor, change,
                      _inserter(page))  # fmt: skip


def refuse_signed(record: DocumentRecord) -> None:
    """A signed document is never changed in place (the signature would break)."""
    if record.signature_level or record.signed:
        raise Problem(
            "signed_document",
            f"Tài liệu {record.name} đã được ký số nên không thể sửa trực tiếp; "
            "hãy tạo một tài liệu mới (quét lại thành tài liệu mới) thay cho nó",
            f"Document {record.name} carries a digital signature and cannot be changed in "
            "place; make a new document instead",
            exit_code=ExitCode.USAGE,
            http_status=409,
        )


def _inserter(page: int) -> Callable[[Draft, pikepdf.Page, dict[str, Any]], None]:
    def splice(draft: Draft, new: pikepdf.Page, text: dict[str, Any]) -> None:
        draft.pdf.pages.insert(page, new)
        draft.origins.insert(page, None)
        draft.texts.insert(page, text)

    return splice


def _from_scan(
    store: ObjectStore,
    catalog: Catalog,
    record: DocumentRecord,
    scan: Path,
    scan_name: str | None,
    options: OcrOptions,
    actor: str,
    change: dict[str, Any],
    splice: Callable[[Draft, pikepdf.Page, dict[str, Any]], None],
) -> DocumentRecord:
    """Digitise ``scan`` (one page expected) through the page pipeline, then splice it in."""
    refuse_signed(record)
    name = scan_name or scan.name

    def edit(draft: Draft) -> None:
        result = _digitise_one(scan, name, record, options, draft.scratch)
        with pikepdf.open(result.pdf) as new:
            text = {"confidence": result.page_confidences[0], "text": result.page_texts[0]}
            splice(draft, new.pages[0], text)

    return _revise(store, catalog, record, change, edit, actor)


def _digitise_one(
    scan: Path, name: str, record: DocumentRecord, options: OcrOptions, scratch: Path
) -> DocumentResult:
    metadata = document_metadata(record.kind, name, record)
    try:
        with PageRunner(1) as runner:  # one page: in this process, no pool to start
            result = digitise_file(scan, scratch / "new-scan.pdf", metadata, options, runner)
    except Exception as error:
        raise problem_or_unexpected(named(error, name)) from error
    if result.pages != 1 or result.signed:
        raise _usage(
            f"Bản quét mới {name} phải có đúng một trang (có {result.pages})",
            f"The new scan {name} must have exactly one page (it has {result.pages})",
        )
    return result


def _revise(
    store: ObjectStore,
    catalog: Catalog,
    record: DocumentRecord,
    change: dict[str, Any],
    edit: Edit,
    actor: str,
) -> DocumentRecord:
    """Read the current version, edit it, store it as the next version, make it current."""
    refuse_signed(record)
    if record.status != "stored":
        raise _usage(
            f"Tài liệu {record.name} chưa được lưu nên chưa sửa được",
            f"Document {record.name} is not stored; there is nothing to fix",
        )
    current = versions(catalog, record)[-1]
    next_version = current.version + 1
    key = version_key(record, next_version)
    with tempfile.TemporaryDirectory(prefix="sohoa-revise-") as tmp:
        scratch = Path(tmp)
        source = scratch / "current.pdf"
        store.get_to_file(current.key, source)
        texts = _texts(store, current, scratch)
        out = scratch / "next.pdf"
        with pikepdf.open(source) as pdf:
            draft = Draft(pdf, texts, list(current.page_origins), scratch)
            edit(draft)
            pages = len(pdf.pages)
            metadata = document_metadata(record.kind, record.source_name, record)
            report = _save(pdf, out, metadata.but(pages=pages))
        stored = store.put_file(key, out, sha256_file(out))
        text_key = _put_texts(store, record, key, draft.texts, next_version, scratch)
        thumbs = store_thumbnails(store, out, key)
    new = NewVersion(
        key=key, sha256=stored.sha256, size=stored.size, pages=pages, text_key=text_key,
        thumbs_key=thumbs, pdfa_valid=True, pdfa_report=report, change=change,
        page_origins=tuple(draft.origins),
        page_texts=tuple(str(t.get("text", "")) for t in draft.texts),
    )  # fmt: skip
    revised = add_version(catalog, record, new, actor=actor)
    try_record_event(
        catalog, "revised", dossier_code=record.dossier_code, document_id=record.id,
        actor=actor, detail={"version": next_version, "sha256": stored.sha256, **change},
    )  # fmt: skip
    keep_stored(store, catalog, revised, actor=actor)
    return revised


def _save(pdf: pikepdf.Pdf, out: Path, metadata: Any) -> str:
    try:
        return save_pdfa(pdf, out, metadata)
    except InputRejected as error:
        raise problem_or_unexpected(error) from error


def _texts(store: ObjectStore, current: VersionRecord, scratch: Path) -> list[dict[str, Any]]:
    """The current version's per-page OCR text (empty pages when it has no sidecar)."""
    if current.text_key is None:
        return [{"confidence": 0.0, "text": ""} for _ in range(current.pages)]
    local = scratch / "current.ocr.json"
    store.get_to_file(current.text_key, local)
    data = json.loads(local.read_text("utf-8"))
    pages = [
        {"confidence": p.get("confidence", 0.0), "text": p.get("text", "")}
        for p in data.get("pages", [])
    ]
    return pages + [{"confidence": 0.0, "text": ""}] * (current.pages - len(pages))


def _put_texts(
    store: ObjectStore,
    record: DocumentRecord,
    key: str,
    texts: list[dict[str, Any]],
    version: int,
    scratch: Path,
) -> str:
    data = {
        "document": record.name,
        "dossier_code": record.dossier_code,
        "version": version,
        "pages": [{"page": n, **text} for n, text in enumerate(texts, start=1)],
    }
    local = scratch / "next.ocr.json"
    local.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    text_key = sidecar_key(key, TEXT_SUFFIX)
    store.put_file(text_key, local, sha256_file(local), content_type="application/json")
    return text_key


def _restored_position(origins: list[int | None], scanned: int) -> int:
    """After the last page scanned before it (and any pages inserted right after that one)."""
    at = 0
    for index, origin in enumerate(origins):
        before = origin is not None and origin < scanned
        if before or (origin is None and at == index):
            at = index + 1
    return at


def _check_page(record: DocumentRecord, page: int, *, allow_zero: bool = False) -> None:
    pages = record.pages or 0
    lowest = 0 if allow_zero else 1
    if not lowest <= page <= pages:
        raise _usage(
            f"Tài liệu {record.name} có {pages} trang; không có trang {page}",
            f"Document {record.name} has {pages} pages; there is no page {page}",
        )


def _usage(message_vi: str, message_en: str) -> Problem:
    return Problem("usage", message_vi, message_en, exit_code=ExitCode.USAGE, http_status=400)
