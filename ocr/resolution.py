"""The resolution of a scan, when its file header cannot be trusted.

Phones, some scanner drivers and image editors write 72 or 96 dpi into every
file whatever the scan was. A header is implausible when the paper size it
implies is larger than any office sheet (an A3's long side). The pixel size then
tells more: when its proportions are those of an A4, Letter or Legal sheet,
the resolution is the long side in pixels over the sheet's long side. All ISO A
sizes share one proportion (an A5 looks like an A4): A4 is assumed, the common
sheet, and the larger one, so the inferred resolution is never overstated. A
true low-resolution scan stays low (an A4 at 150 dpi is inferred as 150 dpi and
refused), and a clerk who knows can state the resolution (``assume_dpi``).
"""

from __future__ import annotations

from dataclasses import dataclass

#: Long and short side in inches of the sheets an office scans.
PAPERS = {
    "A4": (297 / 25.4, 210 / 25.4),  # also A3, A5, A6: same proportions
    "Letter": (11.0, 8.5),
    "Legal": (14.0, 8.5),
}
#: The largest sheet an office scans (A3, 420 mm); a header implying more is implausible.
LARGEST_SHEET_INCHES = 420 / 25.4
#: How close the pixel proportions must be to a sheet's (scanners crop a little).
RATIO_TOLERANCE = 0.03


@dataclass(frozen=True)
class Resolution:
    dpi: float
    note: str = ""


def resolve(width: int, height: int, recorded: float, assume_dpi: float | None) -> Resolution:
    """The dpi to use for an image page, and a note (vi + en) when it is not the header's."""
    if assume_dpi:
        return Resolution(
            assume_dpi,
            f"độ phân giải do người dùng chỉ định: {assume_dpi:g} dpi "
            f"(resolution set by the user: {assume_dpi:g} dpi)",
        )
    long_px = max(width, height)
    if recorded > 1 and long_px / recorded <= LARGEST_SHEET_INCHES:
        return Resolution(recorded)
    paper = _paper(width, height)
    if paper is None:
        return Resolution(recorded) if recorded > 1 else _assumed_a4(long_px)
    name, long_in = paper
    dpi = long_px / long_in
    vi = f"{recorded:.0f} dpi" if recorded > 1 else "không ghi"
    en = f"{recorded:.0f} dpi" if recorded > 1 else "not recorded"
    return Resolution(
        dpi,
        f"độ phân giải ghi trong tệp ({vi}) không hợp lý với {width}x{height} px; "
        f"suy ra {dpi:.0f} dpi theo khổ giấy {name} "
        f"(the file's resolution ({en}) is implausible for {width}x{height} px; "
        f"inferred {dpi:.0f} dpi from the {name} paper size)",
    )


def _paper(width: int, height: int) -> tuple[str, float] | None:
    ratio = max(width, height) / max(1, min(width, height))
    for name, (long_in, short_in) in PAPERS.items():
        if abs(ratio / (long_in / short_in) - 1) <= RATIO_TOLERANCE:
            return name, long_in
    return None


def _assumed_a4(long_px: int) -> Resolution:
    """No resolution in the file and no known proportions (a phone capture): assume an A4."""
    dpi = long_px / PAPERS["A4"][0]
    return Resolution(dpi, f"resolution not recorded; assumed A4 ({dpi:.0f} dpi)")
