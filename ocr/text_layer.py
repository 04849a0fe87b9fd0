"""The invisible text layer, written from tesseract's words in reading order.

tesseract's own PDF renderer writes each of its text lines as one run, with a
space stretched over every gap to the next word. On the two-column heading of a
Vietnamese form (agency left, national motto right) tesseract's line runs across
both columns, so `pdftotext`, search snippets and copy-paste read the two
columns interleaved line by line; table rules come out as `|` words. Building
the layer here from tesseract's result iterator (blocks, lines, words with boxes,
baselines and confidences), as OCRmyPDF's hocrtransform does from hOCR:

* a line is cut where a gap is far wider than a word space, and the pieces of
  consecutive cut lines that stand in the same column are written as one block,
  left column first, so readers take one column, then the other;
* every word is placed at its box (horizontal scaling `Tz` fits it to the
  box's width) on its line's baseline, so search hits land on the printed word;
* words that are only rule marks (`|`, `_`, `—`) are left out.

The font is tesseract's glyphless font (`pdf.ttf` in its tessdata folder):
every character is an invisible glyph, 500 units wide, its code the character's
UTF-16 code, so any text can be written and `pdftotext` reads it back. The
coordinates are those of the OCR copy (turned and straightened); the assembler
places the layer on the page with the page's own transform, as before.
"""

from __future__ import annotations

import itertools
import math
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Dictionary, Name

#: (left, top, right, bottom) in pixels of the OCR copy, top-left origin.
Box = tuple[int, int, int, int]

FONT_NAME = "/f-0-0"
#: Characters of table rules and underlines, never text.
RULE_MARKS = "|_—¦│┃"
_DASHES = frozenset(RULE_MARKS + "\u2013-=~")  # with the en dash
#: Below this confidence (0-100) a word of one or two characters is taken for a speck.
UNSURE = 20.0
#: Below this confidence any word is noise (a signature read as `AAXWx,Vwvx` at 2).
HOPELESS = 5.0
#: A gap wider than this many line heights separates columns, not words.
COLUMN_GAP = 2.0
_GLYPH_WIDTH = 0.5  # the glyphless font's advance, in text space units per point


@dataclass(frozen=True)
class Word:
    text: str
    box: Box
    confidence: float


@dataclass(frozen=True)
class Line:
    """One run of words on one baseline; `block` numbers the run's block on the page."""

    box: Box
    baseline: tuple[tuple[int, int], tuple[int, int]]
    words: tuple[Word, ...]
    block: int
    #: Font size in pixels when it must differ from the line's own (see `_by_column`).
    size: float | None = None


def read_lines(api: Any) -> list[Line]:
    """tesseract's lines in its reading order (block by block), from its result iterator."""
    import tesserocr

    iterator = api.GetIterator()
    if iterator is None:
        return []
    word_level, line_level = tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
    # Each line's words are gathered in a list and the Line made once (a frozen Line
    # rebuilt per word cost a dense page 20-30 ms).
    found: list[tuple[Line, list[Word]]] = []
    block = -1
    for it in tesserocr.iterate_level(iterator, word_level):
        block += bool(it.IsAtBeginningOf(tesserocr.RIL.BLOCK))
        if not found or it.IsAtBeginningOf(line_level):
            box = _box(it.BoundingBox(line_level))
            (x1, y1), (x2, y2) = it.Baseline(line_level) or ((box[0], box[3]), (box[2], box[3]))
            found.append((Line(box, ((x1, y1), (x2, y2)), (), max(block, 0)), []))
        text, word_box = _word_text(it, word_level), it.BoundingBox(word_level)
        if text and word_box:
            found[-1][1].append(Word(text, _box(word_box), float(it.Confidence(word_level))))
    return [replace(line, words=tuple(words)) for line, words in found if words]


def _box(found: Any) -> Box:
    left, top, right, bottom = found or (0, 0, 0, 0)
    return int(left), int(top), int(right), int(bottom)


def _word_text(it: Any, level: int) -> str:
    try:
        return unicodedata.normalize("NFC", str(it.GetUTF8Text(level) or "")).strip()
    except RuntimeError:  # tesserocr: "No text returned"
        return ""


def cleaned(lines: Iterable[Line]) -> list[Line]:
    """The lines without what is not text (dev corpus: CER 0.65 % -> 0.51 %).

    Rule marks (`|`, `_`, `—`) come off a word's ends (`5__`, `2|` are cells
    read with their rule); a word of rules and dashes only (`__`, `_——--`) goes;
    so does a one- or two-character word read below UNSURE confidence (specks,
    seal and signature strokes: `l`, `S`, `s.` at 0), and any word below HOPELESS
    (the last: 0.525 % -> 0.51 %).
    """
    kept = []
    for line in lines:
        words = tuple(
            word if text == word.text else replace(word, text=text)
            for word in line.words
            if (text := word.text.strip(RULE_MARKS)) and not _is_junk(text, word.confidence)
        )
        if words == line.words:
            kept.append(line)
        elif words:
            kept.append(replace(line, words=words))
    return kept


def _is_junk(text: str, confidence: float) -> bool:
    if len(text) >= 2 and all(ch in _DASHES for ch in text):
        return True
    return confidence < HOPELESS or (len(text) <= 2 and confidence < UNSURE)


def in_reading_order(lines: Sequence[Line]) -> list[Line]:
    """Two-column headings cut apart and written column by column; all else as tesseract read it.

    A run of consecutive lines that each have exactly one gap wider than
    COLUMN_GAP line heights is a two-column heading (agency | national motto):
    each line is cut at its gap and the left pieces are written before the right
    ones. A run where some line has two or more such gaps is a table: its rows stay
    whole, so each row reads as one line, as printed.
    """
    ordered: list[Line] = []
    run: list[list[Line]] = []
    for line in lines:
        pieces = _cut(line)
        if len(pieces) > 1:
            run.append(pieces)
            continue
        ordered += _by_column(run)
        run = []
        ordered.append(line)
    return ordered + _by_column(run)


def _cut(line: Line) -> list[Line]:
    """The line split where the gap between two words exceeds COLUMN_GAP line heights."""
    height = _height(line)
    pieces: list[list[Word]] = [[line.words[0]]]
    for before, word in zip(line.words, line.words[1:], strict=False):
        if word.box[0] - before.box[2] > COLUMN_GAP * height:
            pieces.append([])
        pieces[-1].append(word)
    if len(pieces) == 1:
        return [line]
    return [replace(line, words=tuple(p), box=_union(w.box for w in p)) for p in pieces]


def _by_column(run: list[list[Line]]) -> list[Line]:
    """A run of cut lines: a table's rows whole again, or a heading's columns one by one."""
    if any(len(pieces) != 2 for pieces in run):
        return [_joined(pieces) for pieces in run]
    columns = [[pieces[0] for pieces in run], [pieces[1] for pieces in run]]
    return [line for column in columns for line in _one_block(column)]


def _joined(pieces: list[Line]) -> Line:
    words = tuple(w for p in pieces for w in p.words)
    return replace(pieces[0], words=words, box=_union(p.box for p in pieces))


def _one_block(column: list[Line]) -> list[Line]:
    """A column's lines with one font size that makes readers take them for one block.

    `pdftotext` keeps lines in one block while their baselines are less than 1.5
    font sizes apart, and merges two lines into one when they are less than half
    a font size apart. A heading's lines are often spaced wider than 1.5 of their
    own size (dev corpus: the number line 58 px under the others, at 30 px): the
    size goes up to what joins them, but never so far as to merge two lines.
    """
    if len(column) < 2:
        return column
    ys = [_baseline_y(line, line.box[0]) for line in column]
    spacings = [b - a for a, b in itertools.pairwise(ys)]
    joining = min(max(spacings) / 1.3, 1.8 * min(spacings))
    size = max(max(_height(line) for line in column), joining)
    return [replace(line, size=size) for line in column]


def _height(line: Line) -> float:
    return line.size or max(_baseline_y(line, line.box[0]) - line.box[1], 1.0)


def _union(boxes: Iterable[Box]) -> Box:
    b = list(boxes)
    return (min(x[0] for x in b), min(x[1] for x in b), max(x[2] for x in b), max(x[3] for x in b))


def _baseline_y(line: Line, x: float) -> float:
    """Where the line's baseline runs at x (pixels, top-left origin)."""
    (x1, y1), (x2, y2) = line.baseline
    slope = (y2 - y1) / (x2 - x1) if x2 != x1 else 0.0
    if abs(slope) < 0.005:
        slope = 0.0
    return y1 + slope * (x - x1)


def plain_text(lines: Sequence[Line]) -> str:
    """The page's text as the layer reads it: what the catalogue stores and search shows.

    One line of text per line, words one space apart; a blank line where a new
    block starts: tesseract's next block, or a line that starts above the one before
    it (the right column of a heading, after the left). So the `.ocr.json`, search
    snippets and the PDF's layer all read in the same order, decided here only.
    """
    out: list[str] = []
    for before, line in zip([None, *lines], lines, strict=False):
        if before is not None and (line.block != before.block or line.box[1] < before.box[1]):
            out.append("")
        out.append(" ".join(word.text for word in line.words))
    return "\n".join(out)


def content(lines: Sequence[Line], *, height_px: int, dpi: float) -> bytes:
    """The layer's content stream: one BT/ET run per line, each word fitted to its place.

    The line's first word is placed with `Tm` (on the baseline, turned by its
    slope), the next ones with `Td` along the baseline. Each word but the last
    carries its following space and is stretched (`Tz`) to the next word's
    start, as tesseract's renderer does: the same CER as words and spaces placed
    apart (dev corpus: 328 against 327 edits) at two thirds of the bytes.
    """
    k = 72.0 / dpi
    out: list[str] = []
    for line in lines:
        (x1, y1), (x2, y2) = line.baseline
        slope = (y2 - y1) / (x2 - x1) if x2 != x1 else 0.0
        slope = 0.0 if abs(slope) < 0.005 else slope
        along = math.hypot(1.0, slope)  # baseline length per pixel of x
        size = _height(line) * k
        first = line.words[0].box[0]
        cos, sin = 1 / along, -slope / along
        turn = "1 0 0 1" if sin == 0 else f"{cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f}"
        y = (height_px - _baseline_y(line, first)) * k
        out.append(f"BT\n3 Tr\n{FONT_NAME} {size:.2f} Tf\n{turn} {first * k:.2f} {y:.2f} Tm\n")
        for word, after in zip(line.words, [*line.words[1:], None], strict=True):
            if after is None:
                out.append(_show(word.text, (word.box[2] - word.box[0]) * k * along, size))
            else:
                step = (after.box[0] - word.box[0]) * k * along
                out.append(_show(word.text + " ", step, size) + f"{step:.2f} 0 Td\n")
        out.append("ET\n")
    return "".join(out).encode("ascii")


def _show(text: str, width: float, size: float) -> str:
    """Show `text` at the current point, stretched to `width` points."""
    code = text.encode("utf-16-be")
    natural = len(code) / 2 * _GLYPH_WIDTH * size
    return f"{100.0 * max(width, 0.1) / natural:.2f} Tz <{code.hex().upper()}> Tj "


def write_pdf(
    lines: Sequence[Line], path: Path, *, size_px: tuple[int, int], dpi: float, font_file: Path
) -> Path:
    """A one-page PDF holding only the layer, in points at `dpi` (what the assembler takes in)."""
    width_px, height_px = size_px
    k = 72.0 / dpi
    with pikepdf.new() as pdf:
        page = pdf.add_blank_page(page_size=(width_px * k, height_px * k))
        page.Resources = Dictionary(Font=Dictionary({FONT_NAME: _font(pdf, font_file)}))
        stream = zlib.compress(content(lines, height_px=height_px, dpi=dpi))
        page.Contents = pdf.make_stream(stream, Filter=Name.FlateDecode)
        pdf.save(path, compress_streams=False)
    return path


def _font(pdf: pikepdf.Pdf, font_file: Path) -> pikepdf.Object:
    """tesseract's glyphless font: Type0, Identity-H, every code drawn by glyph 1."""
    ttf = _read(font_file)
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name.GlyphLessFont,
        FontBBox=[0, 0, 500, 1000],
        Flags=5,
        ItalicAngle=0,
        Ascent=1000,
        Descent=-1,
        CapHeight=1000,
        StemV=80,
        FontFile2=pdf.make_stream(ttf, Length1=len(ttf)),
    )
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name.GlyphLessFont,
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=descriptor,
        DW=500,
        CIDToGIDMap=pdf.make_stream(_CID_TO_GID, Filter=Name.FlateDecode),
    )
    return pdf.make_indirect(
        Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name.GlyphLessFont,
            Encoding=Name("/Identity-H"),
            DescendantFonts=[cid_font],
            ToUnicode=pdf.make_stream(_TO_UNICODE),
        )
    )


@cache
def _read(font_file: Path) -> bytes:
    return font_file.read_bytes()


_CID_TO_GID = zlib.compress(b"\x00\x01" * 65536)
_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identify-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""
