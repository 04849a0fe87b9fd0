"""Born-digital PDFs as Word, LibreOffice or another office system exports them.

LibreOffice is not installed on the test machines, so pages are written here the
way those exporters write them: text drawn with text operators in a TrueType font
embedded as a Type0/Identity-H font (DejaVuSans, subset with fontTools keeping the
glyph ids), with /W widths from the font's own metrics and a /ToUnicode map so the
text can be searched and copied. Also: a page in non-embedded Helvetica (as old
generators write), and a signed PDF (an AcroForm signature field with a value).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Array, Dictionary, Name

from tests.images import FONT_PATH

A4_PT = (595.0, 842.0)


def _font_program(text: str) -> tuple[bytes, TTFont]:
    options = subset.Options()
    options.retain_gids = True
    options.notdef_outline = True
    font = TTFont(str(FONT_PATH))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue(), TTFont(io.BytesIO(out.getvalue()))


def _to_unicode(gids: dict[str, int]) -> bytes:
    lines = [f"<{gid:04X}> <{ord(ch):04X}>" for ch, gid in sorted(gids.items(), key=lambda i: i[1])]
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        f"{len(lines)} beginbfchar\n" + "\n".join(lines) + "\nendbfchar\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()


def embedded_font(pdf: pikepdf.Pdf, text: str) -> tuple[pikepdf.Object, dict[str, int]]:
    """A Type0 font for `text`'s characters and the glyph id of each character."""
    program, font = _font_program(text)
    cmap = font.getBestCmap()
    gids = {ch: font.getGlyphID(cmap[ord(ch)]) for ch in set(text) if ord(ch) in cmap}
    scale = 1000 / font["head"].unitsPerEm
    widths = Array()
    for gid in sorted(set(gids.values())):
        widths.extend(
            [gid, Array([round(font["hmtx"].metrics[font.getGlyphName(gid)][0] * scale)])]
        )
    descriptor = Dictionary(
        Type=Name.FontDescriptor,
        FontName=Name("/ABCDEF+DejaVuSans"),
        Flags=32,
        FontBBox=[-1021, -463, 1793, 1232],
        ItalicAngle=0,
        Ascent=928,
        Descent=-236,
        CapHeight=729,
        StemV=80,
        FontFile2=pdf.make_stream(program),
    )
    cid_font = Dictionary(
        Type=Name.Font,
        Subtype=Name.CIDFontType2,
        BaseFont=Name("/ABCDEF+DejaVuSans"),
        CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
        FontDescriptor=pdf.make_indirect(descriptor),
        W=widths,
        CIDToGIDMap=Name.Identity,
    )
    type0 = Dictionary(
        Type=Name.Font,
        Subtype=Name.Type0,
        BaseFont=Name("/ABCDEF+DejaVuSans"),
        Encoding=Name("/Identity-H"),
        DescendantFonts=[pdf.make_indirect(cid_font)],
        ToUnicode=pdf.make_stream(_to_unicode(gids)),
    )
    return pdf.make_indirect(type0), gids


def add_text_page(pdf: pikepdf.Pdf, lines: Sequence[str], *, embed: bool = True) -> None:
    """An A4 page of text lines at 14 pt, as an office export draws it."""
    page = pdf.add_blank_page(page_size=A4_PT)
    if embed:
        font, gids = embedded_font(pdf, "".join(lines))

        def shown(line: str) -> str:
            return "<" + "".join(f"{gids[ch]:04X}" for ch in line if ch in gids) + "> Tj"

    else:
        font = pdf.make_indirect(
            Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name.Helvetica)
        )

        def shown(line: str) -> str:
            return "(" + line.replace("(", r"\(").replace(")", r"\)") + ") Tj"

    body = "".join(f"1 0 0 1 72 {770 - 24 * n} Tm {shown(line)}\n" for n, line in enumerate(lines))
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    page.Contents = pdf.make_stream(f"BT /F1 14 Tf\n{body}ET\n".encode())


def save_text_pdf(path: Path, pages: Sequence[Sequence[str]], *, embed: bool = True) -> Path:
    with pikepdf.new() as pdf:
        for lines in pages:
            add_text_page(pdf, lines, embed=embed)
        pdf.save(path)
    return path


def append_pages(path: Path, *others: Path) -> Path:
    """Pages of several PDFs in one (a mixed document: exported and scanned pages)."""
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for other in others:
            with pikepdf.open(other) as more:
                pdf.pages.extend(more.pages)
        pdf.save(path)
    return path


def sign(path: Path, out: Path) -> Path:
    """The PDF with a filled signature field, as a signing tool leaves it.

    The signature value is a placeholder (no certificate is needed to recognise a
    signed file: SigFlags and a /Sig field with /V are what sohoa looks at).
    """
    with pikepdf.open(path) as pdf:
        value = Dictionary(
            Type=Name.Sig,
            Filter=Name("/Adobe.PPKLite"),
            SubFilter=Name("/adbe.pkcs7.detached"),
            Contents=pikepdf.String(b"\x00" * 64),
            ByteRange=[0, 0, 0, 0],
            M="D:20260101120000+07'00'",
        )
        widget = pdf.make_indirect(
            Dictionary(
                Type=Name.Annot,
                Subtype=Name.Widget,
                FT=Name.Sig,
                T="Chữ ký số",
                V=pdf.make_indirect(value),
                Rect=[0, 0, 0, 0],
                F=132,
                P=pdf.pages[0].obj,
            )
        )
        pdf.pages[0].Annots = pdf.make_indirect(Array([widget]))
        pdf.Root.AcroForm = Dictionary(Fields=[widget], SigFlags=3)
        pdf.save(out)
    return out
