"""One lifecycle: the same inputs through every entrance give the same outcome, field by field.

Good, the same file twice, below 200 dpi, corrupt, encrypted and a wrong dossier code go
through `process`, `watch --once`, `batch`, `quarantine retry`, `scan` (a fake scanimage that
hands back the input as the page it scanned) and an API upload, each with a fresh SOHOA_HOME.
A scanner cannot hand back an encrypted PDF; a damaged page from it is refused before the
lifecycle (nothing reached the catalog), so `scan` is compared on the others. Compared: the
document row (status, error kind, Vietnamese and English message), the duplicate answer, the
exit code or HTTP status and the messages the clerk sees.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sohoa.exit_codes import ExitCode
from sohoa.storage.catalog import Catalog
from tests import images
from tests.api.conftest import Api, api_settings, running
from tests.conftest import cli
from tests.hot_folder_helpers import CODE, quarantine_notes
from tests.test_bad_input import encrypted_pdf, truncated_jpeg

WRONG_CODE = "000.00.20.H56-240231-0001"  # 31 February
FAST = ("--settle", "0.3")


def good(d: Path) -> Path:
    return images.save_png(images.text_page().image, d / "don.png")


def low_resolution(d: Path) -> Path:
    small = images.text_page().image.resize((874, 1240))  # A5 at 150 dpi
    return images.save_jpeg(small, d / "150dpi.jpg", dpi=150)


#: Inputs in the order they are submitted; "duplicate" is the good file once more.
INPUTS: dict[str, Callable[[Path], Path]] = {
    "good": good,
    "duplicate": good,
    "low_resolution": low_resolution,
    "corrupt": truncated_jpeg,
    "encrypted": encrypted_pdf,
}
REJECTED = {"low_resolution": "low_resolution", "corrupt": "corrupt", "encrypted": "encrypted"}


@dataclass(frozen=True)
class Row:
    status: str
    error_kind: str | None
    error_vi: str | None
    error: str | None


@dataclass(frozen=True)
class Seen:
    """One input's outcome at one entrance."""

    row: Row | None
    #: What the clerk was told (Vietnamese, English), None when stored.
    told: tuple[str, str] | None = None
    duplicate: bool | None = None
    #: Exit code (CLI) or the job's error code / HTTP status (API).
    code: object = None


def rows(home: Path) -> dict[str, Row]:
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        return {
            r.source_name: Row(r.status, r.error_kind, r.error_vi, r.error)
            for r in catalog.documents(CODE)
        }


#: The dossier's rows by catalog id: (source name, row). Scans made within one second share
#: a name (scan-<time>.pdf), so they are told apart by id.
RowsById = Callable[[], dict[int, tuple[str, Row]]]


def rows_by_id(catalog: Catalog) -> dict[int, tuple[str, Row]]:
    return {
        r.id: (r.source_name, Row(r.status, r.error_kind, r.error_vi, r.error))
        for r in catalog.documents(CODE)
    }


def sources(tmp: Path) -> dict[str, Path]:
    folder = tmp / "inputs"
    folder.mkdir(parents=True)
    return {name: make(folder) for name, make in INPUTS.items()}


def through_process(tmp: Path) -> dict[str, Seen]:
    home, run = tmp / "home", cli(tmp / "home")
    seen = {}
    for name, path in sources(tmp).items():
        result = run("process", path, "--case", CODE, "--json", env={"SOHOA_LANG": "vi"})
        told = [line[len("Lỗi: ") :] for line in result.stderr.splitlines() if "Lỗi: " in line]
        row = rows(home).get(path.name)
        duplicate = '"duplicate": true' in result.stdout if result.exit_code == 0 else None
        seen[name] = Seen(row, _with_en(told, row), duplicate, int(result.exit_code or 0))
    return seen


def through_watch(tmp: Path) -> dict[str, Seen]:
    home, run = tmp / "home", cli(tmp / "home")
    hot = tmp / "hot"
    hot.mkdir()
    seen = {}
    for name, path in sources(tmp).items():
        shutil.copy(path, hot / path.name)
        result = run("watch", hot, "--once", "--case", CODE, *FAST)
        assert result.exit_code == 0, result.output
        notes = [n for n in quarantine_notes(home) if _original(n) == path.name]
        told = _told(notes[-1]["why"]) if notes else None
        duplicate = "Already stored" in result.stdout if not notes else None
        seen[name] = Seen(rows(home).get(path.name), told, duplicate)
        for note in (home / "quarantine").glob("*"):  # one at a time: the next input alone
            note.unlink()
    return seen


def through_batch(tmp: Path) -> dict[str, Seen]:
    home, run = tmp / "home", cli(tmp / "home")
    seen = {}
    for name, path in sources(tmp).items():
        report = tmp / f"report-{name}"
        result = run("batch", path, "--case", CODE, "--report", report)
        row = rows(home).get(path.name)
        duplicate = "Already stored" in result.stdout if row and row.status == "stored" else None
        told = (row.error_vi or "", row.error or "") if row and row.status != "stored" else None
        seen[name] = Seen(row, told, duplicate)
    return seen


def through_quarantine_retry(tmp: Path) -> dict[str, Seen]:
    """Dropped without a code (quarantined: no_code), then retried with the clerk's code."""
    home, run = tmp / "home", cli(tmp / "home")
    hot = tmp / "hot"
    hot.mkdir()
    seen = {}
    for name, path in sources(tmp).items():
        shutil.copy(path, hot / path.name)
        assert run("watch", hot, "--once", *FAST).exit_code == 0
        (note,) = [n for n in quarantine_notes(home) if _original(n) == path.name]
        result = run("quarantine", "retry", str(note["file"]), "--case", CODE)
        after = [n for n in quarantine_notes(home) if _original(n) == path.name]
        told = _told(after[-1]["why"]) if after else None
        duplicate = "Already stored" in result.stdout if not after else None
        seen[name] = Seen(rows(home).get(path.name), told, duplicate)
        for left in (home / "quarantine").glob("*"):
            left.unlink()
    return seen


def fake_scanimage(folder: Path) -> Path:
    """A `scanimage` that lists one device, offers no options and "scans" the file named by
    FAKE_SCANIMAGE_PAGE (a TIFF) as the batch's only page."""
    program = folder / "scanimage"
    program.write_text(
        f"#!{sys.executable}\n"
        "import os, shutil, sys\n"
        "args = sys.argv[1:]\n"
        "if '-L' in args:\n"
        "    print('fake:counter\\tsohoa fake scanner')\n"
        "elif '-A' not in args:\n"
        "    batch = next(a for a in args if a.startswith('--batch='))[len('--batch='):]\n"
        "    shutil.copy(os.environ['FAKE_SCANIMAGE_PAGE'], batch % 1)\n"
    )
    program.chmod(0o755)
    return program


#: What the fake scanner hands back for each input: the same pixels and resolution as a TIFF
#: page, or (corrupt) a page cut short in transfer.
def scanned_pages(tmp: Path) -> dict[str, Path]:
    folder = tmp / "pages"
    folder.mkdir()
    made = sources(tmp)
    pages = {}
    for name in ("good", "duplicate", "low_resolution"):
        with Image.open(made[name]) as image:
            dpi = image.info.get("dpi", (300, 300))
            pages[name] = folder / f"{name}.tif"
            image.save(pages[name], format="TIFF", dpi=dpi)
    whole = pages["good"].read_bytes()
    pages["corrupt"] = folder / "corrupt.tif"
    pages["corrupt"].write_bytes(whole[: len(whole) // 3])
    return pages


#: Runs `sohoa ARGS` with extra environment variables: (exit code, stdout, stderr).
Run = Callable[[list[str], dict[str, str]], tuple[int, str, str]]


def through_scan(tmp: Path) -> dict[str, Seen]:
    home, run = tmp / "home", cli(tmp / "home")

    def scan(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
        result = run(*args, env=env)
        return int(result.exit_code or 0), result.stdout, result.stderr

    def catalog_rows() -> dict[int, tuple[str, Row]]:
        if not (home / "catalog.sqlite3").exists():
            return {}
        with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
            return rows_by_id(catalog)

    return scan_each(tmp, scan, catalog_rows)


def scan_each(tmp: Path, run: Run, catalog_rows: RowsById) -> dict[str, Seen]:
    """`sohoa scan` of each input (Vietnamese). The scanned file's name (scan-<time>.pdf) is
    written as the input's own name in what is compared, so the words compare with `process`."""
    tmp.mkdir(parents=True, exist_ok=True)
    program = fake_scanimage(tmp)
    names = {name: path.name for name, path in sources(tmp / "names").items()}
    seen = {}
    for name, page in scanned_pages(tmp).items():
        before = catalog_rows()
        env = {
            "SOHOA_SCANIMAGE": str(program),
            "FAKE_SCANIMAGE_PAGE": str(page),
            "SOHOA_LANG": "vi",
        }
        code, stdout, stderr = run(
            ["scan", "--device", "fake:counter", "--case", CODE, "--json"], env
        )
        after = catalog_rows()
        new = [i for i in after if i not in before]
        if name == "duplicate":  # the same bytes again: the good scan's row answers
            new = list(before)
        scanned, row = after[new[0]] if len(new) == 1 else ("", None)
        told = [line[len("Lỗi: ") :] for line in stderr.splitlines() if "Lỗi: " in line]
        duplicate = json.loads(stdout)["documents"][0]["duplicate"] if code == 0 else None
        seen[name] = _renamed(Seen(row, _with_en(told, row), duplicate, code), scanned, names[name])
    return seen


def _renamed(seen: Seen, scanned: str, name: str) -> Seen:
    """``seen`` with the scanned file's name replaced by the input's own name."""
    if not scanned or seen.row is None:
        return seen

    def swap(text: str | None) -> str | None:
        return None if text is None else text.replace(scanned, name)

    row = Row(seen.row.status, seen.row.error_kind, swap(seen.row.error_vi), swap(seen.row.error))
    told = None if seen.told is None else (str(swap(seen.told[0])), str(swap(seen.told[1])))
    return Seen(row, told, seen.duplicate, seen.code)


def through_api(tmp: Path) -> dict[str, Seen]:
    home = tmp / "home"
    with running(api_settings(home)) as api:
        return upload_each(api, tmp, lambda: rows(home))


def upload_each(api: Api, tmp: Path, catalog_rows: Callable[[], dict[str, Row]]) -> dict[str, Seen]:
    """Each input uploaded and followed; a later `/jobs/{id}` gives the 202's answer again."""
    headers = api.auth()
    seen = {}
    for name, path in sources(tmp).items():
        answer = api.upload(path, headers)
        assert answer.status_code == 202, answer.text
        job = api.wait(answer.json()["id"], headers)
        if answer.json()["state"] == "done":  # answered at once (a duplicate)
            assert answer.json()["duplicate"] == job["duplicate"]
        error = job["error"]
        told = (error["message_vi"], error["message_en"]) if error else None
        seen[name] = Seen(
            catalog_rows().get(path.name),
            told,
            job["duplicate"] if job["state"] == "done" else None,
            error["code"] if error else None,
        )
    return seen


ENTRANCES: dict[str, Callable[[Path], dict[str, Seen]]] = {
    "process": through_process,
    "watch": through_watch,
    "batch": through_batch,
    "quarantine retry": through_quarantine_retry,
    "scan": through_scan,
    "api": through_api,
}
#: What an entrance cannot be given: a scanner hands back no encrypted PDF, and its damaged
#: page is refused before the lifecycle (see test_a_damaged_page_from_the_scanner_...).
CANNOT = {("scan", "encrypted"), ("scan", "corrupt")}


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Seen]]:
    return {
        entrance: run(tmp_path_factory.mktemp(entrance.replace(" ", "-")))
        for entrance, run in ENTRANCES.items()
    }


@pytest.mark.parametrize("entrance", ENTRANCES)
def test_good_is_stored_and_the_same_file_again_is_a_duplicate(
    outcomes: dict[str, dict[str, Seen]], entrance: str
) -> None:
    seen = outcomes[entrance]
    assert seen["good"].row == Row("stored", None, None, None)
    assert (seen["good"].duplicate, seen["duplicate"].duplicate) == (False, True)


@pytest.mark.parametrize(
    ("entrance", "name"),
    [(e, n) for e in ENTRANCES for n in REJECTED if (e, n) not in CANNOT],
)
def test_a_rejected_source_ends_rejected_with_the_same_reason_everywhere(
    outcomes: dict[str, dict[str, Seen]], entrance: str, name: str
) -> None:
    seen = outcomes[entrance][name]
    reference = outcomes["process"][name]
    assert seen.row is not None
    assert seen.row.status == "rejected"
    assert seen.row.error_kind == REJECTED[name]
    assert seen.row == reference.row  # the same kind and the same words, field by field
    assert seen.told == (seen.row.error_vi, seen.row.error)


def test_exit_codes_and_api_codes_come_from_the_kind(outcomes: dict[str, dict[str, Seen]]) -> None:
    process, api = outcomes["process"], outcomes["api"]
    assert [process[n].code for n in INPUTS] == [
        0,
        0,
        ExitCode.LOW_RESOLUTION,
        ExitCode.BAD_INPUT,
        ExitCode.BAD_INPUT,
    ]
    assert [api[n].code for n in INPUTS] == [None, None, *REJECTED.values()]
    scan = outcomes["scan"]
    assert [scan[n].code for n in ("good", "duplicate", "low_resolution")] == [
        0,
        0,
        ExitCode.LOW_RESOLUTION,
    ]


def test_a_damaged_page_from_the_scanner_is_refused_before_anything_is_recorded(
    outcomes: dict[str, dict[str, Seen]],
) -> None:
    damaged = outcomes["scan"]["corrupt"]
    assert damaged.row is None  # nothing reached the catalog: the clerk scans again
    assert damaged.told is None or "hãy quét lại" in damaged.told[0]
    assert damaged.code not in (0, None)


def test_a_wrong_dossier_code_is_refused_with_one_message(tmp_path: Path) -> None:
    path = good(tmp_path)
    run = cli(tmp_path / "home")
    refused = run("process", path, "--case", WRONG_CODE, env={"SOHOA_LANG": "vi"})
    assert refused.exit_code == ExitCode.USAGE
    (line,) = [line for line in refused.stderr.splitlines() if line.startswith("Lỗi: ")]
    with running(api_settings(tmp_path / "api-home")) as api:
        answer = api.upload(path, api.auth(), code=WRONG_CODE)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "invalid_dossier_code"
    assert line == f"Lỗi: {error['message_vi']}"
    scanner = {"SOHOA_SCANIMAGE": str(fake_scanimage(tmp_path)), "SOHOA_LANG": "vi"}
    scanned = run("scan", "--device", "fake:counter", "--case", WRONG_CODE, env=scanner)
    assert scanned.exit_code == ExitCode.USAGE
    assert [x for x in scanned.stderr.splitlines() if x.startswith("Lỗi: ")] == [line]
    hot = tmp_path / "hot"
    hot.mkdir()
    shutil.copy(path, hot / f"{WRONG_CODE}.png")  # the code read from the file name
    assert run("watch", hot, "--once", *FAST).exit_code == 0
    (note,) = quarantine_notes(tmp_path / "home")
    assert _why(note)["reason"] == error["code"]  # one name for one failure


def _original(note: dict[str, Any]) -> str:
    return str(note["origin"]["original_name"])


def _told(why: Any) -> tuple[str, str]:
    return (str(why["message_vi"]), str(why["message_en"]))


def _with_en(told_vi: list[str], row: Row | None) -> tuple[str, str] | None:
    """The CLI speaks one language per run (vi here); the English is the row's."""
    if not told_vi:
        return None
    return (told_vi[0], row.error or "" if row else "")


def _why(note: dict[str, object]) -> dict[str, Any]:
    why = note["why"]
    assert isinstance(why, dict)
    return why
