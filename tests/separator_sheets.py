"""Separator sheets (phiếu phân tách hồ sơ) and receipts with QR codes, drawn for the tests.

Symbols come from zxing-cpp's own writer (no extra dependency); sheets are A5
at 200 dpi like the other synthetic pages in tests.images.
"""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from tests import images


def symbol(text: str, kind: str = "qr", scale: int = 6) -> Image.Image:
    """A QR code (``kind="qr"``) or Code 128 (``"code128"``) as a grayscale image."""
    fmt = zxingcpp.BarcodeFormat.QRCode if kind == "qr" else zxingcpp.BarcodeFormat.Code128
    options = {"ec_level": "L"} if kind == "qr" else {}
    barcode = zxingcpp.create_barcode(text, fmt, **options)
    pixels = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=scale))
    image = Image.fromarray(pixels).convert("L")
    return image.resize((image.width, 140)) if kind == "code128" else image


def separator_sheet(
    qr: str | None, code128: str | None = None, *, printed: str = "", damaged: bool = False
) -> Image.Image:
    """A separator sheet: title, the code in clear, a QR code and optionally a Code 128.

    ``damaged`` wipes a band across the QR code's data (finder patterns intact): it
    is still seen as a QR code but cannot be decoded, like a torn or smudged sheet.
    """
    page = images.paper()
    draw = ImageDraw.Draw(page)
    draw.text((200, 150), "PHIẾU PHÂN TÁCH HỒ SƠ", font=images.font(16), fill=images.INK)
    draw.text((200, 260), f"Mã hồ sơ: {printed or qr or code128}", font=images.font(11))
    if qr is not None:
        mark = symbol(qr, "qr")
        page.paste(mark, ((page.width - mark.width) // 2, 420))
        if damaged:
            side, x0 = mark.width, (page.width - mark.width) // 2
            draw.rectangle(
                (x0 + side * 0.45, 420 + side * 0.45, x0 + side * 0.8, 420 + side * 0.8),
                fill=images.PAPER,
            )
    if code128 is not None:
        bars = symbol(code128, "code128", scale=2)
        page.paste(bars, ((page.width - bars.width) // 2, 900))
    return page


def receipt_with_qr(code: str) -> Image.Image:
    """A receipt (giấy tiếp nhận) as the one-stop system prints it: QR top left, full of text."""
    page = images.text_page(
        (
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            f"Mã hồ sơ: {code}",
            "Bộ phận tiếp nhận và trả kết quả",
            "Tiếp nhận hồ sơ của: Nguyễn Văn Bình",
            "Thành phần hồ sơ gồm: đơn đề nghị,",
            "bản sao căn cước công dân, giấy tờ khác.",
            "Ngày hẹn trả kết quả: 15/06/2024",
            "Người tiếp nhận ký và ghi rõ họ tên",
        ),
        top=420,
        marker="",
    ).image
    page.paste(symbol(code, "qr", scale=4), (80, 60))
    return page
