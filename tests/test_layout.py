"""The installed package claims one top-level name: ``sohoa``.

The folders ``ingest/ ocr/ storage/ workers/ api/ scanner_profiles/ register/ signing/
web/`` stay at the top of the repository (the layout shows the path of a page), and are
installed as ``sohoa.ingest``, ``sohoa.ocr``… through the links in ``sohoa/``: generic
names like ``api`` or ``storage`` in site-packages would collide with other software.
Code that imported a folder by its bare name would load a second copy of it here, so
no file may.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("ingest", "ocr", "storage", "workers", "api", "scanner_profiles", "register")
FOLDERS += ("signing", "web")
BARE_IMPORT = re.compile(rf"^\s*(from|import) ({'|'.join(FOLDERS)})\b", re.M)


def python_files() -> list[Path]:
    skip = {".venv", ".git", "node_modules"}
    found = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if skip & set(parts) or (parts[0] == "sohoa" and parts[1] in FOLDERS):
            continue
        found.append(path)
    return found


def test_every_folder_is_installed_under_the_sohoa_namespace() -> None:
    for folder in FOLDERS:
        link = ROOT / "sohoa" / folder
        assert link.is_symlink() and link.resolve() == ROOT / folder, folder


def test_only_sohoa_is_a_top_level_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert project["tool"]["setuptools"]["packages"]["find"]["include"] == ["sohoa*"]


def test_no_code_imports_a_folder_by_its_bare_name() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}: {match.group(0).strip()}"
        for path in python_files()
        for match in BARE_IMPORT.finditer(path.read_text("utf-8"))
    ]
    assert offenders == []
