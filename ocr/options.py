"""What the page pipeline needs to know, passed in explicitly (never read from the environment)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class OcrOptions:
    """Knobs for one document; built by the faces from settings and the scanner profile.

    Picklable on purpose: it travels to the worker processes with every page job.
    """

    languages: str = "vie"
    tessdata_dir: Path | None = None
    min_dpi: float = 200.0
    max_pages: int = 500
    max_megapixels: float = 120.0
    deskew: bool = True
    fix_orientation: bool = True
    #: The scanner fed both sides: even pages (2, 4, ...) are back sides.
    duplex: bool = True
    #: Drop empty back sides of duplex scans; front sides are never dropped.
    drop_blank_backs: bool = True
    #: Below this mean word confidence the page is checked for a wrong orientation.
    orientation_check_below: float = 75.0
    #: DPI used to rasterise PDF pages that are not one scanned image (vector content).
    raster_dpi: int = 300
    #: Seconds one tesseract run may take before it is killed.
    tesseract_timeout: float = 180.0
    #: The clerk states the scans' resolution (dpi): overrides file headers and inference.
    assume_dpi: float | None = None
