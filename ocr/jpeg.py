"""Smaller JPEG page images with exactly the same pixels: optimal Huffman tables (jpegtran).

A scanner writes its JPEGs with the standard Huffman tables, chosen for speed.
`jpegtran -optimize` recodes the same quantised coefficients with tables made for
this image: nothing is decoded or quantised again, so every decoded pixel stays
the same, and a 200-dpi grey page is about 8 % smaller (dev and generated
corpora). Markers are copied as they are (`-copy all`): an Adobe marker decides
how colour JPEGs are decoded and must not be lost. Baseline, not progressive:
old viewers and office printers decode it.

Only a JPEG written with the example tables of the JPEG standard (Annex K, what
libjpeg and most scanner firmware write by default) is recoded: one whose tables
were already made for the image (the dev corpus's scans) would gain nothing, and
reading its header costs nothing, where jpegtran costs a few hundredths of a second.

jpegtran comes with Debian's libjpeg-turbo-progs (scripts/install.sh). Without
it, or when it refuses a file or would not make it smaller, the scanner's bytes
are kept: the result is never worse than the input.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

#: Seconds one page may take; jpegtran needs a few hundredths for a 200-dpi page.
_TIMEOUT = 60
#: Code-length counts of the four Huffman tables of the JPEG standard's Annex K
#: (DC and AC, luminance and chrominance).
_STANDARD_COUNTS = {
    (0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
    (0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    (0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D),
    (0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77),
}


@cache
def _jpegtran() -> str | None:
    return shutil.which("jpegtran")


def optimised(data: bytes) -> bytes | None:
    """The same JPEG with optimal Huffman tables, or None if that is not smaller (or fails)."""
    tool = _jpegtran()
    if tool is None or not has_standard_tables(data):
        return None
    try:
        done = subprocess.run(
            [tool, "-optimize", "-copy", "all"],
            input=data,
            capture_output=True,
            timeout=_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 or done.stderr or not done.stdout.startswith(b"\xff\xd8"):
        return None  # a warning (damaged data) means the recoding is not to be trusted
    return done.stdout if len(done.stdout) < len(data) else None


def has_standard_tables(data: bytes) -> bool:
    """A baseline JPEG whose Huffman tables are all the standard's examples (header read only)."""
    if not data.startswith(b"\xff\xd8"):
        return False
    counts: list[tuple[int, ...]] = []
    at = 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at + 4 : at + 2 + length]
        if marker == 0xDA:  # start of scan: every table is known by now
            return bool(counts) and all(c in _STANDARD_COUNTS for c in counts)
        if marker == 0xC4:  # one or more Huffman tables: class/id, 16 counts, the values
            table = 0
            while table + 17 <= len(segment):
                lengths = tuple(segment[table + 1 : table + 17])
                counts.append(lengths)
                table += 17 + sum(lengths)
        elif marker not in (0xC0, 0xC1, 0xDB, 0xDD) and not 0xE0 <= marker <= 0xFE:
            return False  # progressive, arithmetic or lossless coding: left as it is
        at += 2 + length
    return False
