"""`sohoa revise`, `sohoa versions` and `sohoa thumbnails --missing` at the counter's terminal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.conftest import Sohoa, stored_files
from tests.images import blank_back, numbered_page, save_jpeg_pdf
from tests.revise.conftest import CODE, one_page_scan


def test_revise_then_versions_lists_both_and_refuses_a_second_operation(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    images = [numbered_page(1).image, blank_back(), numbered_page(2).image]
    scan = save_jpeg_pdf(images, tmp_path / "ho-so.pdf")
    assert sohoa("process", scan, "--case", CODE).exit_code == 0

    turned = sohoa("revise", CODE, "1", "--rotate", "2:90")
    assert turned.exit_code == 0, turned.output
    replaced = sohoa("revise", CODE, "1", "--replace", "1", one_page_scan(tmp_path / "m.pdf", 4))
    assert replaced.exit_code == 0, replaced.output

    listed = json.loads(sohoa("versions", CODE, "1", "--json").stdout)
    assert [v["version"] for v in listed["versions"]] == [1, 2, 3]
    assert [v["current"] for v in listed["versions"]] == [False, False, True]
    assert listed["versions"][1]["change"] == {"op": "rotate", "page": 2, "degrees": 90}
    assert listed["versions"][2]["change"] == {"op": "replace", "page": 1}

    both = sohoa("revise", CODE, "1", "--rotate", "1:90", "--restore-dropped", "2")
    assert both.exit_code == 2 and "exactly one" in both.output


def test_thumbnails_missing_makes_them_for_older_documents(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    scan = save_jpeg_pdf([numbered_page(1).image], tmp_path / "cu.pdf")
    assert sohoa("process", scan, "--case", CODE).exit_code == 0
    with sqlite3.connect(sohoa_home / "catalog.sqlite3") as db:  # as before thumbnails existed
        db.execute("UPDATE documents SET thumbs_key = NULL")
    for path in stored_files(sohoa_home):
        if ".thumbs" in str(path):
            path.unlink()

    made = sohoa("thumbnails", "--missing")
    assert made.exit_code == 0, made.output
    assert "for 1 documents" in made.output
    assert any(p.name == "1.jpg" and ".thumbs" in str(p) for p in stored_files(sohoa_home))
    again = sohoa("thumbnails", "--missing")
    assert "for 0 documents" in again.output
