"""What a PDF image-stream bomb costs sohoa to refuse: ``python -m bench.bombs``.

Builds each malicious PDF (a few hundred KB to ~1 MB on disk) and runs
``sohoa ocr BOMB.pdf OUT.pdf`` on it as a child process, one after the other;
prints a table of exit code, peak RSS of that child (``ru_maxrss`` from
``os.wait4``, so the page workers it waited for are included) and wall time.
The tests (tests/ocr/test_pdf_bombs.py) use the same builders and measurement.

The bombs
  jpeg 60000²   a JPEG whose start-of-frame says 60000x60000 px, in a PDF dictionary
                saying 1000x1400 (decoding it would take 3.6 GB)
  jpeg 12000²   the same at 12000x12000 (144 MP): under Pillow's own bomb guard
                (179 MP), so only sohoa's check stands in the way
  jpx 60000²    a JPEG 2000 whose image header and SIZ say 60000x60000 px
  flate 1 GB    1 GB of zeros deflated to ~1 MB, declared as a 2480x3508 grey page
"""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

#: The sohoa console script of this virtualenv.
SOHOA = Path(sys.executable).with_name("sohoa")
#: The page the bombs claim to be: 1000x1400 px at 200 dpi (5x7 inches).
WIDTH, HEIGHT, DPI = 1000, 1400, 200


def _pdf_with_image(path: Path, data: bytes, **image: object) -> Path:
    """One page drawing one image stream whose (already encoded) data is `data`."""
    width, height = int(str(image["Width"])), int(str(image["Height"]))
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(width * 72 / DPI, height * 72 / DPI))
    stream = pikepdf.Stream(pdf, data)
    for key, value in image.items():
        stream[f"/{key}"] = value
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=stream))
    page.Contents = pdf.make_stream(
        f"q {width * 72 / DPI} 0 0 {height * 72 / DPI} 0 0 cm /Im0 Do Q".encode()
    )
    pdf.save(path, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return path


def jpeg_header_bomb(directory: Path, side: int = 60000) -> Path:
    """A real 1000x1400 JPEG whose start-of-frame is rewritten to say sidexside."""
    buffer = io.BytesIO()
    Image.new("L", (WIDTH, HEIGHT), 255).save(buffer, format="JPEG", quality=75)
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", side, side)
    return _pdf_with_image(
        directory / f"jpeg-{side}.pdf",
        bytes(data),
        Width=WIDTH,
        Height=HEIGHT,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.DCTDecode,
    )


def jpx_header_bomb(directory: Path, side: int = 60000) -> Path:
    """A real 1000x1400 JPEG 2000 (JP2) whose image header box and SIZ say sidexside."""
    buffer = io.BytesIO()
    Image.new("L", (WIDTH, HEIGHT), 255).save(buffer, format="JPEG2000", no_jp2=False)
    data = bytearray(buffer.getvalue())
    ihdr = data.index(b"ihdr") + 4
    data[ihdr : ihdr + 8] = struct.pack(">II", side, side)
    siz = data.index(b"\xff\x4f\xff\x51")
    data[siz + 8 : siz + 16] = struct.pack(">II", side, side)
    return _pdf_with_image(
        directory / f"jpx-{side}.pdf",
        bytes(data),
        Width=WIDTH,
        Height=HEIGHT,
        Filter=pikepdf.Name.JPXDecode,
    )


def flate_bomb(directory: Path, gigabytes: int = 1) -> Path:
    """Zeros deflated chunk by chunk (the test never holds more than 16 MB of them)."""
    deflater = zlib.compressobj(9)
    zeros = bytes(16 << 20)
    parts = [deflater.compress(zeros) for _ in range(gigabytes * 64)]
    parts.append(deflater.flush())
    return _pdf_with_image(
        directory / f"flate-{gigabytes}gb.pdf",
        b"".join(parts),
        Width=2480,
        Height=3508,
        ColorSpace=pikepdf.Name.DeviceGray,
        BitsPerComponent=8,
        Filter=pikepdf.Name.FlateDecode,
    )


@dataclass(frozen=True)
class Refusal:
    """How `sohoa ocr` ended on one file, and what it cost."""

    exit_code: int
    stderr: str
    peak_rss_mb: float
    seconds: float


#: Runs one command and prints its exit code and peak RSS (KiB). A small process in
#: between, because a child's peak RSS starts at its parent's at exec time: measured
#: straight from a big pytest process it would be pytest's size, not the refusal's.
_MEASURE = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(child.pid, 0)\n"
    "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n"
)


def refuse(source: Path, env: dict[str, str]) -> Refusal:
    """Run `sohoa ocr SOURCE OUT.pdf` and measure that child alone (not earlier children)."""
    out = source.with_suffix(".out.pdf")
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(SOHOA), "ocr", str(source), str(out)],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    exit_code, rss_kib = (int(v) for v in done.stdout.split())
    return Refusal(exit_code, done.stderr, rss_kib / 1024, seconds)


BOMBS: dict[str, Callable[[Path], Path]] = {
    "jpeg 60000²": jpeg_header_bomb,
    "jpeg 12000²": lambda d: jpeg_header_bomb(d, 12000),
    "jpx 60000²": jpx_header_bomb,
    "flate 1 GB": flate_bomb,
}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sohoa-bombs-") as scratch:
        directory = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
        env.update({"SOHOA_HOME": str(directory / "home"), "SOHOA_LANG": "en"})
        print(f"{'bomb':<14}{'file KB':>9}{'exit':>6}{'peak RSS MB':>13}{'seconds':>9}")
        for name, build in BOMBS.items():
            source = build(directory)
            result = refuse(source, env)
            size = source.stat().st_size / 1024
            print(
                f"{name:<14}{size:>9.0f}{result.exit_code:>6}"
                f"{result.peak_rss_mb:>13.0f}{result.seconds:>9.2f}"
            )


if __name__ == "__main__":
    main()
