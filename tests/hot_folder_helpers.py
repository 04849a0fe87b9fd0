"""Scans as a counter scanner drops them into a hot folder, and ways to watch what happened."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image

from tests import images

CODE = "000.00.20.H56-240101-0001"
#: Where the sohoa console script of this virtualenv is.
SOHOA = Path(sys.executable).with_name("sohoa")


def with_qr(payload: str, number: int = 1) -> Image.Image:
    """A short numbered page with a QR code top left, as the one-stop system prints it."""
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode)
    symbol = Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=5)))
    page = images.numbered_page(number).image
    page.paste(symbol.convert("L"), (60, 40))
    return page


def scan_pdf(path: Path, number: int = 1, qr: str | None = None) -> Path:
    """A one-page scanner PDF (JPEG inside), optionally carrying a QR code."""
    page = with_qr(qr, number) if qr else images.numbered_page(number).image
    return images.save_jpeg_pdf([page], path)


def wait_for(condition: Callable[[], bool], what: str, deadline: float = 120.0) -> None:
    """Poll until ``condition`` holds; the deadline is generous, never a measurement."""
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.1)


def watch_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for a `sohoa` subprocess: this test's SOHOA_HOME and nothing else of ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(home), "SOHOA_JOBS": "1", "SOHOA_LANG": "en"})
    env["SOHOA_STANDBY"] = "never"  # none started by a command (tests/test_standby.py's own)
    env.update(extra or {})
    return env


def start_sohoa(
    home: Path, *args: str | Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(SOHOA), *map(str, args)],
        env=watch_env(home, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def documents(home: Path, code: str = CODE) -> list[dict[str, object]]:
    """The catalog's documents of a dossier, via `sohoa show --json` in a subprocess."""
    shown = subprocess.run(
        [str(SOHOA), "show", code, "--json"],
        env=watch_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    if shown.returncode != 0:
        return []
    return json.loads(shown.stdout)["documents"]  # type: ignore[no-any-return]


def quarantine_notes(home: Path) -> list[dict[str, object]]:
    notes = sorted((home / "quarantine").glob("*.why.json"))
    return [json.loads(p.read_text(encoding="utf-8")) for p in notes]
