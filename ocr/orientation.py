"""Tell an upside-down page before reading it, from the row profile the skew step built.

Vietnamese print is top-heavy: ascenders, capitals and the many marks above the
x-height band (ắ ề ộ ữ) against few descenders and dots below (g p q y, ạ ệ ọ). In
each text line of the straightened ~100-dpi copy the ink just above the core band
outweighs the ink just below; on a page fed upside down it is the other way round.
Only a strong vote over many lines counts, and only on a profile made of separate
lines (a sideways page projects its lines into one smooth hump): otherwise the
answer is "don't know", and the page goes the usual way (read as scanned, the OSD
retry if the reading is poor). It is a hint, not a decision: a page wrongly read
turned reads poorly, so the OSD retry reads it the other way and the better reading
is kept; a wrong hint costs today's second reading, never accuracy.

Measured with ``python -m bench.orientation`` (dev and generated corpora, 56 pages;
each content page also turned 180 degrees, every page turned 90 and 270): no
upright or sideways page called upside down, the 3 real upside-down pages found
and 44 of the 46 turned ones, about 1 ms a page on top of the skew step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

#: Rows (at ~100 dpi, about 1 cm) over which the ink floor is taken: a table's
#: vertical rules or a dark scan edge add ink to every row and would join the lines.
_FLOOR_WINDOW = 41
#: A text line is at least this many rows of the ~100-dpi copy (smaller: specks, rules).
_MIN_LINE_ROWS = 6
#: The core (x-height) band: the rows with at least this share of the line's densest row.
_CORE_SHARE = 0.5
#: A line votes when one side of its core has this many times the other side's ink ...
_LINE_RATIO = 1.5
#: ... plus this many pixels (a line with next to nothing on either side does not vote).
_LINE_MARGIN = 5
#: The page verdict needs at least this many lines voting for it, ...
_MIN_VOTES = 8
#: ... at least this share of all the lines found, ...
_MIN_SHARE = 0.5
#: ... and this many times the votes for the other way.
_MIN_LEAD = 4
#: Profiles made of separate lines are this peaked (sum of squared steps / sum of squares):
#: text pages 0.17 and more, pages turned sideways 0.12 and less (dev + generated corpora).
_MIN_PEAKEDNESS = 0.15


@dataclass(frozen=True)
class Vote:
    """The lines' votes on a page: how many lines found, how many look upright, upside down."""

    lines: int
    upright: int
    upside_down: int
    peakedness: float

    @property
    def says_upside_down(self) -> bool:
        """Only a strong, many-line vote on a page of clear lines counts."""
        return self._wins(self.upside_down, self.upright)

    @property
    def says_upright(self) -> bool:
        return self._wins(self.upright, self.upside_down)

    def _wins(self, votes: int, against: int) -> bool:
        return (
            self.peakedness >= _MIN_PEAKEDNESS
            and votes >= _MIN_VOTES
            and votes >= _MIN_SHARE * self.lines
            and votes >= _MIN_LEAD * against
        )


def vote(rows: npt.NDArray[np.intp]) -> Vote:
    """Each text line of the row profile votes by the ink just above and below its core."""
    profile = rows.astype(np.float64)
    if not profile.size or not profile.any():
        return Vote(0, 0, 0, 0.0)
    peakedness = float(np.square(np.diff(profile)).sum() / np.square(profile).sum())
    above_below = [_above_below(line) for line in _lines(profile - _floor(profile))]
    up = sum(a > _LINE_RATIO * b + _LINE_MARGIN for a, b in above_below)
    down = sum(b > _LINE_RATIO * a + _LINE_MARGIN for a, b in above_below)
    return Vote(len(above_below), up, down, peakedness)


def _floor(profile: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The least ink per row nearby: what rules and edges add under the text."""
    half = _FLOOR_WINDOW // 2
    padded = np.pad(profile, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, _FLOOR_WINDOW)
    floor: npt.NDArray[np.float64] = windows.min(axis=1)
    return floor


def _lines(text: npt.NDArray[np.float64]) -> list[npt.NDArray[np.float64]]:
    """Runs of rows with ink above the floor, tall enough to be a line of text."""
    inked = np.concatenate(([0], (text > 1).astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(inked))
    runs = zip(edges[::2], edges[1::2], strict=True)
    return [text[a:b] for a, b in runs if b - a >= _MIN_LINE_ROWS]


def _above_below(line: npt.NDArray[np.float64]) -> tuple[float, float]:
    """Ink above and below the line's core band."""
    core = np.flatnonzero(line >= _CORE_SHARE * line.max())
    return float(line[: core[0]].sum()), float(line[core[-1] + 1 :].sum())
