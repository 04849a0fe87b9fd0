"""Score one tool's outputs: CER/WER on content pages, PDF/A-2b validation, sizes."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pikepdf import pdfa

from bench.corpus import Doc
from bench.metrics import Score, page_count, page_text


@dataclass
class DocScore:
    doc_id: str
    ok: bool
    score: Score = field(default_factory=Score)
    score_raw: Score = field(default_factory=Score)  # same with ``pdftotext -raw``
    page_cer: dict[int, float | None] = field(default_factory=dict)  # input page -> CER
    out_bytes: int = 0
    out_pages: int = 0
    pdfa_passed: bool = False
    notes: list[str] = field(default_factory=list)


def score_doc(doc: Doc, run: dict[str, Any]) -> DocScore:
    """Map output pages back to input pages, then compare each content page with its GT.

    Output page k is the k-th input page not in ``run["dropped"]`` (sohoa drops blank backs;
    the other tools keep every page). A content page with no output page, or a failed
    document, scores as empty text (every reference character deleted).
    """
    result = DocScore(doc.doc_id, bool(run["ok"]))
    out = Path(run["output"]) if run["output"] else None
    texts: dict[int, str] = {}
    raws: dict[int, str] = {}
    if result.ok and out is not None and out.exists():
        result.out_bytes = out.stat().st_size
        result.out_pages = page_count(out)
        dropped = set(run["dropped"])
        kept = [p.index for p in doc.pages if p.index not in dropped]
        if result.out_pages != len(kept):
            result.notes.append(f"{result.out_pages} output pages, expected {len(kept)}")
        for k, index in enumerate(kept[: result.out_pages], 1):
            texts[index] = page_text(out, k)
            raws[index] = page_text(out, k, raw=True)
        lost = [p.index for p in doc.pages if p.kind == "content" and p.index in dropped]
        if lost:
            result.notes.append(f"content page(s) {lost} dropped")
        result.pdfa_passed = bool(pdfa.validate_written(out, "2b").passed)
    for page in doc.pages:
        if page.kind == "content":
            result.score.add(page.text, texts.get(page.index, ""))
            one = Score()
            one.add(page.text, texts.get(page.index, ""))
            result.page_cer[page.index] = one.cer
            result.score_raw.add(page.text, raws.get(page.index, ""))
    return result
