"""Long-document benchmark: ``python -m bench.long_document [--pages 20 200] [--workers 2]``.

Checks the claim "a 200-page backlog PDF is never stuck on one worker, and memory stays flat in
the page count" on the same real services as ``bench.queue`` (private SeaweedFS, a fresh
RabbitMQ vhost and PostgreSQL database per size, ``sohoa worker`` processes with the default
``-n 1 -t 1``).

For each page count N a scanned PDF of N pages is built by cycling through the pages of
dev-003 (4 pages) and dev-010 (3 pages) with pikepdf. Every cycle reopens the sources, so
each output page has its own copy of its JPEG image (as a real N-page scan has N images; the
images are copied unchanged, never re-encoded). Each size gets a fresh deployment (fresh
worker processes, so their VmHWM belongs to this size alone); the clock runs from ``submit``
to the job being done.

Reported per size and worker
  pages      page steps it did (``job_pages.worker``, i.e. ``host:pid`` of the worker)
  assembled  whether it ran the assemble step (its log's "job done")
  HWM MB     the worker process's VmHWM (peak RSS over its life) read just before it stops;
             "HWM pages" is the same read when the job turned to assembling (page phase only)
  RSS page   peak RSS (MB) of the worker process sampled every 0.25 s while the job was in
             its page phase; "+kids" adds its descendants (tesseract etc.) at the same instant
  RSS asm    the same while the job was assembling
  RSS idle   worker RSS once consuming, before the submit (the baseline)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.queue import CODE, REPO, Deployment, deployment, say, submit_one, submitter
from bench.services import WeedS3

SOURCES = ("dev-003.pdf", "dev-010.pdf")
TIMEOUT_S = 3600.0


def build_long_pdf(corpus_dir: Path, pages: int, out: Path) -> Path:
    """``pages`` pages cycling through SOURCES; each copy gets its own image objects."""
    import pikepdf

    opened: list[pikepdf.Pdf] = []
    try:
        with pikepdf.new() as pdf:
            while len(pdf.pages) < pages:
                for name in SOURCES:
                    src = pikepdf.open(corpus_dir / name)  # new copy_foreign cache: new objects
                    opened.append(src)
                    for page in src.pages:
                        if len(pdf.pages) < pages:
                            pdf.pages.append(page)
            pdf.save(out)
    finally:
        for src in opened:
            src.close()
    with pikepdf.open(out) as check:
        assert len(check.pages) == pages, len(check.pages)
    return out


# -- memory sampling ---------------------------------------------------------------------------


def status_kb(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = Path(entry.path, "stat").read_text()
                ppid = int(stat.rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@dataclass
class Peaks:
    """Peak RSS (kB) per phase, of the worker alone and of the worker plus descendants."""

    own: dict[str, int] = field(default_factory=dict)
    tree: dict[str, int] = field(default_factory=dict)
    samples: int = 0


class Sampler(threading.Thread):
    def __init__(self, pids: list[int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.phase = "idle"
        self.peaks = {pid: Peaks() for pid in pids}
        self.stop_event = threading.Event()

    def run(self) -> None:
        while not self.stop_event.is_set():
            phase = self.phase
            for pid in self.pids:
                own = status_kb(pid, "VmRSS")
                tree = own + sum(status_kb(k, "VmRSS") for k in descendants(pid))
                p = self.peaks[pid]
                p.own[phase] = max(p.own.get(phase, 0), own)
                p.tree[phase] = max(p.tree.get(phase, 0), tree)
                p.samples += 1
            self.stop_event.wait(0.25)


# -- one size ----------------------------------------------------------------------------------


@dataclass
class WorkerRow:
    pid: int
    pages: int
    assembled: bool
    hwm_mb: float
    hwm_pages_mb: float
    rss_idle_mb: float
    rss_page_mb: float
    rss_page_tree_mb: float
    rss_asm_mb: float
    rss_asm_tree_mb: float


@dataclass
class SizeResult:
    pages: int
    source_mb: float
    wall_s: float
    page_phase_s: float
    assemble_s: float
    status: str
    stored_mb: float | None
    workers: list[WorkerRow]
    notes: list[str] = field(default_factory=list)


def run_size(s3: WeedS3, work: Path, corpus_dir: Path, pages: int, workers: int) -> SizeResult:
    pdf = build_long_pdf(corpus_dir, pages, work / f"long-{pages}p.pdf")
    source_mb = pdf.stat().st_size / 1e6
    say(f"{pages} pages: built {pdf.name} ({source_mb:.1f} MB)")
    label = f"long{pages}"
    with deployment(s3, work, label, workers) as dep, submitter(dep) as side:
        catalog, book = side[1], side[2]
        sampler = Sampler([w.pid for w in dep.workers])
        sampler.start()
        time.sleep(1.0)  # an idle baseline
        start = time.perf_counter()
        sampler.phase = "page"
        job_id = submit_one(side, pdf, CODE.format(pages))
        assembling_at, last = None, ""
        hwm_pages: dict[int, int] = {}
        while True:
            job = book.get(job_id)
            assert job is not None
            if job.status == "assembling" and assembling_at is None:
                assembling_at = time.perf_counter()
                sampler.phase = "assemble"
                hwm_pages = {w.pid: status_kb(w.pid, "VmHWM") for w in dep.workers}
            if job.status in {"done", "failed"}:
                break
            line = f"{job.status} {job.pages_done}/{job.pages_total}"
            if line != last and (job.pages_done % 10 == 0 or job.status != "processing"):
                say(f"{label}: {line}")
                last = line
            if time.perf_counter() - start > TIMEOUT_S:
                raise RuntimeError(f"{label}: not done after {TIMEOUT_S:.0f} s\n{dep.logs()}")
            dep._check_alive()
            time.sleep(0.1)
        wall = time.perf_counter() - start
        # The assembler logs "job done" only after removing work/ (2 objects a page):
        # keep sampling until then, so its whole assemble step is measured.
        wait_for_job_done_line(dep, deadline=time.perf_counter() + 120)
        sampler.phase = "after"
        time.sleep(0.5)
        sampler.stop_event.set()
        sampler.join()
        hwm = {w.pid: status_kb(w.pid, "VmHWM") for w in dep.workers}
        per_worker = Counter(p.worker for p in book.pages(job_id))
        doc = catalog.document(job.document_id)
        result = SizeResult(
            pages=pages,
            source_mb=source_mb,
            wall_s=wall,
            page_phase_s=(assembling_at or start + wall) - start,
            assemble_s=start + wall - assembling_at if assembling_at else 0.0,
            status=job.status,
            stored_mb=stored_size_mb(doc),
            workers=[],
        )
        if job.status == "failed":
            result.notes.append(f"job failed: {job.error}")
        result.workers = rows(dep, per_worker, hwm, hwm_pages, sampler)
        say(
            f"{label}: {job.status} in {wall:.1f} s; pages per worker "
            + ", ".join(f"{r.pid}: {r.pages}" for r in result.workers)
        )
    return result


def wait_for_job_done_line(dep: Deployment, deadline: float) -> None:
    while time.perf_counter() < deadline:
        if any(assembled(w.tail(100_000)) for w in dep.workers):
            return
        time.sleep(0.2)


def stored_size_mb(doc: object) -> float | None:
    for name in ("size", "size_bytes", "pdf_size", "bytes"):
        value = getattr(doc, name, None)
        if isinstance(value, int):
            return value / 1e6
    return None


def rows(
    dep: Deployment,
    per_worker: Counter[str | None],
    hwm: dict[int, int],
    hwm_pages: dict[int, int],
    s: Sampler,
) -> list[WorkerRow]:
    out = []
    for w in dep.workers:
        done = sum(n for wid, n in per_worker.items() if wid and wid.endswith(f":{w.pid}"))
        peaks = s.peaks[w.pid]
        out.append(
            WorkerRow(
                pid=w.pid,
                pages=done,
                assembled=assembled(w.tail(100_000)),
                hwm_mb=hwm[w.pid] / 1024,
                hwm_pages_mb=hwm_pages.get(w.pid, 0) / 1024,
                rss_idle_mb=peaks.own.get("idle", 0) / 1024,
                rss_page_mb=peaks.own.get("page", 0) / 1024,
                rss_page_tree_mb=peaks.tree.get("page", 0) / 1024,
                rss_asm_mb=peaks.own.get("assemble", 0) / 1024,
                rss_asm_tree_mb=peaks.tree.get("assemble", 0) / 1024,
            )
        )
    return out


def assembled(log_text: str) -> bool:
    """The worker's log has a "job done" line saying it assembled (JSON or key=value)."""
    return any(
        "job done" in line and ("assembled=True" in line or '"assembled": true' in line)
        for line in log_text.splitlines()
    )


# -- main --------------------------------------------------------------------------------------


def report_lines(results: list[SizeResult]) -> list[str]:
    lines = [
        "| pages | source MB | stored MB | wall s | page phase s | assemble s | status | "
        "worker pid | pages done | assembled | HWM pages MB | HWM MB | RSS idle | RSS page | "
        "+kids | RSS assemble | +kids |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for w in r.workers:
            lines.append(
                f"| {r.pages} | {r.source_mb:.1f} | {r.stored_mb or 0:.1f} | {r.wall_s:.1f} | "
                f"{r.page_phase_s:.1f} | {r.assemble_s:.1f} | {r.status} | {w.pid} | {w.pages} | "
                f"{'yes' if w.assembled else 'no'} | {w.hwm_pages_mb:.0f} | {w.hwm_mb:.0f} | "
                f"{w.rss_idle_mb:.0f} | {w.rss_page_mb:.0f} | {w.rss_page_tree_mb:.0f} | "
                f"{w.rss_asm_mb:.0f} | {w.rss_asm_tree_mb:.0f} |"
            )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.long_document")
    parser.add_argument("--corpus", type=Path, default=REPO / ".." / "shared" / "corpus" / "dev")
    parser.add_argument("--pages", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup (finally)
    args.out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="sohoa-bench-long-"))
    s3 = WeedS3(work / "weed")
    s3.workdir.mkdir()
    results: list[SizeResult] = []
    try:
        s3.start()
        say(f"SeaweedFS S3 at {s3.endpoint}")
        for pages in args.pages:
            results.append(run_size(s3, work, args.corpus.resolve(), pages, args.workers))
    finally:
        s3.stop()
        shutil.rmtree(work, ignore_errors=True)
        say("cleaned up")
    lines = report_lines(results)
    print("\n".join(lines))
    for r in results:
        for note in r.notes:
            print(f"note: {r.pages} pages: {note}")
    (args.out / "long_document.md").write_text("\n".join(lines) + "\n", "utf-8")
    data = [asdict(r) for r in results]
    (args.out / "long_document.json").write_text(json.dumps(data, indent=1), "utf-8")
    return 1 if any(r.status != "done" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
