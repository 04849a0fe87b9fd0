"""sohoa benchmark: ``python -m bench [--corpus DIR] [--limit N] [--tools a,b] [--rounds N]``.

Runs sohoa, OCRmyPDF and bare tesseract over the same scanned corpus (default
``../shared/corpus/dev`` next to the repository) in one go and prints one table.

How each tool is run (details in ``bench/tools.py``)
  sohoa      ``sohoa ocr --json DOC.pdf OUT.pdf``; parallel over pages itself (2 workers).
  sohoa-process  ONE ``sohoa process --json --case CODE DOC1.pdf DOC2.pdf ...`` over the whole
             corpus (fresh SOHOA_HOME: local store, SQLite, the catalogue made before the
             clock as at installation); outputs read from the store.
  sohoa-standby, sohoa-process-standby  the same two, served by a ``sohoa standby`` started
             before the clock (its CPU during the run counts; its start-up is shown apart).
  sohoa-auto ``sohoa ocr`` per file as at a terminal: the first command starts a standby for
             the next ones (SOHOA_STANDBY); all of it counts, its start-up included.
  ocrmypdf   ``ocrmypdf -l vie --output-type pdfa-2 DOC.pdf OUT.pdf``, default settings,
             ``OMP_THREAD_LIMIT=1``.
  tesseract  speed floor, not a PDF/A producer: ``pdfimages`` + ``tesseract IMG OUT -l LANGS
             pdf`` on 2 pages at a time (``OMP_THREAD_LIMIT=1``) + ``pdfunite``; LANGS =
             sohoa's default languages.
Documents are processed one after the other (sohoa-process: one command); tools one after
the other, each tool in its own fresh ``python -m bench.measure`` child process (see its
docstring for why). With ``--rounds N`` the tools run N times, in turn forwards and backwards
(A B C, C B A, A B C ...), and pages/min and CPU s/page are the medians of the rounds: this
shared machine's speed drifts by up to a quarter within a run, and a tool measured once, early
or late, carried it alone. The other figures are the first round's (peak memory: the largest).

What is measured, per tool
  pages/min     INPUT pages / wall-clock minutes of the whole corpus pass.
  CPU s/page    user+sys CPU of all processes the tool ran (``getrusage(RUSAGE_CHILDREN)`` of
                the measuring child) / input pages.
  peak RSS MB   ``ru_maxrss`` of RUSAGE_CHILDREN: the largest single process.
  tree PSS MB   peak of the summed PSS of all live processes of the tool (sampled every
                0.1 s): what running the tool costs in memory when it runs several processes.
  bytes/page    bytes of the output PDFs / input pages (sohoa's ``OUT.dropped.pdf`` recovery
                file for dropped blank backs is not counted); input bytes/page for reference.
  CER %, WER %  content pages only (GT ``kind == "content"``), text per output page from plain
                ``pdftotext -f N -l N`` (reading order); NFC + whitespace collapsed;
                total Levenshtein edits / total reference length (chars, resp. words).
                Output pages are mapped to input pages by skipping the pages sohoa reports in
                ``dropped``; the other tools keep every page. Failed documents and dropped
                content pages count as empty text.
  CER raw %     diagnostic: the same CER with ``pdftotext -raw`` (content-stream order). A big
                gap to CER % means a skewed text layer that poppler's reading order breaks
                into fragments (OCRmyPDF/tesseract do not deskew by default), not misread text.
  PDF/A         outputs passing ``pikepdf.pdfa.validate_written(path, "2b")`` / documents.

Writes ``OUT/results.json``, ``OUT/results.md`` and the outputs in ``OUT/TOOL/`` (default
``bench/out``). Progress goes to stderr, the tables to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import corpus, report
from bench.evaluate import DocScore, score_doc
from bench.metrics import Score
from bench.tools import TOOLS, missing, versions

REPO = Path(__file__).resolve().parent.parent


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO / ".." / "shared" / "corpus" / "dev")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    parser.add_argument(
        "--rounds", type=int, default=1, help="run the tools N times; report the medians"
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(args.tools) - set(TOOLS)
    if unknown:
        parser.error(f"unknown tool(s) {sorted(unknown)}; choose from {', '.join(TOOLS)}")
    args.corpus = args.corpus.resolve()
    args.out = args.out.resolve()
    return args


def measure(
    tool: str, args: argparse.Namespace, out: Path, doc_ids: list[str]
) -> dict[str, Any] | None:
    result_path = out / f"{tool}.run.json"
    result_path.unlink(missing_ok=True)
    print(f"== {tool}", file=sys.stderr, flush=True)
    cmd = [
        sys.executable,
        "-m",
        "bench.measure",
        tool,
        str(args.corpus),
        str(out / tool),
        str(result_path),
        *doc_ids,
    ]
    proc = subprocess.run(cmd, cwd=REPO)
    if proc.returncode != 0 or not result_path.exists():
        print(f"!! {tool}: measuring child exited {proc.returncode}", file=sys.stderr)
        return None
    run: dict[str, Any] = json.loads(result_path.read_text("utf-8"))
    return run


def summarise(run: dict[str, Any], docs: list[corpus.Doc]) -> tuple[dict[str, Any], list[DocScore]]:
    by_id = {r["doc_id"]: r for r in run["docs"]}
    scores = [score_doc(doc, by_id[doc.doc_id]) for doc in docs]
    pages = sum(d.n_pages for d in docs)
    total, total_raw = Score(), Score()
    for s in scores:
        total += s.score
        total_raw += s.score_raw
    summary = {
        "tool": run["tool"],
        "docs": len(docs),
        "input_pages": pages,
        "wall_s": run["wall_s"],
        "pages_per_min": pages / run["wall_s"] * 60,
        "cpu_s": run["cpu_user_s"] + run["cpu_sys_s"],
        "cpu_s_per_page": (run["cpu_user_s"] + run["cpu_sys_s"]) / pages,
        "peak_rss_mb": run["maxrss_kb"] / 1024,
        "tree_pss_peak_mb": run["tree_pss_peak_kb"] / 1024,
        "output_bytes": sum(s.out_bytes for s in scores),
        "bytes_per_page": sum(s.out_bytes for s in scores) / pages,
        "cer": total.cer,
        "wer": total.wer,
        "cer_raw": total_raw.cer,
        "wer_raw": total_raw.wer,
        "char_edits": total.char_edits,
        "char_ref": total.char_ref,
        "word_edits": total.word_edits,
        "word_ref": total.word_ref,
        "pdfa_passed": sum(s.pdfa_passed for s in scores),
        "failed": sum(not s.ok for s in scores),
        "measure_self_cpu_s": run["self_cpu_s"],
        "standby_startup_cpu_s": run.get("standby_startup_cpu_s", 0.0),
        "catalogue_setup_cpu_s": run.get("catalogue_setup_cpu_s", 0.0),
    }
    return summary, scores


def over_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One tool's summary over its rounds: the medians of speed and CPU, the largest memory,
    the rest as in the first round (the outputs, and so their scores, are the same)."""
    summary = dict(rounds[0])
    for key in ("wall_s", "pages_per_min", "cpu_s", "cpu_s_per_page"):
        summary[key] = statistics.median(r[key] for r in rounds)
    for key in ("peak_rss_mb", "tree_pss_peak_mb"):
        summary[key] = max(r[key] for r in rounds)
    summary["failed"] = max(r["failed"] for r in rounds)
    summary["rounds"] = [
        {"pages_per_min": r["pages_per_min"], "cpu_s_per_page": r["cpu_s_per_page"]} for r in rounds
    ]
    return summary


def round_lines(summaries: list[dict[str, Any]]) -> list[str]:
    """Each tool's rounds, when there were several: how far the medians' runs spread."""
    lines = []
    for summary in summaries:
        rounds = summary.get("rounds", [])
        if len(rounds) > 1:
            cpu = " ".join(f"{r['cpu_s_per_page']:.2f}" for r in rounds)
            speed = " ".join(f"{r['pages_per_min']:.1f}" for r in rounds)
            lines.append(f"rounds      {summary['tool']}: CPU s/page {cpu}; pages/min {speed}")
    return lines


def round_order(tools: list[str], rounds: int) -> list[tuple[int, str]]:
    """(round, tool) in running order: forwards, then backwards, and so on."""
    order: list[tuple[int, str]] = []
    for number in range(1, rounds + 1):
        order += [(number, t) for t in (tools if number % 2 else tools[::-1])]
    return order


def regressions(details: dict[str, dict[str, Any]], margin: float = 0.02) -> list[str]:
    """Content pages where sohoa's CER is worse than OCRmyPDF's by more than ``margin``."""
    found = []
    for doc_id, tools in details.items():
        if "sohoa" not in tools or "ocrmypdf" not in tools:
            continue
        ours, theirs = tools["sohoa"]["page_cer"], tools["ocrmypdf"]["page_cer"]
        for page, cer in ours.items():
            other = theirs.get(page)
            if cer is not None and other is not None and cer - other > margin:
                found.append(
                    f"sohoa worse than ocrmypdf on {doc_id} page {page}: "
                    f"CER {100 * cer:.1f} % vs {100 * other:.1f} %"
                )
    return found


def ratios(summaries: list[dict[str, Any]]) -> list[str]:
    """Issue 9's aims, within this run: pages/min against OCRmyPDF, CPU/page against tesseract."""
    by_tool = {str(s["tool"]): s for s in summaries}
    lines = []
    for name in ("sohoa", "sohoa-process", "sohoa-standby", "sohoa-process-standby", "sohoa-auto"):
        ours = by_tool.get(name)
        if ours is None:
            continue
        parts = [f"{name + ':':23}"]
        if "ocrmypdf" in by_tool:
            speed = ours["pages_per_min"] / by_tool["ocrmypdf"]["pages_per_min"]
            parts.append(f"{speed:.2f}x OCRmyPDF's pages/min")
        if "tesseract" in by_tool:
            cpu = ours["cpu_s_per_page"] / by_tool["tesseract"]["cpu_s_per_page"]
            parts.append(f"{cpu:.2f}x bare tesseract's CPU s/page")
        if len(parts) > 1:
            lines.append("ratio       " + parts[0] + ", ".join(parts[1:]))
    return lines


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    docs = corpus.load(args.corpus, args.limit)
    if not docs:
        print(f"no documents in {args.corpus}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    pages = sum(d.n_pages for d in docs)
    in_bytes = sum(d.pdf.stat().st_size for d in docs)
    notes: list[str] = []
    summaries: list[dict[str, Any]] = []
    per_doc: dict[str, dict[str, float | None]] = {d.doc_id: {} for d in docs}
    doc_details: dict[str, dict[str, Any]] = {}
    errors: dict[str, dict[str, str]] = {}
    started = time.strftime("%Y-%m-%d %H:%M:%S")

    rounds: dict[str, list[dict[str, Any]]] = {}
    firsts: dict[str, tuple[dict[str, Any], list[DocScore]]] = {}
    for number, tool in round_order(args.tools, args.rounds):
        why = missing(tool)
        if why:
            if number == 1:
                notes.append(f"{tool} skipped: {why}")
                print(f"!! {tool} skipped: {why}", file=sys.stderr)
            continue
        out = args.out if number == 1 else args.out / f"round-{number}"
        out.mkdir(parents=True, exist_ok=True)
        if args.rounds > 1:
            print(f"-- round {number} of {args.rounds}", file=sys.stderr, flush=True)
        run = measure(tool, args, out, [d.doc_id for d in docs])
        if run is None:
            notes.append(f"{tool}: measurement failed in round {number} (see stderr)")
            continue
        summary, scores = summarise(run, docs)
        rounds.setdefault(tool, []).append(summary)
        firsts.setdefault(tool, (run, scores))

    for tool in (t for t in args.tools if t in firsts):
        run, scores = firsts[tool]
        summary = over_rounds(rounds[tool])
        summaries.append(summary)
        if summary["standby_startup_cpu_s"]:
            notes.append(
                f"{tool}: the standby's own start-up, paid once and not counted above: "
                f"{summary['standby_startup_cpu_s']:.2f} CPU s"
            )
        if summary["catalogue_setup_cpu_s"]:
            notes.append(
                f"{tool}: making its catalogue beforehand (`sohoa db upgrade`, as at "
                f"installation), not counted above: {summary['catalogue_setup_cpu_s']:.2f} CPU s"
            )
        for doc_run in run["docs"]:
            if doc_run["error"]:
                errors.setdefault(tool, {})[doc_run["doc_id"]] = doc_run["error"]
        for s in scores:
            per_doc[s.doc_id][tool] = s.score.cer
            doc_details.setdefault(s.doc_id, {})[tool] = {
                "ok": s.ok,
                "cer": s.score.cer,
                "wer": s.score.wer,
                "cer_raw": s.score_raw.cer,
                "wer_raw": s.score_raw.wer,
                "page_cer": s.page_cer,
                "char_edits": s.score.char_edits,
                "char_ref": s.score.char_ref,
                "out_pages": s.out_pages,
                "out_bytes": s.out_bytes,
                "pdfa_passed": s.pdfa_passed,
                "notes": s.notes,
            }
            notes += [f"{tool} {s.doc_id}: {n}" for n in s.notes]
        for s in scores:
            if not s.ok:
                notes.append(f"{tool} {s.doc_id}: FAILED (error below / in results.json)")

    ran = [str(s["tool"]) for s in summaries]
    notes += regressions(doc_details)
    info = {d.doc_id: f"{d.n_pages}p {d.n_content}c {d.mode} {d.dpi}dpi" for d in docs}
    header = [
        f"corpus      {args.corpus} ({len(docs)} documents, {pages} pages, "
        f"{sum(d.n_content for d in docs)} content)",
        f"input       {in_bytes / pages:,.0f} bytes/page ({in_bytes / 1e6:.1f} MB)",
        f"machine     {os.cpu_count()} cores, {cpu_model()}, {platform.platform()}",
        *(f"version     {k}: {v}" for k, v in versions().items()),
        f"started     {started}",
    ]
    main_head, main_body = report.main_rows(summaries)
    doc_head, doc_body = report.doc_rows(per_doc, info, ran)

    print("\n".join(header))
    print()
    print(report.fixed(main_head, main_body))
    print()
    for line in [*ratios(summaries), *round_lines(summaries)]:
        print(line)
    print()
    print("Per-document CER (content pages):")
    print(report.fixed(doc_head, doc_body))
    for note in notes:
        print(f"note: {note}")
    for tool, by_doc in errors.items():
        for doc_id, error in by_doc.items():
            print(f"\nerror {tool} {doc_id}:\n{error}")

    md = [
        "# sohoa benchmark",
        "",
        *(f"- {h}" for h in header),
        "",
        report.markdown(main_head, main_body),
        "",
        *(f"- {line}" for line in [*ratios(summaries), *round_lines(summaries)]),
        "",
        "## Per-document CER (content pages)",
        "",
        report.markdown(doc_head, doc_body),
        "",
    ]
    md += [f"- note: {n}" for n in notes]
    (args.out / "results.md").write_text("\n".join(md) + "\n", "utf-8")
    results = {
        "corpus": str(args.corpus),
        "documents": len(docs),
        "input_pages": pages,
        "input_bytes": in_bytes,
        "input_bytes_per_page": in_bytes / pages,
        "machine": {"cores": os.cpu_count(), "cpu": cpu_model(), "platform": platform.platform()},
        "versions": versions(),
        "started": started,
        "tools": summaries,
        "ratios": ratios(summaries),
        "per_document": doc_details,
        "errors": errors,
        "notes": notes,
    }
    (args.out / "results.json").write_text(
        json.dumps(results, indent=1, ensure_ascii=False), "utf-8"
    )
    print(f"\nwrote {args.out / 'results.json'} and {args.out / 'results.md'}", file=sys.stderr)
    return 1 if errors or len(summaries) < len(args.tools) else 0


if __name__ == "__main__":
    sys.exit(main())
