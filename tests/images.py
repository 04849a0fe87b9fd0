"""Small synthetic scans for the tests: Vietnamese text pages, blank backs, marks.

Everything is drawn with Pillow in DejaVuSans (Debian's fonts-dejavu-core) at
200 dpi on an A5 page, with a large font so tesseract reads it reliably and
fast. Helpers save the pages in every format a counter scanner produces.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import numpy as np
import pikepdf
from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DPI = 200
#: A5 portrait at 200 dpi (148 x 210 mm).
A5 = (1165, 1654)
PAPER = 236  # the light gray of recycled office paper
INK = 25
#: A word that tesseract reads reliably and that appears once per page: where it lands is checked.
MARKER = "20240615"

LINES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "ĐƠN ĐỀ NGHỊ CHỨNG THỰC",
    "Kính gửi: Ủy ban nhân dân phường",
    "Tôi tên là Nguyễn Văn Bình,",
    "sinh năm 1985, thường trú tại",
    f"Số hồ sơ: {MARKER}",
    "Xin trân trọng cảm ơn.",
)


@dataclass(frozen=True)
class Page:
    """A drawn page and where its marker word is, in pixels of the upright page."""

    image: Image.Image
    marker_box: tuple[int, int, int, int] | None = None

    def marker_box_pt(self, dpi: float = DPI) -> tuple[float, float, float, float]:
        """The marker's box in PDF points from the top-left corner (as `pdftotext -bbox`)."""
        assert self.marker_box is not None
        x0, y0, x1, y1 = self.marker_box
        return (x0 * 72 / dpi, y0 * 72 / dpi, x1 * 72 / dpi, y1 * 72 / dpi)


def font(pt: float = 14, dpi: int = DPI) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), round(pt * dpi / 72))


def paper(size: tuple[int, int] = A5, mode: str = "L", tone: int = PAPER) -> Image.Image:
    """An empty sheet; RGB sheets are a warm paper tone."""
    if mode == "RGB":
        return Image.new("RGB", size, (tone, tone - 2, tone - 8))
    return Image.new(mode, size, tone)


def text_page(
    lines: Sequence[str] = LINES,
    *,
    size: tuple[int, int] = A5,
    mode: str = "L",
    pt: float = 14,
    top: int = 160,
    marker: str = MARKER,
) -> Page:
    """A page of a few text lines; records where `marker` was drawn (if it is drawn)."""
    image = paper(size, mode)
    draw = ImageDraw.Draw(image)
    face = font(pt)
    ink = (20, 20, 60) if mode == "RGB" else INK
    step = round(pt * 2.0 * DPI / 72)
    left = 140
    box = None
    for n, line in enumerate(lines):
        y = top + n * step
        draw.text((left, y), line, font=face, fill=ink)
        if marker and marker in line.split():
            before = line[: line.index(marker)]
            x = left + draw.textlength(before, font=face)
            box = tuple(round(v) for v in draw.textbbox((x, y), marker, font=face))
    if mode == "RGB":  # a red seal, so the page really needs colour
        draw.ellipse((700, 1250, 950, 1500), outline=(200, 30, 30), width=8)
    return Page(image, box)


def numbered_page(number: int) -> Page:
    """A short page that says which page it is (to check page order)."""
    return text_page(
        (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            f"Trang số {number}",
            f"Mã trang: {7000 + number}",
            "Xin trân trọng cảm ơn.",
        ),
        marker="",
    )


def with_noise(
    image: Image.Image, *, sigma: float = 4.0, specks: int = 25, seed: int = 7
) -> Image.Image:
    """Scanner noise and a few dust specks (one or two pixels each): still a blank page."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels + rng.normal(0.0, sigma, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), image.mode)
    draw = ImageDraw.Draw(noisy)
    dark = (60, 60, 60) if image.mode == "RGB" else 60
    for _ in range(specks):
        x = int(rng.integers(60, image.width - 60))
        y = int(rng.integers(60, image.height - 60))
        draw.rectangle((x, y, x + int(rng.integers(0, 2)), y + int(rng.integers(0, 2))), fill=dark)
    return noisy


def blank_back(mode: str = "L") -> Image.Image:
    """A true empty back side: paper tone, faint bleed-through, scanner noise and dust."""
    image = paper(A5, mode)
    draw = ImageDraw.Draw(image)
    faint = (PAPER - 25,) * 3 if mode == "RGB" else PAPER - 25
    face = font(14)
    for n, line in enumerate(LINES[:4]):  # mirrored bleed-through of the front, very faint
        draw.text((300, 200 + n * 78), line[::-1], font=face, fill=faint)
    return with_noise(image)


def signature_back(mode: str = "RGB") -> Image.Image:
    """An otherwise blank back side carrying only a hand signature (blue ink)."""
    image = blank_back(mode)
    draw = ImageDraw.Draw(image)
    ink = (30, 40, 150) if mode == "RGB" else 60
    points = [(600 + 12 * i, 900 + (25 if i % 4 in (1, 2) else -20) + i) for i in range(20)]
    draw.line(points, fill=ink, width=4, joint="curve")
    return image


def stamp_back(mode: str = "RGB") -> Image.Image:
    """An otherwise blank back side carrying only a red round seal."""
    image = blank_back(mode)
    draw = ImageDraw.Draw(image)
    red = (200, 30, 30) if mode == "RGB" else 80
    draw.ellipse((500, 700, 760, 960), outline=red, width=7)
    draw.ellipse((540, 740, 720, 920), outline=red, width=3)
    return image


def one_line_back(mode: str = "L") -> Image.Image:
    """An otherwise blank back side with a single short line of text."""
    image = blank_back(mode)
    ink = (25, 25, 25) if mode == "RGB" else INK
    ImageDraw.Draw(image).text((160, 1400), "Đã nhận đủ hồ sơ.", font=font(14), fill=ink)
    return image


def tick_back(mode: str = "L") -> Image.Image:
    """An otherwise blank back side with a small tick mark (about 5 mm) in pen."""
    image = blank_back(mode)
    ink = (25, 25, 25) if mode == "RGB" else INK
    ImageDraw.Draw(image).line([(400, 600), (415, 620), (445, 575)], fill=ink, width=3)
    return image


def turned(image: Image.Image, degrees: int) -> Image.Image:
    """The sheet fed rotated (counter-clockwise degrees)."""
    return image.rotate(degrees, expand=True)


def skewed(image: Image.Image, degrees: float) -> Image.Image:
    """The sheet fed slightly crooked (counter-clockwise positive), paper-coloured corners."""
    fill = (PAPER, PAPER - 2, PAPER - 8) if image.mode == "RGB" else PAPER
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, fillcolor=fill)


# -- saving in the scanners' formats ---------------------------------------------------------


def jpeg_bytes(image: Image.Image, dpi: int = DPI, quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, dpi=(dpi, dpi))
    return buffer.getvalue()


def save_jpeg(image: Image.Image, path: Path, dpi: int = DPI, quality: int = 85) -> Path:
    path.write_bytes(jpeg_bytes(image, dpi, quality))
    return path


def save_png(image: Image.Image, path: Path, dpi: int = DPI) -> Path:
    image.save(path, format="PNG", dpi=(dpi, dpi))
    return path


def bilevel(image: Image.Image) -> Image.Image:
    """Black and white, as a bilevel scanner delivers it."""
    return image.convert("L").point(lambda v: 255 if v > 140 else 0).convert("1")


def save_g4_tiff(images: Sequence[Image.Image], path: Path, dpi: int = DPI) -> Path:
    """A (multi-page) CCITT G4 TIFF."""
    frames = [bilevel(i) for i in images]
    frames[0].save(
        path,
        format="TIFF",
        compression="group4",
        dpi=(dpi, dpi),
        save_all=True,
        append_images=frames[1:],
    )
    return path


def save_jpeg_pdf(images: Sequence[Image.Image], path: Path, dpi: int = DPI) -> Path:
    """A scanner's PDF: one JPEG per page, embedded as is, page size from the dpi."""
    path.write_bytes(img2pdf.convert([jpeg_bytes(i, dpi) for i in images]))
    return path


def save_g4_pdf(images: Sequence[Image.Image], path: Path, dpi: int = DPI) -> Path:
    """A bilevel scanner's PDF: one CCITT G4 image per page."""
    tiff = io.BytesIO()
    save_g4_tiff(images, tiff, dpi)  # type: ignore[arg-type]
    path.write_bytes(img2pdf.convert(tiff.getvalue()))
    return path


def save_bomb_png(path: Path, side: int = 20000) -> Path:
    """A bilevel PNG of side x side pixels (400 MP by default) that compresses to a few kB.

    Written row by row with zlib so the test never holds the decoded image in memory.
    """
    row = b"\x00" + b"\xff" * ((side + 7) // 8)  # filter byte + one white row
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit gray
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def save_jbig2_pdf(image: Image.Image, path: Path, dpi: int = DPI) -> Path:
    """An archive scanner's PDF: one page whose bilevel image is a JBIG2 embedded stream.

    No JBIG2 encoder is packaged for Debian, so the stream is built by hand: a page
    information segment and one immediate lossless generic region coded with MMR
    (ITU T.88 section 6.2.6: MMR is CCITT G4, which Pillow's libtiff writes). The
    page is inverted before G4 coding because G4's "black" runs must be the ink,
    which JBIG2 paints black (1). As in PDF (7.4.7), there is no file header and no
    end-of-page segment. jbig2dec and poppler decode it like any scanner's JBIG2.
    """
    tiff = io.BytesIO()
    save_g4_tiff([Image.eval(image.convert("L"), lambda v: 255 - v)], tiff, dpi)  # type: ignore[arg-type]
    with pikepdf.open(io.BytesIO(img2pdf.convert(tiff.getvalue()))) as carrier:
        (g4_image,) = carrier.pages[0].Resources.XObject.values()
        mmr = g4_image.read_raw_bytes()
    width, height = image.size
    px_per_metre = round(dpi / 0.0254)

    def segment(number: int, kind: int, data: bytes) -> bytes:  # page association: page 1
        return struct.pack(">IBBBI", number, kind, 0, 1, len(data)) + data

    page_info = struct.pack(">IIIIBH", width, height, px_per_metre, px_per_metre, 0, 0)
    region = struct.pack(">IIIIB", width, height, 0, 0, 0) + b"\x01" + mmr  # flags: MMR
    data = segment(0, 48, page_info) + segment(1, 39, region)
    pdf = pikepdf.new()
    jbig2 = pdf.make_stream(
        data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=width,
        Height=height,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=1,
        Filter=pikepdf.Name.JBIG2Decode,
    )
    w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
    page = pdf.add_blank_page(page_size=(w_pt, h_pt))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=jbig2))
    page.Contents = pdf.make_stream(f"q {w_pt:.4f} 0 0 {h_pt:.4f} 0 0 cm /Im0 Do Q".encode())
    pdf.save(path)
    return path
