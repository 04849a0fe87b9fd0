"""Born-digital pages and signed PDFs: what must be kept as it is, not rasterised.

A page exported from Word or issued by another system already carries its text
(fonts and text operators): rasterising it would lose quality and searchable
text, and an OCR layer over it would double the text. Such a page is copied
into the PDF/A as it is, provided its fonts are embedded (PDF/A needs every
font program in the file). A page using a font that is not embedded (typically
one of the standard 14, such as Helvetica) is rasterised and recognised
instead, with a note: embedding a substitute font would need /Widths matching
a font program the author never used, a rule the validator checks, and would
silently change how the page looks in some viewers; the raster shows what the
clerk saw and OCR keeps it searchable.

A PDF carrying a digital signature is never rewritten: any change invalidates
the signature, so it is stored byte for byte as received.
"""

from __future__ import annotations

import subprocess
import unicodedata
from pathlib import Path

import pikepdf
from pikepdf import Name

#: Operators that show text (PDF 32000 table 109).
_TEXT_SHOWING = "Tj TJ ' \""
_FONT_FILES = (Name.FontFile, Name.FontFile2, Name.FontFile3)
_MAX_DEPTH = 4  # form XObjects nested deeper than this are not searched


def is_signed(pdf: pikepdf.Pdf) -> bool:
    """True if the document carries a signature: SigFlags set, or a filled /Sig field."""
    form = pdf.Root.get(Name.AcroForm)
    if not isinstance(form, pikepdf.Dictionary):
        return Name.Perms in pdf.Root
    if int(form.get(Name.SigFlags, 0)) & 1:
        return True
    fields = form.get(Name.Fields, pikepdf.Array())
    return Name.Perms in pdf.Root or any(_signed_field(f, 0) for f in fields)


def _signed_field(field: pikepdf.Object, depth: int) -> bool:
    if not isinstance(field, pikepdf.Dictionary) or depth > _MAX_DEPTH:
        return False
    if field.get(Name.FT) == Name.Sig and Name.V in field:
        return True
    return any(_signed_field(kid, depth + 1) for kid in field.get(Name.Kids, pikepdf.Array()))


def has_text(page: pikepdf.Page) -> bool:
    """The page (or a form it draws) shows text with fonts."""
    return _shows_text(page.obj, page, 0)


def _shows_text(holder: pikepdf.Object, parsed: pikepdf.Object | pikepdf.Page, depth: int) -> bool:
    if pikepdf.parse_content_stream(parsed, _TEXT_SHOWING):
        return True
    return depth < _MAX_DEPTH and any(_shows_text(form, form, depth + 1) for form in _forms(holder))


def _forms(holder: pikepdf.Object) -> list[pikepdf.Stream]:
    resources = holder.get(Name.Resources, pikepdf.Dictionary())
    xobjects = resources.get(Name.XObject, pikepdf.Dictionary())
    return [
        x
        for x in xobjects.values()
        if isinstance(x, pikepdf.Stream) and x.get(Name.Subtype) == Name.Form
    ]


def unembedded_fonts(page: pikepdf.Page) -> list[str]:
    """Base names of the fonts the page uses whose program is not in the file."""
    missing: set[str] = set()
    _collect_unembedded(page.obj, missing, 0)
    return sorted(missing)


def _collect_unembedded(holder: pikepdf.Object, missing: set[str], depth: int) -> None:
    resources = holder.get(Name.Resources, pikepdf.Dictionary())
    for font in resources.get(Name.Font, pikepdf.Dictionary()).values():
        if isinstance(font, pikepdf.Dictionary) and not _embedded(font):
            missing.add(str(font.get(Name.BaseFont, "unnamed"))[1:] or "unnamed")
    if depth < _MAX_DEPTH:
        for form in _forms(holder):
            _collect_unembedded(form, missing, depth + 1)


def _embedded(font: pikepdf.Object) -> bool:
    if font.get(Name.Subtype) == Name.Type3:
        return True  # glyphs are content streams in the file
    if font.get(Name.Subtype) == Name.Type0:
        descendants = font.get(Name.DescendantFonts, pikepdf.Array())
        font = descendants[0] if len(descendants) else pikepdf.Dictionary()
    descriptor = font.get(Name.FontDescriptor, pikepdf.Dictionary())
    return any(key in descriptor for key in _FONT_FILES)


def page_text(path: Path, index: int, timeout: float = 60) -> str:
    """The page's own text as a viewer's copy would give it (poppler's pdftotext), NFC."""
    number = str(index + 1)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-f", number, "-l", number, str(path), "-"],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return unicodedata.normalize("NFC", done.stdout).strip() if done.returncode == 0 else ""
