"""The three contenders, each turning one input PDF into one output PDF.

* ``sohoa``: ``sohoa ocr --json DOC.pdf OUT.pdf`` (its own 2 page workers; it sets
  ``OMP_THREAD_LIMIT=1`` itself). Dropped blank backs go to ``OUT.dropped.pdf``, which is not
  counted in the output bytes; the ``dropped`` list maps output pages back to input pages.
* ``sohoa-process``: ONE ``sohoa process --json --case CODE DOC1.pdf DOC2.pdf ...`` over every
  document (as a clerk or a backlog run digitises a folder), with ``SOHOA_HOME`` in a fresh
  folder (local object store, SQLite catalog, no broker) whose catalogue is made before the
  clock (``sohoa db upgrade``, as at installation; its CPU is reported apart). Its time and
  CPU are those of the whole command; each document's PDF/A is then read from the object
  store's folder by the key the command reported.
* ``sohoa-standby``, ``sohoa-process-standby``: the same two commands with a ``sohoa standby``
  running (started by ``bench.measure`` before the clock starts, in a fresh ``SOHOA_HOME``): each
  command is served by a fork of the already loaded standby instead of starting Python, importing
  sohoa and loading the model. The standby's CPU during the run (its children's included) counts;
  its own start-up, paid once a day, is reported apart.
* ``sohoa-auto``: ``sohoa ocr`` per file as typed at a terminal, where ``SOHOA_STANDBY=auto`` (the
  default) makes the first command start a standby for the next ones (``always`` here: the bench
  has no terminal). Nothing runs before the clock: the first command runs by itself, the standby
  loads meanwhile and serves the commands that come once it is ready. All of it counts, the
  standby's start-up included (``bench.measure`` adopts it as a subreaper and waits for it).
* ``ocrmypdf``: ``ocrmypdf -l vie --output-type pdfa-2 DOC.pdf OUT.pdf``, default settings
  (``--jobs`` = cores), ``OMP_THREAD_LIMIT=1``.
* ``tesseract``: the speed floor. ``pdfimages`` extracts each page's image (JPEG as is, other
  encodings as TIFF), ``tesseract IMG OUT -l LANGS --dpi N pdf`` runs on 2 pages at a time with
  ``OMP_THREAD_LIMIT=1``, and ``pdfunite`` merges the page PDFs. No rotation, no PDF/A. LANGS
  are sohoa's default languages, so the CPU per page compares like with like.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from sohoa.ocr.options import OcrOptions

TOOLS = (
    "sohoa",
    "sohoa-process",
    "sohoa-standby",
    "sohoa-process-standby",
    "sohoa-auto",
    "ocrmypdf",
    "tesseract",
)
#: Set by ``bench.measure`` while a ``sohoa standby`` serves this tool: its SOHOA_HOME.
STANDBY_HOME = "BENCH_STANDBY_HOME"
#: Set by ``bench.measure`` for ``sohoa-auto``: the SOHOA_STANDBY its commands get.
STANDBY_WANTED = "BENCH_SOHOA_STANDBY"
#: The dossier every document of the ``sohoa-process`` run is filed under.
BENCH_CASE = "000.00.20.H56-240101-0001"
WORKERS = 2
INSTALL_HINT = {
    "ocrmypdf": "install it with `apt-get install ocrmypdf` or `pip install ocrmypdf`",
    "tesseract": "install it with `apt-get install tesseract-ocr tesseract-ocr-vie poppler-utils`",
    "sohoa": "install sohoa into this virtualenv (`pip install -e .`)",
    "sohoa-process": "install sohoa into this virtualenv (`pip install -e .`)",
    "sohoa-standby": "install sohoa into this virtualenv (`pip install -e .`)",
    "sohoa-process-standby": "install sohoa into this virtualenv (`pip install -e .`)",
    "sohoa-auto": "install sohoa into this virtualenv (`pip install -e .`)",
}


@dataclass
class DocRun:
    """One document through one tool. ``dropped``: 1-based input pages missing from the output."""

    doc_id: str
    ok: bool
    seconds: float
    output: str | None
    error: str | None = None
    dropped: list[int] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)


Runner = Callable[[Path, Path, Path], DocRun]  # (input pdf, output pdf, scratch dir)
#: Runs ALL documents in one go: (input pdfs, output dir, scratch dir) -> one DocRun each.
BatchRunner = Callable[[list[Path], Path, Path], list[DocRun]]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def _fail(pdf: Path, proc: subprocess.CompletedProcess[str]) -> str:
    return (
        f"{pdf.name}: exit {proc.returncode}\n{proc.stderr.strip()}\n{proc.stdout.strip()}".strip()
    )


def sohoa_exe() -> Path:
    return Path(sys.executable).parent / "sohoa"


def ocrmypdf_exe() -> str:
    """The ocrmypdf beside this Python (the bench extra installs it there), else on PATH."""
    beside = Path(sys.executable).parent / "ocrmypdf"
    return str(beside) if beside.exists() else "ocrmypdf"


def _sohoa_env(home: Path) -> dict[str, str]:
    """No SOHOA_* setting of the caller's, and a home of its own: `home`, or the standby's
    when one serves this tool (its socket is there; without one no standby can serve)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = os.environ.get(STANDBY_HOME) or str(home)
    env["SOHOA_STANDBY"] = os.environ.get(STANDBY_WANTED, "never")
    return env


def run_sohoa(pdf: Path, out: Path, scratch: Path) -> DocRun:
    proc = subprocess.run(
        [str(sohoa_exe()), "ocr", "--json", str(pdf), str(out)],
        capture_output=True,
        text=True,
        env=_sohoa_env(scratch / "home"),
    )
    if proc.returncode != 0 or not out.exists():
        return DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc))
    try:
        result = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return DocRun(pdf.stem, False, 0.0, str(out), "unparseable --json output:\n" + proc.stdout)
    dropped = sorted(int(d["index"]) for d in result.get("dropped", []))
    return DocRun(pdf.stem, True, 0.0, str(out), dropped=dropped, extra={"sohoa": result})


def prepare_catalogue(scratch: Path) -> None:
    """Make the catalogue the batch tools file into, before the clock: an office's
    ``sohoa process`` runs into the catalogue its installation made (``sohoa db upgrade``),
    not into a new one each time. Run in this process's Python, never by a standby, so that
    no CPU of it lands in the measured run."""
    env = _sohoa_env(scratch / "home")
    cmd = [sys.executable, "-m", "sohoa.cli", "db", "upgrade"]
    subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)


def run_sohoa_process(pdfs: list[Path], out: Path, scratch: Path) -> list[DocRun]:
    """One ``sohoa process`` over every document, in a fresh SOHOA_HOME (embedded mode)."""
    env = _sohoa_env(scratch / "home")
    home = Path(env["SOHOA_HOME"])
    cmd = [str(sohoa_exe()), "process", "--json", "--case", BENCH_CASE, *map(str, pdfs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    try:
        records = json.loads(proc.stdout) if proc.stdout.strip() else []
    except json.JSONDecodeError:
        records = []
    by_name = {r["source_name"]: r for r in records if r.get("key")}
    runs: list[DocRun] = []
    for pdf in pdfs:
        record = by_name.get(pdf.name)
        stored = home / "objects" / str(record["key"]) if record else None
        if record is None or stored is None or not stored.is_file():
            runs.append(DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc)))
            continue
        target = out / f"{pdf.stem}.pdf"
        shutil.copyfile(stored, target)
        dropped = sorted(int(d["index"]) for d in record.get("dropped_pages") or [])
        extra: dict[str, object] = {"name": record.get("name"), "exit_code": proc.returncode}
        runs.append(DocRun(pdf.stem, True, 0.0, str(target), dropped=dropped, extra=extra))
    return runs


def run_ocrmypdf(pdf: Path, out: Path, scratch: Path) -> DocRun:
    cmd = [ocrmypdf_exe(), "-l", "vie", "--output-type", "pdfa-2", str(pdf), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(OMP_THREAD_LIMIT="1"))
    if not out.exists():
        return DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc))
    # exit 0 = fine; e.g. 10 = output written but PDF/A conversion failed (the validator says so)
    return DocRun(pdf.stem, True, 0.0, str(out), extra={"exit_code": proc.returncode})


def _page_ppi(pdf: Path) -> dict[int, int]:
    """Page number -> x-ppi of its (first) image, from ``pdfimages -list``."""
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True)
    ppi: dict[int, int] = {}
    for line in listing.stdout.splitlines()[2:]:
        cols = line.split()
        if len(cols) >= 14 and cols[2] == "image" and cols[12].isdigit():
            ppi.setdefault(int(cols[0]), int(cols[12]))
    return ppi


def run_tesseract(pdf: Path, out: Path, scratch: Path) -> DocRun:
    env = _env(OMP_THREAD_LIMIT="1")
    proc = subprocess.run(
        ["pdfimages", "-j", "-tiff", "-p", str(pdf), str(scratch / "img")],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        return DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc))
    images: dict[int, Path] = {}
    for img in sorted(scratch.glob("img-*")):  # img-PAGE-NUM.ext; first image of each page
        match = re.match(r"img-(\d+)-\d+\.", img.name)
        if match:
            images.setdefault(int(match[1]), img)
    ppi = _page_ppi(pdf)

    def ocr(page: int) -> subprocess.CompletedProcess[str]:
        base = scratch / f"page-{page:04d}"
        cmd = ["tesseract", str(images[page]), str(base), "-l", OcrOptions().languages]
        cmd += ["--dpi", str(ppi[page])] if page in ppi else []
        return subprocess.run([*cmd, "pdf"], capture_output=True, text=True, env=env)

    with ThreadPoolExecutor(WORKERS) as pool:
        procs = list(pool.map(ocr, sorted(images)))
    for proc in procs:
        if proc.returncode != 0:
            return DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc))
    parts = [str(scratch / f"page-{page:04d}.pdf") for page in sorted(images)]
    if len(parts) == 1:
        shutil.copyfile(parts[0], out)
    else:
        proc = subprocess.run(["pdfunite", *parts, str(out)], capture_output=True, text=True)
        if proc.returncode != 0:
            return DocRun(pdf.stem, False, 0.0, None, _fail(pdf, proc))
    return DocRun(pdf.stem, True, 0.0, str(out), extra={"images": len(images)})


RUNNERS: dict[str, Runner] = {
    "sohoa": run_sohoa,
    "sohoa-standby": run_sohoa,
    "sohoa-auto": run_sohoa,
    "ocrmypdf": run_ocrmypdf,
    "tesseract": run_tesseract,
}


BATCH_RUNNERS: dict[str, BatchRunner] = {
    "sohoa-process": run_sohoa_process,
    "sohoa-process-standby": run_sohoa_process,
}


def missing(tool: str) -> str | None:
    """Why ``tool`` cannot run here (with how to install it), or None if it can."""
    needed = {
        "sohoa": [str(sohoa_exe())],
        "sohoa-process": [str(sohoa_exe())],
        "sohoa-standby": [str(sohoa_exe())],
        "sohoa-process-standby": [str(sohoa_exe())],
        "sohoa-auto": [str(sohoa_exe())],
        "ocrmypdf": [ocrmypdf_exe()],
        "tesseract": ["tesseract", "pdfimages", "pdfunite"],
    }[tool]
    absent = [exe for exe in needed if shutil.which(exe) is None]
    return f"{', '.join(absent)} not found: {INSTALL_HINT[tool]}" if absent else None


def _first_line(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unavailable ({exc})"
    lines = (proc.stdout or proc.stderr).strip().splitlines()
    return lines[0] if lines else "unknown"


def versions() -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        found["sohoa"] = metadata.version("sohoa")
    except metadata.PackageNotFoundError:
        found["sohoa"] = "not installed"
    found["ocrmypdf"] = _first_line([ocrmypdf_exe(), "--version"])
    found["tesseract"] = _first_line(["tesseract", "--version"])
    found["pikepdf (validator)"] = metadata.version("pikepdf")
    found["poppler"] = _first_line(["pdftotext", "-v"])
    return found
