"""Shared fixtures: the dev corpus, a page runner, digitising helpers and the CLI."""

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sohoa.ocr.assemble import DocumentResult
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.pdfa import DocumentMetadata
from sohoa.workers.lifecycle import digitise_file
from sohoa.workers.pages import PageRunner

pytest_plugins = ["tests.conftest_services"]

# A `sohoa` command run by a test never starts a standby of its own, even under
# `pytest -s` at a terminal (tests/test_standby.py asks for one where it means to).
os.environ["SOHOA_STANDBY"] = "never"

#: The dev corpus lives next to the repository: <repo>/../shared/corpus/dev.
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the dev corpus is not at {CORPUS} (it ships separately from the repository)")
    return CORPUS


def corpus_truth(corpus: Path, doc_id: str) -> dict[str, object]:
    """The ground truth JSON of one corpus document."""
    return json.loads((corpus / f"{doc_id}.json").read_text("utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def page_runner() -> Iterator[PageRunner]:
    """Two page workers, as on the office PC (2 cores), shared by the whole session."""
    with PageRunner(2) as runner:
        yield runner


Digitise = Callable[..., DocumentResult]


@pytest.fixture(scope="session")
def digitise(page_runner: PageRunner, tmp_path_factory: pytest.TempPathFactory) -> Digitise:
    """digitise_file with the default (duplex ADF) options; output lands in a fresh folder."""

    def run(
        source: Path,
        *,
        options: OcrOptions | None = None,
        title: str = "Thử nghiệm",
        dossier_code: str = "",
    ) -> DocumentResult:
        out = tmp_path_factory.mktemp("digitised") / f"{source.stem}.pdf"
        metadata = DocumentMetadata(title=title, dossier_code=dossier_code, source_name=source.name)
        return digitise_file(source, out, metadata, options or OcrOptions(), page_runner)

    return run


def pdftotext(pdf: Path, *, page: int | None = None, bbox: bool = False) -> str:
    """Text as a PDF viewer's search or copy would see it (poppler's pdftotext)."""
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    if bbox:
        args.append("-bbox")
    return subprocess.run([*args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


# -- the command line --------------------------------------------------------------------------

Sohoa = Callable[..., Result]


def _clean_env(home: Path, extra: Mapping[str, str] | None) -> dict[str, str | None]:
    """Only the settings a test names: no SOHOA_* from the developer's shell leaks in."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(home), "SOHOA_JOBS": "2", "SOHOA_LANG": "en"})
    env.update(extra or {})
    return env


@pytest.fixture
def sohoa_home(tmp_path: Path) -> Path:
    """A private SOHOA_HOME for one test (local object store and SQLite catalog inside)."""
    return tmp_path / "sohoa-home"


def cli(home: Path) -> Sohoa:
    """Run `sohoa ARGS...` in-process (typer's CliRunner) with SOHOA_HOME=`home`.

    `env=` adds or overrides SOHOA_* variables for that call; `input=` is what is typed
    at its prompts. Logging handlers the
    command installs are removed afterwards, so later tests do not log into a
    closed stream.
    """
    from sohoa.cli import app

    def run(
        *args: str | Path, env: Mapping[str, str] | None = None, input: str | None = None
    ) -> Result:
        root = logging.getLogger()
        handlers, level = root.handlers[:], root.level
        try:
            argv = [str(a) for a in args]
            return CliRunner().invoke(app, argv, env=_clean_env(home, env), input=input)
        finally:
            root.handlers[:] = handlers
            root.setLevel(level)

    return run


@pytest.fixture
def sohoa(sohoa_home: Path) -> Sohoa:
    """`sohoa` with a private SOHOA_HOME for this test."""
    return cli(sohoa_home)


def stored_files(home: Path) -> list[Path]:
    """Every file in the local object store under SOHOA_HOME (checksum records included)."""
    root = home / "objects"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


#: Debian's chromium (never a downloaded browser: `playwright install` cannot run here).
CHROMIUM = "/usr/bin/chromium"


# One browser per test module, defined here for every directory's browser tests. Not per
# session: while Playwright's sync API is open it keeps an asyncio loop marked running on the
# main thread, so any later test calling asyncio.run (pyHanko signs that way) would fail.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is not installed (scripts/install.sh installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-gpu",
            ],
        )
        yield browser
        browser.close()
