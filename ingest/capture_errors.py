"""Why a capture from the scanner failed, in words a clerk can act on (Vietnamese and English)."""

from __future__ import annotations


class CaptureFailed(Exception):
    """The scanner could not be reached, refused a setting or stopped mid-batch; nothing stored."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        self.message_vi = message_vi
        self.message_en = message_en
        super().__init__(message_en)
