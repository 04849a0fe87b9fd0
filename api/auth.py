"""API key authentication: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.

Two scopes: ``read`` (integrators: list dossiers, fetch documents, follow jobs)
and ``upload`` (counter clients), which includes ``read`` because a client that
sends a scan must follow its job and fetch the result. A missing, unknown or
revoked key is 401; a valid key without the scope is 403. A key may also be bound to a
unit: the routes check each dossier, unit or list against it (api.units).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from sohoa.api.context import backends_of, opened
from sohoa.api.errors import ApiError
from sohoa.storage.api_keys import ApiKey, Scope

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer <key>`")
_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key in the `X-API-Key` header"
)

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="sohoa"'}


def require(scope: Scope) -> Callable[..., Awaitable[ApiKey]]:
    """A dependency that admits a request only with an active key allowing ``scope``."""

    async def check(
        request: Request,
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        header: Annotated[str | None, Depends(_header)],
    ) -> ApiKey:
        token = bearer.credentials if bearer else header
        if not token:
            raise ApiError(
                401,
                "missing_api_key",
                "Cần khóa API (Authorization: Bearer <khóa> hoặc X-API-Key)",
                "An API key is required (Authorization: Bearer <key> or X-API-Key)",
                _CHALLENGE,
            )
        keys = (await run_in_threadpool(opened, backends_of(request))).keys
        key = await run_in_threadpool(keys.verify, token)
        if key is None:
            raise ApiError(
                401,
                "invalid_api_key",
                "Khóa API không hợp lệ hoặc đã bị thu hồi",
                "The API key is invalid or has been revoked",
                _CHALLENGE,
            )
        if not key.allows(scope):
            raise ApiError(
                403,
                "insufficient_scope",
                f"Khóa API '{key.name}' không có quyền '{scope}'",
                f"API key '{key.name}' does not have the '{scope}' scope",
            )
        request.state.api_key = key
        return key

    return check


ReadKey = Annotated[ApiKey, Depends(require("read"))]
UploadKey = Annotated[ApiKey, Depends(require("upload"))]
ArchiveKey = Annotated[ApiKey, Depends(require("archive"))]
