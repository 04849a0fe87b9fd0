"""The visible mark's font: DejaVu Sans rescaled to 1000 units/em, embedded by pyHanko.

pyHanko 0.38 writes CIDFont widths in raw font units; a 2048-units/em font renders
letter-spaced and breaks PDF/A-2 rule 6.2.11.5-1 (../shared/spec/signing.md, pitfall 1).
fontTools' ``scaleUpem`` fixes that; the copy is renamed (a modified font keeps no
reserved name) and cached beside the source's checksum so it is made once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

#: Debian fonts-dejavu-core; covers Vietnamese (precomposed Latin Extended Additional).
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
STAMP_FAMILY = "SohoaStampSans"
_lock = threading.Lock()


def stamp_font(source: Path = DEJAVU_SANS, cache_dir: Path | None = None) -> Path:
    """A 1000-units/em copy of ``source`` (made once, then reused)."""
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    directory = cache_dir or Path(tempfile.gettempdir()) / f"sohoa-fonts-{os.getuid()}"
    target = directory / f"{STAMP_FAMILY}-{digest}.ttf"
    with _lock:
        if not target.exists():
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _rescale(source, target)
    return target


def _rescale(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(str(source))
    scale_upem(font, 1000)
    if "FFTM" in font:  # FontForge's timestamps: pyHanko cannot subset them and says so
        del font["FFTM"]
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16):
            names.setName(
                STAMP_FAMILY, record.nameID, record.platformID, record.platEncID, record.langID
            )
        elif record.nameID == 6:
            names.setName(STAMP_FAMILY, 6, record.platformID, record.platEncID, record.langID)
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(str(partial))
    partial.replace(target)  # atomic: another process never reads half a font
