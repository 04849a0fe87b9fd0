"""When is a file in a hot folder finished? Linux cannot tell us who still writes it.

So a file is taken only when (1) its size and mtime stayed the same for a settle
interval, (2) it ends the way a complete file of its format ends, and (3) it
parses (ocr.sources.inspect_source). A file that stays unreadable although
unchanged for ``incomplete_seconds`` is given up on and quarantined as corrupt;
one that is readable but unacceptable (encrypted, too small a resolution…) is
quarantined as soon as it is stable.

A TIFF has no trailer and a reader may accept one cut short (an uncompressed
multi-page TIFF still being copied parses, its last pages silently missing), so
a TIFF is complete only when every one of its pages decodes. Whatever a parser
raises on a half-written file is "maybe unfinished", never an error of the
watcher: it must not stop the daemon.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from sohoa.ocr.errors import InputRejected, Reason
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.sources import SourceKind, inspect_source, sniff

#: Rejections a still-growing file produces; anything else is final.
_MAYBE_UNFINISHED = {Reason.EMPTY, Reason.CORRUPT}
_TAIL_BYTES = 2048


@dataclass(frozen=True)
class Timing:
    settle_seconds: float
    incomplete_seconds: float


@dataclass
class _Seen:
    signature: tuple[int, int]
    changed_at: float


@dataclass(frozen=True)
class Ready:
    """Take the file; ``rejection`` set means take it straight to quarantine."""

    path: Path
    rejection: InputRejected | None = None


class Settler:
    """Remembers what each file looked like, to tell finished files from growing ones."""

    def __init__(self, timing: Timing, clock: Callable[[], float]) -> None:
        self._timing = timing
        self._clock = clock
        self._seen: dict[Path, _Seen] = {}

    @property
    def waiting(self) -> int:
        """Files seen but not yet judged finished."""
        return len(self._seen)

    def check(self, path: Path, options: OcrOptions) -> Ready | None:
        """Ready to take, or None to look again later."""
        now = self._clock()
        try:
            stat = path.stat()
        except FileNotFoundError:
            self.forget(path)
            return None
        signature = (stat.st_size, stat.st_mtime_ns)
        seen = self._seen.get(path)
        if seen is None or seen.signature != signature:
            self._seen[path] = _Seen(signature, now)
            return None
        unchanged_for = now - seen.changed_at
        if unchanged_for < self._timing.settle_seconds:
            return None
        rejection = judge(path, options)
        if rejection is None or rejection.reason not in _MAYBE_UNFINISHED:
            return Ready(path, rejection)
        if unchanged_for >= self._timing.incomplete_seconds:
            return Ready(path, rejection)
        return None

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def forget_missing(self, present: set[Path]) -> None:
        for path in [p for p in self._seen if p not in present]:
            del self._seen[path]


def judge(path: Path, options: OcrOptions) -> InputRejected | None:
    """Why the file cannot be taken as it is now, or None when it looks complete and sound."""
    try:
        kind = sniff(path)
        if not _ends_properly(path, kind):
            return InputRejected(Reason.CORRUPT, path, "incomplete: the end of the file is missing")
        inspect_source(path, options)
        if kind is SourceKind.TIFF and not _every_page_decodes(path):
            return InputRejected(Reason.CORRUPT, path, "incomplete: a page does not decode")
    except InputRejected as rejection:
        return rejection
    except Exception as error:  # a parser's surprise on a half-written file
        return InputRejected(Reason.CORRUPT, path, f"unreadable ({type(error).__name__})")
    return None


def _every_page_decodes(path: Path) -> bool:
    """Decode the TIFF's pages one at a time (sizes were bounded by inspect_source)."""
    try:
        with Image.open(path) as image:
            for index in range(getattr(image, "n_frames", 1)):
                image.seek(index)
                image.load()
    except Exception:
        return False
    return True


def _ends_properly(path: Path, kind: SourceKind) -> bool:
    """A complete PDF ends with %%EOF, a JPEG with FFD9, a PNG with IEND (TIFF has no trailer).

    Checked because qpdf repairs truncated PDFs: a half-written scan could
    otherwise parse and be stored without its last pages.
    """
    if kind is SourceKind.TIFF:
        return True
    with path.open("rb") as f:
        f.seek(max(0, os.fstat(f.fileno()).st_size - _TAIL_BYTES))
        tail = f.read()
    if kind is SourceKind.PDF:
        return b"%%EOF" in tail
    if kind is SourceKind.JPEG:
        return tail.rstrip(b"\x00").endswith(b"\xff\xd9")
    return b"IEND" in tail[-12:]
