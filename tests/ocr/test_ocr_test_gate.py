"""The OCR's test seam (SOHOA_TEST_OCR_GATE) that the deployment tests hold workers with.

With the variable set, a page waits at the gate, inside the OCR, until the test
releases it; without it nothing is written and nothing waits.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sohoa.ocr import tesseract
from tests import images

DEADLINE_S = 120.0


def read(work: Path) -> tesseract.Recognition:
    page = images.numbered_page(1).image.convert("L")
    return tesseract.recognise(
        page, work / "out", dpi=200, languages="vie", tessdata_dir=None, timeout=60
    )


def test_a_page_waits_inside_the_ocr_until_the_gate_is_released(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    monkeypatch.setenv("SOHOA_TEST_OCR_GATE", str(gate))
    inside = gate / f"{os.getpid()}.inside"
    results: list[tesseract.Recognition] = []
    worker = threading.Thread(target=lambda: results.append(read(tmp_path)))
    worker.start()

    watcher = threading.Event()
    while not inside.exists():  # the page says it is inside the OCR ...
        assert worker.is_alive(), "the page finished without stopping at the gate"
        watcher.wait(0.05)
    assert results == []  # ... and cannot leave it before the release
    (gate / "release").touch()
    worker.join(DEADLINE_S)

    assert not worker.is_alive()
    assert "7001" in results[0].text


def test_without_the_variable_there_is_no_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOHOA_TEST_OCR_GATE", raising=False)
    before = set(tmp_path.iterdir())

    found = read(tmp_path)

    assert "7001" in found.text
    assert {p.name for p in set(tmp_path.iterdir()) - before} == {"out.pdf"}  # pixels in memory
