"""Transfer packages: one BagIt bag per dossier, for handing dossiers to the archive.

A bag holds, under ``data/``: each stored document's PDF/A (``<name>.pdf``), its
OCR text (``<name>.ocr.json``), ``metadata.json`` (the spec §7 fields the catalog
knows, one entry per document) and ``events.json`` (the dossier's trail), with
SHA-256 manifests made by the ``bagit`` library. Every object is checked against
the catalog's digest on the way out; an object that does not match stops the bag.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import bagit

from sohoa.clock import utc_now, vietnam_time
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.errors import ChecksumMismatch, DocumentNotFound, StorageError
from sohoa.storage.events import events_for
from sohoa.storage.objects import ObjectStore

__all__ = ["export_dossier"]

_TYPE_NAMES = {"intake": "Thành phần hồ sơ", "result": "Kết quả giải quyết"}


def export_dossier(catalog: Catalog, store: ObjectStore, code: str, output: Path) -> Path:
    """Write ``output/<code>/`` as a BagIt bag and return its path (refused if it exists)."""
    records = [r for r in catalog.documents(code) if r.status == "stored" and r.key]
    if not records:
        raise DocumentNotFound(f"dossier {code} has no stored document to export")
    bag_dir = output / code
    if bag_dir.exists():
        raise StorageError(f"{bag_dir} already exists; choose another output directory")
    bag_dir.mkdir(parents=True)
    try:
        for record in records:
            _fetch(store, record, bag_dir)
        _write_json(bag_dir / "metadata.json", _metadata(code, records))
        trail = [event.as_json() for event in events_for(catalog, code)]
        _write_json(bag_dir / "events.json", trail)
        bagit.make_bag(str(bag_dir), _bag_info(code, records), checksums=["sha256"])
    except BaseException:
        shutil.rmtree(bag_dir, ignore_errors=True)
        raise
    return bag_dir


def _fetch(store: ObjectStore, record: DocumentRecord, bag_dir: Path) -> None:
    pdf = bag_dir / f"{record.name}.pdf"
    got = store.get_to_file(record.stored_key, pdf)
    if got.sha256 != record.sha256:
        raise ChecksumMismatch(f"{record.name}: store has {got.sha256}, catalog {record.sha256}")
    if record.text_key:
        store.get_to_file(record.text_key, bag_dir / f"{record.name}.ocr.json")


def _metadata(code: str, records: list[DocumentRecord]) -> dict[str, Any]:
    """Spec §7 fields the catalog knows; the others are present and null (to be filled by
    the agency's records system, never guessed)."""
    return {
        "dossier_code": code,
        "exported_at": utc_now().isoformat(),
        "documents": [
            {
                "document_code": r.name,  # mã tài liệu
                "type_name": _TYPE_NAMES.get(r.kind, r.kind),  # tên loại
                "number": r.number,  # số
                "notation": r.result_code,  # ký hiệu (result code when known)
                "date": vietnam_time(r.created_at).date().isoformat(),  # ngày
                "issuing_body": code.split("-", 1)[0],  # cơ quan ban hành (agency code)
                "subject": None,  # trích yếu: not known to sohoa
                "language": "vi",
                "page_count": r.pages,
                "ocr_confidence": r.ocr_confidence,
                "pdfa_valid": r.pdfa_valid,
                "sha256": r.sha256,
                "size": r.size,
                "files": [f"{r.name}.pdf"] + ([f"{r.name}.ocr.json"] if r.text_key else []),
            }
            for r in records
        ],
    }


def _bag_info(code: str, records: list[DocumentRecord]) -> dict[str, str]:
    return {
        "Source-Organization": code.split("-", 1)[0],
        "External-Identifier": code,
        "External-Description": f"Hồ sơ {code}: {len(records)} tài liệu số hóa (sohoa)",
        "Bagging-Date": utc_now().date().isoformat(),
    }


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
