"""Before signing: page 1 upright and the producer agreed, saved once more as checked PDF/A.

Signing must be the last byte-changing step, so whatever the signature needs from the
file happens here, before it:

* page 1 with ``/Rotate`` 90/180/270 is turned into the same picture with ``/Rotate`` 0
  (content wrapped in a rotation, media box swapped), so the mark placed at the top
  right reads upright where a person sees the top right (signing.md, pitfall 5);
* pyHanko appends its name to Info ``/Producer`` when it signs; a PDF/A's XMP producer
  must agree, so both say exactly pyHanko's name already (pitfall 3).
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pikepdf.pdfa


class PdfaBroken(Exception):
    """The prepared file is not valid PDF/A-2b (nothing is signed then)."""


def vendor() -> str:
    from pyhanko.pdf_utils.metadata.model import VENDOR

    return str(VENDOR)


def prepare_for_signing(source: Path, output: Path) -> tuple[float, float]:
    """Write the upright, producer-agreed PDF/A-2b to ``output``; returns page 1's size."""
    with pikepdf.open(source) as pdf:
        page = pdf.pages[0]
        rotate = int(page.obj.get("/Rotate", 0)) % 360
        if rotate:
            _upright(pdf, page, rotate)
        _agree_producer(pdf)
        try:
            pikepdf.pdfa.save(pdf, output, "2b", repair=False, compress_streams=True)
        except pikepdf.pdfa.PdfaError as error:
            findings = "; ".join(f"{f.rule}: {f.message}" for f in error.report.findings[:3])
            raise PdfaBroken(findings) from error
        box = [float(v) for v in pdf.pages[0].mediabox]
    return box[2] - box[0], box[3] - box[1]


def _upright(pdf: pikepdf.Pdf, page: pikepdf.Page, rotate: int) -> None:
    """Bake ``/Rotate`` into the content: the page shows the same, with ``/Rotate`` 0."""
    x0, y0, x1, y1 = (float(v) for v in page.mediabox)
    width, height = x1 - x0, y1 - y0
    # The matrix maps the old user space onto the viewer's upright picture.
    matrix = {
        90: (0, -1, 1, 0, -y0, x1),
        180: (-1, 0, 0, -1, x1, y1),
        270: (0, 1, -1, 0, y1, -x0),
    }[rotate]
    page.contents_coalesce()
    cm = " ".join(f"{v:g}" for v in matrix)
    page.contents_add(pikepdf.Stream(pdf, f"q {cm} cm\n".encode()), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n"))
    page.contents_coalesce()
    new = (0, 0, height, width) if rotate in (90, 270) else (0, 0, width, height)
    page.obj.MediaBox = pikepdf.Array(new)
    for box in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
        if box in page.obj:
            del page.obj[box]
    del page.obj["/Rotate"]


def _agree_producer(pdf: pikepdf.Pdf) -> None:
    """pyHanko rewrites the XMP producer to its own name and leaves an Info producer that
    already names it: both say exactly that (sohoa stays named as xmp:CreatorTool)."""
    with pdf.open_metadata(set_pikepdf_as_editor=False) as xmp:
        xmp["pdf:Producer"] = vendor()
    pdf.docinfo["/Producer"] = vendor()
