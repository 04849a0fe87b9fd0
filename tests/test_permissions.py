"""Nobody else reads it: what sohoa writes is owner-only (0600/0700), or group-readable
(0640/0750) with SOHOA_SHARED_GROUP=true, never readable by other accounts.

The `sohoa` runs are real subprocesses started under the usual umask 022, the one
that made everything world-readable before; the library test also runs under 022,
because code that uses sohoa as a library does not go through the CLI's umask.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sohoa.api.uploads import land
from sohoa.ingest.batch_report import write_report
from sohoa.ingest.quarantine import Origin, Quarantine
from sohoa.ingest.quarantine_reasons import why_failed
from sohoa.storage import permissions
from sohoa.storage.catalog import Catalog
from sohoa.storage.local_store import LocalStore
from tests.hot_folder_helpers import CODE, SOHOA, scan_pdf, watch_env


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def modes_under(root: Path) -> dict[str, int]:
    """Mode of ``root`` and of everything below it, by relative path."""
    found = {".": mode(root)}
    found.update({str(p.relative_to(root)): mode(p) for p in root.rglob("*")})
    return found


def assert_modes(root: Path, file_mode: int, dir_mode: int) -> None:
    for name, actual in modes_under(root).items():
        expected = dir_mode if (root / name).is_dir() else file_mode
        assert actual == expected, f"{root / name}: {actual:o}, expected {expected:o}"


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """Umask 022 (files 0644 by default) and owner-only modes, restored afterwards."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        permissions.configure(False)
        os.umask(before)


def write_everything(base: Path, source: Path) -> None:
    """Create every kind of thing sohoa keeps, through the library, under ``base``."""
    data = source.read_bytes()
    LocalStore(base / "objects").put_file(
        "dossiers/x/intake/x.1.pdf", source, hashlib.sha256(data).hexdigest()
    )
    with Catalog.open(f"sqlite:///{base / 'db' / 'catalog.sqlite3'}"):  # creates its tables
        held = sorted(p.name for p in (base / "db").iterdir())
        assert "catalog.sqlite3-wal" in held and "catalog.sqlite3-shm" in held, held
        assert_modes(base / "db", permissions.file_mode(), permissions.dir_mode())
    origin = Origin("quay-1", "scan.pdf", "intake", None, ("qr",))
    Quarantine(base / "quarantine").copy_in(source, why_failed("x", "x", "x"), origin)
    land(io.BytesIO(data), base / "inbox")
    write_report([], base / "reports" / "batch-1")


@pytest.mark.usefixtures("permissive_umask")
def test_library_use_is_owner_only_even_under_umask_022(tmp_path: Path) -> None:
    source = scan_pdf(tmp_path / "scan.pdf")
    base = tmp_path / "nested" / "home"
    write_everything(base, source)
    for part in ("objects", "db", "quarantine", "inbox", "reports"):
        assert_modes(base / part, 0o600, 0o700)
    assert mode(tmp_path / "nested") == 0o700  # parents sohoa made, too


@pytest.mark.usefixtures("permissive_umask")
def test_a_shared_group_reads_but_others_do_not(tmp_path: Path) -> None:
    permissions.configure(True)
    source = scan_pdf(tmp_path / "scan.pdf")
    write_everything(tmp_path / "home", source)
    for part in ("objects", "db", "quarantine", "inbox", "reports"):
        assert_modes(tmp_path / "home" / part, 0o640, 0o750)


def batch_in_a_subprocess(tmp_path: Path, shared_group: str | None) -> Path:
    """`sohoa batch` of one good scan and one corrupt file, started under umask 022."""
    folder = tmp_path / "backlog"
    folder.mkdir()
    scan_pdf(folder / "scan.pdf")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    home = tmp_path / "home"
    extra = {"SOHOA_SHARED_GROUP": shared_group} if shared_group else {}
    subprocess.run(
        [str(SOHOA), "batch", str(folder), "--case", CODE],
        env=watch_env(home, extra),
        preexec_fn=lambda: os.umask(0o022),
        capture_output=True,
        check=False,
        timeout=600,
    )
    assert (home / "quarantine").is_dir() and (home / "objects").is_dir()
    assert (home / "reports").is_dir() and (home / "catalog.sqlite3").is_file()
    return home


def test_sohoa_batch_writes_objects_catalog_quarantine_and_report_owner_only(
    tmp_path: Path,
) -> None:
    home = batch_in_a_subprocess(tmp_path, None)
    assert_modes(home, 0o600, 0o700)


def test_sohoa_shared_group_true_gives_the_group_read_access(tmp_path: Path) -> None:
    home = batch_in_a_subprocess(tmp_path, "true")
    assert_modes(home, 0o640, 0o750)
