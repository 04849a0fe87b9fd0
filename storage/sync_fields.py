"""The fields the national sync reads per dossier (spec §6), from its stored documents.

Per intake file ``DuocSoHoa`` (digitised), ``DuocTaiSuDung`` (reused) and its link;
per result ``MaGiayToKetQua`` (``<code>-KQ<n>``) and ``DuongDanTepTinKetQua``; each
with ``DaThuHoi`` (revoked, NĐ 45/2020 Đ15) and its time. Here in ``storage`` so the
catalog can put them in a webhook event in the same transaction that stores or
revokes a document; ``register.sync`` serves them over the API.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from sohoa.storage.keys import check_kind, document_name
from sohoa.storage.models import Document


@dataclass(frozen=True)
class StoredFile:
    """What the sync needs of one stored document of a dossier."""

    kind: str
    number: int
    reused: bool
    revoked_at: datetime | None = None


def document_url(base_url: str, code: str, name: str) -> str:
    """The API's download URL of one document (``GET /api/v1/cases/{code}/documents/{doc}``);
    with an empty ``base_url`` the path alone."""
    return f"{base_url.rstrip('/')}/api/v1/cases/{code}/documents/{name}"


def sync_fields(code: str, files: list[StoredFile], base_url: str) -> dict[str, Any]:
    """The national sync's fields for one dossier, from its stored documents."""
    named = [(f, document_name(code, check_kind(f.kind), f.number)) for f in files]
    return {
        "MaHoSo": code,
        "ThanhPhanHoSo": [
            {
                "TenTep": name,
                "DuocSoHoa": True,
                "DuocTaiSuDung": f.reused,
                "DuongDanTepTin": document_url(base_url, code, name),
                **_revocation(f),
            }
            for f, name in named
            if f.kind == "intake"
        ],
        "KetQua": [
            {
                "MaGiayToKetQua": name,
                "DuocTaiSuDung": f.reused,
                "DuongDanTepTinKetQua": document_url(base_url, code, name),
                **_revocation(f),
            }
            for f, name in named
            if f.kind == "result"
        ],
    }


def _revocation(f: StoredFile) -> dict[str, Any]:
    return {
        "DaThuHoi": f.revoked_at is not None,
        "ThoiDiemThuHoi": f.revoked_at.isoformat() if f.revoked_at else None,
    }


def stored_files(session: Session, codes: list[str]) -> dict[str, list[StoredFile]]:
    """code → its stored documents, intake first then results, by number."""
    found: dict[str, list[StoredFile]] = defaultdict(list)
    if not codes:
        return found
    rows = session.execute(
        select(
            Document.dossier_code,
            Document.kind,
            Document.number,
            Document.reused,
            Document.revoked_at,
        )
        .where(
            Document.dossier_code.in_(bindparam("codes", expanding=True)),
            Document.status == "stored",
            Document.number.is_not(None),
        )
        .order_by(Document.dossier_code, Document.kind, Document.number),
        {"codes": codes},
    )
    for code, kind, number, reused, revoked_at in rows:
        found[code].append(StoredFile(kind, number or 0, bool(reused), revoked_at))
    return found
