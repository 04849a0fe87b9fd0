"""One source file to one validated PDF/A: inspect, fan out pages, assemble once."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ocr.assemble import DocumentResult, assemble
from ocr.options import OcrOptions
from ocr.page import PageJob
from ocr.pdfa import DocumentMetadata
from ocr.sources import inspect_source
from workers.pages import PageRunner, Progress


def digitise_file(
    source_path: Path,
    output: Path,
    metadata: DocumentMetadata,
    options: OcrOptions,
    runner: PageRunner,
    progress: Progress | None = None,
) -> DocumentResult:
    """Raises ocr.errors.InputRejected with a clerk-readable reason; writes nothing then."""
    source = inspect_source(source_path, options)
    with tempfile.TemporaryDirectory(prefix="sohoa-pages-") as workdir:
        jobs = [PageJob(source, page, options, Path(workdir)) for page in source.pages]
        results = runner.run(jobs, progress)
        return assemble(source, results, metadata, output)
