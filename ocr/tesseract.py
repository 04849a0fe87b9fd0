"""The one wrapper around tesseract: recognise a page, or detect its orientation.

One tesseract process per page and per core, each single-threaded
(OMP_THREAD_LIMIT=1 in the environment of the tesseract process only, nothing
process-wide): tesseract's own threads made Vietnamese pages 2-8x slower on
small machines. A subprocess timeout really stops a hung run, and a tesseract
whose page worker dies (the OOM killer, a stop signal) is killed with it.
"""

from __future__ import annotations

import csv
import ctypes
import io
import os
import shlex
import shutil
import signal
import subprocess
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pytesseract

from ocr.errors import ToolMissing


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
        osd = _tesseract(image, "stdout", "osd", _with_tessdata(config, tessdata_dir), timeout)
    except RuntimeError:
        return 0, 0.0  # too little text to tell: leave the page as scanned
    fields = dict(line.split(": ", 1) for line in osd.splitlines() if ": " in line)
    try:
        rotate, confidence = int(fields["Rotate"]), float(fields["Orientation confidence"])
    except (KeyError, ValueError):
        return 0, 0.0
    # tesseract's "rotate" is clockwise; PIL and PDF rotations are counter-clockwise.
    return (360 - rotate) % 360, confidence


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
    _tesseract(
        image,
        str(out_base),
        languages,
        f"{_with_tessdata(config, tessdata_dir)} {extensions}",
        timeout,
    )


def _tesseract(image: Path, out: str, languages: str, args: str, timeout: float) -> str:
    """Run tesseract single-threaded; its stdout, or RuntimeError with its own words."""
    command = [
        pytesseract.pytesseract.tesseract_cmd,
        str(image),
        out,
        "-l",
        languages,
        *shlex.split(args),
    ]
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=False,
            # Only where no other thread could hold a lock across the fork: a page worker.
            preexec_fn=_die_with_parent if threading.active_count() == 1 else None,
        )
    except subprocess.TimeoutExpired as e:  # subprocess.run has killed it
        raise RuntimeError(f"tesseract stopped after {timeout:g} s") from e
    except FileNotFoundError as e:
        raise ToolMissing("tesseract is not installed: apt-get install tesseract-ocr") from e
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return done.stdout


def _die_with_parent() -> None:
    """In the child before exec: SIGKILL when the page worker that started it dies.

    Without it a killed worker leaves an orphan tesseract running for minutes and
    writing into a folder that a retry (or the clean-up) is using.
    """
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


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
