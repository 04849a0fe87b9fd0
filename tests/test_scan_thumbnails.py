"""workers.scan_thumbnails: a page that is one scan under an invisible text layer is
recognised from its objects alone, before any pixel is decoded, and drawn from its
image where its matrix puts it; a page that does anything else is named as such
(NotPlainScan), and workers.thumbnails hands its document to pdftoppm.

The pages here are built with pikepdf (the drawing is compared with pdftoppm's on real
PDF/As in tests/test_thumbnails.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from PIL import Image

from sohoa.workers import scan_thumbnails
from sohoa.workers.scan_thumbnails import NotPlainScan, draw, plan

#: An A4-shaped page in points, and its scan: 2 pixels per point, dark left half.
PAGE = (200, 280)
SCAN = (400, 560)
INVISIBLE_TEXT = b"BT 3 Tr /F1 12 Tf 10 10 Td (so hoa) Tj ET"


def scan_page(
    tmp_path: Path, *, text: bytes = INVISIBLE_TEXT, extra: bytes = b"", **page: Any
) -> Path:
    """One page drawing its scan (a JPEG) over the whole page, then a text-layer form."""
    pixels = Image.new("L", SCAN, 255)
    pixels.paste(0, (0, 0, SCAN[0] // 2, SCAN[1]))
    jpeg = io.BytesIO()
    pixels.save(jpeg, format="JPEG", quality=90)
    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, jpeg.getvalue())
    image.stream_dict = pikepdf.Dictionary(
        Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=SCAN[0], Height=SCAN[1],
        ColorSpace=pikepdf.Name.DeviceGray, BitsPerComponent=8, Filter=pikepdf.Name.DCTDecode,
    )  # fmt: skip
    form = pikepdf.Stream(pdf, text)
    form.stream_dict = pikepdf.Dictionary(
        Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, *PAGE]
    )
    new = pdf.add_blank_page(page_size=PAGE)
    new.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image, Fm0=form))
    content = b"q %d 0 0 %d 0 0 cm /Im0 Do Q /Fm0 Do " % PAGE + extra
    new.Contents = pikepdf.Stream(pdf, content)
    for key, value in page.items():
        new.obj[pikepdf.Name("/" + key)] = value
    path = tmp_path / "page.pdf"
    pdf.save(path)
    return path


def test_a_plain_scan_page_is_planned_without_decoding_and_drawn_where_its_matrix_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pikepdf.open(scan_page(tmp_path)) as doc:
        with monkeypatch.context() as patch:
            patch.setattr(scan_thumbnails, "_decode", _refuse)
            planned = plan(doc.pages[0], 200)
        assert planned.size == PAGE  # 200 px wide, the page's aspect
        a, b, c, d, e, f = planned.to_thumb  # image pixels (y down) -> thumbnail pixels
        assert (a * SCAN[0] + e, d * SCAN[1] + f) == pytest.approx(PAGE)
        assert (b, c, e, f) == pytest.approx((0, 0, 0, 0))
        thumb = draw(planned).convert("L")
    assert thumb.size == PAGE
    assert thumb.getpixel((50, 140)) < 40 and thumb.getpixel((150, 140)) > 215


def test_a_turned_page_is_planned_turned(tmp_path: Path) -> None:
    with pikepdf.open(scan_page(tmp_path, Rotate=90)) as doc:
        planned = plan(doc.pages[0], 200)
        assert planned.size == (PAGE[1], PAGE[0])  # scaled to 200 wide, then a quarter turn
        thumb = draw(planned).convert("L")
    assert thumb.getpixel((140, 50)) < 40 and thumb.getpixel((140, 150)) > 215  # left -> top


@pytest.mark.parametrize(
    ("shape", "says"),
    [
        ({"text": b"BT 0 Tr /F1 12 Tf (so hoa) Tj ET"}, "visible text"),
        ({"text": b"0 g 0 0 10 10 re f"}, "the text layer draws with re"),
        ({"extra": b"0 0 10 10 re f"}, "page content draws with re"),
        ({"extra": b"/Im0 Do"}, "a second image"),
        ({"CropBox": [0, 0, 100, 100]}, "a crop box"),
        ({"Annots": pikepdf.Array()}, "annotations"),
        ({"Rotate": 45}, "/Rotate 45"),
    ],
)
def test_a_page_of_any_other_shape_is_not_a_plain_scan(
    shape: dict[str, Any], says: str, tmp_path: Path
) -> None:
    with pikepdf.open(scan_page(tmp_path, **shape)) as doc, pytest.raises(NotPlainScan, match=says):
        plan(doc.pages[0], 200)


def _refuse(*args: Any) -> Image.Image:
    raise AssertionError("decoded while planning")
