"""What the routes share, kept on ``app.state``: settings, backends and the job submitter."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from sohoa.api.backends import Backends, BackendUnavailable, Opened
from sohoa.api.errors import unavailable
from sohoa.api.submitter import Submitter
from sohoa.settings import Settings


@dataclass
class ApiContext:
    settings: Settings
    backends: Backends
    submitter: Submitter


def context_of(request: Request) -> ApiContext:
    context: ApiContext = request.app.state.sohoa
    return context


def backends_of(request: Request) -> Backends:
    return context_of(request).backends


def opened(backends: Backends) -> Opened:
    """The open backends, or a 503 the client can retry."""
    try:
        return backends.get()
    except BackendUnavailable as error:
        raise unavailable(
            "Hệ thống lưu trữ hoặc cơ sở dữ liệu danh mục chưa sẵn sàng; hãy thử lại sau",
            f"The object store or catalog is not available yet; retry later ({error})",
        ) from None
