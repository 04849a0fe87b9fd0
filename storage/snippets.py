"""The piece of a document's text around the words found, safe to put in a web page.

OCR text is untrusted: a scan that reads ``<script>`` must be shown as text. The
snippet is built as segments of the original text, each escaped on its own, and
only the ``<mark>`` wrappers added by this module are markup. Matching is done
on the folded text (:mod:`storage.folding`), whose offsets are the NFC text's, so
"nguyen" highlights "Nguyễn" as it was written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

__all__ = ["SNIPPET_CHARS", "snippet"]

#: About how many characters of text a snippet shows.
SNIPPET_CHARS = 240
_BEFORE = 60
_SPACES = re.compile(r"\s+")


def snippet(text: str, folded: str, terms: Sequence[str], width: int = SNIPPET_CHARS) -> str:
    """HTML: the text around the first word found, every found word in ``<mark>``; the
    start of the text when no word is found (a search by code or date only)."""
    spans = _matches(folded, terms)
    start = max(0, spans[0][0] - _BEFORE) if spans else 0
    end = min(len(text), start + width)
    start, end = _word_edges(text, start, end)
    parts: list[str] = ["…"] if start > 0 else []
    cursor = start
    for first, last in spans:
        if first < start or last > end:
            continue
        parts.append(_escaped(text[cursor:first]))
        parts.append(f"<mark>{_escaped(text[first:last])}</mark>")
        cursor = last
    parts.append(_escaped(text[cursor:end]))
    if end < len(text):
        parts.append("…")
    return "".join(parts).strip()


def _matches(folded: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where whole words equal to a term are in the folded text, in order."""
    if not terms:
        return []
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    pattern = re.compile(rf"(?<![^\W_])(?:{alternatives})(?![^\W_])")
    return [match.span() for match in pattern.finditer(folded)]


def _word_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Move the window's edges to spaces, so no word is cut in half (when one is near)."""
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    if end < len(text):
        space = text.rfind(" ", end - 20, end)
        end = space if space > start else end
    return start, end


def _escaped(part: str) -> str:
    return html.escape(_SPACES.sub(" ", part))
