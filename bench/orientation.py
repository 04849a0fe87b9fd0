"""Does the line-profile vote tell upside-down pages, and never call an upright one so?

``python -m bench.orientation [--corpus DIR ...]`` (default: the dev corpus and
bench/corpus-gen). Every page is decoded the way sohoa's page step does it
(``load_pixels`` on the inspected source, then the OCR grey copy), then looked at
as scanned, turned 180 degrees (content pages) and turned 90 and 270 degrees.
Truth: a page is upside down when the ground truth says so and it was not turned,
or it was upright and turned 180; turned 90 or 270 it is sideways.

Prints one row per page and variant (the vote, the verdict, the milliseconds the
vote took and the skew step's), then the totals the acceptance asks for: upright
and sideways pages called upside down (must be 0), upside-down pages found, and
the cost on top of the skew step (the extra row profile of ``ink_lines`` plus the
vote; timed as ``ink_lines + vote`` against ``estimate_skew`` on the same copy).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bench import corpus
from sohoa.ocr.images import load_pixels
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.orientation import vote
from sohoa.ocr.page import _text_gray
from sohoa.ocr.sources import inspect_source
from sohoa.ocr.straighten import estimate_skew, ink_lines

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPORA = (REPO.parent / "shared" / "corpus" / "dev", REPO / "bench" / "corpus-gen")


@dataclass(frozen=True)
class Sample:
    name: str
    kind: str  # content | blank | separator
    truth: str  # upright | upside down | sideways
    gray: Image.Image
    dpi: float


@dataclass(frozen=True)
class Outcome:
    sample: Sample
    verdict: str
    votes: str
    vote_ms: float
    skew_ms: float
    extra_ms: float


def samples(root: Path) -> Iterator[Sample]:
    """Every page of every document, as scanned and turned, with what it truly is."""
    for doc in corpus.load(root):
        info = inspect_source(doc.pdf, OcrOptions())
        for page, truth in zip(info.pages, doc.pages, strict=True):
            gray = _text_gray(load_pixels(info, page))
            name = f"{doc.doc_id} p{truth.index}"
            scanned = "upside down" if truth.upside_down else "upright"
            yield Sample(f"{name} as scanned", truth.kind, scanned, gray, page.dpi)
            if truth.kind == "content":
                turned = "upright" if truth.upside_down else "upside down"
                yield Sample(f"{name} turned 180", truth.kind, turned, gray.rotate(180), page.dpi)
            for degrees in (90, 270):
                sideways = gray.rotate(degrees, expand=True)
                yield Sample(f"{name} turned {degrees}", truth.kind, "sideways", sideways, page.dpi)


def judge(sample: Sample) -> Outcome:
    start = time.perf_counter()
    skew_only = estimate_skew(sample.gray, sample.dpi)
    skew_s = time.perf_counter() - start
    start = time.perf_counter()
    lines = ink_lines(sample.gray, sample.dpi)
    lines_s = time.perf_counter() - start
    start = time.perf_counter()
    result = vote(lines.rows)
    vote_s = time.perf_counter() - start
    assert lines.skew == skew_only, "ink_lines must find the skew step's angle"
    if result.says_upside_down:
        verdict = "upside down"
    elif result.says_upright:
        verdict = "upright"
    else:
        verdict = "don't know"
    votes = (
        f"lines={result.lines:3d} up={result.upright:3d} down={result.upside_down:3d} "
        f"peaked={result.peakedness:.3f}"
    )
    extra_ms = 1000 * (lines_s + vote_s - skew_s)
    return Outcome(sample, verdict, votes, 1000 * vote_s, 1000 * skew_s, extra_ms)


def report(outcomes: list[Outcome]) -> None:
    wrong = [o for o in outcomes if o.verdict == "upside down" and o.sample.truth != "upside down"]
    turned = [o for o in outcomes if o.sample.truth == "upside down"]
    real = [o for o in turned if "as scanned" in o.sample.name]
    synthetic = [o for o in turned if "turned 180" in o.sample.name]
    found = [o for o in turned if o.verdict == "upside down"]
    print()
    print(f"pages looked at: {len(outcomes)}")
    print(f"misfires (upright or sideways called upside down): {len(wrong)}")
    for o in wrong:
        print(f"  MISFIRE {o.sample.name} ({o.sample.kind}, {o.sample.truth}): {o.votes}")
    for label, group in (("real", real), ("synthetic 180", synthetic)):
        hits = sum(o.verdict == "upside down" for o in group)
        share = 100 * hits / len(group) if group else 0.0
        print(f"upside-down pages found, {label}: {hits}/{len(group)} ({share:.0f} %)")
    missed = [o for o in turned if o not in found]
    for o in missed:
        print(f"  missed {o.sample.name}: {o.votes}")
    upright = [o for o in outcomes if o.sample.truth == "upright"]
    called = sum(o.verdict == "upright" for o in upright)
    print(f"upright pages called upright (unused, for reference): {called}/{len(upright)}")
    n = len(outcomes)
    print(
        f"mean ms/page: vote {sum(o.vote_ms for o in outcomes) / n:.2f}, "
        f"skew step alone {sum(o.skew_ms for o in outcomes) / n:.1f}, "
        f"on top of the skew step (extra profile + vote) "
        f"{sum(o.extra_ms for o in outcomes) / n:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, action="append", help="corpus folder (repeatable)")
    args = parser.parse_args()
    outcomes: list[Outcome] = []
    for root in args.corpus or DEFAULT_CORPORA:
        for sample in samples(root):
            outcome = judge(sample)
            outcomes.append(outcome)
            print(
                f"{sample.name:<34} {sample.kind:<9} {sample.truth:<11} {outcome.votes}  "
                f"-> {outcome.verdict:<11} vote {outcome.vote_ms:4.2f} ms "
                f"(skew step {outcome.skew_ms:5.1f} ms)",
                flush=True,
            )
    report(outcomes)


if __name__ == "__main__":
    main()
