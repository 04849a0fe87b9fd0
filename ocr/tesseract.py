"""The one wrapper around tesseract: a recognition engine kept for the life of a worker.

tesseract runs in-process through its C API (tesserocr). Each worker thread loads
the language model once and keeps it for every page it reads, instead of starting
one tesseract process and loading the model again for each page and each retry:
that load was a third of the CPU of a 200-dpi page. Orientation (OSD) has its own
small engine beside it; switching the recognition engine to OSD mode crashes
tesseract 5.5 (an uncaught C++ exception), so the two are never mixed.

Single-threaded: OMP_THREAD_LIMIT=1 is set before the engine's library is first
loaded (in the worker that loads it, never at import time): tesseract's own
threads made Vietnamese pages 2-8x slower on small machines. The PyPI wheel is
built without OpenMP, so this only matters for a tesserocr built on the system's
libtesseract. A page that runs longer than the timeout is cancelled by tesseract.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from sohoa.ocr import text_layer
from sohoa.ocr.errors import ToolMissing

if TYPE_CHECKING:
    import tesserocr

#: Where Debian/Ubuntu's tesseract-ocr-* packages put the models (5.x, then 4.x).
_SYSTEM_TESSDATA = (
    Path("/usr/share/tesseract-ocr/5/tessdata"),
    Path("/usr/share/tesseract-ocr/4.00/tessdata"),
    Path("/usr/share/tessdata"),
    Path("/usr/local/share/tessdata"),
)
_MISSING = "tesserocr is not installed: pip install tesserocr (tesseract's C API for Python)"
#: Test seam only (tests/deploy), never a setting: see `_wait_at_test_gate`.
_TEST_GATE = "SOHOA_TEST_OCR_GATE"


@dataclass(frozen=True)
class Recognition:
    """What tesseract read on one page."""

    text_pdf: Path
    text: str
    confidence: float
    words: int


class _Engines(threading.local):
    """This thread's engines: an instance is never used by two threads at once."""

    key: tuple[str, str] | None = None
    reader: Any = None
    osd: Any = None


_engines = _Engines()


def recognise(
    image: Image.Image,
    out_base: Path,
    *,
    dpi: float,
    languages: str,
    tessdata_dir: Path | None,
    timeout: float,
) -> Recognition:
    """OCR one greyscale page into a text-only PDF (for the layer), its text and confidence.

    The pixels go to the engine as they are in memory (SetImageBytes), not through a
    file: leptonica's PGM reader made a page cost 0.08-0.15 CPU s more than the same
    pixels handed over (generated corpus, the same text). The layer is written by
    `ocr.text_layer` from the engine's words (reading order, no rule marks), not by
    tesseract's PDF renderer: see that module.
    """
    _wait_at_test_gate()
    api = _reader(languages, tessdata_dir)
    api.SetVariable("user_defined_dpi", str(round(dpi)))
    try:
        gray = image if image.mode == "L" else image.convert("L")
        api.SetImageBytes(gray.tobytes(), gray.width, gray.height, 1, gray.width)
        if not api.Recognize(timeout=int(timeout * 1000)):
            raise RuntimeError(f"tesseract could not read the page within {timeout:g} s")
        lines = text_layer.read_lines(api)
    finally:
        api.Clear()  # the page's results are not needed any more; the model stays
    scores = [w.confidence for line in lines for w in line.words if w.confidence >= 0]
    confidence = sum(scores) / len(scores) if scores else 0.0
    size = image.size
    layer = text_layer.in_reading_order(text_layer.cleaned(lines))
    text = text_layer.plain_text(layer)  # the catalogue's text: the layer's lines, in its order
    pdf = text_layer.write_pdf(
        layer,
        out_base.with_suffix(".pdf"),
        size_px=size,
        dpi=dpi,
        font_file=glyphless_font(tessdata_dir),
    )
    return Recognition(pdf, text, confidence, len(scores))


def _wait_at_test_gate() -> None:
    """Test seam: hold this page until the test lets it go (inactive unless the variable is set).

    The deployment tests must know, without timing, that a worker is in the middle
    of a page before they kill it, restart the broker or stop S3. With
    SOHOA_TEST_OCR_GATE=DIR the worker creates DIR/<pid>.inside, then waits until
    DIR/release exists. Nothing reads the variable but this function; it is no setting.
    """
    gate = os.environ.get(_TEST_GATE)
    if not gate:
        return
    (Path(gate) / f"{os.getpid()}.inside").touch()
    while not (Path(gate) / "release").exists():
        time.sleep(0.05)


def glyphless_font(tessdata_dir: Path | None) -> Path:
    """tesseract's glyphless font (`pdf.ttf`), beside the models or in the system's tessdata."""
    found = Path(tessdata_path(tessdata_dir)) / "pdf.ttf"
    if found.is_file():
        return found
    for folder in _SYSTEM_TESSDATA:
        if (folder / "pdf.ttf").is_file():
            return folder / "pdf.ttf"
    raise ToolMissing(
        f"tesseract's pdf.ttf not found in {found.parent}: apt-get install tesseract-ocr"
    )


def detect_turn(image: Image.Image, *, dpi: float, tessdata_dir: Path | None) -> tuple[int, float]:
    """Degrees counter-clockwise to turn the page upright, and tesseract's confidence."""
    api = _osd(tessdata_dir)
    try:
        api.SetImage(image)
        api.SetSourceResolution(round(dpi))
        found = api.DetectOrientationScript()
    except RuntimeError:
        found = None
    finally:
        api.Clear()
    if not found:
        return 0, 0.0  # too little text to tell: leave the page as scanned
    # The page's orientation, clockwise, is the counter-clockwise turn that makes it upright
    # (PIL and PDF rotations are counter-clockwise; tesseract's CLI says "Rotate: 360 - it").
    return int(found["orient_deg"]) % 360, float(found["orient_conf"])


def check_installed(languages: str, tessdata_dir: Path | None) -> None:
    """Fail early with what to install, rather than on the first page."""
    tessdata = tessdata_path(tessdata_dir)
    try:
        import tesserocr
    except ImportError as e:
        raise ToolMissing(_MISSING) from e
    _, available = tesserocr.get_languages(tessdata)
    missing = [lang for lang in [*languages.split("+"), "osd"] if lang not in available]
    if missing:
        packages = " ".join(f"tesseract-ocr-{lang}" for lang in missing)
        raise ToolMissing(
            f"tesseract language data missing in {tessdata}: {missing}; apt-get install {packages}"
        )


def tessdata_path(tessdata_dir: Path | None) -> str:
    """The models' folder: the one configured, TESSDATA_PREFIX, or the system's packages."""
    if tessdata_dir is not None:
        found = tessdata_dir
    elif os.environ.get("TESSDATA_PREFIX"):
        found = Path(os.environ["TESSDATA_PREFIX"])
    else:
        found = next((p for p in _SYSTEM_TESSDATA if p.is_dir()), _SYSTEM_TESSDATA[0])
    return f"{str(found).rstrip('/')}/"


def load_engine(languages: str, tessdata_dir: Path | None) -> None:
    """Load this thread's recognition engine now, before any page.

    Page workers forked from this thread afterwards inherit it (fork copies the loaded
    model): `sohoa ocr` then loads the model once, not once per worker (farm-bench, a
    2-page file: CPU ratio 0.97), and `sohoa standby` once for every command.
    """
    _reader(languages, tessdata_dir)


def _reader(languages: str, tessdata_dir: Path | None) -> tesserocr.PyTessBaseAPI:
    """This thread's recognition engine for `languages`, loaded on first use only."""
    key = (languages, tessdata_path(tessdata_dir))
    if _engines.reader is None or _engines.key != key:
        tesserocr = _library()
        if _engines.reader is not None:
            _engines.reader.End()  # another profile's languages: one model in memory at a time
        _engines.reader = None
        api = _init(tesserocr, key[1], languages, tesserocr.PSM.AUTO, tesserocr.OEM.LSTM_ONLY)
        _engines.reader, _engines.key = api, key
    return _engines.reader


def _osd(tessdata_dir: Path | None) -> tesserocr.PyTessBaseAPI:
    """This thread's orientation engine (the small legacy OSD model)."""
    if _engines.osd is None:
        tesserocr = _library()
        path = tessdata_path(tessdata_dir)
        api = _init(tesserocr, path, "osd", tesserocr.PSM.OSD_ONLY, tesserocr.OEM.TESSERACT_ONLY)
        api.SetVariable("min_characters_to_try", "10")
        _engines.osd = api
    return _engines.osd


def _init(tesserocr: Any, path: str, lang: str, psm: int, oem: int) -> tesserocr.PyTessBaseAPI:
    try:
        return tesserocr.PyTessBaseAPI(path=path, lang=lang, psm=psm, oem=oem)
    except RuntimeError as e:  # missing or unreadable model
        packages = " ".join(f"tesseract-ocr-{part}" for part in lang.split("+"))
        raise ToolMissing(
            f"tesseract cannot load '{lang}' from {path}: apt-get install {packages}"
        ) from e


def _library() -> Any:
    """Import tesserocr, single-threaded: OpenMP reads its limit when the library loads."""
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        import tesserocr
    except ImportError as e:
        raise ToolMissing(_MISSING) from e
    return tesserocr
