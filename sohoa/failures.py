"""Every known failure as the one failure type, :class:`workers.problems.Problem`.

The lower layers' errors are mapped by :func:`workers.problems.problem_of`; this
adds what only the faces know (configuration, scanner profiles, the scanner).
``Failure`` is the faces' name for the same type.
"""

from __future__ import annotations

from sohoa.exit_codes import ExitCode
from sohoa.ingest.capture_errors import CaptureFailed
from sohoa.workers.problems import Problem, problem, problem_of

__all__ = ["Failure", "describe", "not_found", "problem"]

Failure = Problem


def describe(error: BaseException) -> Problem | None:
    """The failure a person should see, or None for an unexpected error (a bug).

    pydantic and the profiles are imported here, on a failure, so that `sohoa --help`
    does not load them."""
    from pydantic import ValidationError

    from sohoa.scanner_profiles import ProfileError

    known = problem_of(error)
    if known is not None:
        return known
    if isinstance(error, ValidationError):
        from sohoa.value_errors import reason

        def problems(lang: str) -> str:
            return "; ".join(
                f"SOHOA_{'_'.join(str(p) for p in e['loc']).upper()}: {reason(e, lang)}"
                for e in error.errors(include_url=False)
            )

        return problem(
            ExitCode.USAGE,
            f"Cấu hình không hợp lệ, hãy sửa biến môi trường: {problems('vi')}",
            f"Invalid configuration, fix the environment variable: {problems('en')}",
        )
    if isinstance(error, ProfileError):
        return problem(
            ExitCode.USAGE, f"Hồ sơ máy quét không hợp lệ: {error}", f"Scanner profile: {error}"
        )
    if isinstance(error, CaptureFailed):
        return problem(ExitCode.SCANNER, error.message_vi, error.message_en)
    return None


def not_found(what_vi: str, what_en: str) -> Problem:
    return problem(ExitCode.NOT_FOUND, f"Không tìm thấy {what_vi}", f"Not found: {what_en}")
