"""Find the one scanned image on a PDF page, so it can be kept exactly as embedded.

A counter scanner's PDF draws one image per page over the whole page. We take
that image's bytes untouched (JPEG stays JPEG, G4 stays bilevel) and read its
resolution from the matrix that draws it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pikepdf
import pikepdf.jbig2
from pikepdf import Name

from sohoa.ocr.errors import ToolMissing
from sohoa.ocr.geometry import Matrix, multiply

#: Filters PDF/A-2 allows and any viewer decodes; LZW is forbidden in PDF/A.
#: JBIG2 is allowed (globals included): a JBIG2 scan stays JBIG2 in the output.
_KEEPABLE_FILTERS = {
    "/DCTDecode",
    "/CCITTFaxDecode",
    "/FlateDecode",
    "/JPXDecode",
    "/JBIG2Decode",
}
JBIG2_MISSING = "jbig2dec (JBIG2 decoder) is not installed: apt-get install jbig2dec"
_KEEPABLE_SPACES = {"/DeviceGray", "/DeviceRGB", "/CalGray", "/CalRGB"}


@dataclass(frozen=True)
class PageImage:
    name: str
    image: pikepdf.Object
    width: int
    height: int
    dpi: float
    embeddable: bool
    note: str


def find_page_image(page: pikepdf.Page) -> PageImage | None:
    """The page's single full-page image, or None when the page is anything else."""
    resources = page.obj.get(Name.Resources, pikepdf.Dictionary())
    xobjects = resources.get(Name.XObject, pikepdf.Dictionary())
    if any(not isinstance(v, pikepdf.Stream) for v in xobjects.values()):
        # A reference to an object that is not there: a truncated or damaged file.
        raise pikepdf.PdfError("the page draws an image object that is missing or damaged")
    images = [(str(k), v) for k, v in xobjects.items() if v.get(Name.Subtype) == Name.Image]
    if len(images) != 1 or len(xobjects) != 1:
        return None
    name, image = images[0]
    matrix = _draw_matrix(page, name)
    if matrix is None:
        return None
    width, height = int(image.Width), int(image.Height)
    shown_width_in = (matrix[0] ** 2 + matrix[1] ** 2) ** 0.5 / 72
    shown_height_in = (matrix[2] ** 2 + matrix[3] ** 2) ** 0.5 / 72
    if shown_width_in <= 0 or shown_height_in <= 0:
        return None
    dpi = min(width / shown_width_in, height / shown_height_in)
    problem = _why_not_keepable(image)
    return PageImage(
        name,
        image,
        width,
        height,
        dpi,
        embeddable=not problem,
        note=f"image re-encoded: {problem}" if problem else "",
    )


def _draw_matrix(page: pikepdf.Page, name: str) -> Matrix | None:
    """The current transformation when the image is drawn; None if drawn twice or never."""
    found: Matrix | None = None
    for op, operands, ctm in under_transform(page, "q Q cm Do"):
        if op == "Do" and str(operands[0]) == name:
            if found is not None:
                return None
            found = ctm
    return found


def under_transform(
    content: pikepdf.Page | pikepdf.Stream, operators: str = ""
) -> Iterator[tuple[str, list[pikepdf.Object], Matrix]]:
    """Each drawing instruction of ``content`` (only ``operators`` if given) with the
    transformation it draws under; the graphics-state ones (q, Q, cm) are followed, not
    given."""
    stack: list[Matrix] = []
    ctm: Matrix = (1, 0, 0, 1, 0, 0)
    for instruction in pikepdf.parse_content_stream(content, operators):
        op, operands = str(instruction.operator), list(instruction.operands)
        if op == "q":
            stack.append(ctm)
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = multiply((a, b, c, d, e, f), ctm)
        else:
            yield op, operands, ctm


def filter_names(image: pikepdf.Object) -> list[str]:
    """The image's compression filters, in order ("/DCTDecode", ...)."""
    filters = image.get(Name.Filter)
    if isinstance(filters, pikepdf.Array):
        return [str(f) for f in filters]
    return [str(filters)] if filters is not None else []


def require_decoder(image: pikepdf.Object) -> None:
    """JBIG2 is decoded by an external program (pikepdf calls jbig2dec): say so before OCR.

    Only the OCR copy needs the decoder; the PDF/A keeps the JBIG2 data as it is.
    """
    global _jbig2_found
    if _jbig2_found or "/JBIG2Decode" not in filter_names(image):
        return
    try:
        pikepdf.jbig2.get_decoder().check_available()
    except pikepdf.DependencyError as e:
        raise ToolMissing(JBIG2_MISSING) from e
    _jbig2_found = True  # checked once per process: it runs `jbig2dec --version`


_jbig2_found = False


def _why_not_keepable(image: pikepdf.Object) -> str:
    """Empty if the image can go into a PDF/A-2b as it is, else the reason."""
    names = filter_names(image)
    if any(f not in _KEEPABLE_FILTERS for f in names):
        return f"filter {','.join(names)} not allowed in PDF/A"
    if Name.SMask in image or Name.Mask in image:
        return "transparency mask"
    space = image.get(Name.ColorSpace)
    if image.get(Name.ImageMask, False):
        return "stencil mask"
    if "/JPXDecode" in names and space is None:
        return ""
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == Name.ICCBased:
        return "" if int(space[1].get(Name.N, 0)) in (1, 3) else "CMYK colour"
    if str(space) not in _KEEPABLE_SPACES:
        return f"colour space {space}"
    return ""


def page_attribute(node: pikepdf.Object, key: Name) -> pikepdf.Object | None:
    """A page attribute as the page sees it, looking up the page tree (at most 32 levels)."""
    for _ in range(32):
        if key in node:
            return node[key]
        parent = node.get(Name.Parent)
        if not isinstance(parent, pikepdf.Dictionary):
            return None
        node = parent
    return None
