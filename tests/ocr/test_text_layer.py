"""The invisible text layer reads as the page is meant to be read: column by column in a
form's two-column heading, row by row in a table, without the table's rules."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PIL import ImageDraw

from sohoa.ocr.tesseract import glyphless_font
from sohoa.ocr.text_layer import Line, Word, cleaned, in_reading_order, plain_text, write_pdf
from tests import images
from tests.conftest import Digitise, pdftotext

#: The heading of a Vietnamese form: issuing body left, national motto right (spaced as in
#: the dev corpus: the third line further down).
LEFT = ("UBND HUYỆN GIA LỘC", "BỘ PHẬN MỘT CỬA", "Số: 7616/TNHS")
RIGHT = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Gia Lộc, ngày 06 tháng 8",
)
BODY = ("GIẤY TIẾP NHẬN HỒ SƠ", "Mã hồ sơ: 000.00.20.H56-240806-1316")


def line(words: str, left: int, top: int, *, gap_after: dict[int, int] | None = None) -> Line:
    """A line of 30-px words, 60 px wide each, 15 px apart (or wider after the given words)."""
    placed, x = [], left
    for n, text in enumerate(words.split()):
        placed.append(Word(text, (x, top, x + 60, top + 30), 95.0))
        x += 75 + (gap_after or {}).get(n, 0)
    box = (left, top, placed[-1].box[2], top + 30)
    return Line(box, ((left, top + 30), (box[2], top + 30)), tuple(placed), 0)


def texts(lines: list[Line]) -> list[str]:
    return [" ".join(w.text for w in one.words) for one in lines]


def test_a_two_column_heading_is_written_left_column_first() -> None:
    heading = [
        line("A B C D", 100, 100, gap_after={1: 400}),
        line("E F G H", 100, 150, gap_after={1: 400}),
    ]
    assert texts(in_reading_order(heading)) == ["A B", "E F", "C D", "G H"]


def test_a_table_keeps_its_rows_whole() -> None:
    """Rows with two wide gaps (number | item | count) are cells of a table, not columns."""
    table = [line("1 Bản vẽ 01", 100, 100, gap_after={0: 300, 2: 300})] * 2
    assert texts(in_reading_order(table)) == ["1 Bản vẽ 01"] * 2


def test_ordinary_lines_keep_tesseracts_order() -> None:
    body = [line("Xin trân trọng", 100, 100), line("cảm ơn.", 100, 150)]
    assert in_reading_order(body) == body


def test_table_rules_and_specks_are_left_out() -> None:
    """Rules (alone or stuck to a cell), a speck read as `l`, a signature read as letters."""
    row = line("| 5__ Đơn __ l 1 AAXWx,Vwvx", 100, 100)
    unsure = {"l": 5.0, "AAXWx,Vwvx": 2.0}
    words = tuple(Word(w.text, w.box, unsure.get(w.text, 90.0)) for w in row.words)
    assert texts(cleaned([Line(row.box, row.baseline, words, 0)])) == ["5 Đơn 1"]


def test_the_catalogues_text_is_the_layers_lines_with_a_blank_line_between_columns() -> None:
    heading = [
        line("A B C D", 100, 100, gap_after={1: 400}),
        line("E F G H", 100, 150, gap_after={1: 400}),
    ]
    body = [
        replace(line("Xin trân trọng", 100, 250), block=1),
        replace(line("cảm ơn.", 100, 300), block=1),
    ]
    text = plain_text(in_reading_order([*heading, *body]))
    assert text == "A B\nE F\n\nC D\nG H\n\nXin trân trọng\ncảm ơn."


def test_pdftotext_reads_the_written_heading_column_by_column(tmp_path: Path) -> None:
    heading = [
        line("UBND HUYỆN LỘC CỘNG HÒA NAM", 100, 100, gap_after={2: 500}),
        line("BỘ PHẬN CỬA Độc lập phúc", 100, 150, gap_after={2: 500}),
        line("Số: 7616 TNHS Gia Lộc ngày", 100, 220, gap_after={2: 500}),
    ]
    pdf = write_pdf(
        in_reading_order(heading),
        tmp_path / "layer.pdf",
        size_px=(1600, 400),
        dpi=200,
        font_file=glyphless_font(None),
    )
    expected = "UBND HUYỆN LỘC BỘ PHẬN CỬA Số: 7616 TNHS CỘNG HÒA NAM Độc lập phúc Gia Lộc ngày"
    assert pdftotext(pdf).split() == expected.split()


def test_a_scanned_two_column_heading_reads_column_by_column(
    tmp_path: Path, digitise: Digitise
) -> None:
    """Real tesseract reads the heading as lines across both columns; the layer and the
    catalogue's text undo that."""
    page = images.paper((1654, 1200))
    draw = ImageDraw.Draw(page)
    face = images.font(13)
    for n, text in enumerate(LEFT):
        draw.text((440, 160 + (0, 42, 100)[n]), text, font=face, fill=images.INK, anchor="ma")
    for n, text in enumerate(RIGHT):
        draw.text((1150, 160 + (0, 42, 100)[n]), text, font=face, fill=images.INK, anchor="ma")
    for n, text in enumerate(BODY):
        draw.text((827, 420 + n * 50), text, font=face, fill=images.INK, anchor="ma")
    result = digitise(images.save_png(page, tmp_path / "heading.png"))
    anchors = ["UBND", "BỘ PHẬN", "7616", "CỘNG HÒA", "Hạnh phúc", "ngày 06", "GIẤY TIẾP"]
    # the PDF's layer, and the text the catalogue stores and search shows, in the same order
    for text in (" ".join(pdftotext(result.pdf).split()), " ".join(result.page_texts[0].split())):
        where = [text.find(a) for a in anchors]
        assert -1 not in where and where == sorted(where), text
