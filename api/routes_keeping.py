"""Deleting a document whose retention has ended, for archive staff's tools (``archive``
keys): the API face of ``sohoa delete`` (storage.keeping.delete_document)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from sohoa.api.auth import ArchiveKey
from sohoa.api.context import ApiContext, context_of, opened
from sohoa.api.errors import problem_error
from sohoa.api.params import CodeParam
from sohoa.api.responses import errors
from sohoa.api.routes_cases import DocParam, find_document, unknown_document
from sohoa.api.units import check_hidden
from sohoa.storage.codes import parse_dossier_code
from sohoa.storage.errors import RetentionRefused
from sohoa.storage.keeping import delete_document
from sohoa.workers.problems import problem_of

router = APIRouter(prefix="/cases", tags=["cases"])


class DeletedOut(BaseModel):
    dossier_code: str
    document: str
    objects: int = Field(description="Objects deleted from each copy.")
    copies: list[str] = Field(description="primary and, when configured, replica.")


@router.delete(
    "/{code}/documents/{doc}", response_model=DeletedOut, responses=errors(400, 404, 409)
)
async def delete_stored(
    code: CodeParam, doc: DocParam, request: Request, key: ArchiveKey
) -> DeletedOut:
    """Delete a document whose retention has ended (scope ``archive``): every object it
    owns on every copy, then its catalog row; a ``deleted`` event names the key. 409
    ``retention_refused`` (nothing deleted) while its retention runs (revoked or not, NĐ
    45/2020 Đ15), when it is kept permanently, while a queue job is under way for it, or
    while a document attached to another dossier uses its files."""
    dossier = parse_dossier_code(code).value
    context = context_of(request)
    await check_hidden(context, key, dossier)
    return await run_in_threadpool(_delete, context, dossier, doc, f"api:{key.name}")


def _delete(context: ApiContext, dossier: str, ref: str, actor: str) -> DeletedOut:
    services = opened(context.backends).services
    record = find_document(context, dossier, ref)
    if record.status != "stored":
        raise unknown_document(dossier, ref)
    try:
        plan = delete_document(services.catalog, services.store, record.id, actor=actor)
    except RetentionRefused as error:
        refused = problem_of(error)
        assert refused is not None  # a RetentionRefused is always known
        raise problem_error(refused) from error
    return DeletedOut(
        dossier_code=dossier, document=record.name, objects=len(plan.keys), copies=list(plan.copies)
    )
