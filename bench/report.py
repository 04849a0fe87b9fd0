"""Fixed-width and Markdown tables of the results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Row = Sequence[str]


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}"


def main_rows(summaries: list[dict[str, Any]]) -> tuple[Row, list[Row]]:
    head = (
        "tool",
        "pages/min",
        "CPU s/page",
        "peak RSS MB",
        "tree PSS MB",
        "bytes/page",
        "CER %",
        "WER %",
        "CER raw %",
        "PDF/A",
        "failed",
    )
    rows: list[Row] = []
    for s in summaries:
        rows.append(
            (
                str(s["tool"]),
                f"{s['pages_per_min']:.1f}",
                f"{s['cpu_s_per_page']:.2f}",
                f"{s['peak_rss_mb']:.0f}",
                f"{s['tree_pss_peak_mb']:.0f}",
                f"{s['bytes_per_page']:,.0f}",
                _pct(s["cer"]),
                _pct(s["wer"]),
                _pct(s["cer_raw"]),
                f"{s['pdfa_passed']}/{s['docs']}",
                str(s["failed"]),
            )
        )
    return head, rows


def doc_rows(
    per_doc: dict[str, dict[str, float | None]], info: dict[str, str], tools: list[str]
) -> tuple[Row, list[Row]]:
    head: tuple[str, ...] = ("document", "scan", *(f"{t} CER %" for t in tools))
    delta = "sohoa" in tools and "ocrmypdf" in tools
    if delta:
        head = (*head, "sohoa - ocrmypdf")
    rows: list[Row] = []
    for doc_id, cers in per_doc.items():
        row = [doc_id, info[doc_id], *(_pct(cers.get(t)) for t in tools)]
        if delta:
            a, b = cers.get("sohoa"), cers.get("ocrmypdf")
            row.append("n/a" if a is None or b is None else f"{100 * (a - b):+.2f}")
        rows.append(row)
    return head, rows


def fixed(head: Row, rows: list[Row]) -> str:
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(r: Row) -> str:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        return "  ".join(cells).rstrip()

    return "\n".join([line(head), *(line(r) for r in rows)])


def markdown(head: Row, rows: list[Row]) -> str:
    out = [
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)
