"""Object keys for dossier documents.

Keys are derived, never chosen: the same dossier, kind and number always map
to the same key, which is what lets a crashed upload be redone in place.
"""

from __future__ import annotations

from sohoa.values import Kind

DOCUMENT_KINDS: tuple[Kind, ...] = tuple(Kind)

TEXT_SUFFIX = ".ocr.json"
DROPPED_SUFFIX = ".dropped.pdf"
#: Page thumbnails of a version: ``<name>.thumbs/<n>.jpg`` (workers.thumbnails makes them).
THUMBS_SUFFIX = ".thumbs/"


def check_kind(kind: str) -> Kind:
    """Narrow a caller's string to a document kind, with a helpful error."""
    for known in DOCUMENT_KINDS:
        if kind == known:
            return known
    raise ValueError(f"document kind must be one of {', '.join(DOCUMENT_KINDS)}, got {kind!r}")


def document_name(code: str, kind: Kind, number: int) -> str:
    """``<code>.<n>`` for the n-th intake component (spec §7), ``<code>-KQ<n>`` for results (§4)."""
    if number < 1:
        raise ValueError(f"document numbers start at 1, got {number}")
    return f"{code}-KQ{number}" if kind == "result" else f"{code}.{number}"


def document_key(code: str, kind: str, number: int) -> str:
    """Key of a document's PDF/A, e.g. ``dossiers/<code>/intake/<code>.1.pdf``.

    ``code`` must already be normalised (see :func:`storage.codes.parse_dossier_code`).
    """
    checked = check_kind(kind)
    return f"dossiers/{code}/{checked}/{document_name(code, checked, number)}.pdf"


def sidecar_key(key: str, suffix: str) -> str:
    """Key of a file that accompanies a document, e.g. its OCR text or dropped pages.

    ``sidecar_key("…/X.1.pdf", TEXT_SUFFIX)`` → ``"…/X.1.ocr.json"``.
    """
    if not key.endswith(".pdf"):
        raise ValueError(f"sidecars hang off a document key ending in .pdf, got {key!r}")
    if not suffix.startswith("."):
        raise ValueError(f"a sidecar suffix starts with '.', got {suffix!r}")
    return key.removesuffix(".pdf") + suffix


def thumbs_prefix(pdf_key: str) -> str:
    """``…/X.1.pdf`` → ``…/X.1.thumbs/``; a version's own (``…/X.1.v2.thumbs/``)."""
    if not pdf_key.endswith(".pdf"):
        raise ValueError(f"thumbnails hang off a key ending in .pdf, got {pdf_key!r}")
    return pdf_key.removesuffix(".pdf") + THUMBS_SUFFIX


def thumb_key(prefix: str, page: int) -> str:
    """The object key of page ``page`` (1-based) under ``prefix``."""
    if page < 1:
        raise ValueError(f"pages are numbered from 1, got {page}")
    return f"{prefix}{page}.jpg"
