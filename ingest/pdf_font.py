"""A TrueType font embedded in a PDF we write ourselves (separator sheets), Vietnamese included.

PDF's 14 standard fonts have no Vietnamese letters (ắ, ệ, ữ…), and a font that
is not embedded prints with whatever the printer substitutes. So the text is
drawn in DejaVu Sans (Debian's fonts-dejavu-core, whose licence allows
embedding), subset with fontTools to the characters used while keeping the
glyph ids, and embedded as a Type0/Identity-H font with its widths and a
/ToUnicode map: the sheet prints the same everywhere and its text can be copied.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont
from pikepdf import Dictionary, Name

#: Debian fonts-dejavu-core (installed by scripts/install.sh).
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
SANS = DEJAVU / "DejaVuSans.ttf"
SANS_BOLD = DEJAVU / "DejaVuSans-Bold.ttf"


def clean(text: str) -> str:
    """NFC (one code point per Vietnamese letter, as the font maps them), no control chars."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if ch.isprintable())


@dataclass(frozen=True)
class PdfFont:
    """A subset of a TrueType font covering some text, with what is needed to draw it."""

    base_name: str
    program: bytes
    #: Glyph id of every character the subset covers.
    gids: dict[str, int]
    #: Advance width of every glyph, in 1/1000 em (PDF text space).
    widths: dict[int, int]
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int

    @classmethod
    def covering(cls, path: Path, text: str) -> PdfFont:
        """The font at ``path`` cut down to the characters of ``text`` (glyph ids kept)."""
        full = TTFont(str(path), recalcTimestamp=False)  # same subset, same bytes
        cmap = full.getBestCmap()
        chars = sorted({ch for ch in clean(text) + "?" if ord(ch) in cmap})
        options = subset.Options()
        options.retain_gids = True
        options.notdef_outline = True
        options.name_IDs = ["*"]  # keep the copyright and licence notices with the program
        options.drop_tables += ["FFTM"]  # FontForge timestamps: not needed to draw
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(chars))
        subsetter.subset(full)
        out = io.BytesIO()
        full.save(out)
        font = TTFont(io.BytesIO(out.getvalue()))
        scale = 1000 / font["head"].unitsPerEm
        gids = {ch: font.getGlyphID(cmap[ord(ch)]) for ch in chars}
        metrics = font["hmtx"].metrics
        widths = {gid: round(metrics[font.getGlyphName(gid)][0] * scale) for gid in gids.values()}
        head, os2 = font["head"], font["OS/2"]
        return cls(
            base_name=str(font["name"].getDebugName(6) or path.stem),
            program=out.getvalue(),
            gids=gids,
            widths=widths,
            bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
            ascent=round(font["hhea"].ascent * scale),
            descent=round(font["hhea"].descent * scale),
            cap_height=round(getattr(os2, "sCapHeight", 700) * scale),
        )

    def _glyphs(self, text: str) -> list[int]:
        """Glyph ids for ``text``; a character the font lacks prints as "?" rather than vanish."""
        return [self.gids.get(ch, self.gids.get("?", 0)) for ch in clean(text)]

    def width(self, text: str, size: float) -> float:
        """Width of ``text`` set at ``size`` points, in points."""
        return sum(self.widths.get(gid, 0) for gid in self._glyphs(text)) * size / 1000

    def shown(self, text: str) -> str:
        """``text`` as a PDF hex string of 2-byte glyph ids (Identity-H)."""
        return "<" + "".join(f"{gid:04X}" for gid in self._glyphs(text)) + ">"

    def embed(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """The Type0 font dictionary, added to ``pdf`` as an indirect object."""
        tag = _subset_tag(self.program)
        name = Name(f"/{tag}+{self.base_name}")
        widths = [item for gid in sorted(self.widths) for item in (gid, [self.widths[gid]])]
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=name,
            Flags=32,  # non-symbolic
            FontBBox=list(self.bbox),
            ItalicAngle=0,
            Ascent=self.ascent,
            Descent=self.descent,
            CapHeight=self.cap_height,
            StemV=80,
            FontFile2=pdf.make_stream(self.program),
        )
        cid_font = Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=name,
            CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            W=widths,
            CIDToGIDMap=Name.Identity,
        )
        return pdf.make_indirect(
            Dictionary(
                Type=Name.Font,
                Subtype=Name.Type0,
                BaseFont=name,
                Encoding=Name("/Identity-H"),
                DescendantFonts=[pdf.make_indirect(cid_font)],
                ToUnicode=pdf.make_stream(_to_unicode(self.gids)),
            )
        )


def _subset_tag(program: bytes) -> str:
    """Six capital letters naming the subset (PDF 9.6.4), the same for the same subset."""
    digest = hashlib.sha256(program).digest()
    return "".join(chr(ord("A") + b % 26) for b in digest[:6])


def _to_unicode(gids: dict[str, int]) -> bytes:
    """The glyph-to-character map that makes the text searchable and copyable."""
    pairs = sorted({gid: ch for ch, gid in gids.items()}.items())
    lines = [f"<{gid:04X}> <{ord(ch):04X}>" for gid, ch in pairs]
    blocks = "".join(  # at most 100 entries per block (PDF 9.10.3)
        f"{len(chunk)} beginbfchar\n" + "\n".join(chunk) + "\nendbfchar\n"
        for chunk in (lines[i : i + 100] for i in range(0, len(lines), 100))
    )
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        "1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
        + blocks
        + "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()
