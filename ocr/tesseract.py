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
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from ocr.errors import ToolMissing

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
    image: Path,
    out_base: Path,
    *,
    dpi: float,
    languages: str,
    tessdata_dir: Path | None,
    timeout: float,
) -> Recognition:
    """OCR one page image into a text-only PDF (for the layer), its text and confidence.

    The PDF comes from tesseract's own renderer (glyphless font, one word per
    box), which needs the image as a file: an uncompressed PGM costs milliseconds.
    """
    api = _reader(languages, tessdata_dir)
    api.SetVariable("user_defined_dpi", str(round(dpi)))
    try:
        if not api.ProcessPages(str(out_base), str(image), timeout=int(timeout * 1000)):
            raise RuntimeError(f"tesseract could not read the page within {timeout:g} s")
        text = unicodedata.normalize("NFC", _text(api))
        confidence, words = _confidence(api)
    finally:
        api.Clear()  # the page's results are not needed any more; the model stays
    return Recognition(out_base.with_suffix(".pdf"), text.strip(), confidence, words)


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


def _reader(languages: str, tessdata_dir: Path | None) -> tesserocr.PyTessBaseAPI:
    """This thread's recognition engine for `languages`, loaded on first use only."""
    key = (languages, tessdata_path(tessdata_dir))
    if _engines.reader is None or _engines.key != key:
        tesserocr = _library()
        if _engines.reader is not None:
            _engines.reader.End()  # another profile's languages: one model in memory at a time
        _engines.reader = None
        api = _init(tesserocr, key[1], languages, tesserocr.PSM.AUTO, tesserocr.OEM.LSTM_ONLY)
        for name, value in {"tessedit_create_pdf": "1", "textonly_pdf": "1"}.items():
            api.SetVariable(name, value)
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


def _text(source: Any, *args: Any) -> str:
    """The text of a page (or of an iterator's word); tesserocr raises on none at all."""
    try:
        return str(source.GetUTF8Text(*args) or "")
    except RuntimeError:  # "No text returned"
        return ""


def _confidence(api: tesserocr.PyTessBaseAPI) -> tuple[float, int]:
    """Mean word confidence (0-100) and count of the words that have text."""
    import tesserocr

    level = tesserocr.RIL.WORD
    iterator = api.GetIterator()
    scores = [
        float(word.Confidence(level))
        for word in (tesserocr.iterate_level(iterator, level) if iterator else ())
        if _text(word, level).strip() and word.Confidence(level) >= 0
    ]
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)
