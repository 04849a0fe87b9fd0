"""The real decoded size of a PDF's image streams, found before anything decodes them.

An image dictionary's /Width and /Height are only a claim: the JPEG inside may
declare 60000x60000 pixels in its own header, a JPEG 2000 likewise, and a Flate
stream of a megabyte may inflate to a gigabyte. Decoders believe the data, not
the dictionary, so the megapixel limit must be checked against the data: JPEG
and JPEG 2000 headers are parsed (a few bytes), and Flate, LZW and run-length
data are inflated with an output bound and thrown away (a page's worth of
memory at most, counted in 1 MB chunks). A stream that claims more than its
dictionary, or inflates past what its dictionary allows, is a bomb.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
import zlib
from collections.abc import Iterator

import pikepdf
from pikepdf import Name

from sohoa.ocr.pdf_images import filter_names

#: Filters that end in pixels of their own size, told by their own header.
_SIZED_CODECS = {"/DCTDecode", "/JPXDecode"}
#: Filters whose output size the dictionary fixes (bilevel codecs, decoded to WidthxHeight).
_BOUNDED_CODECS = {"/CCITTFaxDecode", "/JBIG2Decode"}
_CHUNK = 1 << 20
#: Depth of nested form XObjects looked into (a loop of forms is cut by `seen`).
_MAX_DEPTH = 8


class StreamBomb(Exception):
    """An image stream decodes to more than its dictionary says or the limit allows."""


def check_page_images(page: pikepdf.Page, max_megapixels: float) -> None:
    """Raise StreamBomb if any image the page draws decodes beyond the limit or its claim."""
    seen: set[tuple[int, int]] = set()
    for image in _images(_resources(page.obj), seen, 0):
        check_image(image, max_megapixels)


def check_image(image: pikepdf.Stream, max_megapixels: float) -> None:
    """One image XObject: its claim within the limit, and its data within its claim."""
    width, height = int(image.get(Name.Width, 0)), int(image.get(Name.Height, 0))
    if width * height > max_megapixels * 1e6:
        raise StreamBomb(f"{width}x{height} px, limit {max_megapixels:g} MP")
    filters = filter_names(image)
    if not filters:
        return  # stored as it is: its size is its length in the file
    codec = filters[-1]
    expected = _decoded_bytes(image, width, height)
    if codec in _SIZED_CODECS:
        header = _decode(image, filters[:-1], max(2 * expected, expected + (1 << 24)), keep=True)
        _compare(codec, _header_size(codec, header), (width, height), max_megapixels)
    elif codec in _BOUNDED_CODECS:
        _decode(image, filters[:-1], expected + (1 << 24), keep=False)
    else:
        _decode(image, filters, expected + expected // 16 + 4096, keep=False)


def _compare(
    codec: str, found: tuple[int, int] | None, claimed: tuple[int, int], mp: float
) -> None:
    if found is None:
        return  # no header we can read: the decoder will refuse it as damaged
    (width, height), kind = found, "JPEG" if codec == "/DCTDecode" else "JPEG 2000"
    if width * height > mp * 1e6 or width > claimed[0] or height > claimed[1]:
        raise StreamBomb(
            f"{kind} header declares {width}x{height} px, "
            f"the PDF says {claimed[0]}x{claimed[1]} (limit {mp:g} MP)"
        )


def _resources(node: pikepdf.Object) -> pikepdf.Object:
    """The page's resources, inherited from the page tree if need be."""
    for _ in range(32):
        if Name.Resources in node:
            return node[Name.Resources]
        parent = node.get(Name.Parent)
        if not isinstance(parent, pikepdf.Dictionary):
            break
        node = parent
    return pikepdf.Dictionary()


def _images(
    resources: pikepdf.Object | None, seen: set[tuple[int, int]], depth: int
) -> Iterator[pikepdf.Stream]:
    """Every image XObject the resources name, their masks, and those of nested forms."""
    if not isinstance(resources, pikepdf.Dictionary) or depth > _MAX_DEPTH:
        return
    xobjects = resources.get(Name.XObject)
    if not isinstance(xobjects, pikepdf.Dictionary):
        return
    for xobject in xobjects.values():
        if not isinstance(xobject, pikepdf.Stream) or xobject.objgen in seen:
            continue
        if xobject.objgen != (0, 0):
            seen.add(xobject.objgen)
        if xobject.get(Name.Subtype) == Name.Form:
            yield from _images(xobject.get(Name.Resources), seen, depth + 1)
        elif xobject.get(Name.Subtype) == Name.Image:
            yield xobject
            for key in (Name.SMask, Name.Mask):
                mask = xobject.get(key)
                if isinstance(mask, pikepdf.Stream) and mask.objgen not in seen:
                    seen.add(mask.objgen)
                    yield mask


def _decoded_bytes(image: pikepdf.Stream, width: int, height: int) -> int:
    """What the dictionary allows the data to decode to (a PNG predictor byte per row included)."""
    if image.get(Name.ImageMask, False):
        components, bits = 1, 1
    else:
        components = _components(image.get(Name.ColorSpace))
        bits = min(max(int(image.get(Name.BitsPerComponent, 8)), 1), 16)
    return height * (math.ceil(width * components * bits / 8) + 1)


def _components(space: pikepdf.Object | None) -> int:
    """Colour components of a colour space; 4 when it cannot be told (generous, still bounded)."""
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased" and isinstance(space[1], pikepdf.Stream):
            return min(max(int(space[1].get(Name.N, 4)), 1), 4)
        if family == "/DeviceN" and isinstance(space[1], pikepdf.Array):
            return min(max(len(space[1]), 1), 32)
        if family in ("/Indexed", "/Separation", "/CalGray"):
            return 1
        space = space[0]
    name = str(space) if space is not None else ""
    return {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3, "/Lab": 3}.get(name, 4)


# -- decoding with an output bound --------------------------------------------------------------


def _decode(image: pikepdf.Stream, filters: list[str], limit: int, *, keep: bool) -> bytes:
    """The data after `filters`, never more than `limit` bytes; b"" when not kept.

    Damaged data ends the check quietly: decoding it later refuses the file as
    damaged, which is the right message for it.
    """
    data = image.read_raw_bytes()
    for position, name in enumerate(filters):
        last = position == len(filters) - 1
        try:
            data = _STAGES.get(name, _unknown)(data, limit, keep or not last)
        except (zlib.error, ValueError, binascii.Error):
            return b""
    return data


def _inflate(data: bytes, limit: int, keep: bool) -> bytes:
    inflater = zlib.decompressobj()
    kept: list[bytes] = []
    total = 0
    while data and not inflater.eof:
        chunk = inflater.decompress(data, _CHUNK)
        data = inflater.unconsumed_tail
        total = _grow(total, len(chunk), limit)
        if keep:
            kept.append(chunk)
    return b"".join(kept)


def _lzw(data: bytes, limit: int, keep: bool) -> bytes:
    """PDF's LZW (early change 1, MSB first), stopped as soon as the output passes `limit`."""
    out = bytearray()
    table: list[bytes] = []
    width, previous, total = 9, b"", 0
    bits, nbits = 0, 0
    for byte in data:
        bits, nbits = (bits << 8) | byte, nbits + 8
        while nbits >= width:
            nbits -= width
            code = (bits >> nbits) & ((1 << width) - 1)
            if code == 256:
                table, width, previous = [bytes([i]) for i in range(256)] + [b"", b""], 9, b""
                continue
            if code == 257:
                return bytes(out)
            if not table:
                table = [bytes([i]) for i in range(256)] + [b"", b""]
            if code < len(table):
                entry = table[code]
            elif code == len(table) and previous:
                entry = previous + previous[:1]
            else:
                raise ValueError("bad LZW code")
            if previous and len(table) < 4096:
                table.append(previous + entry[:1])
            previous = entry
            total = _grow(total, len(entry), limit)
            if keep:
                out += entry
            width = min(12, max(9, (len(table) + 1).bit_length()))
    return bytes(out)


def _run_length(data: bytes, limit: int, keep: bool) -> bytes:
    out = bytearray()
    i, total = 0, 0
    while i < len(data) and data[i] != 128:
        length = data[i]
        if length < 128:
            run, i = data[i + 1 : i + 2 + length], i + 2 + length
        else:
            run, i = data[i + 1 : i + 2] * (257 - length), i + 2
        total = _grow(total, len(run), limit)
        if keep:
            out += run
    return bytes(out)


def _ascii85(data: bytes, limit: int, keep: bool) -> bytes:
    text = data.strip()
    text = text[2:] if text.startswith(b"<~") else text
    return base64.a85decode(text.split(b"~>")[0] + b"~>", adobe=True)[: limit + 1]


def _ascii_hex(data: bytes, limit: int, keep: bool) -> bytes:
    digits = bytes(c for c in data.split(b">")[0] if chr(c) in "0123456789abcdefABCDEF")
    return binascii.unhexlify(digits + b"0" * (len(digits) % 2))[: limit + 1]


def _unknown(data: bytes, limit: int, keep: bool) -> bytes:
    raise ValueError("filter not checked")


def _grow(total: int, more: int, limit: int) -> int:
    total += more
    if total > limit:
        raise StreamBomb(f"image data inflates past {limit:,} bytes, more than its size allows")
    return total


_STAGES = {
    "/FlateDecode": _inflate,
    "/Fl": _inflate,
    "/LZWDecode": _lzw,
    "/LZW": _lzw,
    "/RunLengthDecode": _run_length,
    "/RL": _run_length,
    "/ASCII85Decode": _ascii85,
    "/A85": _ascii85,
    "/ASCIIHexDecode": _ascii_hex,
    "/AHx": _ascii_hex,
}


# -- image headers ------------------------------------------------------------------------------


def _header_size(codec: str, data: bytes) -> tuple[int, int] | None:
    return _jpeg_size(data) if codec == "/DCTDecode" else _jpx_size(data)


#: Start-of-frame markers: every SOFn but DHT (C4), JPG (C8) and DAC (CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the JPEG's start-of-frame segment (the size libjpeg will allocate)."""
    i = 2 if data.startswith(b"\xff\xd8") else -1
    while i >= 0 and i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF or 0xD0 <= marker <= 0xD8 or marker == 0x01:
            i += 1 if marker == 0xFF else 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if marker in _SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return width, height
        if marker in (0xD9, 0xDA):
            return None
        i += 2 + length
    return None


def _jpx_size(data: bytes) -> tuple[int, int] | None:
    """(width, height): the largest of the JP2 image header box and the codestream's SIZ."""
    sizes = [s for s in (_jp2_ihdr(data), _siz(data)) if s is not None]
    return max(sizes, key=lambda s: s[0] * s[1]) if sizes else None


def _jp2_ihdr(data: bytes) -> tuple[int, int] | None:
    for kind, body in _boxes(data):
        if kind == b"jp2h":
            for inner, content in _boxes(body):
                if inner == b"ihdr" and len(content) >= 8:
                    height, width = struct.unpack(">II", content[:8])
                    return width, height
    return None


def _siz(data: bytes) -> tuple[int, int] | None:
    """The codestream's SIZ segment, in a raw codestream or inside the JP2 'jp2c' box."""
    start = data.find(b"\xff\x4f\xff\x51")
    if start < 0 or start + 24 > len(data):
        return None
    xsiz, ysiz, xoff, yoff = struct.unpack(">IIII", data[start + 8 : start + 24])
    return max(xsiz - xoff, 0), max(ysiz - yoff, 0)


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    i = 0
    while i + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        header = 8
        if length == 1 and i + 16 <= len(data):
            (length,) = struct.unpack(">Q", data[i + 8 : i + 16])
            header = 16
        elif length == 0:
            length = len(data) - i
        if length < header:
            return
        yield kind, data[i + header : i + length]
        i += length
