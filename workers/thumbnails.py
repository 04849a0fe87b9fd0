"""Page thumbnails, made once when a document (or a new version of it) is stored.

A dossier page shows every page small; decoding 200 scans per request would
be slow and heavy, so each page is rendered once, here, to a ~200 px wide
JPEG (a few kB) and stored beside the document as its own object::

    dossiers/<code>/<kind>/<name>.thumbs/<n>.jpg      (n = 1 … pages)
    dossiers/<code>/<kind>/<name>.v2.thumbs/<n>.jpg   (a later version's)

One object per page rather than one sprite or tar per document: a page with
``<img loading=lazy>`` asks for each thumbnail on its own as it scrolls into
view, and the store has no ranged read, so one object per page is what can be
streamed as it is, cached forever (keys never change content) and fetched only
when seen. The catalog keeps the prefix (``documents.thumbs_key``); the key names
are storage.keys' (the keeping code lists, copies and deletes thumbnails too).

Two ways to draw them, the same picture either way. A document whose every page is
one scan under an invisible text layer (sohoa's own PDFs) is drawn straight from its
page images (workers.scan_thumbnails: about three times less CPU than pdftoppm).
Any other document (a page of another shape, or any error on the way) is rendered
as before, by one ``pdftoppm`` call for all its pages (poppler, already needed by
the pipeline, streams a large image rather than holding it). Both scale the page
to 200 px wide and then honour its /Rotate, so a turned page gets a turned
thumbnail (a quarter-turned portrait page: 200 px high).

Thumbnails are derived data: a failure is logged and the document is stored
without them (``sohoa thumbnails --missing`` makes them later). Once made they
are kept like every other object of the document (storage.keeping): listed
with their SHA-256, locked for the document's retention, copied to the replica,
checked by ``sohoa audit`` and deleted with it.
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from pathlib import Path

import pikepdf

from sohoa.storage.files import sha256_file
from sohoa.storage.keys import THUMBS_SUFFIX, thumb_key, thumbs_prefix
from sohoa.storage.objects import ObjectStore
from sohoa.workers import scan_thumbnails

__all__ = ["THUMBS_SUFFIX", "render", "store_thumbnails", "thumb_key", "thumbs_prefix"]

log = logging.getLogger(__name__)

WIDTH = 200
QUALITY = 70
#: Seconds before a pdftoppm that hangs on a hostile PDF is stopped.
TIMEOUT = 600
_PAGE = re.compile(r"-(\d+)\.jpg$")


def render(pdf: Path, out_dir: Path, width: int = WIDTH) -> list[Path]:
    """Every page of ``pdf`` as a ``width``-px-wide JPEG, in page order.

    Straight from the page images when every page is a plain scan, else one pdftoppm run.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        return _render_direct(pdf, out_dir, width)
    except Exception as error:  # NotPlainScan, or anything odd: the general renderer
        log.debug("thumbnails by pdftoppm", extra={"reason": f"{type(error).__name__}: {error}"})
        for made in out_dir.glob("p-*.jpg"):
            made.unlink()
    return _render_pdftoppm(pdf, out_dir, width)


def _render_pdftoppm(pdf: Path, out_dir: Path, width: int) -> list[Path]:
    command = [
        "pdftoppm", "-jpeg", "-jpegopt", f"quality={QUALITY}",
        "-scale-to-x", str(width), "-scale-to-y", "-1", str(pdf), str(out_dir / "p"),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True, timeout=TIMEOUT)
    pages = [(int(m.group(1)), p) for p in out_dir.iterdir() if (m := _PAGE.search(p.name))]
    return [path for _, path in sorted(pages)]


def _render_direct(pdf: Path, out_dir: Path, width: int) -> list[Path]:
    """Each page drawn from its one image (workers.scan_thumbnails); NotPlainScan before
    anything is decoded if any page is of another shape."""
    with pikepdf.open(pdf) as doc:
        plans = [scan_thumbnails.plan(page, width) for page in doc.pages]
        if not plans:
            raise scan_thumbnails.NotPlainScan("no pages")
        paths = []
        for number, plan in enumerate(plans, start=1):
            path = out_dir / f"p-{number}.jpg"
            scan_thumbnails.draw(plan).save(path, format="JPEG", quality=QUALITY)
            paths.append(path)
        return paths


def store_thumbnails(store: ObjectStore, pdf: Path, pdf_key: str) -> str | None:
    """Render ``pdf`` (stored under ``pdf_key``) and put one thumbnail per page; the prefix,
    or None when they could not be made (logged; the document itself is unaffected)."""
    prefix = thumbs_prefix(pdf_key)
    try:
        with tempfile.TemporaryDirectory(prefix="sohoa-thumbs-") as tmp:
            for page, path in enumerate(render(pdf, Path(tmp)), start=1):
                store.put_file(
                    thumb_key(prefix, page), path, sha256_file(path), content_type="image/jpeg"
                )
    except Exception as error:
        log.warning(
            "thumbnails not made; `sohoa thumbnails --missing` will make them",
            extra={"object_key": pdf_key, "error": type(error).__name__},
        )
        return None
    return prefix
