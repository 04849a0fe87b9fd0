"""Make the bundled sample scan: a two-sheet duplex application, as a counter scanner delivers it.

Page 1: an application form (Vietnamese), scanned 1.5 degrees askew.
Page 2: the empty back of sheet 1 (sohoa drops it as a blank back, recoverably).
Page 3: the form's second page, fed upside down.
Page 4: the back of sheet 2, with a signature: it must be kept.

Grayscale JPEG at 200 dpi inside a PDF, like most ADF scanners. Run from the repo:
    python examples/make_sample.py   (rewrites examples/sample-scan.pdf)
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import img2pdf
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 200
SIZE = (1654, 2339)  # A4 at 200 dpi
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"

PAGE_1 = [
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", True),
    ("Độc lập - Tự do - Hạnh phúc", True),
    ("", False),
    ("ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TRÍCH LỤC HỘ TỊCH", True),
    ("", False),
    ("Kính gửi: Ủy ban nhân dân phường Thành Công", False),
    ("Họ, chữ đệm, tên người yêu cầu: Nguyễn Thị Minh Hằng", False),
    ("Ngày, tháng, năm sinh: 14/03/1987", False),
    ("Nơi cư trú: số 12 ngõ 85 phố Láng Hạ, quận Đống Đa", False),
    ("Số định danh cá nhân: 001187012345", False),
    ("Đề nghị cấp bản sao trích lục khai sinh cho con là", False),
    ("Trần Minh Khôi, sinh ngày 02/09/2015.", False),
    ("Số lượng bản sao: 02 bản.", False),
    ("Mục đích sử dụng: bổ sung hồ sơ nhập học.", False),
]
PAGE_3 = [
    ("Tôi cam đoan những nội dung khai trên đây là đúng sự thật", False),
    ("và chịu trách nhiệm trước pháp luật về lời khai của mình.", False),
    ("", False),
    ("Giấy tờ kèm theo: bản sao giấy khai sinh, căn cước công dân.", False),
    ("Mã hồ sơ: 000.00.20.H56-240101-0001", False),
    ("", False),
    ("Hà Nội, ngày 01 tháng 01 năm 2024", False),
    ("NGƯỜI YÊU CẦU", True),
    ("(Ký, ghi rõ họ tên)", False),
]


def _paper() -> Image.Image:
    rng = random.Random(7)
    page = Image.new("L", SIZE, 238)
    noise = Image.effect_noise(SIZE, 6).point(lambda v: v - 128)
    page = Image.blend(page, Image.merge("L", [noise]).point(lambda v: 238 + (v - 128) // 8), 0.5)
    draw = ImageDraw.Draw(page)
    for _ in range(40):  # dust specks
        x, y = rng.randrange(SIZE[0]), rng.randrange(SIZE[1])
        draw.point((x, y), fill=60)
    return page


def _text_page(lines: list[tuple[str, bool]]) -> Image.Image:
    page = _paper()
    draw = ImageDraw.Draw(page)
    regular, bold = ImageFont.truetype(FONT, 36), ImageFont.truetype(BOLD, 36)
    y = 180
    for text, strong in lines:
        font = bold if strong else regular
        width = draw.textlength(text, font=font)
        x = (SIZE[0] - width) / 2 if strong else 170
        draw.text((x, y), text, fill=25, font=font)
        y += 70
    return page.filter(ImageFilter.GaussianBlur(0.6))


def _signature(page: Image.Image) -> Image.Image:
    draw = ImageDraw.Draw(page)
    points = [(1100 + i * 9, 1600 + int(30 * ((i % 7) - 3) ** 2 / 9)) for i in range(40)]
    draw.line(points, fill=40, width=4)
    return page


def _jpeg(page: Image.Image) -> bytes:
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=60, dpi=(DPI, DPI))
    return buffer.getvalue()


def main() -> None:
    pages = [
        _text_page(PAGE_1).rotate(1.5, fillcolor=238, resample=Image.Resampling.BICUBIC),
        _paper(),
        _text_page(PAGE_3).rotate(180),
        _signature(_paper()),
    ]
    out = Path(__file__).with_name("sample-scan.pdf")
    out.write_bytes(img2pdf.convert([_jpeg(p) for p in pages]))
    print(f"wrote {out} ({out.stat().st_size // 1024} KB, {len(pages)} pages)")


if __name__ == "__main__":
    main()
