"""Image-stream bombs inside a PDF are refused before anything decodes them.

The image dictionary's /Width and /Height are a claim; the data decides what a
decoder allocates. A JPEG or JPEG 2000 whose own header declares far more
pixels, or a Flate stream inflating to a gigabyte, is refused with the bomb
message (exit 3), cheaply: each refusal's peak memory and time are printed
(``pytest -s``; the same table comes from ``python -m bench.bombs``), and the
memory is held under a bound. Before this check the 12000² JPEG cost 630 MB and
16 s and the 1 GB Flate stream 2.2 GB and 14 s, and both were stored as blank pages.
"""

from __future__ import annotations

import io
import os
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, TiffImagePlugin

from bench.bombs import BOMBS, refuse
from sohoa.exit_codes import ExitCode
from sohoa.ocr.stream_bounds import StreamBomb, check_image

#: Refusing must not cost more than this (a decoded bomb costs gigabytes).
MAX_RSS_MB = 500


@pytest.mark.parametrize("name", BOMBS)
def test_an_image_stream_bomb_is_refused_cheaply(name: str, tmp_path: Path) -> None:
    source = BOMBS[name](tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update({"SOHOA_HOME": str(tmp_path / "home"), "SOHOA_LANG": "en"})
    result = refuse(source, env)
    print(f"\n{name}: peak RSS {result.peak_rss_mb:.0f} MB, {result.seconds:.2f} s")
    assert result.exit_code == ExitCode.BAD_INPUT, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{source.name}: the image is too large (possible decompression bomb)" in result.stderr
    assert not source.with_suffix(".out.pdf").exists()
    assert result.peak_rss_mb < MAX_RSS_MB


# -- the check itself, on streams built in memory -----------------------------------------------


#: Streams belong to a PDF, which must outlive them.
_PDF = pikepdf.new()


def image_stream(data: bytes, filters: list[str], **extra: object) -> pikepdf.Stream:
    """A 300x200 grey image XObject whose encoded data is `data`."""
    stream = pikepdf.Stream(_PDF, data)
    stream.Width, stream.Height, stream.BitsPerComponent = 300, 200, 8
    stream.ColorSpace = pikepdf.Name.DeviceGray
    stream.Filter = pikepdf.Array([pikepdf.Name(f) for f in filters])
    for key, value in extra.items():
        stream[f"/{key}"] = value
    return stream


def tiff_lzw_strip(pixels: bytes) -> bytes:
    """LZW data as TIFF writes it, which is PDF's LZW (MSB first, early change)."""
    buffer = io.BytesIO()
    image = Image.frombytes("L", (300, 200), pixels)
    image.save(buffer, format="TIFF", compression="tiff_lzw", tiffinfo={278: 200})
    with Image.open(buffer) as tiff:
        assert isinstance(tiff, TiffImagePlugin.TiffImageFile)
        offset, length = tiff.tag_v2[273][0], tiff.tag_v2[279][0]
    return buffer.getvalue()[offset : offset + length]


Check = Callable[[pikepdf.Stream], None]
check: Check = lambda stream: check_image(stream, 120)  # noqa: E731


def test_a_flate_image_of_its_own_size_passes_with_or_without_a_predictor() -> None:
    pixels = bytes(range(256)) * (300 * 200 // 256) + bytes(300 * 200 % 256)
    check(image_stream(zlib.compress(pixels), ["/FlateDecode"]))
    rows = b"".join(b"\x00" + pixels[r * 300 : (r + 1) * 300] for r in range(200))
    parms = pikepdf.Dictionary(Predictor=15, Columns=300)
    check(image_stream(zlib.compress(rows), ["/FlateDecode"], DecodeParms=parms))


def test_a_flate_stream_inflating_past_its_size_is_a_bomb() -> None:
    with pytest.raises(StreamBomb, match="inflates past"):
        check(image_stream(zlib.compress(bytes(300 * 200 * 4)), ["/FlateDecode"]))


def test_flate_under_ascii85_is_followed_through_both_filters() -> None:
    import base64

    data = base64.a85encode(zlib.compress(bytes(300 * 200 * 4)), adobe=True)[2:]
    with pytest.raises(StreamBomb):
        check(image_stream(data, ["/ASCII85Decode", "/FlateDecode"]))


def test_lzw_is_decoded_within_the_bound_and_bombs_are_refused() -> None:
    pixels = bytes((x * y) % 251 for y in range(200) for x in range(300))
    legit = image_stream(tiff_lzw_strip(pixels), ["/LZWDecode"])
    assert legit.read_bytes() == pixels  # the test data is what PDF readers decode
    check(legit)
    big = image_stream(tiff_lzw_strip(bytes(300 * 200)), ["/LZWDecode"])
    big.Height = 20  # the same data, claimed to be a tenth of its size
    with pytest.raises(StreamBomb):
        check(big)


def test_a_dictionary_beyond_the_limit_is_a_bomb_without_reading_the_data() -> None:
    stream = image_stream(b"not even image data", ["/DCTDecode"])
    stream.Width, stream.Height = 20000, 20000
    with pytest.raises(StreamBomb, match="limit 120 MP"):
        check(stream)
