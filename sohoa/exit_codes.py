"""Documented exit codes (also in the README); scripts at the counter rely on them.

The table lives with the one failure type (:mod:`workers.problems`), so the CLI,
the API and the queue workers agree on it; this name stays for the faces.
"""

from __future__ import annotations

from sohoa.workers.problems import ExitCode

__all__ = ["ExitCode"]
