"""Links that leave the folder: `batch` and `watch` refuse them and never read or copy their
target (before, a link in a backlog tree copied a private file into the quarantine).

Real symbolic links, real `sohoa` processes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from sohoa.exit_codes import ExitCode
from tests.hot_folder_helpers import CODE, SOHOA, documents, scan_pdf, watch_env


def sohoa_run(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SOHOA), *map(str, args)],
        env=watch_env(home),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def private_scan(tmp_path: Path) -> Path:
    """Someone else's 0600 file elsewhere on the server (named with a code, so it would file)."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    secret = scan_pdf(elsewhere / f"{CODE}.pdf", number=7)
    secret.chmod(0o600)
    return secret


def everything_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_batch_refuses_a_link_leaving_the_tree_and_files_the_rest(tmp_path: Path) -> None:
    secret = private_scan(tmp_path)
    backlog = tmp_path / "backlog" / "box-1"
    backlog.mkdir(parents=True)
    scan_pdf(backlog / "scan.pdf")
    (backlog / "looks-like-a-scan.pdf").symlink_to(secret)
    home = tmp_path / "home"

    run = sohoa_run(home, "batch", tmp_path / "backlog", "--case", CODE, "--report", tmp_path / "r")

    assert run.returncode == ExitCode.BAD_INPUT, run.stderr
    assert "Traceback" not in run.stderr
    assert "looks-like-a-scan.pdf" in run.stderr and "symlink_outside" in run.stderr
    rows = json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))["rows"]
    (refused,) = [r for r in rows if r["status"] == "error"]
    assert refused["source"].endswith("looks-like-a-scan.pdf") and not refused["quarantine"]
    assert "symbolic link pointing outside" in refused["error_en"]
    assert "liên kết" in refused["error_vi"]
    assert str(secret) not in refused["error_en"]  # the target is not disclosed
    assert len(documents(home)) == 1  # scan.pdf only
    assert everything_under(home / "quarantine") == []  # no copy of the private file


def test_batch_follows_a_link_that_stays_inside_the_tree(tmp_path: Path) -> None:
    backlog = tmp_path / "backlog"
    (backlog / "a").mkdir(parents=True)
    scan_pdf(backlog / "a" / "scan.pdf")
    (backlog / "link-to-a.pdf").symlink_to(backlog / "a" / "scan.pdf")
    run = sohoa_run(tmp_path / "home", "batch", backlog, "--case", CODE)
    assert run.returncode == 0, run.stderr
    assert "1 stored, 1 duplicates, 0 errors" in run.stdout


def test_watch_refuses_a_link_leaving_the_hot_folder_and_leaves_it_in_place(
    tmp_path: Path,
) -> None:
    secret = private_scan(tmp_path)
    hot = tmp_path / "quay-1"
    hot.mkdir()
    link = hot / f"{CODE}.pdf"
    link.symlink_to(secret)
    scan_pdf(hot / f"{CODE}-2.pdf", number=2)
    home = tmp_path / "home"

    run = sohoa_run(home, "watch", hot, "--once", "--settle", "0.3")

    assert run.returncode == 0, run.stderr
    assert f"Refused: {CODE}.pdf" in run.stdout and "symlink_outside" in run.stdout
    assert link.is_symlink() and secret.is_file()  # nothing moved, nothing lost
    assert [d["source_name"] for d in documents(home)] == [f"{CODE}-2.pdf"]
    assert everything_under(home / "quarantine") == []
