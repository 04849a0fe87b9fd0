"""The register's one failure type: a Vietnamese and an English message."""

from __future__ import annotations


class RegisterError(ValueError):
    """A file, mapping or request the register cannot use as it is (not a row: rows are
    refused one by one, see :class:`register.parse.RowProblem`)."""

    def __init__(self, message_vi: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en
