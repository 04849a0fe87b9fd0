"""Register and digitisation report figures (issue 11): generate a register and stored
documents with bulk inserts (not the pipeline), then time the unit-tree report for a year,
the worklist's first page, one district's month exported to XLSX, and a CSV import.

    python -m bench.register --rows 100000 --db sqlite
    python -m bench.register --rows 100000 --db postgresql
    python -m bench.register --rows 100000 --copies 10 --db postgresql   # 1,000,000

60 units in 3 levels (1 province, 9 districts, 50 communes); ~3 documents per dossier;
each unit's dossiers received by 4 clerks (the register's optional clerk field).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.services import postgres_db
from sohoa.register.export import write_xlsx
from sohoa.register.importer import ImportOptions, import_file
from sohoa.register.report import digitisation_report
from sohoa.register.units import ensure_units
from sohoa.register.worklist import worklist
from sohoa.storage.database import Database
from sohoa.storage.models import Document
from sohoa.storage.register_models import DossierRow

PROVINCE = "000.00.00.H99"
YEAR = 2025
CHUNK = 20_000


def units() -> list[str]:
    districts = [f"000.00.{d:02d}.H99" for d in range(1, 10)]
    communes = [f"000.{10 + c // 9:02d}.{c % 9 + 1:02d}.H99" for c in range(50)]
    return [PROVINCE, *districts, *communes]


def dossiers(count: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    leaves = units()[1:]
    now = datetime.now(UTC)
    for i in range(count):
        unit = leaves[i % len(leaves)]
        day = date(YEAR, 1, 1) + timedelta(days=(i // len(leaves)) % 365)
        serial = i // (len(leaves) * 365) + 1
        channel = rng.choice((1, 1, 1, 2, 3))
        yield {
            "code": f"{unit}-{day:%y%m%d}-{serial:04d}",
            "procedure_code": f"1.{rng.randrange(1000, 1040):06d}",
            "procedure_name": "Thủ tục",
            "unit_code": unit,
            "field": "Đất đai",
            "received_on": day,
            "channel": channel,
            "due_on": day + timedelta(days=10),
            "result_on": day + timedelta(days=8) if rng.random() < 0.7 else None,
            "paper_result": rng.random() < 0.5,
            "status": "Đã trả",
            "applicant_name": None,
            "clerk": f"canbo-{leaves.index(unit)}-{i % 4}",
            "online_digitised": channel == 2 and rng.random() < 0.9,
            "online_reused": channel == 2 and rng.random() < 0.2,
            "created_at": now,
            "updated_at": now,
        }


def documents(row: dict[str, Any], rng: random.Random) -> Iterator[dict[str, Any]]:
    code, now = row["code"], row["created_at"]
    kinds: list[str] = []
    if row["channel"] != 2 and rng.random() < 0.85:
        kinds += ["intake"] * rng.choice((3, 4, 5))
    if row["paper_result"] and rng.random() < 0.6:
        kinds.append("result")
    numbers = {"intake": 0, "result": 0}
    for kind in kinds:
        numbers[kind] += 1
        n = numbers[kind]
        name = f"{code}-KQ{n}" if kind == "result" else f"{code}.{n}"
        sha = hashlib.sha256(name.encode()).hexdigest()
        yield {
            "dossier_code": code, "kind": kind, "number": n,
            "result_code": name if kind == "result" else None,
            "key": f"dossiers/{code}/{kind}/{name}.pdf", "sha256": sha, "size": 1000, "pages": 2,
            "input_pages": 2, "dropped_pages": [], "source_name": "scan.pdf",
            "source_sha256": sha, "status": "stored", "reused": rng.random() < 0.1,
            "created_at": now, "updated_at": now,
        }  # fmt: skip


def fill(database: Database, count: int, copies: int = 1) -> tuple[int, float]:
    """Bulk insert ``count`` dossiers and their documents, then ``copies - 1`` copies of
    them made by the database (``INSERT … SELECT``, new serials); (documents, seconds)."""
    started, docs, rng = time.perf_counter(), 0, random.Random(11)
    with database.sessions.begin() as session:
        ensure_units(session, units())
    batch: list[dict[str, Any]] = []
    for row in dossiers(count):
        batch.append(row)
        if len(batch) >= CHUNK:
            docs += _write(database, batch, rng)
    docs += _write(database, batch, rng)
    for copy in range(1, copies):
        docs += _copy(database, copy)
    # Fresh statistics and hint bits, as autovacuum leaves a table some time after a load
    # (timing the first scans after a bulk load mostly measures that cleanup).
    command = "VACUUM ANALYZE" if database.engine.dialect.name == "postgresql" else "ANALYZE"
    with database.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(command)
    return docs, time.perf_counter() - started


def _write(database: Database, batch: list[dict[str, Any]], rng: random.Random) -> int:
    if not batch:
        return 0
    docs = []
    for row in batch:  # the flags the catalog keeps as it stores (storage.dossier_flags)
        mine = list(documents(row, rng))
        row["intake_stored"] = any(d["kind"] == "intake" for d in mine)
        row["result_stored"] = any(d["kind"] == "result" for d in mine)
        row["reused_stored"] = any(d["reused"] for d in mine)
        docs += mine
    with database.sessions.begin() as session:
        session.execute(insert(DossierRow), batch)
        if docs:
            session.execute(insert(Document), docs)
    batch.clear()
    return len(docs)


def _copy(database: Database, copy: int) -> int:
    """One more copy of the generated dossiers and documents (PostgreSQL): the serial of
    each code moves up by ``copy * 100``, so codes stay valid and distinct."""
    shift = copy * 100
    new = f"left({{c}}, length({{c}}) - 4) || lpad((right({{c}}, 4)::int + {shift})::text, 4, '0')"
    columns = [c.name for c in DossierRow.__table__.columns if c.name != "code"]
    doc_columns = [
        c.name
        for c in Document.__table__.columns
        if c.name not in ("id", "dossier_code", "key", "result_code")
    ]
    original = "right(code, 4)::int < 100"
    with database.engine.begin() as connection:
        connection.exec_driver_sql(
            f"INSERT INTO dossiers (code, {', '.join(columns)}) SELECT {new.format(c='code')}, "
            f"{', '.join(columns)} FROM dossiers WHERE {original}"
        )
        moved = new.format(c="dossier_code")
        result = connection.exec_driver_sql(
            f"INSERT INTO documents (dossier_code, key, result_code, {', '.join(doc_columns)}) "
            f"SELECT {moved}, replace(key, dossier_code, {moved}), "
            f"replace(result_code, dossier_code, {moved}), {', '.join(doc_columns)} "
            f"FROM documents WHERE right(dossier_code, 4)::int < 100"
        )
    return int(result.rowcount or 0)


def timed(label: str, action: Any) -> Any:
    best, result = float("inf"), None
    for _ in range(3):
        started = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - started)
    print(f"  {label}: {best * 1000:.0f} ms (best of 3)")
    return result


def measure(database: Database, rows: int, workdir: Path, copies: int = 1) -> None:
    docs, seconds = fill(database, rows, copies)
    print(f"generated {rows * copies:,} dossiers, {docs:,} stored documents in {seconds:.0f} s")
    year = (date(YEAR, 1, 1), date(YEAR, 12, 31))
    report = timed("unit-tree report, province, one year", lambda: digitisation_report(
        database, PROVINCE, *year))  # fmt: skip
    print(f"    {report.total.counts.received:,} dossiers, digitisation "
          f"{report.total.digitisation.rate}%, {len(report.by_unit)} units")  # fmt: skip
    cut = (date(YEAR, 1, 15), date(YEAR, 12, 14))
    timed("unit-tree report, province, 15/01 to 14/12 (two cut months)",
          lambda: digitisation_report(database, PROVINCE, *cut))  # fmt: skip
    timed("worklist first page (50), province", lambda: worklist(database, PROVINCE))
    district = "000.00.03.H99"
    clerk = f"canbo-{units()[1:].index(district)}-1"
    timed("worklist first page (50), one clerk of a district", lambda: worklist(
        database, district, clerk=clerk))  # fmt: skip

    def export() -> None:
        month = digitisation_report(database, district, date(YEAR, 5, 1), date(YEAR, 5, 31))
        write_xlsx(month, workdir / "district-month.xlsx")

    timed("one district's month, report + XLSX export", export)


def import_speed(url: str, rows: int, workdir: Path) -> None:
    csv_path = workdir / "register.csv"
    header = ("Mã hồ sơ;Mã TTHC;Tên TTHC;Mã đơn vị;Lĩnh vực;Ngày tiếp nhận;Kênh thực hiện;"
              "Ngày hẹn trả;Ngày trả kết quả;Có kết quả giấy;Trạng thái")  # fmt: skip
    with csv_path.open("w", encoding="utf-8-sig") as handle:
        handle.write(header + "\n")
        for row in dossiers(rows, seed=3):
            result_on = f"{row['result_on']:%d/%m/%Y}" if row["result_on"] else ""
            handle.write(
                f"{row['code']};{row['procedure_code']};Thủ tục;{row['unit_code']};Đất đai;"
                f"{row['received_on']:%d/%m/%Y};{row['channel']};{row['due_on']:%d/%m/%Y};"
                f"{result_on};{int(row['paper_result'])};Đã trả\n"
            )
    with Database.open(url) as database:
        started = time.perf_counter()
        result = import_file(database, csv_path, ImportOptions(actor="bench"))
        seconds = time.perf_counter() - started
    print(f"  import {rows:,}-row CSV: {seconds:.1f} s = {rows / seconds * 60:,.0f} rows/min "
          f"({result.counts.imported:,} imported, {result.counts.refused} refused)")  # fmt: skip


@contextmanager
def database_url(kind: str, workdir: Path, tag: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / f'{tag}.sqlite3'}"
        return
    with postgres_db(f"sohoa_bench_reg_{tag}_{secrets.token_hex(4)}") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="PostgreSQL: copy the generated rows this many times in SQL (10 x 100,000 = "
        "1,000,000 dossiers in minutes instead of generating each in Python)",
    )
    args = parser.parse_args()
    if args.copies > 1 and args.db != "postgresql":
        parser.error("--copies needs --db postgresql")
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-register-") as tmp:
        workdir = Path(tmp)
        print(f"{args.db}:")
        with database_url(args.db, workdir, "report") as url, Database.open(url) as database:
            measure(database, args.rows, workdir, args.copies)
        if args.import_rows:
            with database_url(args.db, workdir, "import") as url:
                import_speed(url, args.import_rows, workdir)


if __name__ == "__main__":
    main()
