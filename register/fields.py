"""The register's fields and how one-stop systems' headers map onto them (spec §8).

Headers are matched case- and diacritics-insensitively ("Mã hồ sơ", "MA HO SO" and
"ma_ho_so" are one header), so an export saved by another spreadsheet program still
reads. A province whose software names columns its own way gives a mapping file
(YAML or JSON, ``field: header``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from sohoa.register.errors import RegisterError

#: field → the headers it is read from by default (spec §8, then the national sync names).
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("Mã hồ sơ", "MaHoSo", "code"),
    "procedure_code": ("Mã TTHC", "MaTTHC", "procedure_code"),
    "procedure_name": ("Tên TTHC", "TenTTHC", "procedure_name"),
    "unit_code": ("Mã đơn vị", "MaDonVi", "unit_code", "unit"),
    "field": ("Lĩnh vực", "MaLinhVuc", "field"),
    "received_on": ("Ngày tiếp nhận", "NgayTiepNhan", "received_on"),
    "channel": ("Kênh thực hiện", "KenhThucHien", "channel"),
    "due_on": ("Ngày hẹn trả", "NgayHenTra", "due_on"),
    "result_on": ("Ngày trả kết quả", "NgayTra", "result_on"),
    "paper_result": ("Có kết quả giấy", "paper_result"),
    "status": ("Trạng thái", "TrangThai", "status"),
    "applicant_name": ("Họ tên người nộp", "HoTenNguoiNop", "applicant_name"),
    "online_digitised": ("Được số hóa", "DuocSoHoa", "online_digitised"),
    "online_reused": ("Được tái sử dụng", "DuocTaiSuDung", "online_reused"),
    # Not a spec §8 header (the observed exports do not name the receiving officer): read
    # when an export has one of these, or through a mapping ("clerk: Người nhận").
    "clerk": ("Cán bộ tiếp nhận", "CanBoTiepNhan", "Người tiếp nhận", "NguoiTiepNhan", "clerk"),
}
FIELDS: tuple[str, ...] = tuple(DEFAULT_HEADERS)

#: The unit tree file (spec §8).
UNIT_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("Mã đơn vị", "MaDonVi", "code"),
    "name": ("Tên đơn vị", "TenDonVi", "name"),
    "parent_code": ("Mã đơn vị cha", "MaDonViCha", "parent_code"),
}

#: Vietnamese column titles of exports, by field.
TITLES_VI: dict[str, str] = {field: headers[0] for field, headers in DEFAULT_HEADERS.items()}

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """``"Mã hồ sơ"`` → ``"mahoso"``: no case, no diacritics (đ → d), no spaces or punctuation."""
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub("", bare.lower())


def load_mapping(path: Path) -> dict[str, tuple[str, ...]]:
    """A province's mapping file: ``field: header`` (or a list of headers), YAML or JSON.

    Fields it does not name keep their default headers.
    """
    try:
        text = path.read_text("utf-8-sig")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise RegisterError(
            f"không đọc được tệp ánh xạ {path.name}: {error}",
            f"cannot read the mapping file {path.name}: {error}",
        ) from None
    if not isinstance(data, Mapping):
        raise RegisterError(
            f"tệp ánh xạ {path.name} phải là bảng 'trường: tiêu đề cột'",
            f"the mapping file {path.name} must map field names to column headers",
        )
    return merge_mapping(data)


def merge_mapping(data: Mapping[object, object]) -> dict[str, tuple[str, ...]]:
    """The default headers with ``data``'s (``field: header or [headers]``) put first."""
    merged = dict(DEFAULT_HEADERS)
    for field, headers in data.items():
        if field not in merged:
            raise RegisterError(
                f"tệp ánh xạ có trường không biết: {field!r}; các trường: {', '.join(FIELDS)}",
                f"the mapping names an unknown field {field!r}; fields: {', '.join(FIELDS)}",
            )
        listed = headers if isinstance(headers, list | tuple) else ()
        own = (headers,) if isinstance(headers, str) else tuple(str(h) for h in listed)
        merged[str(field)] = own + merged[str(field)]
    return merged


def resolve_columns(
    headers: Iterable[str], mapping: Mapping[str, tuple[str, ...]]
) -> dict[str, int]:
    """field → column index, for the fields this file has; the dossier code is required."""
    folded = [fold(h or "") for h in headers]
    found: dict[str, int] = {}
    for field, names in mapping.items():
        for name in names:
            key = fold(name)
            if key in folded:
                found[field] = folded.index(key)
                break
    if "code" not in found:
        wanted = mapping.get("code", ("Mã hồ sơ",))[0]
        raise RegisterError(
            f"không thấy cột mã hồ sơ ('{wanted}') trong dòng tiêu đề",
            f"no dossier code column ('{wanted}') in the header row",
        )
    return found
