"""Search finds stored documents by the words of their text typed without diacritics, by
dossier code (exact or prefix), by date, unit and kind, on SQLite and PostgreSQL alike;
snippets show the text as it was read, matched words highlighted, and never as markup."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from sohoa.storage.catalog import Catalog, StoredDocument
from sohoa.storage.register_models import DossierRow
from sohoa.storage.search import MAX_LIMIT, parse_day, search
from tests.search.conftest import OTHER_UNIT, UNIT, stored

CODE = f"{UNIT}-240615-0001"
DECISION = "ỦY BAN NHÂN DÂN PHƯỜNG\nQUYẾT ĐỊNH\nVề việc cấp giấy chứng nhận cho ông Nguyễn Văn Bình"
APPLICATION = "ĐƠN ĐỀ NGHỊ CHỨNG THỰC\nKính gửi: Ủy ban nhân dân phường Đống Đa"


def names(catalog: Catalog, query: str = "", **criteria: object) -> list[str]:
    return [hit.name for hit in search(catalog, query, **criteria).hits]  # type: ignore[arg-type]


def test_words_without_diacritics_find_the_text_with_them(catalog: Catalog) -> None:
    decision = stored(catalog, CODE, ["Trang một", DECISION], kind="result")
    stored(catalog, CODE, [APPLICATION])

    assert names(catalog, "nguyen van binh") == [decision.name]
    assert names(catalog, "quyet dinh") == [decision.name]
    assert names(catalog, "NGUYỄN văn BÌNH") == [decision.name]


def test_d_with_stroke_folds_to_d_both_ways(catalog: Catalog) -> None:
    application = stored(catalog, CODE, [APPLICATION])

    assert names(catalog, "dong da") == [application.name]
    assert names(catalog, "đống đa") == [application.name]
    assert names(catalog, "don de nghi") == [application.name]


def test_every_word_must_be_there(catalog: Catalog) -> None:
    stored(catalog, CODE, [DECISION])

    assert names(catalog, "nguyen van an") == []


def test_the_snippet_highlights_the_words_as_they_were_written(catalog: Catalog) -> None:
    stored(catalog, CODE, [DECISION])

    hit = search(catalog, "nguyen van binh").hits[0]

    assert "<mark>Nguyễn</mark> <mark>Văn</mark> <mark>Bình</mark>" in hit.snippet


def test_ocr_text_that_reads_like_markup_is_shown_as_text(catalog: Catalog) -> None:
    stored(catalog, CODE, ['Ghi chú <script>alert("x")</script> <img src=x onerror=alert(1)>'])

    snippet = search(catalog, "alert").hits[0].snippet

    assert "<script>" not in snippet and "<img" not in snippet
    assert "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt;" in snippet


def test_a_dossier_code_or_its_beginning_finds_its_documents(catalog: Catalog) -> None:
    first = stored(catalog, CODE, [APPLICATION])
    second = stored(catalog, f"{UNIT}-240615-0002", [APPLICATION])
    stored(catalog, f"{OTHER_UNIT}-240615-0001", [APPLICATION])

    assert names(catalog, code_prefix=CODE) == [first.name]
    assert names(catalog, code_prefix=f"{UNIT.lower()}-240615") == [second.name, first.name]
    assert names(catalog, "dong da", code_prefix=UNIT) == [second.name, first.name]


def test_a_code_prefix_with_like_wildcards_matches_them_literally(catalog: Catalog) -> None:
    stored(catalog, CODE, [APPLICATION])

    assert names(catalog, code_prefix="000%") == []
    assert names(catalog, code_prefix="000.00.2_.H56") == []


def test_a_date_range_counts_whole_days_on_the_vietnam_clock(catalog: Catalog) -> None:
    # 14/06 23:30 in Vietnam is 14/06 16:30 UTC; 15/06 00:30 in Vietnam is 14/06 17:30 UTC.
    late = stored(catalog, CODE, [APPLICATION], created=datetime(2024, 6, 14, 16, 30, tzinfo=UTC))
    early = stored(catalog, CODE, [DECISION], created=datetime(2024, 6, 14, 17, 30, tzinfo=UTC))

    assert names(catalog, date_from=date(2024, 6, 15)) == [early.name]
    assert names(catalog, date_to=date(2024, 6, 14)) == [late.name]
    assert names(catalog, date_from=date(2024, 6, 14), date_to=date(2024, 6, 15)) == [
        early.name,
        late.name,
    ]


def test_a_reader_sees_only_the_documents_of_their_units(catalog: Catalog) -> None:
    own = stored(catalog, CODE, [APPLICATION])
    other = stored(catalog, f"{OTHER_UNIT}-240615-0001", [APPLICATION])

    assert names(catalog, "dong da", units={UNIT}) == [own.name]
    assert names(catalog, "dong da", units={OTHER_UNIT.lower()}) == [other.name]
    assert names(catalog, "dong da", units=set()) == []
    assert names(catalog, "dong da") == [other.name, own.name]


def test_the_register_s_unit_wins_over_the_code_s_agency(catalog: Catalog) -> None:
    moved = stored(catalog, CODE, [APPLICATION])
    with catalog.sessions.begin() as session:
        session.execute(
            insert(DossierRow).values(
                code=CODE,
                procedure_code="1.001",
                unit_code=OTHER_UNIT,
                received_on=date(2024, 6, 15),
                channel=1,
            )
        )

    assert names(catalog, "dong da", units={UNIT}) == []
    assert names(catalog, "dong da", units={OTHER_UNIT}) == [moved.name]


def test_kind_narrows_to_intake_components_or_results(catalog: Catalog) -> None:
    intake = stored(catalog, CODE, [DECISION])
    result = stored(catalog, CODE, [DECISION], kind="result")

    assert names(catalog, "quyet dinh", kind="intake") == [intake.name]
    assert names(catalog, "quyet dinh", kind="result") == [result.name]


def test_only_stored_documents_are_found(catalog: Catalog) -> None:
    record, _ = catalog.reserve(CODE, "intake", "scan.pdf", "c" * 64)

    assert names(catalog, code_prefix=CODE) == []
    assert record.status == "pending"


def test_pages_are_stable_and_count_every_result(catalog: Catalog) -> None:
    records = [stored(catalog, CODE, [APPLICATION]) for _ in range(5)]

    first = search(catalog, "dong da", limit=2)
    second = search(catalog, "dong da", limit=2, offset=2)
    again = search(catalog, "dong da", limit=2, offset=2)

    assert first.total == second.total == 5
    assert [h.name for h in first.hits + second.hits] == [r.name for r in records[::-1][:4]]
    assert [h.name for h in again.hits] == [h.name for h in second.hits]
    assert search(catalog, "dong da", limit=10_000).limit == MAX_LIMIT


def test_the_better_match_comes_first(catalog: Catalog) -> None:
    once = stored(catalog, CODE, ["quyết định " + "văn bản khác " * 30])
    often = stored(catalog, CODE, ["quyết định quyết định quyết định"])

    assert names(catalog, "quyet dinh") == [often.name, once.name]


def test_a_document_attached_from_an_earlier_dossier_is_found_under_both(
    catalog: Catalog,
) -> None:
    original = stored(catalog, CODE, [APPLICATION])
    reused = catalog.attach_existing(f"{UNIT}-240701-0003", "intake", original.id, "test")

    assert names(catalog, "dong da") == [reused.name, original.name]


def test_a_document_stored_without_text_is_still_found_by_its_code(catalog: Catalog) -> None:
    record, _ = catalog.reserve(CODE, "intake", "scan.pdf", "d" * 64)
    catalog.mark_stored(record.id, StoredDocument(sha256="d" * 64, size=1, pages=1, input_pages=1))

    hits = search(catalog, code_prefix=CODE).hits

    assert [hit.name for hit in hits] == [record.name] and hits[0].snippet == ""


def test_a_query_of_punctuation_only_is_no_word_filter(catalog: Catalog) -> None:
    stored(catalog, CODE, [APPLICATION])

    assert search(catalog, '"*:() -').total == 1


@pytest.mark.parametrize("text", ["15/06/2024", "2024-06-15", " 15-06-2024 "])
def test_days_are_read_as_people_write_them(text: str) -> None:
    assert parse_day(text) == date(2024, 6, 15)


def test_a_wrong_day_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="dd/mm/yyyy"):
        parse_day("31/02/2024")
