"""Reuse (tái sử dụng): file a stored document of an earlier dossier under a new one
instead of rescanning it (issue 11; what the reuse rate and ``DuocTaiSuDung`` count).

The API and the web page both call :func:`attach`; who may do it is their business
(an upload key; a clerk who may read the source dossier and write the target).
"""

from __future__ import annotations

from sohoa.register.errors import RegisterError
from sohoa.storage.catalog import Catalog, DocumentRecord
from sohoa.storage.codes import DossierCodeError, parse_dossier_code
from sohoa.storage.keys import check_kind


def attach(
    catalog: Catalog, target: str, kind: str, source: str, ref: str, actor: str
) -> DocumentRecord:
    """Attach document ``ref`` (``1``, ``KQ1``, ``#42``…) of dossier ``source`` to ``target``
    as a ``kind`` component; raises :class:`RegisterError` with a vi/en reason."""
    try:
        target_code = parse_dossier_code(target).value
        source_code = parse_dossier_code(source).value
    except DossierCodeError as error:
        raise RegisterError(
            f"mã hồ sơ không hợp lệ: {error.message_vi}", f"invalid dossier code: {error}"
        ) from None
    try:
        checked_kind = check_kind(kind)
    except ValueError:
        raise RegisterError(
            f"loại tài liệu không hợp lệ: {kind[:20]!r}", f"invalid kind {kind[:20]!r}"
        ) from None
    if target_code == source_code:
        raise RegisterError(
            "hồ sơ nguồn trùng hồ sơ đích", "the source dossier is the target dossier"
        )
    try:
        record = catalog.find(source_code, ref)
    except ValueError:
        record = None
    if record is None or record.status != "stored":
        raise RegisterError(
            f"không có tài liệu đã lưu {ref[:40]!r} trong hồ sơ {source_code}",
            f"no stored document {ref[:40]!r} in dossier {source_code}",
        )
    return catalog.attach_existing(target_code, checked_kind, record.id, actor)
