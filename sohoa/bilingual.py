"""An error a person reads, said in Vietnamese and in English.

Refusals of forms, folders and accounts are raised deep down and shown by the
web page, the CLI or the API in the reader's language: they carry both texts.
"""

from __future__ import annotations


class BilingualError(Exception):
    """``vi`` and ``en`` say why and what to do; ``str(error)`` is the English text."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en

    def message(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en
