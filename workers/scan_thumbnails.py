"""Thumbnails of plain scan pages, drawn straight from their one image (no pdftoppm).

sohoa's own PDFs draw each page as one full-page scan (JPEG, CCITT G4, JBIG2 or Flate:
the scanner's bytes, never turned or straightened, drawn through a matrix that turns
and straightens them, see ocr.geometry) plus an invisible text layer (a form of
render-mode-3 text). :func:`plan` decides, from the page's objects alone and before
anything is decoded, whether a page is of that shape and where its image's pixels land
in the thumbnail; :func:`draw` then makes it with pikepdf and Pillow: a JPEG is decoded
by libjpeg at 1/2 to 1/8 scale (``Image.draft``), the other filters in full (pikepdf;
JBIG2 through jbig2dec), then drawn through the page's own matrix and /Rotate onto a
white page laid out as pdftoppm lays it out. pdftoppm would decode every
full-resolution page again: about three times the CPU (issue 9). A grey scan gives a
grey picture (pdftoppm's are always RGB); the picture is the same.

Images are decoded only within the decode limits: the data no bigger than its
dictionary and under the megapixel limit (``ocr.stream_bounds``), Pillow's bomb guard
on (``ocr.decode_limits``), and at most :data:`MAX_FAST_PIXELS` decoded here.

A page of another shape (several images, vector drawing, visible text, annotations, a
crop box, a filter, colour space, mask or decode array not listed, an image past those
limits) raises :class:`NotPlainScan`; workers.thumbnails then renders the whole
document with pdftoppm, which streams a large image rather than holding it.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import pikepdf
from pikepdf import Name
from PIL import Image

from sohoa.ocr.decode_limits import inspected_limits
from sohoa.ocr.geometry import Matrix, multiply
from sohoa.ocr.options import OcrOptions
from sohoa.ocr.pdf_images import filter_names, page_attribute, under_transform
from sohoa.ocr.stream_bounds import check_image

__all__ = ["MAX_FAST_PIXELS", "NotPlainScan", "PagePlan", "draw", "plan"]

#: Decoded pixels one page's image may take here (after a JPEG's reduced decode); a
#: larger one goes to pdftoppm, which streams it.
MAX_FAST_PIXELS = 50_000_000
#: Drawn at this multiple of the thumbnail's size, then reduced (see draw).
_OVERSAMPLE = 2
#: Filters decoded here; anything else goes to pdftoppm.
_FILTERS = {"/DCTDecode", "/CCITTFaxDecode", "/JBIG2Decode", "/FlateDecode"}
_SPACES = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3}
#: What an invisible text layer may do: set text state, position and show text.
_TEXT_OPS = {
    "BT", "ET", "Tf", "Tm", "Td", "TD", "T*", "Tz", "TL", "Tc", "Tw", "Ts", "Tr",
    "Tj", "TJ", "'", '"', "q", "Q", "cm", "g", "G", "rg", "RG", "k", "K",
}  # fmt: skip
_SHOW_OPS = {"Tj", "TJ", "'", '"'}


class NotPlainScan(Exception):
    """The page is not one image under an invisible text layer: pdftoppm draws it."""


@dataclass(frozen=True)
class PagePlan:
    """One plain scan page: its image and where its pixels land in the thumbnail."""

    image: pikepdf.Stream
    #: Image pixel (x right, y down) to thumbnail pixel, PDF row-vector convention.
    to_thumb: Matrix
    size: tuple[int, int]


# -- is the page a plain scan? --------------------------------------------------------------


def plan(page: pikepdf.Page, width: int) -> PagePlan:
    """Where ``page``'s one image lands in a ``width``-px-wide thumbnail, read from the
    page's objects alone; :class:`NotPlainScan`, before anything is decoded, for a page
    of another shape."""
    node = page.obj
    if any(k in node for k in (Name.Annots, Name.UserUnit)):
        raise NotPlainScan("annotations or a user unit")
    box = _box(page_attribute(node, Name.MediaBox))
    crop = page_attribute(node, Name.CropBox)
    if crop is not None and _box(crop) != box:
        raise NotPlainScan("a crop box")
    rotate = int(page_attribute(node, Name.Rotate) or 0) % 360
    if rotate % 90:
        raise NotPlainScan(f"/Rotate {rotate}")
    resources = page_attribute(node, Name.Resources)
    xobjects = resources.get(Name.XObject) if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        raise NotPlainScan("no image")
    image_name, ctm = _drawn_image(page, xobjects)
    image = xobjects[image_name]
    assert isinstance(image, pikepdf.Stream)  # _drawn_image draws only streams
    _check_image(image)
    return _placement(image, ctm, box, rotate, width)


def _box(value: pikepdf.Object | None) -> tuple[float, float, float, float]:
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        raise NotPlainScan("no media box")
    x0, y0, x1, y1 = (float(v) for v in value)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _drawn_image(page: pikepdf.Page, xobjects: pikepdf.Dictionary) -> tuple[str, Matrix]:
    """The one image the content draws, and the matrix it is drawn with; other drawing is
    allowed only as forms of invisible text."""
    drawn: tuple[str, Matrix] | None = None
    for op, operands, ctm in under_transform(page):
        if op == "Do" and len(operands) == 1:
            name = str(operands[0])
            xobject = xobjects.get(name)
            if not isinstance(xobject, pikepdf.Stream):
                raise NotPlainScan(f"{name} missing")
            if xobject.get(Name.Subtype) == Name.Form:
                _check_invisible(xobject)
            elif xobject.get(Name.Subtype) == Name.Image and drawn is None:
                drawn = name, ctm
            else:
                raise NotPlainScan("a second image")
        else:
            raise NotPlainScan(f"page content draws with {op}")
    if drawn is None:
        raise NotPlainScan("no image drawn")
    return drawn


def _check_invisible(form: pikepdf.Stream) -> None:
    """A form that only shows text in render mode 3 (neither filled nor stroked)."""
    modes = [0]
    for instruction in pikepdf.parse_content_stream(form):
        op = str(instruction.operator)
        if op not in _TEXT_OPS:
            raise NotPlainScan(f"the text layer draws with {op}")
        if op == "q":
            modes.append(modes[-1])
        elif op == "Q" and len(modes) > 1:
            modes.pop()
        elif op == "Tr":
            modes[-1] = int(instruction.operands[0])
        elif op in _SHOW_OPS and modes[-1] != 3:
            raise NotPlainScan("visible text")


def _check_image(image: pikepdf.Stream) -> None:
    filters = filter_names(image)
    if len(filters) != 1 or filters[0] not in _FILTERS:
        raise NotPlainScan(f"filters {filters}")
    if any(k in image for k in (Name.ImageMask, Name.SMask, Name.Mask, Name.Decode)):
        raise NotPlainScan("a mask or decode array")
    if _components(image.get(Name.ColorSpace)) is None:
        raise NotPlainScan(f"colour space {image.get(Name.ColorSpace)}")
    width, height = int(image.get(Name.Width, 0)), int(image.get(Name.Height, 0))
    if width < 1 or height < 1:
        raise NotPlainScan("no size")
    check_image(image, OcrOptions.max_megapixels)  # StreamBomb: pdftoppm streams it instead


def _components(space: pikepdf.Object | None) -> int | None:
    if isinstance(space, pikepdf.Array) and len(space) == 2 and space[0] == Name.ICCBased:
        n = space[1].get(Name.N) if isinstance(space[1], pikepdf.Stream) else None
        return int(n) if n in (1, 3) else None
    if isinstance(space, pikepdf.Array) and len(space) >= 1:
        space = space[0] if str(space[0]) in ("/CalGray", "/CalRGB") else None
    return _SPACES.get(str(space)) if space is not None else None


def _placement(
    image: pikepdf.Stream,
    ctm: Matrix,
    box: tuple[float, float, float, float],
    rotate: int,
    width: int,
) -> PagePlan:
    """Image pixels to thumbnail pixels, laid out as pdftoppm -scale-to-x does: the media
    box scaled to ``width`` px wide, then turned by /Rotate (so a quarter-turned portrait
    page is wider than ``width``), the height rounded up as poppler does."""
    x0, y0, x1, y1 = box
    page_w, page_h = x1 - x0, y1 - y0
    if page_w <= 0 or page_h <= 0:
        raise NotPlainScan("an empty page")
    resolution = 72.0 * width / page_w
    dev_w, dev_h = page_w * (resolution / 72.0), page_h * (resolution / 72.0)
    k = resolution / 72.0
    upright = (width, math.ceil(dev_h))  # pdftoppm's own arithmetic, so the sizes agree
    size = (upright[1], upright[0]) if rotate in (90, 270) else upright
    to_device: Matrix = (k, 0, 0, -k, -x0 * k, y1 * k)  # user space, y up -> pixels, y down
    turn: Matrix = {
        0: (1, 0, 0, 1, 0, 0),
        90: (0, 1, -1, 0, dev_h, 0),
        180: (-1, 0, 0, -1, dev_w, dev_h),
        270: (0, -1, 1, 0, 0, dev_w),
    }[rotate]
    w, h = int(image.Width), int(image.Height)
    unit: Matrix = (1 / w, 0, 0, -1 / h, 0, 1)  # image pixels (y down) -> unit square
    to_thumb = multiply(multiply(multiply(unit, ctm), to_device), turn)
    if abs(to_thumb[0] * to_thumb[3] - to_thumb[1] * to_thumb[2]) < 1e-12:
        raise NotPlainScan("a degenerate matrix")
    return PagePlan(image, to_thumb, size)


# -- drawing -----------------------------------------------------------------------------


def draw(planned: PagePlan) -> Image.Image:
    """The page as the thumbnail shows it: the image through its matrix on white.

    Drawn at ``_OVERSAMPLE`` times the size and then reduced, so that turning and
    straightening blur it no more than pdftoppm's own scaling does.
    """
    w, h = int(planned.image.Width), int(planned.image.Height)
    n = _OVERSAMPLE
    m = multiply(planned.to_thumb, (n, 0, 0, n, 0, 0))
    # Drawn pixels per image pixel along the image's own axes.
    sx, sy = math.hypot(m[0], m[1]), math.hypot(m[2], m[3])
    pixels = _decode(planned.image, (max(1, math.ceil(w * sx)), max(1, math.ceil(h * sy))))
    if pixels.mode not in ("L", "RGB"):
        pixels = pixels.convert("RGB" if pixels.mode in ("P", "PA", "RGBA") else "L")
    m = multiply((w / pixels.width, 0, 0, h / pixels.height, 0, 0), m)
    scaled = (max(1, round(w * sx)), max(1, round(h * sy)))
    if scaled[0] < pixels.width and scaled[1] < pixels.height:
        m = multiply((pixels.width / scaled[0], 0, 0, pixels.height / scaled[1], 0, 0), m)
        pixels = pixels.resize(scaled, Image.Resampling.BOX)
    a, b, c, d, e, f = m
    det = a * d - b * c
    inverse = (d / det, -c / det, (c * f - d * e) / det, -b / det, a / det, (b * e - a * f) / det)
    white = 255 if pixels.mode == "L" else (255, 255, 255)
    size = (planned.size[0] * n, planned.size[1] * n)
    drawn = pixels.transform(
        size, Image.Transform.AFFINE, inverse, Image.Resampling.BILINEAR, fillcolor=white
    )
    return drawn.reduce(n) if n > 1 else drawn


def _decode(image: pikepdf.Stream, wanted: tuple[int, int]) -> Image.Image:
    """The image's pixels, a JPEG at the smallest libjpeg scale still at least ``wanted``."""
    w, h = int(image.Width), int(image.Height)
    with inspected_limits():
        if filter_names(image) == ["/DCTDecode"]:
            jpeg = Image.open(io.BytesIO(image.read_raw_bytes()))
            if jpeg.size != (w, h) or jpeg.mode not in ("L", "RGB"):
                raise NotPlainScan(f"JPEG {jpeg.mode} {jpeg.size}")
            jpeg.draft(jpeg.mode, wanted)
            _within_budget(jpeg.width * jpeg.height)
            jpeg.load()
            return jpeg
        _within_budget(w * h)
        pixels = pikepdf.PdfImage(image).as_pil_image()
        if pixels.size != (w, h):
            raise NotPlainScan(f"decoded {pixels.size}")
        return pixels


def _within_budget(pixels: int) -> None:
    if pixels > MAX_FAST_PIXELS:
        raise NotPlainScan(f"{pixels} pixels to decode")
