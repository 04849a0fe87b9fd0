"""Backlog runs of the archive page as a stopped server leaves them, and the allowed folders.

No server, no browser: the run directory a crash leaves behind (run.json still saying
'running', the report written up to the last part) is read back as an interrupted run
with its parts; folders are checked against SOHOA_ARCHIVE_ROOTS with links resolved.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sohoa.ingest.batch_report import ReportRow, write_report
from sohoa.settings import Settings
from sohoa.storage.accounts import User
from sohoa.web.archive_roots import (
    ArchiveRoot,
    FolderRefused,
    checked_folder,
    parse_roots,
    usable_roots,
)
from sohoa.web.archive_runs import PREFIX, RUN_FILE, BatchRunner


def test_a_run_a_stopped_server_left_is_shown_interrupted_with_its_parts(tmp_path: Path) -> None:
    directory = tmp_path / "reports" / f"{PREFIX}20260101-090000-abcdef"
    stored = ReportRow("/kho/lo.pdf", "part", "stored", "2-4", "000.00.20.H56-240101-0001")
    write_report([stored], directory)
    run = {
        "id": "20260101-090000-abcdef",
        "folder": "/kho",
        "kind": "intake",
        "started_by": "luutru",
        "started_at": "2026-01-01T09:00:00+07:00",
        "state": "running",
        "total_pages": 10,
        "done_pages": 4,
    }
    (directory / RUN_FILE).write_text(json.dumps(run), "utf-8")
    runner = BatchRunner(Settings(home=tmp_path))
    [found] = runner.runs()
    assert found.state == "interrupted" and not found.running
    assert (found.done_pages, found.total_pages) == (4, 10)
    assert found.rows == [stored]
    assert found.progress()["eta_seconds"] is None


def test_roots_are_bound_to_units_and_folders_must_lie_inside_them(tmp_path: Path) -> None:
    mine, theirs, outside = tmp_path / "h56", tmp_path / "h57", tmp_path / "ngoai"
    for folder in (mine / "lo-1", theirs, outside):
        folder.mkdir(parents=True)
    (mine / "ra-ngoai").symlink_to(outside, target_is_directory=True)
    roots = parse_roots(f"000.00.20.H56={mine}, 000.00.21.H56={theirs}, relative/ignored")
    assert roots == [ArchiveRoot(mine, "000.00.20.H56"), ArchiveRoot(theirs, "000.00.21.H56")]
    now = datetime.now(UTC)
    archivist = User(1, "luutru", "luutru", "archivist", "000.00.20.H56", True, now, now, now)
    usable = usable_roots(roots, archivist, lambda unit: {unit})
    assert usable == [ArchiveRoot(mine, "000.00.20.H56")]
    assert checked_folder(str(mine / "lo-1"), usable) == mine / "lo-1"
    for refused in (theirs, mine / "ra-ngoai", mine / ".." / "ngoai", Path("/etc")):
        with pytest.raises(FolderRefused, match="outside the archive folders"):
            checked_folder(str(refused), usable)
    with pytest.raises(FolderRefused, match="no folder"):
        checked_folder(str(mine / "khong-co"), usable)
