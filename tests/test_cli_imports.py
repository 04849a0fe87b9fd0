"""`sohoa` starts light: each command loads only what it uses.

Every `sohoa` run pays for the modules it imports before it does anything; for
`sohoa ocr` run once per file (as users run tesseract or OCRmyPDF) that cost is
counted per page (issue 9). So the command line imports only typer and small
modules of ours at start-up; the catalog (SQLAlchemy, Alembic), the API and the
web app (FastAPI, Starlette, Jinja2), signing (pyHanko), S3 (MinIO), the queue
(Dramatiq), spreadsheets (openpyxl) and the message catalogues (Babel: help screens
and messages) are imported by the commands that use them. These tests look at which
modules a fresh interpreter holds, never at how long anything took.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import images

#: Packages only some commands need; starting `sohoa` must not import any of them.
NOT_AT_START_UP = (
    "sqlalchemy",
    "alembic",
    "fastapi",
    "starlette",
    "pyhanko",
    "minio",
    "jinja2",
    "dramatiq",
    "openpyxl",
)
#: `sohoa ocr` reads a scan and writes a PDF/A: no catalog, store, API, signing or queue,
#: and no code of ours beyond the OCR path, the page runner and the settings.
NOT_FOR_OCR = (
    *NOT_AT_START_UP,
    "babel",
    "sohoa.api",
    "sohoa.web",
    "sohoa.register",
    "sohoa.signing",
)
OURS_NOT_FOR_OCR = (
    "sohoa.ingest.submit",
    "sohoa.storage.catalog",
    "sohoa.storage.objects",
    "sohoa.workers.lifecycle",
)


def modules_after(code: str, home: Path) -> set[str]:
    """The modules a fresh interpreter holds after running ``code`` (which may exit)."""
    listing = home / "modules.txt"
    script = (
        "import sys\n"
        "try:\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "except SystemExit as end:\n"
        "    assert end.code in (0, None), end.code\n"
        f"open({str(listing)!r}, 'w').write('\\n'.join(sorted(sys.modules)))\n"
    )
    done = python(script, home)
    assert done.returncode == 0, done.stderr
    return set(listing.read_text().split())


def python(script: str, home: Path, jobs: int = 1) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter, with this test's SOHOA_HOME and no standby."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(home), "SOHOA_JOBS": str(jobs), "SOHOA_LANG": "en"})
    env["SOHOA_STANDBY"] = "never"
    return subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )


def loaded(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """Which of ``packages`` (or a module inside one) are among ``modules``."""
    return sorted(p for p in packages if any(m == p or m.startswith(p + ".") for m in modules))


def test_importing_the_command_line_loads_no_database_api_signing_or_store(
    tmp_path: Path,
) -> None:
    modules = modules_after("import sohoa.cli", tmp_path)
    assert "typer" in modules  # the check itself works
    assert loaded(modules, NOT_AT_START_UP) == []


def test_sohoa_help_loads_no_database_api_signing_or_store(tmp_path: Path) -> None:
    modules = modules_after("from sohoa.cli import app\napp(['--help'])", tmp_path)
    assert loaded(modules, NOT_AT_START_UP) == []


def test_sohoa_ocr_help_loads_only_the_command_line(tmp_path: Path) -> None:
    modules = modules_after("from sohoa.cli import app\napp(['ocr', '--help'])", tmp_path)
    assert "babel" in modules  # a help screen is said from the message catalogue
    assert loaded(modules, tuple(p for p in NOT_FOR_OCR if p != "babel")) == []
    assert loaded(modules, OURS_NOT_FOR_OCR) == []


@pytest.mark.parametrize("command", ["process", "batch", "verify", "search", "serve", "register"])
def test_every_command_help_loads_no_database_api_signing_or_store(
    tmp_path: Path, command: str
) -> None:
    modules = modules_after(f"from sohoa.cli import app\napp([{command!r}, '--help'])", tmp_path)
    assert loaded(modules, NOT_AT_START_UP) == []


def test_sohoa_ocr_of_a_scan_loads_the_ocr_path_and_nothing_of_the_catalog_or_store(
    tmp_path: Path,
) -> None:
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    out = tmp_path / "don.pdf"
    modules = modules_after(
        f"from sohoa.cli import app\napp(['ocr', {str(scan)!r}, {str(out)!r}])", tmp_path
    )
    assert out.exists()  # it did digitise the scan
    assert {"sohoa.ocr.page", "sohoa.ocr.pdfa", "sohoa.workers.pages", "sohoa.settings"} <= modules
    assert loaded(modules, NOT_FOR_OCR) == []
    assert loaded(modules, OURS_NOT_FOR_OCR) == []


#: `sohoa process` with the embedded catalogue and a file:/// store, nothing to sign:
#: no signing stack (pyHanko loads only when a unit's policy signs a document), no S3
#: client (minio loads only for an s3:// store), no API or queue.
NOT_FOR_LOCAL_PROCESS = ("pyhanko", "asn1crypto", "minio", "fastapi", "starlette", "dramatiq")


def test_sohoa_process_with_a_local_store_and_nothing_to_sign_loads_no_signing_or_s3(
    tmp_path: Path,
) -> None:
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")
    code = "000.00.20.H56-240101-0001"
    first = modules_after(
        f"from sohoa.cli import app\napp(['process', '--case', {code!r}, {str(scan)!r}])",
        tmp_path,
    )
    assert (tmp_path / "objects").is_dir()  # it did store the document
    assert "alembic" in first  # a fresh catalogue is created by the migrations
    assert loaded(first, NOT_FOR_LOCAL_PROCESS) == []

    again = modules_after(f"from sohoa.cli import app\napp(['show', {code!r}])", tmp_path)
    assert "sqlalchemy" in again  # it did read the catalogue
    assert loaded(again, ("alembic", *NOT_FOR_LOCAL_PROCESS)) == []  # already at head
    # listing a dossier reads rows: no OCR path (numpy, PIL, tesseract, the PDF/A validator)
    assert loaded(again, ("numpy", "PIL", "tesserocr", "pikepdf", "sohoa.workers.lifecycle")) == []


def test_the_sohoa_launcher_alone_loads_no_typer_pydantic_or_numpy(tmp_path: Path) -> None:
    """Without a standby the launcher runs the command itself; what it imports first,
    to find and ask the standby, is the standard library only (tests/test_standby.py
    checks the same while it hands a command over)."""
    modules = modules_after("import sohoa.launcher", tmp_path)
    assert loaded(modules, ("typer", "click", "pydantic", "numpy", "PIL", "sohoa.settings")) == []
    assert loaded(modules, NOT_AT_START_UP) == []


def test_a_command_run_here_ends_without_a_last_collection_over_what_it_loaded(
    tmp_path: Path,
) -> None:
    """The `sohoa` program freezes the garbage collector as the command ends, so the exit
    does not walk every object the run loaded (0.17-0.2 CPU s a `sohoa ocr`: README)."""
    script = (
        "import gc, sys\n"
        "from sohoa.launcher import main\n"
        "sys.argv = ['sohoa', 'ocr', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_freeze_count())\n"
    )
    done = python(script, tmp_path)

    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 10_000  # the run's objects, frozen


def test_sohoa_ocr_loads_the_model_once_and_its_page_workers_inherit_it(tmp_path: Path) -> None:
    """Two pages on two page workers: one model load in the command, none in the workers
    (they are forked from it after the load). Each load appends its pid to a file."""
    pages = [images.numbered_page(n).image for n in (1, 2)]
    scan = images.save_jpeg_pdf(pages, tmp_path / "hai-trang.pdf")
    loads = tmp_path / "loads.txt"
    script = (
        "import os\n"
        "from sohoa.ocr import tesseract\n"
        "real = tesseract._init\n"
        "def counted(*args):\n"
        f"    open({str(loads)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
        "    return real(*args)\n"
        "tesseract._init = counted\n"
        "print(os.getpid(), flush=True)\n"
        "from sohoa.cli import app\n"
        f"app(['ocr', {str(scan)!r}, {str(tmp_path / 'out.pdf')!r}])\n"
    )
    done = python(script, tmp_path, jobs=2)

    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.pdf").exists()
    assert loads.read_text().split() == [done.stdout.split()[0]]  # the command's own, once
