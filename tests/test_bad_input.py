"""Bad input is refused with one clear line (the file, what is wrong, what to do), a documented
exit code, no traceback, nothing stored in the object store or catalog and no partial output."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from typer.testing import Result

from sohoa.exit_codes import ExitCode
from sohoa.storage.catalog import Catalog
from tests import images
from tests.conftest import CORPUS, Sohoa, stored_files

CODE = "000.00.20.H56-240101-0001"


def truncated_pdf(d: Path) -> Path:
    """A scanner PDF whose copy stopped half way; the page tree survives, the image does not."""
    whole = images.save_jpeg_pdf(
        [images.text_page().image, images.numbered_page(2).image], d / "whole.pdf"
    )
    with pikepdf.open(whole) as pdf:  # qpdf's object order: catalog and pages first
        pdf.save(d / "resaved.pdf")
    data = (d / "resaved.pdf").read_bytes()
    (d / "cut.pdf").write_bytes(data[: len(data) // 2])
    return d / "cut.pdf"


def truncated_img2pdf(d: Path) -> Path:
    """A PDF cut at half where the page tree itself is lost."""
    data = images.save_jpeg_pdf([images.text_page().image], d / "whole.pdf").read_bytes()
    (d / "cut.pdf").write_bytes(data[: len(data) // 2])
    return d / "cut.pdf"


def truncated_corpus_pdf(d: Path) -> Path:
    if not (CORPUS / "dev-011.pdf").is_file():
        pytest.skip(f"the dev corpus is not at {CORPUS}")
    data = (CORPUS / "dev-011.pdf").read_bytes()
    (d / "dev-011.pdf").write_bytes(data[: len(data) // 2])
    return d / "dev-011.pdf"


def truncated_jpeg(d: Path) -> Path:
    """A JPEG whose header (size, dpi) is intact but whose data stops early: found only when
    a page worker decodes it, so the rejection must travel back from the worker process."""
    data = images.jpeg_bytes(images.text_page().image)
    (d / "cut.jpg").write_bytes(data[: len(data) * 2 // 3])
    return d / "cut.jpg"


def encrypted_pdf(d: Path) -> Path:
    plain = images.save_jpeg_pdf([images.text_page().image], d / "plain.pdf")
    with pikepdf.open(plain) as pdf:
        pdf.save(d / "locked.pdf", encryption=pikepdf.Encryption(user="x", owner="y"))
    return d / "locked.pdf"


def empty_file(d: Path) -> Path:
    (d / "scan.pdf").write_bytes(b"")
    return d / "scan.pdf"


def text_file(d: Path) -> Path:
    (d / "scan.pdf").write_text("Đây không phải là bản quét.\n", encoding="utf-8")
    return d / "scan.pdf"


def bomb(d: Path) -> Path:
    return images.save_bomb_png(d / "huge.png")


def three_pages(d: Path) -> Path:
    pages = [images.numbered_page(n).image for n in (1, 2, 3)]
    return images.save_jpeg_pdf(pages, d / "three.pdf")


def low_resolution(d: Path) -> Path:
    small = images.text_page().image.resize((874, 1240))  # A5 at 150 dpi
    return images.save_jpeg(small, d / "150dpi.jpg", dpi=150)


def missing(d: Path) -> Path:
    return d / "not-there.pdf"


def a_folder(d: Path) -> Path:
    (d / "ho-so-thang-1").mkdir()
    return d / "ho-so-thang-1"


def a_fifo(d: Path) -> Path:
    """A named pipe with no writer: opening it to read would wait for ever."""
    os.mkfifo(d / "scan.pdf")
    return d / "scan.pdf"


def _zip(path: Path, parts: dict[str, str], *, stored_first: str = "") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        if stored_first:  # OpenDocument: "mimetype" first and uncompressed
            archive.writestr("mimetype", stored_first, compress_type=zipfile.ZIP_STORED)
        for name, body in parts.items():
            archive.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return path


def word_docx(d: Path) -> Path:
    """Named .pdf on purpose: the content decides, not the extension."""
    parts = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    return _zip(d / "don-de-nghi.pdf", parts)


def excel_xlsx(d: Path) -> Path:
    return _zip(d / "bang-ke.xlsx", {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<x/>"})


def writer_odt(d: Path) -> Path:
    mimetype = "application/vnd.oasis.opendocument.text"
    return _zip(d / "to-trinh.odt", {"content.xml": "<office/>"}, stored_first=mimetype)


def word_97_doc(d: Path) -> Path:
    """An OLE2 compound file (Word 97-2003), header only."""
    (d / "cong-van.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return d / "cong-van.doc"


def tiny_crop(d: Path) -> Path:
    return images.save_png(Image.new("L", (11, 11), 255), d / "crop.png")


def thin_strip(d: Path) -> Path:
    return images.save_png(Image.new("L", (2480, 10), 255), d / "strip.png", dpi=300)


def zero_mediabox(d: Path) -> Path:
    with pikepdf.new() as pdf:
        pdf.add_blank_page().MediaBox = [0, 0, 0, 0]
        pdf.save(d / "zero.pdf")
    return d / "zero.pdf"


def truncated_tiff(d: Path) -> Path:
    """A multi-page TIFF whose copy stopped half way."""
    pages = [images.numbered_page(n).image for n in (1, 2, 3)]
    data = images.save_g4_tiff(pages, d / "whole.tif").read_bytes()
    (d / "cut.tif").write_bytes(data[: len(data) // 2])
    return d / "cut.tif"


def many_pixel_pages(d: Path) -> Path:
    """A TIFF of 300 pages of 1 px each."""
    frames = [Image.new("1", (1, 1), 1) for _ in range(300)]
    frames[0].save(d / "pixels.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    return d / "pixels.tif"


@dataclass(frozen=True)
class Case:
    make: Callable[[Path], Path]
    exit_code: ExitCode
    #: Words of the English message that say what is wrong or what to do.
    says: str
    env: dict[str, str] = field(default_factory=dict)


CASES = {
    "truncated pdf": Case(truncated_pdf, ExitCode.BAD_INPUT, "damaged or incomplete"),
    "truncated pdf, page tree lost": Case(
        truncated_img2pdf, ExitCode.BAD_INPUT, "damaged or incomplete"
    ),
    "truncated corpus pdf": Case(truncated_corpus_pdf, ExitCode.BAD_INPUT, "scan or copy it again"),
    "truncated jpeg": Case(truncated_jpeg, ExitCode.BAD_INPUT, "damaged or incomplete"),
    "encrypted pdf": Case(encrypted_pdf, ExitCode.BAD_INPUT, "unprotected copy"),
    "empty file": Case(empty_file, ExitCode.BAD_INPUT, "scan it again"),
    "text file": Case(text_file, ExitCode.BAD_INPUT, "scan to PDF, TIFF, JPEG or PNG"),
    "decompression bomb": Case(bomb, ExitCode.BAD_INPUT, "rescan at a normal resolution"),
    "too many pages": Case(
        three_pages, ExitCode.BAD_INPUT, "split the file", {"SOHOA_MAX_PAGES": "2"}
    ),
    "150 dpi scan": Case(low_resolution, ExitCode.LOW_RESOLUTION, "rescan at 200 dpi"),
    "missing file": Case(missing, ExitCode.BAD_INPUT, "file not found"),
    "a folder": Case(a_folder, ExitCode.BAD_INPUT, "this is a folder, not a file"),
    "a named pipe": Case(a_fifo, ExitCode.BAD_INPUT, "not a regular file"),
    "word document": Case(word_docx, ExitCode.BAD_INPUT, "export it as PDF"),
    "excel workbook": Case(excel_xlsx, ExitCode.BAD_INPUT, "export it as PDF"),
    "opendocument text": Case(writer_odt, ExitCode.BAD_INPUT, "export it as PDF"),
    "word 97 document": Case(word_97_doc, ExitCode.BAD_INPUT, "export it as PDF"),
    "11x11 px crop": Case(tiny_crop, ExitCode.BAD_INPUT, "scan the whole sheet"),
    "2480x10 px strip": Case(thin_strip, ExitCode.BAD_INPUT, "scan the whole sheet"),
    "zero mediabox": Case(zero_mediabox, ExitCode.BAD_INPUT, "scan the whole sheet"),
    "truncated tiff": Case(truncated_tiff, ExitCode.BAD_INPUT, "damaged or incomplete"),
    "300 one-pixel pages": Case(many_pixel_pages, ExitCode.BAD_INPUT, "scan the whole sheet"),
}


#: Refused before a document row exists: nothing to show for the dossier.
ENTRANCE_REFUSALS = ("empty file", "missing file", "a folder", "a named pipe")


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def assert_refused_cleanly(result: Result, source: Path, case: Case) -> None:
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    (line,) = error_lines(result)
    assert source.name in line
    assert case.says in line


def assert_nothing_stored(home: Path) -> None:
    """No object; any catalog row is "rejected" with its reason and holds no number."""
    assert stored_files(home) == []
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        for record in catalog.documents(CODE):
            assert (record.status, record.number, record.key) == ("rejected", None, None)
            assert record.error_kind and record.error_vi and record.error


@pytest.mark.parametrize("name", CASES)
def test_process_refuses_bad_input_and_stores_nothing(
    name: str, sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    case = CASES[name]
    source = case.make(tmp_path)
    result = sohoa("process", source, "--case", CODE, env=case.env)
    assert_refused_cleanly(result, source, case)
    assert_nothing_stored(sohoa_home)
    shown = sohoa("show", CODE)
    if name in ENTRANCE_REFUSALS:  # refused at the entrance, before any row
        assert shown.exit_code == ExitCode.NOT_FOUND
    else:  # the rejected row, with its reason
        assert shown.exit_code == 0, shown.output
        assert "rejected" in shown.stdout
        assert case.says in shown.stdout


@pytest.mark.parametrize("name", CASES)
def test_ocr_refuses_bad_input_and_leaves_no_output_file(
    name: str, sohoa: Sohoa, tmp_path: Path
) -> None:
    case = CASES[name]
    source = case.make(tmp_path)
    out = tmp_path / "out" / "result.pdf"
    out.parent.mkdir()
    result = sohoa("ocr", source, out, env=case.env)
    assert_refused_cleanly(result, source, case)
    assert list(out.parent.iterdir()) == []


def test_a_missing_file_is_named(sohoa: Sohoa, sohoa_home: Path, tmp_path: Path) -> None:
    result = sohoa("process", missing(tmp_path), "--case", CODE)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert "Traceback" not in result.output
    (line,) = error_lines(result)
    assert "not-there.pdf" in line
    assert_nothing_stored(sohoa_home)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("ABC-123", "not a dossier code"),
        ("000.00.20.H56-240231-0001", "240231"),  # 31 February
        ("000.00.20.H56-240101-01", "not a dossier code"),  # serial too short
    ],
)
def test_an_invalid_dossier_code_is_a_usage_error(
    code: str, says: str, sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    source = images.save_jpeg(images.text_page().image, tmp_path / "scan.jpg")
    result = sohoa("process", source, "--case", code)
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output
    (line,) = error_lines(result)
    assert says in line
    assert stored_files(sohoa_home) == []


def test_the_message_is_in_vietnamese_by_default(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    source = low_resolution(tmp_path)
    result = sohoa("process", source, "--case", CODE, env={"SOHOA_LANG": "vi"})
    assert result.exit_code == ExitCode.LOW_RESOLUTION
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("Lỗi:")]
    assert source.name in line
    assert "quét lại ở 200 dpi" in line


def test_one_bad_file_does_not_stop_the_good_ones(
    sohoa: Sohoa, sohoa_home: Path, tmp_path: Path
) -> None:
    """The rejected file is reported; the good one is stored; the exit code is the failure's."""
    bad = empty_file(tmp_path)
    good = images.save_jpeg(images.text_page().image, tmp_path / "good.jpg")
    result = sohoa("process", bad, good, "--case", CODE)
    assert result.exit_code == ExitCode.BAD_INPUT
    (line,) = error_lines(result)
    assert bad.name in line
    assert f"{CODE}.1" in result.stdout
    with Catalog.open(f"sqlite:///{sohoa_home / 'catalog.sqlite3'}") as catalog:
        (document,) = catalog.documents(CODE)
        assert document.source_name == "good.jpg" and document.status == "stored"


@pytest.mark.parametrize(
    ("lang", "says"),
    [
        ("vi", "Lỗi: Cấu hình không hợp lệ, hãy sửa biến môi trường: SOHOA_STANDBY"),
        ("en", "Error: Invalid configuration, fix the environment variable: SOHOA_STANDBY"),
        ("fr", "Lỗi: Cấu hình không hợp lệ"),  # the language itself is bad: Vietnamese
    ],
)
def test_a_bad_setting_is_named_in_the_clerks_language(
    lang: str, says: str, sohoa: Sohoa, tmp_path: Path
) -> None:
    source = images.save_jpeg(images.text_page().image, tmp_path / "scan.jpg")
    result = sohoa(
        "ocr", source, tmp_path / "out.pdf", env={"SOHOA_LANG": lang, "SOHOA_STANDBY": "maybe"}
    )
    assert result.exit_code == ExitCode.USAGE
    assert "Traceback" not in result.output
    assert result.stderr.startswith(says)
    assert not (tmp_path / "out.pdf").exists()
