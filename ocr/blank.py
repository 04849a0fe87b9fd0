"""A conservative test for an empty duplex back side.

The law lets us drop only true blank backs (TT 01/2023 Dieu 8): a page with a
signature, a stamp, a tick or one line of text must stay. So a page is blank
only when it has no connected mark at all: scattered dust specks and faint
bleed-through from the front do not count, any stroke does.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

#: Darker than paper by this much is ink (bleed-through is far fainter).
_INK_CONTRAST = 100
#: Ignore this fraction of each edge: scanner shadows and punch holes live there.
_MARGIN = 0.04
#: A mark fills at least this many cells of some 5x5-cell window (about 3.4 mm square);
#: dust specks on the corpus's blank backs fill at most 4, a 1 mm dot or a thin
#: 8 mm rule 5, a tick 14, a short word 19.
_MARK_CELLS = 5
_WINDOW = 5


def blank_reason(gray: Image.Image, dpi: float) -> str | None:
    """A short reason if the page is blank, None if anything is on it."""
    pixels = np.asarray(gray, dtype=np.uint8)
    height, width = pixels.shape
    margin = int(_MARGIN * min(height, width))
    pixels = pixels[margin : height - margin, margin : width - margin]
    paper = float(np.percentile(pixels[::4, ::4], 90))
    ink = pixels < paper - _INK_CONTRAST
    densest = _densest_window(_inked_cells(ink, cell=max(2, round(dpi / 37.5))))
    if densest >= _MARK_CELLS:
        return None
    return f"mặt sau trống / blank back side ({int(ink.sum())} ink pixels, no mark)"


def _inked_cells(ink: np.ndarray, cell: int) -> np.ndarray:
    """Cells of about 0.7 mm holding at least 3 ink pixels."""
    rows, cols = ink.shape[0] // cell, ink.shape[1] // cell
    blocks = ink[: rows * cell, : cols * cell].reshape(rows, cell, cols, cell)
    return np.asarray(blocks.sum(axis=(1, 3)) >= 3)


def _densest_window(cells: np.ndarray) -> int:
    """Most inked cells in any window of _WINDOW x _WINDOW cells (summed-area table)."""
    if min(cells.shape) < _WINDOW:
        return int(cells.sum())
    table = np.pad(cells.astype(np.int32), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    k = _WINDOW
    windows = table[k:, k:] - table[:-k, k:] - table[k:, :-k] + table[:-k, :-k]
    return int(windows.max())
