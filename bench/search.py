"""Search figures (issue 10): stored documents generated with realistic Vietnamese OCR text
and inserted in bulk (not through OCR), then each query timed as the API runs it (count +
first page of 20 with snippets); median of N runs.

    python -m bench.search --docs 10000 --db sqlite
    python -m bench.search --docs 10000 --db postgresql
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.services import postgres_db
from sohoa.storage.database import Database
from sohoa.storage.folding import fold, nfc
from sohoa.storage.models import Document
from sohoa.storage.search import PAGE_BREAK, SearchPage, search
from sohoa.storage.search_models import DocumentTextRow

UNITS = [f"000.00.{d:02d}.H99" for d in range(1, 10)]
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
            "Đỗ", "Hồ", "Ngô", "Dương", "Lý")  # fmt: skip
MIDDLE = ("Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Xuân", "Thu")
GIVEN = ("Bình", "An", "Hùng", "Lan", "Hương", "Dũng", "Tuấn", "Hải", "Long", "Mai", "Phương",
         "Quân", "Sơn", "Trang", "Yến", "Đạt")  # fmt: skip
MARCH = {"date_from": date(2025, 3, 1), "date_to": date(2025, 3, 30)}
PHRASES = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
    "QUYẾT ĐỊNH về việc cấp giấy chứng nhận quyền sử dụng đất",
    "ĐƠN ĐỀ NGHỊ CHỨNG THỰC bản sao từ bản chính", "Kính gửi: Ủy ban nhân dân phường",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015",
    "Căn cứ Nghị định số 45/2020/NĐ-CP về thực hiện thủ tục hành chính trên môi trường điện tử",
    "Xét đề nghị của Trưởng phòng Tài nguyên và Môi trường", "thường trú tại tổ dân phố số",
    "Giấy khai sinh", "Chứng minh nhân dân", "Căn cước công dân số", "Sổ hộ khẩu",
    "Hợp đồng chuyển nhượng quyền sử dụng đất", "Biên bản kiểm tra hiện trạng",
    "Tờ khai đăng ký kết hôn", "Giấy phép xây dựng nhà ở riêng lẻ", "Điều 1. Cấp cho ông (bà)",
    "Điều 2. Quyết định này có hiệu lực kể từ ngày ký", "Nơi nhận: như Điều 3; lưu VT",
    "Xin trân trọng cảm ơn.", "TM. ỦY BAN NHÂN DÂN KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
)  # fmt: skip
#: (label, query words, criteria)
QUERIES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("a full name, no diacritics", "nguyen van binh", {}),
    ("two common words", "quyet dinh", {}),
    ("rare words", "tinh trang hon nhan", {}),
    ("words + one unit", "giay chung nhan", {"units": {UNITS[3]}}),
    ("words + 30-day range", "chung thuc", MARCH),
    ("code prefix only", "", {"code_prefix": f"{UNITS[2]}-2503"}),
    ("no match", "khong co tu nay", {}),
)  # fmt: skip
CHUNK = 2_000


def person(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def page_text(rng: random.Random) -> str:
    """About 250 words: form phrases, names, numbers (an A4 administrative page); one page in
    a hundred certifies marital status (the rare words)."""
    lines: list[str] = []
    words = 0
    while words < 250:
        line = rng.choice(PHRASES)
        if rng.random() < 0.4:
            line += f"\nÔng/bà {person(rng)}, sinh năm {rng.randrange(1940, 2005)}"
        if rng.random() < 0.3:
            line += f"\nSố: {rng.randrange(1, 9999)}/QĐ-UBND ngày {rng.randrange(1, 28)}"
        if rng.random() < 0.001:
            line += "\nGiấy xác nhận tình trạng hôn nhân"
        lines.append(line)
        words += len(line.split())
    return "\n".join(lines)


def rows(count: int, seed: int = 5) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(documents row, document_texts row) pairs; 2-3 pages each, over one year, 9 units."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, 2, tzinfo=UTC)
    for i in range(1, count + 1):
        day = start + timedelta(days=(i * 365) // count)
        code = f"{UNITS[i % len(UNITS)]}-{day:%y%m%d}-{i:04d}"[:25]
        sha = f"{i:064x}"
        text = nfc(PAGE_BREAK.join(page_text(rng) for _ in range(rng.choice((2, 3)))))
        document = {
            "id": i, "dossier_code": code, "kind": "intake", "number": 1,
            "key": f"dossiers/{code}/intake/{code}.1.pdf", "sha256": sha, "size": 1000,
            "pages": 2, "input_pages": 2, "dropped_pages": [], "source_name": "scan.pdf",
            "source_sha256": sha, "status": "stored", "reused": False,
            "created_at": day, "updated_at": day,
        }  # fmt: skip
        texts = {"document_id": i, "dossier_code": code, "text": text, "text_folded": fold(text)}
        yield document, texts


def fill(database: Database, count: int) -> float:
    started = time.perf_counter()
    documents: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    for document, text in rows(count):
        documents.append(document)
        texts.append({**text, "indexed_at": document["created_at"]})
        if len(documents) >= CHUNK:
            _write(database, documents, texts)
    _write(database, documents, texts)
    with database.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _write(
    database: Database, documents: list[dict[str, Any]], texts: list[dict[str, Any]]
) -> None:
    if documents:
        with database.sessions.begin() as session:
            session.execute(insert(Document), documents)
            session.execute(insert(DocumentTextRow), texts)  # FTS5 triggers index on SQLite
    documents.clear()
    texts.clear()


def median_ms(action: Callable[[], SearchPage], runs: int) -> tuple[float, SearchPage]:
    page = action()  # warm the caches once, as a running server has them
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        page = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, page


def _query(database: Database, words: str, criteria: dict[str, Any]) -> Callable[[], SearchPage]:
    return lambda: search(database, words, **criteria)


@contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'search.sqlite3'}"
        return
    with postgres_db(f"sohoa_bench_search_{random.randrange(1 << 30):x}") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=21, help="timed runs per query (median)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="sohoa-bench-search-") as tmp,
        database_url(args.db, Path(tmp)) as url,
        Database.open(url) as database,
    ):
        seconds = fill(database, args.docs)
        print(f"{args.db}: {args.docs:,} stored documents generated and indexed in {seconds:.0f} s")
        print(f"  {'query':<30} {'matches':>8} {'median ms':>10}")
        for label, words, criteria in QUERIES:
            ms, page = median_ms(_query(database, words, criteria), args.runs)
            print(f"  {label:<30} {page.total:>8,} {ms:>10.1f}")


if __name__ == "__main__":
    main()
