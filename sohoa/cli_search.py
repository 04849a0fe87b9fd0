"""`sohoa search` and `sohoa reindex`: find stored documents by the words of their OCR text.

``search`` asks the catalog's own full-text index (:mod:`storage.search`): words
without diacritics, a dossier code or its beginning, dates, kind. ``reindex``
fills the index from the ``.ocr.json`` sidecars already in the store, for
catalogs made before search existed; it is resumable (documents already indexed
are skipped unless ``--all``) and shows a progress bar.
"""

from __future__ import annotations

import html
import json
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sohoa.clock import vietnam_time
from sohoa.exit_codes import ExitCode
from sohoa.failures import problem
from sohoa.runtime import JsonOption, fail, guard, load_settings, open_services

# rich and the catalog are imported where they print or search.
if TYPE_CHECKING:
    from rich.text import Text

    from sohoa.services import Services
    from sohoa.settings import Settings
    from sohoa.storage.catalog import DocumentRecord
    from sohoa.storage.search import SearchPage

_MARK = re.compile(r"<mark>(.*?)</mark>")

CodeOption = Annotated[
    str | None,
    typer.Option("--code", help="Dossier code or its beginning (mã hồ sơ hoặc phần đầu)."),
]
DayOption = Annotated[str | None, typer.Option(help="Day, dd/mm/yyyy (Vietnam time).")]


def search(
    query: Annotated[
        str, typer.Argument(help="Words of the text, with or without diacritics.")
    ] = "",
    code: CodeOption = None,
    kind: Annotated[str | None, typer.Option(help="intake or result.")] = None,
    date_from: Annotated[
        str | None, typer.Option("--from", help="Received on or after (dd/mm/yyyy).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", help="Received on or before (dd/mm/yyyy).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Results per page.")] = 20,
    offset: Annotated[int, typer.Option(min=0, help="Results to skip (paging).")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Find stored documents by words of their OCR text (no diacritics needed), dossier code (exact
    or prefix), dates and kind."""
    from sohoa.storage.search import search as run_search

    settings = load_settings()
    with guard(settings):
        first, last = _day(date_from, settings), _day(date_to, settings)
        if kind not in (None, "intake", "result"):
            fail(
                _usage(
                    f"loại {kind!r} không có; dùng intake hoặc result",
                    f"no kind {kind!r}; use intake or result",
                ),
                settings,
            )
        with open_services(settings) as services:
            page = run_search(
                services.catalog,
                query,
                code_prefix=code,
                date_from=first,
                date_to=last,
                kind=kind,
                limit=limit,
                offset=offset,
            )
    if as_json:
        typer.echo(json.dumps(page_json(page), ensure_ascii=False, indent=2))
        return
    _print_page(page)


def page_json(page: SearchPage) -> dict[str, Any]:
    """The page of results as the API and ``--json`` give it (times on the Vietnam clock)."""
    return {
        "total": page.total,
        "limit": page.limit,
        "offset": page.offset,
        "terms": list(page.terms),
        "results": [
            {
                "document_id": hit.document_id,
                "dossier_code": hit.dossier_code,
                "kind": hit.kind,
                "name": hit.name,
                "pages": hit.pages,
                "created": vietnam_time(hit.created_at).isoformat(),
                "revoked": hit.revoked,
                "snippet": hit.snippet,
            }
            for hit in page.hits
        ],
    }


def reindex(
    every: Annotated[
        bool, typer.Option("--all", help="Index again documents already in the index.")
    ] = False,
) -> None:
    """Build the search index from the stored OCR text sidecars (catalogs made before search);
    resumable."""
    settings = load_settings()
    with guard(settings), open_services(settings) as services:
        todo = _to_index(services, every)
        done = missing = 0
        with _bar(len(todo)) as advance:
            for record in todo:
                if _reindex_one(services, record):
                    done += 1
                else:
                    missing += 1
                advance()
    typer.echo(f"Đã lập chỉ mục / indexed: {done}; không có văn bản / without text: {missing}")


def register(app: typer.Typer) -> None:
    epilog = 'Ví dụ: sohoa search "nguyen van binh" --code 000.00.20.H56 --from 01/06/2024'
    app.command("search", epilog=epilog)(search)
    app.command("reindex", epilog="Ví dụ: sohoa reindex")(reindex)


def _to_index(services: Services, every: bool) -> list[DocumentRecord]:
    """Stored documents with a text sidecar, by id; those already indexed left out unless
    ``every`` (what makes an interrupted run resume where it stopped)."""
    from sqlalchemy import select

    from sohoa.storage.models import Document
    from sohoa.storage.search import indexed_ids

    skip = set() if every else indexed_ids(services.catalog)
    with services.catalog.sessions() as session:
        ids = session.scalars(
            select(Document.id)
            .where(Document.status == "stored", Document.text_key.is_not(None))
            .order_by(Document.id)
        ).all()
    records = (services.catalog.document(doc_id) for doc_id in ids if doc_id not in skip)
    return [record for record in records if record is not None]


def _reindex_one(services: Services, record: DocumentRecord) -> bool:
    """Index one document from its ``.ocr.json``; False when the sidecar is not in the store."""
    from sohoa.storage.errors import ObjectNotFound
    from sohoa.storage.search import index_document

    assert record.text_key is not None
    with tempfile.TemporaryDirectory(prefix="sohoa-reindex-") as tmp:
        path = Path(tmp) / "text.json"
        try:
            services.store.get_to_file(record.text_key, path)
        except ObjectNotFound:
            return False
        data = json.loads(path.read_text("utf-8"))
    texts = [str(page.get("text", "")) for page in data.get("pages", [])]
    index_document(services.catalog, record.id, record.dossier_code, texts)
    return True


@contextmanager
def _bar(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal; nothing elsewhere (the summary line is printed)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    if not sys.stderr.isatty():
        yield lambda: None
        return
    progress = Progress(
        "lập chỉ mục / indexing",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with progress:
        task = progress.add_task("reindex", total=total)
        yield lambda: progress.advance(task)


def _day(text: str | None, settings: Settings) -> date | None:
    from sohoa.storage.search import parse_day

    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError:
        fail(
            _usage(
                f"{text!r} không phải ngày; viết dd/mm/yyyy (ví dụ 15/06/2024)",
                f"{text!r} is not a date; write dd/mm/yyyy (e.g. 15/06/2024)",
            ),
            settings,
        )


def _usage(vi: str, en: str) -> Any:
    return problem(ExitCode.USAGE, vi, en)


def _print_page(page: SearchPage) -> None:
    from rich.console import Console
    from rich.text import Text

    from sohoa.i18n import format_date

    console = Console()
    if not page.hits:
        console.print("Không tìm thấy tài liệu nào. / No document found.")
        return
    shown = f"{page.offset + 1}-{page.offset + len(page.hits)}"
    console.print(f"{page.total} tài liệu / documents ({shown}):")
    for hit in page.hits:
        head = Text(f"{hit.name}  ", style="bold")
        head.append(f"{hit.kind}  {format_date(hit.created_at)}")
        if hit.revoked:
            head.append("  (thu hồi / revoked)", style="red")
        console.print(head)
        console.print(Text("   ").append_text(terminal_snippet(hit.snippet)))


def terminal_snippet(snippet_html: str) -> Text:
    """The HTML snippet for a terminal: text unescaped, marked words in reverse video."""
    from rich.text import Text

    text = Text()
    cursor = 0
    for match in _MARK.finditer(snippet_html):
        text.append(html.unescape(snippet_html[cursor : match.start()]))
        text.append(html.unescape(match.group(1)), style="reverse")
        cursor = match.end()
    text.append(html.unescape(snippet_html[cursor:]))
    return text
