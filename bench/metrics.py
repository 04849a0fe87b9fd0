"""CER/WER (corpus README convention) and per-page text extraction with ``pdftotext``.

Text is NFC-normalised and every whitespace run collapsed to one space. CER is the
Levenshtein distance over characters divided by the reference length; WER the same over
whitespace-split words. Corpus-level rates are summed over pages (total edits / total
reference units), so long pages weigh more than short ones.
"""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz.distance import Levenshtein


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class Score:
    char_edits: int = 0
    char_ref: int = 0
    word_edits: int = 0
    word_ref: int = 0

    def add(self, reference: str, hypothesis: str) -> None:
        ref, hyp = normalise(reference), normalise(hypothesis)
        self.char_edits += Levenshtein.distance(ref, hyp)
        self.char_ref += len(ref)
        ref_words, hyp_words = ref.split(" ") if ref else [], hyp.split(" ") if hyp else []
        self.word_edits += Levenshtein.distance(ref_words, hyp_words)
        self.word_ref += len(ref_words)

    def __iadd__(self, other: Score) -> Score:
        self.char_edits += other.char_edits
        self.char_ref += other.char_ref
        self.word_edits += other.word_edits
        self.word_ref += other.word_ref
        return self

    @property
    def cer(self) -> float | None:
        return self.char_edits / self.char_ref if self.char_ref else None

    @property
    def wer(self) -> float | None:
        return self.word_edits / self.word_ref if self.word_ref else None


def page_count(pdf: Path) -> int:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    raise ValueError(f"pdfinfo gave no page count for {pdf}")


def page_text(pdf: Path, page: int, raw: bool = False) -> str:
    """Text of one page in reading order (plain ``pdftotext``, not ``-layout``).

    ``raw``: ``pdftotext -raw``, the order of the content stream instead of poppler's reading
    order reconstruction. Diagnostic only: on a skewed, un-deskewed text layer poppler splits
    lines and even words into fragments, so plain-mode CER then mixes recognition errors with
    text-layer geometry (which is what a user's copy/paste and phrase search see).
    """
    mode = ["-raw"] if raw else []
    cmd = ["pdftotext", *mode, "-enc", "UTF-8", "-f", str(page), "-l", str(page), str(pdf), "-"]
    return subprocess.run(cmd, capture_output=True, check=True).stdout.decode("utf-8", "replace")
