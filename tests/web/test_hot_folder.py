"""The counter scanner's hot folder on the counter page.

The hot-folder file `sohoa watch` reads (SOHOA_WATCH_CONFIG) names each counter folder's
unit; the counter page lists the scans waiting in the folders of the clerk's unit (name,
size, time, state) and files the one the clerk picks under the code they typed, through
the same submitter as an upload. Another unit's folder is never shown nor opened, and a
file name that is markup is shown as text.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from sohoa.ingest.claim import claim, hand_over
from sohoa.ingest.folder_config import FolderConfigError, parse_watch_config
from sohoa.ingest.quarantine import Quarantine
from sohoa.storage.accounts import Role, User
from sohoa.storage.catalog import Catalog
from sohoa.storage.jobs import JobRecord, JobStatus
from sohoa.web import hot_folders
from sohoa.web.hot_folders import CounterFolder, NotPickable
from tests.hot_folder_helpers import wait_for
from tests.web.conftest import (
    CLERK,
    HOSTILE_NAME,
    HOT_FILES,
    OTHER_CLERK,
    OTHER_UNIT,
    UNIT,
    Served,
    browser_login,
    csrf_of,
    hot_folder_paths,
    screenshot,
    signed_in,
)
from tests.web.test_counter import LIVE_MS, code, low_dpi_scan, wait_state

PARENT = "000.00.00.H56"


def user(unit: str, role: Role = "clerk") -> User:
    now = datetime.now(UTC)
    return User(1, "nv", "", role, unit, True, now, now, now)


def write_config(tmp_path: Path, body: str) -> Path:
    config = tmp_path / "hot-folders.yaml"
    config.write_text(body, "utf-8")
    return config


# -- the configuration and the rules, without a server ------------------------------------------


def test_a_folder_names_the_unit_whose_counter_it_serves(tmp_path: Path) -> None:
    for name in ("quay-1", "quay-2", "kho"):
        (tmp_path / name).mkdir()
    config = write_config(
        tmp_path,
        "folders:\n"
        f"  - {{path: quay-1, unit: ' {UNIT.lower()} ', counter: Quầy 1, watch: false}}\n"
        f"  - {{path: quay-2, unit: {OTHER_UNIT}}}\n"
        "  - {path: kho}\n",  # the watcher's own folder: on no counter
    )
    folders = hot_folders.counter_folders(config)
    assert [(f.id, f.config.unit, f.label) for f in folders] == [
        (0, UNIT, "Quầy 1"),
        (1, OTHER_UNIT, "quay-2"),
    ]
    assert folders[0].config.watch is False and folders[1].config.watch is True
    below = {UNIT: {UNIT}, OTHER_UNIT: {OTHER_UNIT}, PARENT: {PARENT, UNIT, OTHER_UNIT}}
    assert [f.id for f in hot_folders.folders_of(folders, user(UNIT), below.__getitem__)] == [0]
    assert [f.id for f in hot_folders.folders_of(folders, user(PARENT), below.__getitem__)] == [
        0,
        1,
    ]
    assert hot_folders.counter_folders(None) == []
    broken = write_config(tmp_path, "folders: [{path: quay-1, unit: ''}]\n")
    assert hot_folders.counter_folders(broken) == []  # listed as none, the page still opens
    with pytest.raises(FolderConfigError, match="unit"):
        parse_watch_config({"folders": [{"path": "x", "unit": "  "}]})


def test_waiting_files_are_listed_with_their_state_and_taken_once(tmp_path: Path) -> None:
    folder = CounterFolder(0, parse_watch_config({"folders": [{"path": tmp_path}]}).folders[0])
    now = time.time()
    for name, age in (("cu.pdf", 60.0), ("moi.pdf", 0.5), ("dang-ghi.pdf.part", 60.0)):
        (tmp_path / name).write_bytes(b"%PDF-1.7 " + name.encode())
        os.utime(tmp_path / name, (now - age, now - age))
    (tmp_path / "done").mkdir()
    outside = tmp_path.parent / f"{tmp_path.name}-ngoai.pdf"
    outside.write_bytes(b"%PDF-1.7 secret")
    (tmp_path / "lien-ket.pdf").symlink_to(outside)

    listed = hot_folders.waiting_files(folder, settle_seconds=2.0, now=now)
    assert [(f.name, f.state) for f in listed] == [("moi.pdf", "arriving"), ("cu.pdf", "ready")]
    assert listed[1].pick == "0/cu.pdf" and listed[1].size == len(b"%PDF-1.7 cu.pdf")

    taken = hot_folders.take(folder, "cu.pdf")
    assert taken.original_name == "cu.pdf" and not (tmp_path / "cu.pdf").exists()
    states = {f.name: f.state for f in hot_folders.waiting_files(folder, 2.0, now)}
    assert states == {"moi.pdf": "arriving", "cu.pdf": "taken"}
    with pytest.raises(NotPickable):  # a second clerk (or a watcher) cannot take it again
        hot_folders.take(folder, "cu.pdf")
    for name in ("lien-ket.pdf", "../" + outside.name, "done", "dang-ghi.pdf.part"):
        with pytest.raises(NotPickable):  # only the folder's own scans, compared by name
            hot_folders.take(folder, name)
    hot_folders.give_back(taken, folder)
    assert (tmp_path / "cu.pdf").exists()
    assert claim(tmp_path / "cu.pdf", folder.config.processing_dir) is not None


def test_a_file_a_stopped_server_left_half_taken_is_offered_again(tmp_path: Path) -> None:
    config = {"folders": [{"path": tmp_path, "unit": UNIT, "watch": False}]}
    folder = CounterFolder(0, parse_watch_config(config).folders[0])
    (tmp_path / "quet.pdf").write_bytes(b"%PDF-1.7 quet")
    os.utime(tmp_path / "quet.pdf", (time.time() - 60, time.time() - 60))
    held = hot_folders.take(folder, "quet.pdf")
    listed = hot_folders.waiting_files(folder, 2.0, time.time())
    assert [(f.name, f.state) for f in listed] == [("quet.pdf", "taken")]  # its lock is held
    held.release()  # the server stopped before handing it over: nobody holds it any more
    listed = hot_folders.waiting_files(folder, 2.0, time.time())
    assert [(f.name, f.state) for f in listed] == [("quet.pdf", "ready")]
    assert (tmp_path / "quet.pdf").read_bytes() == b"%PDF-1.7 quet"


def job_row(job_id: str, status: JobStatus, **failure: str) -> JobRecord:
    """The job book's row as settling reads it (only the id, status and failure matter)."""
    now = datetime.now(UTC)
    return JobRecord(
        job_id, 1, code(1), "intake", "x.jpg", "0" * 64, "", None, {}, status, 1, 0,
        failure.get("error"), 1, 1, now, now, None, failure.get("kind"), failure.get("vi"),
    )  # fmt: skip


def test_a_picked_scan_leaves_processing_only_once_its_job_has_ended(tmp_path: Path) -> None:
    folder_path = tmp_path / "quay"
    folder_path.mkdir()
    config = {"folders": [{"path": folder_path, "unit": UNIT, "watch": False}]}
    folder = CounterFolder(0, parse_watch_config(config).folders[0])
    quarantine = Quarantine(tmp_path / "quarantine")
    jobs: dict[str, JobRecord] = {}
    for name in ("luu.jpg", "mo.jpg", "150dpi.jpg", "mat.jpg"):
        (folder_path / name).write_bytes(name.encode())
        os.utime(folder_path / name, (time.time() - 60, time.time() - 60))
        held = hot_folders.take(folder, name)
        hand_over(held, f"job-{name}")
        held.release()  # the request ends; the job goes on (or the server stops)
    jobs["job-luu.jpg"] = job_row("job-luu.jpg", "processing")
    jobs["job-mo.jpg"] = job_row("job-mo.jpg", "queued")
    jobs["job-150dpi.jpg"] = job_row("job-150dpi.jpg", "processing")

    def states() -> dict[str, str]:
        hot_folders.settle(folder, jobs.get, quarantine)
        return {f.name: f.state for f in hot_folders.waiting_files(folder, 2.0, time.time())}

    # Nobody holds their locks, yet the files of jobs under way stay where they are: a
    # restarted server neither offers them again nor takes them up as left-overs.
    # The job book never heard of mat.jpg's job: it is offered again.
    taken = {"luu.jpg": "taken", "mo.jpg": "taken", "150dpi.jpg": "taken"}
    assert states() == {**taken, "mat.jpg": "ready"}
    assert (folder_path / "mat.jpg").read_bytes() == b"mat.jpg"
    assert not (folder_path / "done").exists() and quarantine.entries() == []

    jobs["job-luu.jpg"] = job_row("job-luu.jpg", "done")  # stored and verified
    jobs["job-150dpi.jpg"] = job_row(
        "job-150dpi.jpg",
        "failed",
        kind="low_resolution",
        vi="Độ phân giải quá thấp (150 dpi), cần tối thiểu 200 dpi",
        error="Resolution too low (150 dpi), at least 200 dpi needed",
    )
    assert states() == {"mo.jpg": "taken", "mat.jpg": "ready"}
    assert (folder_path / "done" / "luu.jpg").read_bytes() == b"luu.jpg"
    [entry] = quarantine.entries()
    assert entry.path.read_bytes() == b"150dpi.jpg"
    assert entry.origin.original_name == "150dpi.jpg" and entry.why.reason == "low_resolution"
    assert "150 dpi" in entry.why.message_vi and "150 dpi" in entry.why.message_en
    note = entry.path.with_name(entry.name + ".why.txt").read_text("utf-8")
    assert "Độ phân giải quá thấp" in note and "sohoa quarantine retry" in note
    [waiting] = folder.config.processing_dir.glob("*--mo.jpg")  # with its job note only
    note_name = f".{waiting.name.partition('--')[0]}.job"
    assert sorted(p.name for p in folder.config.processing_dir.iterdir()) == sorted(
        [waiting.name, note_name]
    )


def test_sohoa_watch_leaves_the_counters_folders_alone(tmp_path: Path, sohoa: Any) -> None:
    (tmp_path / "quay-1").mkdir()
    (tmp_path / "quay-1" / "quet.jpg").write_bytes(b"\xff\xd8\xff not read")
    config = write_config(tmp_path, f"folders:\n  - {{path: quay-1, unit: {UNIT}, watch: false}}\n")
    result = sohoa("watch", "--once", env={"SOHOA_WATCH_CONFIG": str(config)})
    assert result.exit_code == 2, result.output
    assert "watch: false" in result.output
    assert (tmp_path / "quay-1" / "quet.jpg").exists()


# -- the counter page, in a real sohoa serve ----------------------------------------------------


def test_another_units_clerk_can_neither_see_nor_pick_the_folder(served: Served) -> None:
    mine = hot_folder_paths(served.home)[UNIT]
    with signed_in(served, OTHER_CLERK) as other:
        page = other.get("/counter").text
        assert "quay-2.jpg" in page
        assert "quet-0001.jpg" not in page and "onerror" not in page
        answer = other.post(
            "/counter/hot-folder",
            data={
                "csrf_token": csrf_of(page),
                "code": "000.00.21.H56-240101-0001",
                "kind": "intake",
                "sheets": "1",
                "hot": "0/quet-0002.jpg",  # folder 0 is the other unit's
            },
        )
        assert answer.status_code == 403
    assert (mine / "quet-0002.jpg").exists()


def test_the_server_settles_a_pick_left_in_processing_with_no_counter_open(
    served: Served,
) -> None:
    """A stopped server left a scan handed to a job its book never heard of (the server
    was stopped between the pick and the submission): the running server gives it back
    by itself, with no clerk looking at the counter."""
    other = hot_folder_paths(served.home)[OTHER_UNIT]
    config = {"folders": [{"path": other, "unit": OTHER_UNIT, "watch": False}]}
    folder = CounterFolder(0, parse_watch_config(config).folders[0])
    held = hot_folders.take(folder, "quay-2.jpg")
    hand_over(held, "job-never-submitted")
    held.release()
    assert not (other / "quay-2.jpg").exists()

    wait_for(lambda: (other / "quay-2.jpg").exists(), "the server to give the pick back")
    assert not list(folder.config.processing_dir.glob("*quay-2.jpg"))


@pytest.mark.browser
def test_the_clerk_files_a_scan_from_the_counter_scanner(served: Served, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/counter")
    rows = page.locator("#hot-files tbody tr")
    names = rows.locator(".file-name").all_inner_texts()
    waiting = [n for n in HOT_FILES[UNIT] if (hot_folder_paths(served.home)[UNIT] / n).exists()]
    assert sorted(n.split(" · ")[0] for n in names) == sorted(waiting)
    assert all("quay-2.jpg" not in n for n in names)  # another unit's counter
    hostile = rows.filter(has_text="onerror")
    assert hostile.locator(".file-name").inner_text().startswith(HOSTILE_NAME)
    assert page.locator("img[src=x]").count() == 0
    chosen = rows.filter(has_text="quet-0001.jpg")
    assert chosen.locator(".badge").inner_text() == "Sẵn sàng"
    assert "KB" in chosen.locator(".size").inner_text()

    page.fill("#code", code(401))
    page.fill("#sheets", "1")
    page.uncheck("input[name=duplex]")
    screenshot(page, "counter-hot-folder")
    chosen.locator("button").click()
    page.wait_for_url("**/counter?jobs=*")
    job = page.locator("#jobs tbody tr").first
    assert job.locator(".file-name").inner_text() == "quet-0001.jpg"
    wait_state(page, "stored")
    assert job.locator(".job-doc a").inner_text() == f"{code(401)}.1"
    page.locator("#recon-ok").wait_for(timeout=LIVE_MS)
    # Stored: only now does the source leave .processing/ for done/, and the list (live,
    # no reload) no longer shows it.
    expect(page.locator("#hot-folder")).not_to_contain_text("quet-0001.jpg", timeout=LIVE_MS)
    folder = hot_folder_paths(served.home)[UNIT]
    assert not (folder / "quet-0001.jpg").exists() and (folder / "done" / "quet-0001.jpg").exists()
    assert list(folder.joinpath(".processing").iterdir()) == []
    with Catalog.open(f"sqlite:///{served.home / 'catalog.sqlite3'}") as catalog:
        stored = [d for d in catalog.documents(code(401)) if d.status == "stored"]
    assert [d.source_name for d in stored] == ["quet-0001.jpg"]
    assert dialogs == []


@pytest.mark.browser
def test_a_rejected_pick_ends_in_quarantine_with_its_reason(served: Served, page: Any) -> None:
    """A 150-dpi scan lands while the counter is open: it shows up without a reload, is
    picked with the keyboard, rejected with the reason in Vietnamese, and its bytes wait
    in the quarantine with the reason (never lost with the inbox copy)."""
    browser_login(page, served, CLERK)
    page.wait_for_url(f"{served.url}/")
    page.goto(f"{served.url}/counter")
    expect(page.locator("#hot-folder")).to_have_attribute("data-live", "on", timeout=LIVE_MS)
    folder = hot_folder_paths(served.home)[UNIT]
    scan = low_dpi_scan()
    (folder / "150dpi.jpg").write_bytes(scan)
    settled = time.time() - 600  # written long ago: ready at once
    os.utime(folder / "150dpi.jpg", (settled, settled))
    row = page.locator("#hot-files tbody tr", has_text="150dpi.jpg")
    expect(row.locator(".badge")).to_have_text("Sẵn sàng", timeout=LIVE_MS)  # live, no reload

    page.fill("#code", code(402))
    page.fill("#sheets", "1")
    row.locator("button").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/counter?jobs=*")
    wait_state(page, "rejected")
    message = page.locator("#jobs tbody tr .message").first.inner_text()
    assert "150" in message and "dpi" in message
    expect(page.locator("#hot-folder")).not_to_contain_text("150dpi.jpg", timeout=LIVE_MS)
    assert not (folder / "150dpi.jpg").exists() and not (folder / "done" / "150dpi.jpg").exists()
    [entry] = [
        e for e in Quarantine(served.home / "quarantine").entries()
        if e.origin.original_name == "150dpi.jpg"
    ]  # fmt: skip
    assert entry.path.read_bytes() == scan and entry.origin.folder == str(folder)
    assert entry.why.reason == "low_resolution" and "150" in entry.why.message_vi
    assert list(folder.joinpath(".processing").iterdir()) == []
