"""The one wrapper around tesseract: recognise a page, or detect its orientation.

One tesseract process per page and per core, each single-threaded
(OMP_THREAD_LIMIT=1): tesseract's own threads made Vietnamese pages 2-8x slower
on small machines. A subprocess timeout really stops a hung run.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytesseract

from ocr.errors import ToolMissing

os.environ["OMP_THREAD_LIMIT"] = "1"


@dataclass(frozen=True)
class Recognition:
    """What tesseract read on one page."""

    text_pdf: Path
    text: str
    confidence: float
    words: int


def recognise(
    image: Path,
    out_base: Path,
    *,
    dpi: float,
    languages: str,
    tessdata_dir: Path | None,
    timeout: float,
) -> Recognition:
    """OCR one page image into a text-only PDF (for the layer), TSV (confidence) and text."""
    config = f"--dpi {round(dpi)} --psm 3 -c textonly_pdf=1 -c tessedit_create_tsv=1"
    _run(image, out_base, "pdf txt", languages, config, tessdata_dir, timeout)
    confidence, words = _confidence(out_base.with_suffix(".tsv").read_text("utf-8"))
    text = unicodedata.normalize("NFC", out_base.with_suffix(".txt").read_text("utf-8"))
    return Recognition(out_base.with_suffix(".pdf"), text.strip(), confidence, words)


def detect_turn(image: Path, *, tessdata_dir: Path | None, timeout: float) -> tuple[int, float]:
    """Degrees counter-clockwise to turn the page upright, and tesseract's confidence."""
    config = "--psm 0 -c min_characters_to_try=10"
    try:
        osd = pytesseract.image_to_osd(
            str(image),
            config=_with_tessdata(config, tessdata_dir),
            output_type=pytesseract.Output.DICT,
            timeout=timeout,
        )
    except pytesseract.TesseractError:
        return 0, 0.0  # too little text to tell: leave the page as scanned
    # tesseract's "rotate" is clockwise; PIL and PDF rotations are counter-clockwise.
    return (360 - int(osd["rotate"])) % 360, float(osd["orientation_conf"])


def check_installed(languages: str, tessdata_dir: Path | None) -> None:
    """Fail early with what to install, rather than on the first page."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise ToolMissing("tesseract is not installed: apt-get install tesseract-ocr")
    available = set(pytesseract.get_languages(config=_with_tessdata("", tessdata_dir)))
    missing = [lang for lang in [*languages.split("+"), "osd"] if lang not in available]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise ToolMissing(f"tesseract language data missing: {missing}; apt-get install {packages}")


def _run(
    image: Path,
    out_base: Path,
    extensions: str,
    languages: str,
    config: str,
    tessdata_dir: Path | None,
    timeout: float,
) -> None:
    pytesseract.pytesseract.run_tesseract(
        str(image),
        str(out_base),
        extensions,
        languages,
        config=_with_tessdata(config, tessdata_dir),
        timeout=timeout,
    )


def _with_tessdata(config: str, tessdata_dir: Path | None) -> str:
    return f'--tessdata-dir "{tessdata_dir}" {config}' if tessdata_dir else config


def _confidence(tsv: str) -> tuple[float, int]:
    """Mean word confidence (0-100) and word count from tesseract's TSV."""
    reader = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    scores = [
        float(row["conf"])
        for row in reader
        if row.get("level") == "5" and (row.get("text") or "").strip() and float(row["conf"]) >= 0
    ]
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)
