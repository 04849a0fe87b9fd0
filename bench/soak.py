"""Soak run (issue 8): many small scans into one hot folder watched by two `sohoa watch`,
while page workers are killed with SIGKILL and the embedded API takes uploads and is
restarted; then check that nothing was lost, overwritten or left pending.

    .venv/bin/python -m bench.soak --files 500            # the issue's figure
    .venv/bin/python -m bench.soak --files 100 --kill-every 30

What runs (all real processes on one SOHOA_HOME: SQLite catalog, local object store):

* N one-page scans, A6 at 200 dpi (a few words each, so OCR is quick), spread over a
  few dossiers, the code in the file name; a third are exact copies of another scan
  (same dossier, same bytes, another name): duplicates. They are dropped into the hot
  folder in batches, each written under a ``.part`` name and renamed;
* two ``sohoa watch --code-from filename --after delete`` on that folder (SOHOA_JOBS=2,
  so their pages run on child page workers);
* ``sohoa serve`` (embedded API, 2 digitising threads) receiving some of the scans
  (including duplicates of hot-folder files) as uploads; it is stopped with SIGTERM and
  started again twice while work is under way;
* every ``--kill-every`` seconds one page worker (a child of a watcher or of the API)
  gets SIGKILL.

It ends when the hot folder is empty (every file stored and deleted, or quarantined)
and every accepted upload's job has ended, then checks: every stored object's bytes
match the catalog's SHA-256, no row is pending, each distinct source is stored exactly
once or has its file quarantined with a reason, and prints the counts per outcome.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image, ImageDraw, ImageFont

SOHOA = Path(sys.executable).with_name("sohoa")
DPI = 200
A6 = (827, 1165)  # 105 x 148 mm at 200 dpi
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
WORDS = ["Giấy", "tiếp", "nhận", "hồ", "sơ", "và", "hẹn", "trả", "kết", "quả", "số", "trang"]


@dataclass(frozen=True)
class Scan:
    path: Path
    code: str
    sha256: str
    duplicate: bool


@dataclass
class Tally:
    kills: int = 0
    restarts: int = 0
    api_hung: int = 0
    uploads: int = 0
    upload_refused: int = 0
    jobs: dict[str, str] = field(default_factory=dict)


def scan_bytes(n: int, code: str) -> bytes:
    """A small, valid one-page scan: a few lines of Vietnamese words and the page's number."""
    page = Image.new("L", A6, 245)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 34) if Path(FONT).exists() else ImageFont.load_default()
    rng = random.Random(n)
    draw.text((70, 90), f"Hồ sơ {code[-4:]}", fill=20, font=font)
    for line in range(4):
        words = " ".join(rng.choice(WORDS) for _ in range(4))
        draw.text((70, 200 + 70 * line), words, fill=20, font=font)
    draw.text((70, 560), f"Số {n}", fill=20, font=font)
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=80, dpi=(DPI, DPI))
    return out.getvalue()


def make_scans(folder: Path, files: int, dossiers: int) -> list[Scan]:
    """``files`` scans, a third of them exact copies of an earlier one (same dossier)."""
    folder.mkdir(parents=True)
    codes = [f"000.00.20.H56-240101-{d:04d}" for d in range(1, dossiers + 1)]
    originals: list[Scan] = []
    scans: list[Scan] = []
    rng = random.Random(7)
    for n in range(files):
        if n % 3 == 2 and originals:
            first = rng.choice(originals)
            path = folder / f"{first.code}_{n:04d}-copy.jpg"
            path.write_bytes(first.path.read_bytes())
            scans.append(Scan(path, first.code, first.sha256, True))
            continue
        code = codes[n % len(codes)]
        data = scan_bytes(n, code)
        path = folder / f"{code}_{n:04d}.jpg"
        path.write_bytes(data)
        scan = Scan(path, code, hashlib.sha256(data).hexdigest(), False)
        originals.append(scan)
        scans.append(scan)
    return scans


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_LANG="en", SOHOA_JOBS="2", **extra)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``sohoa serve`` that can be stopped with SIGTERM and started again on its port."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log, self.port = home, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(SOHOA), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env_for(self.home, SOHOA_API_WORKERS="2"),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sohoa serve exited with {self.process.returncode}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("sohoa serve did not answer /healthz")

    def stop(self) -> bool:
        """SIGTERM; False when it had to be killed (still running two minutes later)."""
        if self.process is None or self.process.poll() is not None:
            return True
        self.process.send_signal(signal.SIGTERM)
        return stopped(self.process)


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def stopped(process: subprocess.Popen[bytes], grace: float = 120) -> bool:
    """Wait for a process given SIGTERM; one still running after ``grace`` seconds is
    reported and killed with its children (SIGKILL)."""
    try:
        process.wait(timeout=grace)
        return True
    except subprocess.TimeoutExpired:
        for pid in [*children(process.pid), process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait()
        return False


def page_worker(pid: int) -> bool:
    """A child that has loaded tesseract's engine: a page worker (not a helper process)."""
    try:
        return "libtesseract" in (Path("/proc") / str(pid) / "maps").read_text()
    except OSError:
        return False


def killer(parents: list[subprocess.Popen[bytes] | None], every: float, stop: threading.Event,
           tally: Tally) -> None:  # fmt: skip
    """Every ``every`` seconds, SIGKILL one page worker of a watcher or of the API."""
    rng = random.Random(11)
    while not stop.wait(every):
        workers = [
            c for p in parents if p is not None and p.poll() is None for c in children(p.pid)
        ]
        if workers:
            victim = rng.choice(workers)
            try:
                os.kill(victim, signal.SIGKILL)
                tally.kills += 1
            except ProcessLookupError:
                pass


def upload_key(home: Path) -> str:
    made = subprocess.run(
        [str(SOHOA), "apikey", "create", "soak", "--scope", "upload"],
        env=env_for(home),
        capture_output=True,
        text=True,
        check=True,
    )
    return made.stdout.strip().splitlines()[0]


def upload(server: Server, key: str, scan: Scan, tally: Tally) -> None:
    """POST one scan; a refused or failed request is counted (the client would retry)."""
    for _ in range(3):
        try:
            answer = httpx.post(
                f"{server.url}/api/v1/cases/{scan.code}/documents",
                headers={"Authorization": f"Bearer {key}"},
                files={"file": (scan.path.name, scan.path.read_bytes(), "image/jpeg")},
                data={"kind": "intake"},
                timeout=60,
            )
        except httpx.TransportError:
            continue  # the server is restarting: send again
        if answer.status_code == 202:
            tally.uploads += 1
            tally.jobs[answer.json()["id"]] = "accepted"
            return
        tally.upload_refused += 1
        return
    tally.upload_refused += 1


def drop(scans: list[Scan], hot: Path) -> None:
    """Copy scans into the hot folder: written under a .part name, then renamed."""
    for scan in scans:
        part = hot / f"{scan.path.name}.part"
        part.write_bytes(scan.path.read_bytes())
        part.rename(hot / scan.path.name)


def hot_empty(hot: Path) -> bool:
    left = [p for p in hot.rglob("*") if p.is_file() and "quarantine" not in p.parts]
    return not [p for p in left if not p.name.startswith(".")]


def jobs_final(server: Server, key: str, tally: Tally) -> bool:
    pending = [j for j, state in tally.jobs.items() if state not in ("done", "failed", "gone")]
    for job_id in pending:
        try:
            answer = httpx.get(
                f"{server.url}/api/v1/jobs/{job_id}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=10,
            )
        except httpx.TransportError:
            return False
        if answer.status_code == 404:
            tally.jobs[job_id] = "gone"
        elif answer.status_code == 200:
            tally.jobs[job_id] = str(answer.json()["state"])
    return all(s in ("done", "failed", "gone") for s in tally.jobs.values())


def check(home: Path, scans: list[Scan]) -> dict[str, object]:
    """What ended where, from the catalog, the store and the quarantine."""
    db = sqlite3.connect(home / "catalog.sqlite3")
    rows = db.execute(
        "SELECT dossier_code, source_sha256, status, key, sha256, error_kind FROM documents"
    ).fetchall()
    statuses = Counter(r[2] for r in rows)
    bad_objects = []
    for code, _, status, key, sha, _ in rows:
        if status == "stored":
            data = (home / "objects" / key).read_bytes()
            if hashlib.sha256(data).hexdigest() != sha:
                bad_objects.append((code, key))
    stored = Counter((r[0], r[1]) for r in rows if r[2] == "stored")
    notes = [json.loads(p.read_text()) for p in (home / "quarantine").glob("*.why.json")]
    quarantined = Counter(f"{n['why']['reason']}: {n['why']['message_en'][:50]}" for n in notes)
    quarantined_sha = {str(n.get("sha256", "")) for n in notes}
    distinct = {(s.code, s.sha256) for s in scans}
    lost = [s for s in distinct if s not in stored and s[1] not in quarantined_sha]
    return {
        "files": len(scans),
        "duplicates_in_input": sum(s.duplicate for s in scans),
        "distinct_sources": len(distinct),
        "rows_by_status": dict(statuses),
        "stored_sources": len(stored),
        "stored_more_than_once": sum(1 for n in stored.values() if n > 1),
        "quarantined_files": len(notes),
        "quarantine_reasons": dict(quarantined),
        "objects_not_matching_checksum": len(bad_objects),
        "pending_rows": statuses.get("pending", 0),
        "sources_lost": len(lost),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--dossiers", type=int, default=20)
    parser.add_argument("--kill-every", type=float, default=30.0)
    parser.add_argument("--api-share", type=float, default=0.1, help="Fraction uploaded.")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--deadline", type=float, default=7200.0)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="sohoa-soak-"))
    home, hot = work / "home", work / "hot"
    hot.mkdir(parents=True)
    started = time.monotonic()
    scans = make_scans(work / "scans", args.files, args.dossiers)
    made = time.monotonic() - started
    rng = random.Random(3)
    to_api = [s for s in scans if rng.random() < args.api_share]
    to_hot = [s for s in scans if s not in to_api]
    # A few uploads repeat a hot-folder scan: the same source through two entrances.
    to_api += rng.sample(to_hot, max(1, len(to_api) // 4))

    key = upload_key(home)
    server = Server(home, work / "serve.log")
    server.start()
    watch_cmd = [str(SOHOA), "watch", str(hot), "--code-from", "filename", "--after", "delete"]
    watchers = [
        subprocess.Popen(
            watch_cmd,
            env=env_for(home),
            stdout=(work / f"watch-{n}.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        for n in (1, 2)
    ]
    tally = Tally()
    stop = threading.Event()
    parents: list[subprocess.Popen[bytes] | None] = [*watchers, server.process]
    kill_thread = threading.Thread(
        target=killer, args=(parents, args.kill_every, stop, tally), daemon=True
    )
    kill_thread.start()
    t0 = time.monotonic()
    hung = 0
    try:
        thirds = [to_hot[i::3] for i in range(3)]
        api_thirds = [to_api[i::3] for i in range(3)]
        for part in range(3):
            drop(thirds[part], hot)
            for scan in api_thirds[part]:
                upload(server, key, scan, tally)
            if part < 2:  # restart the API while its uploads are being digitised
                tally.api_hung += not server.stop()
                server.start()
                parents[-1] = server.process
                tally.restarts += 1
        while not (hot_empty(hot) and jobs_final(server, key, tally)):
            if time.monotonic() - t0 > args.deadline:
                print("deadline reached before everything ended", file=sys.stderr)
                break
            if any(w.poll() is not None for w in watchers):
                print("a watcher died", file=sys.stderr)
                break
            time.sleep(2)
        elapsed = time.monotonic() - t0
    finally:
        stop.set()
        for watcher in watchers:
            watcher.send_signal(signal.SIGTERM)
        for watcher in watchers:
            hung += not stopped(watcher)
        tally.api_hung += not server.stop()
    result = check(home, scans)
    result.update(
        {
            "seconds_generating": round(made, 1),
            "seconds_running": round(elapsed, 1),
            "files_per_minute": round(len(scans) / elapsed * 60, 1),
            "page_workers_killed": tally.kills,
            "api_restarts": tally.restarts,
            "watchers_hung_on_sigterm": hung,
            "api_hung_on_sigterm": tally.api_hung,
            "api_uploads_accepted": tally.uploads,
            "api_uploads_refused": tally.upload_refused,
            "api_jobs": dict(Counter(tally.jobs.values())),
            "work": str(work),
        }
    )
    print_table(result)
    ok = (
        result["objects_not_matching_checksum"] == 0
        and result["pending_rows"] == 0
        and result["sources_lost"] == 0
        and result["stored_more_than_once"] == 0
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


def print_table(result: dict[str, object]) -> None:
    width = max(len(k) for k in result)
    for name, value in result.items():
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
