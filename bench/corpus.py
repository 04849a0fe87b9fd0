"""The dev corpus: documents, their input PDFs and ground truth (schema ``sohoa-corpus-gt/1``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Page:
    index: int  # 1-based, in file order
    kind: str  # content | blank | separator
    text: str  # reference text (lines joined with newlines)
    upside_down: bool


@dataclass(frozen=True)
class Doc:
    doc_id: str
    pdf: Path
    mode: str
    dpi: int
    pages: tuple[Page, ...]

    @property
    def n_pages(self) -> int:
        return len(self.pages)

    @property
    def n_content(self) -> int:
        return sum(p.kind == "content" for p in self.pages)


def load(corpus: Path, limit: int | None = None) -> list[Doc]:
    """Documents of ``corpus`` in manifest order (the first ``limit`` if given)."""
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    docs: list[Doc] = []
    for entry in manifest["documents"][:limit]:
        gt = json.loads((corpus / entry["gt"]).read_text(encoding="utf-8"))
        pages = tuple(
            Page(p["index"], p["kind"], p.get("text", ""), bool(p.get("upside_down")))
            for p in gt["pages"]
        )
        docs.append(
            Doc(gt["doc_id"], corpus / gt["file"], gt["scan"]["mode"], gt["scan"]["dpi"], pages)
        )
    return docs
