"""Fixing a stored document makes a new version; the earlier one stays, byte for byte.

Each operation is checked on the stored PDF with pikepdf: page count, /Rotate, PDF/A-2b
validity, the version 1 object unchanged with its SHA-256, and the catalog's list of
versions. A signed document is refused with a clear message.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pytest
from PIL import Image

from sohoa.ocr.options import OcrOptions
from sohoa.storage.catalog import DocumentRecord
from sohoa.storage.events import events_for
from sohoa.storage.models import Document
from sohoa.storage.search import search
from sohoa.storage.versions import versions
from sohoa.workers import revise
from sohoa.workers.problems import Problem
from sohoa.workers.thumbnails import thumb_key
from tests.revise.conftest import Desk, one_page_scan

ACTOR = "canbo"


def fetched(desk: Desk, key: str) -> Path:
    local = desk.tmp / "fetched" / key.replace("/", "_")
    local.parent.mkdir(exist_ok=True)
    desk.store.get_to_file(key, local)
    return local


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_v1_untouched(desk: Desk, first: DocumentRecord) -> None:
    assert first.key is not None and first.sha256 is not None
    assert sha256(fetched(desk, first.key)) == first.sha256


def test_a_stored_document_has_one_small_thumbnail_per_page(desk: Desk) -> None:
    record = desk.stored(pages=2)
    assert record.thumbs_key == record.stored_key.removesuffix(".pdf") + ".thumbs/"
    for page in (1, 2):
        thumb = fetched(desk, thumb_key(record.thumbs_key, page))
        with Image.open(thumb) as image:
            assert image.format == "JPEG" and image.width == 200
    assert desk.store.head(thumb_key(record.thumbs_key, 3)) is None


def test_turning_a_page_makes_version_2_and_keeps_version_1(desk: Desk) -> None:
    first = desk.stored(pages=2)
    second = revise.rotate(desk.store, desk.catalog, first, 2, 90, actor=ACTOR)

    assert second.version == 2 and second.key is not None
    assert second.key.endswith(".1.v2.pdf") and second.key != first.key
    pdf = fetched(desk, second.key)
    assert sha256(pdf) == second.sha256
    assert pikepdf.pdfa.validate_written(pdf, "2b").passed
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 2
        assert int(doc.pages[1].obj.get("/Rotate", 0)) == 90
        assert int(doc.pages[0].obj.get("/Rotate", 0)) == 0
    assert_v1_untouched(desk, first)
    listed = versions(desk.catalog, second)
    assert [v.version for v in listed] == [1, 2]
    assert listed[0].key == first.key and listed[0].sha256 == first.sha256
    assert (
        listed[1].change == {"op": "rotate", "page": 2, "degrees": 90} and listed[1].actor == ACTOR
    )
    assert second.thumbs_key is not None and second.thumbs_key.endswith(".1.v2.thumbs/")
    with Image.open(fetched(desk, thumb_key(second.thumbs_key, 2))) as turned:
        assert turned.width > turned.height  # A5 portrait, turned a quarter
    assert [e.type for e in events_for(desk.catalog, first.dossier_code)][-2:] == [
        "revised",
        "stored",
    ]


def test_restoring_a_dropped_blank_back_puts_it_where_it_was_scanned(desk: Desk) -> None:
    first = desk.stored(pages=2, blank_after=1)  # scanned: 1, blank, 2
    assert [p.index for p in first.dropped_pages] == [2]
    second = revise.restore_dropped(desk.store, desk.catalog, first, 2, actor=ACTOR)

    assert second.pages == 3
    pdf = fetched(desk, second.stored_key)
    assert pikepdf.pdfa.validate_written(pdf, "2b").passed
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 3
    assert versions(desk.catalog, second)[-1].page_origins == (1, 2, 3)
    assert_v1_untouched(desk, first)
    with pytest.raises(Problem, match="already restored"):
        revise.restore_dropped(desk.store, desk.catalog, second, 2, actor=ACTOR)


def test_replacing_a_page_runs_the_new_scan_through_ocr(desk: Desk) -> None:
    first = desk.stored(pages=2)
    scan = one_page_scan(desk.tmp / "lai.pdf", 9)
    second = revise.replace_page(
        desk.store, desk.catalog, first, 2, scan, actor=ACTOR, options=OcrOptions()
    )
    pdf = fetched(desk, second.stored_key)
    assert pikepdf.pdfa.validate_written(pdf, "2b").passed
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == 2
    text = fetched(desk, second.text_key or "").read_text("utf-8")
    assert "7009" in text and "7002" not in text  # the new page's OCR replaced the old one's
    assert "7001" in text
    assert_v1_untouched(desk, first)
    assert search(desk.catalog, "7009").total == 1  # search reads the current version
    assert search(desk.catalog, "7002").total == 0


def test_inserting_a_page_and_a_sticky_note_second_image(desk: Desk) -> None:
    first = desk.stored(pages=2)
    scan = one_page_scan(desk.tmp / "them.pdf", 5)
    second = revise.insert_after(
        desk.store, desk.catalog, first, 1, scan, actor=ACTOR, options=OcrOptions()
    )
    third = revise.sticky(
        desk.store, desk.catalog, second, 3, scan, actor=ACTOR, options=OcrOptions()
    )
    assert (second.pages, third.pages) == (3, 4)
    with pikepdf.open(fetched(desk, third.stored_key)) as doc:
        assert len(doc.pages) == 4
    listed = versions(desk.catalog, third)
    assert [v.version for v in listed] == [1, 2, 3]
    assert listed[2].change["op"] == "sticky" and "giấy ghi chú" in listed[2].change["note"]
    assert listed[2].page_origins == (1, None, 3, None)
    for earlier in listed[:2]:  # every earlier version is still there as it was
        assert sha256(fetched(desk, earlier.key)) == earlier.sha256


def test_a_page_that_does_not_exist_is_refused_in_both_languages(desk: Desk) -> None:
    first = desk.stored(pages=2)
    with pytest.raises(Problem) as refused:
        revise.rotate(desk.store, desk.catalog, first, 7, 90, actor=ACTOR)
    assert "không có trang 7" in refused.value.message_vi
    assert "no page 7" in refused.value.message_en


def test_a_signed_document_is_never_revised_in_place(desk: Desk) -> None:
    first = desk.stored(pages=2)
    with desk.catalog.sessions.begin() as session:
        row = session.get(Document, first.id)
        assert row is not None
        row.signature_level = "B-T"
    signed = desk.catalog.document(first.id)
    assert signed is not None
    with pytest.raises(Problem) as refused:
        revise.rotate(desk.store, desk.catalog, signed, 1, 90, actor=ACTOR)
    assert refused.value.kind == "signed_document" and refused.value.http_status == 409
    assert "tạo một tài liệu mới" in refused.value.message_vi
    assert [v.version for v in versions(desk.catalog, signed)] == [1]
