"""One source file to one PDF/A, with no catalog and no store (`sohoa ocr`, revisions).

Kept apart from :mod:`workers.lifecycle` so that `sohoa ocr` loads only the OCR
path (ocr/, the page runner): the lifecycle imports the catalog and the stores,
and with them SQLAlchemy and the S3 client, which cost a per-file run more CPU
than they are worth. :mod:`workers.lifecycle` re-exports :func:`digitise_file`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sohoa.ocr.assemble import DocumentResult, assemble
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.page import PageJob
from sohoa.ocr.pdfa import DocumentMetadata
from sohoa.ocr.sources import inspect_source
from sohoa.workers.pages import PageRunner, Progress


def digitise_file(
    source_path: Path,
    output: Path,
    metadata: DocumentMetadata,
    options: OcrOptions,
    runner: PageRunner,
    progress: Progress | None = None,
) -> DocumentResult:
    """One source file to one validated PDF/A (no catalog, no store): inspect, fan out
    the pages, assemble once. Raises ocr.errors.InputRejected; writes nothing then."""
    source = inspect_source(source_path, options)
    with tempfile.TemporaryDirectory(prefix="sohoa-pages-") as workdir:
        jobs = [PageJob(source, page, options, Path(workdir)) for page in source.pages]
        results = runner.run(jobs, progress)
        return assemble(source, results, metadata, output)
