"""Vietnamese text folded for matching: "Nguyễn Văn Bình" and "nguyen van binh" meet.

Folding happens in Python, identically before indexing and before querying, on
SQLite and on PostgreSQL, so both backends match the same words. It removes
case and every diacritic, including the stroke of đ/Đ, which is not a combining
mark (Unicode has no decomposition for it; FTS5's ``remove_diacritics`` and a
plain NFD strip both leave it).

Folding is one character for one character of the NFC text: a match found in the
folded text is at the same offsets in the original, which is how snippets
highlight the words as they were written.
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = ["MAX_TERMS", "WORD", "fold", "nfc", "query_terms"]

#: More words than this in one query are ignored (a query is words, not a document).
MAX_TERMS = 16
#: Letters and digits (an underscore separates words, as in both full-text engines).
WORD = re.compile(r"[^\W_]+")
_STROKES = {"đ": "d", "Đ": "d"}


def nfc(text: str) -> str:
    """The composed form every stored text is kept in."""
    return unicodedata.normalize("NFC", text)


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    """One character folded to exactly one character (or left as it is)."""
    if ch in _STROKES:
        return _STROKES[ch]
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


def fold(text: str) -> str:
    """Lower case without diacritics, same length as ``nfc(text)``: "Quyết Định" → "quyet dinh"."""
    return "".join(_fold_char(ch) for ch in nfc(text))


def query_terms(query: str) -> list[str]:
    """The words of a search query, folded, without repeats, in order (at most MAX_TERMS)."""
    return list(dict.fromkeys(WORD.findall(fold(query))))[:MAX_TERMS]
