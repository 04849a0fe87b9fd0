"""Child process that runs ONE tool over the documents and measures it.

``python -m bench.measure TOOL CORPUS OUTDIR RESULT.json [DOC_ID ...]``

Why a separate process per tool: ``getrusage(RUSAGE_CHILDREN)`` accumulates over every
descendant the calling process has waited for, and its ``ru_maxrss`` is a running maximum
that can never be reset. In a fresh process that only runs this tool's commands
(sequentially, one document at a time; for ``sohoa-process`` one command over all of
them), the end-of-run values belong to that tool alone:

* CPU = ``ru_utime + ru_stime`` of RUSAGE_CHILDREN: every process the tool started and waited
  for (sohoa's page workers, ocrmypdf's tesseract and Ghostscript, ``pdfimages``/``pdfunite``
  for bare tesseract). This process's own bookkeeping (RUSAGE_SELF) is reported apart.
* peak RSS = ``ru_maxrss`` of RUSAGE_CHILDREN: the largest resident set of any SINGLE
  descendant process. It is not the memory of concurrent processes added up, so a sampler
  thread also adds up the PSS (proportional set size, from ``/proc/PID/smaps_rollup``; shared
  pages are split between the processes sharing them) of the whole live process tree every
  0.1 s and keeps the maximum: ``tree_pss_peak_kb``, the memory the tool really needs.
* wall = ``time.perf_counter`` around the loop over the documents (or the one command).

For the ``-standby`` tools a ``sohoa standby`` is started first, in a fresh SOHOA_HOME, and
the clock starts once it answers on its socket. It is this process's child, stopped and
waited for at the end, so its CPU and its served commands' (its children, which it waits
for) are in RUSAGE_CHILDREN too; its own start-up CPU (read from ``/proc``) is taken out
and reported as ``standby_startup_cpu_s``: paid once, when the office opens.

For ``sohoa-auto`` nothing is started before the clock: the first ``sohoa ocr`` starts a
standby in the background (SOHOA_STANDBY) and ends; the standby would be orphaned to init,
so this process is made a subreaper (``PR_SET_CHILD_SUBREAPER``): it adopts the standby, stops
and waits for it at the end, and every CPU second of it, start-up included, is counted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from bench import corpus
from bench.tools import (
    BATCH_RUNNERS,
    RUNNERS,
    STANDBY_HOME,
    STANDBY_WANTED,
    DocRun,
    prepare_catalogue,
    sohoa_exe,
)


@dataclass(frozen=True)
class Cpu:
    """User and system CPU seconds of work done before the clock, left out of a run."""

    user: float = 0.0
    sys: float = 0.0


PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _tree_kb(root: int) -> int:
    """Summed PSS (RSS if unreadable) of ``root``'s live descendants, in KiB."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KB
    return total


class TreeSampler(threading.Thread):
    def __init__(self, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.interval, self.peak_kb = interval, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self._stop_event.wait(self.interval):
            self.peak_kb = max(self.peak_kb, _tree_kb(me))

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _one_by_one(tool: str, docs: list[corpus.Doc], out: Path) -> list[DocRun]:
    """One command per document, one after the other (as a clerk runs `sohoa ocr IN OUT`)."""
    runner = RUNNERS[tool]
    runs: list[DocRun] = []
    for i, doc in enumerate(docs, 1):
        scratch = out / f"{doc.doc_id}.work"
        scratch.mkdir()
        t0 = time.perf_counter()
        run = runner(doc.pdf, out / f"{doc.doc_id}.pdf", scratch)
        run.seconds = time.perf_counter() - t0
        shutil.rmtree(scratch)
        runs.append(run)
        status = "ok" if run.ok else "FAILED"
        print(
            f"[{tool:9}] {i:2}/{len(docs)} {doc.doc_id:12} {doc.n_pages} p "
            f"{run.seconds:6.1f} s  {status}",
            file=sys.stderr,
            flush=True,
        )
        if run.error:
            print("    " + run.error.replace("\n", "\n    "), file=sys.stderr, flush=True)
    return runs


def _batch(tool: str, docs: list[corpus.Doc], out: Path) -> tuple[list[DocRun], float, Cpu]:
    """One command over every document (``sohoa process A B C``): what a folder costs.
    Its runs, its wall seconds, and the CPU of making its catalogue beforehand (not counted)."""
    scratch = out / "batch.work"
    scratch.mkdir()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    prepare_catalogue(scratch)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    setup = Cpu(after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime)
    t0 = time.perf_counter()
    runs = BATCH_RUNNERS[tool]([doc.pdf for doc in docs], out, scratch)
    seconds = time.perf_counter() - t0
    shutil.rmtree(scratch)
    failed = [run for run in runs if not run.ok]
    print(
        f"[{tool}] {len(docs)} documents, {sum(d.n_pages for d in docs)} p in one command "
        f"{seconds:6.1f} s  {len(failed)} failed",
        file=sys.stderr,
        flush=True,
    )
    for run in failed[:1]:  # the command's one error output, said once
        print("    " + (run.error or "").replace("\n", "\n    "), file=sys.stderr, flush=True)
    return runs, seconds, setup


def _cpu_s(pid: int) -> float:
    """utime + stime of one live process, from /proc (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _answers(path: Path) -> bool:
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as probe:
        probe.connect(str(path))
        return True
    return False


@contextlib.contextmanager
def standby(out: Path) -> Iterator[float]:
    """A `sohoa standby` serving this tool's commands; yields its start-up CPU seconds."""
    home = out / "standby-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env["SOHOA_HOME"] = str(home)
    log = (out / "standby.log").open("w")
    proc = subprocess.Popen([str(sohoa_exe()), "standby"], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 300
        while not _answers(home / "standby.sock"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sohoa standby did not start: see {out / 'standby.log'}")
            time.sleep(0.2)
        os.environ[STANDBY_HOME] = str(home)
        yield _cpu_s(proc.pid)
    finally:
        os.environ.pop(STANDBY_HOME, None)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=120)
        log.close()


@contextlib.contextmanager
def auto_standby(out: Path) -> Iterator[None]:
    """Commands that start their own standby (SOHOA_STANDBY=always) in one SOHOA_HOME;
    at the end that standby, adopted by this process, is stopped and waited for."""
    import ctypes

    pr_set_child_subreaper = 36
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_child_subreaper, 1, 0, 0, 0)
    home = out / "auto-home"
    home.mkdir()
    os.environ[STANDBY_HOME], os.environ[STANDBY_WANTED] = str(home), "always"
    try:
        yield
    finally:
        os.environ.pop(STANDBY_HOME, None)
        os.environ.pop(STANDBY_WANTED, None)
        log = home / "standby.log"
        started = re.findall(r"\(pid (\d+)\)", log.read_text("utf-8")) if log.exists() else []
        for pid in map(int, started):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        served = len(re.findall("command served", log.read_text("utf-8"))) if started else 0
        print(
            f"[sohoa-auto] {len(started)} standby started, {served} commands served: {log}",
            file=sys.stderr,
            flush=True,
        )


def _measured(
    tool: str, docs: list[corpus.Doc], out: Path
) -> tuple[list[DocRun], float, float, Cpu]:
    """The tool's runs, their wall seconds, the standby's start-up CPU (0 without one) and
    the CPU of making the batch tools' catalogue (none for the others)."""
    base = tool.removesuffix("-standby")
    with contextlib.ExitStack() as stack:
        startup = stack.enter_context(standby(out)) if base != tool else 0.0
        if tool == "sohoa-auto":
            stack.enter_context(auto_standby(out))
        batch = base in BATCH_RUNNERS
        setup = Cpu()
        if batch:
            runs, wall, setup = _batch(tool, docs, out)
        else:
            start = time.perf_counter()
            runs = _one_by_one(tool, docs, out)
            wall = time.perf_counter() - start
    if base != tool:
        _check_served(out / "standby.log", 1 if batch else len(docs))
    return runs, wall, startup, setup


def _check_served(log: Path, expected: int) -> None:
    """Fail the measurement if the standby did not serve every command (it turns stale when
    sohoa's files change during the run, and commands then quietly run by themselves)."""
    found = re.search(r"standby: stopped commands=(\d+)", log.read_text("utf-8"))
    if not found or int(found.group(1)) != expected:
        served = found.group(1) if found else "no"
        raise RuntimeError(f"the standby served {served} of {expected} commands: see {log}")


def main(argv: list[str]) -> int:
    tool, corpus_dir, outdir, result_path, *doc_ids = argv
    docs = [d for d in corpus.load(Path(corpus_dir)) if not doc_ids or d.doc_id in doc_ids]
    out = Path(outdir)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    self0, kids0 = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    sampler = TreeSampler()
    sampler.start()
    runs, wall, startup, setup = _measured(tool, docs, out)
    sampler.stop()
    kids, me = (
        resource.getrusage(resource.RUSAGE_CHILDREN),
        resource.getrusage(resource.RUSAGE_SELF),
    )

    result = {
        "tool": tool,
        "wall_s": wall,
        "cpu_user_s": kids.ru_utime - kids0.ru_utime - startup - setup.user,
        "cpu_sys_s": kids.ru_stime - kids0.ru_stime - setup.sys,
        "maxrss_kb": kids.ru_maxrss,  # KiB on Linux
        "tree_pss_peak_kb": sampler.peak_kb,
        "self_cpu_s": (me.ru_utime + me.ru_stime) - (self0.ru_utime + self0.ru_stime),
        "standby_startup_cpu_s": startup,
        "catalogue_setup_cpu_s": setup.user + setup.sys,
        "docs": [asdict(r) for r in runs],
    }
    Path(result_path).write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
