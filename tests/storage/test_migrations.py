"""The catalog's schema moves forward by migrations, keeping every row, on SQLite and PostgreSQL.

A catalog made by the first release (revision 0001, or the same tables made by
that release's ``create_all`` with no version recorded) upgrades in place; the
newest schema is exactly what the models describe; several processes upgrading
one empty PostgreSQL database at once all succeed; a register made before the report's
kept sums gets them counted by the upgrade.
"""

from __future__ import annotations

import multiprocessing
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from sohoa.storage.database import FIRST_REVISION, Database, _newest_file
from sohoa.storage.search_models import FULL_TEXT_PREFIX
from sohoa.storage.tables import metadata
from tests.conftest_services import postgres_db

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind (PostgreSQL: one database per test)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
        return
    request.getfixturevalue("postgres_url")  # starts the server, or skips without one
    with postgres_db(f"sohoa_migr_{secrets.token_hex(6)}") as url:
        yield url


def fill_first_release(database: Database) -> None:
    """Rows as the first release wrote them: one stored document with its finished job."""
    stamp = "2025-05-01 08:00:00+00:00"
    with database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO documents (id, dossier_code, kind, number, key, sha256, size, pages,"
                " input_pages, dropped_pages, source_name, source_sha256, status,"
                " created_at, updated_at) VALUES (1, 'H01.02-250501-0001', 'intake', 1,"
                " 'dossiers/H01.02-250501-0001/intake/H01.02-250501-0001.1.pdf', :sha, 1234,"
                " 2, 2, '[]', 'scan.pdf', :src, 'stored', :t, :t)"
            ),
            {"sha": SHA_A, "src": SHA_B, "t": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO jobs (id, document_id, dossier_code, kind, source_name,"
                " source_sha256, source_key, options, status, pages_done, attempts, assemblies,"
                " created_at, touched_at) VALUES ('job1', 1, 'H01.02-250501-0001', 'intake',"
                " 'scan.pdf', :src, 'inbox/x', '{}', 'done', 2, 0, 1, :t, :t)"
            ),
            {"src": SHA_B, "t": stamp},
        )


def rows_after_upgrade(database: Database) -> tuple[tuple[object, ...], tuple[object, ...]]:
    with database.engine.connect() as connection:
        document = connection.execute(
            text("SELECT number, key, status, sha256, error_kind, error_vi, signed FROM documents")
        ).one()
        job = connection.execute(
            text("SELECT id, document_id, status, error_kind, error_vi FROM jobs")
        ).one()
    return tuple(document), tuple(job)


def schema_diff(database: Database) -> list[object]:
    with database.engine.connect() as connection:
        opts = {"compare_type": True, "include_name": _not_full_text}
        context = MigrationContext.configure(connection, opts=opts)
        return list(compare_metadata(context, metadata()))


def _not_full_text(name: str | None, _type: str, _parents: object) -> bool:
    """The search index's FTS5 table (and its shadow tables), tsvector column and GIN index
    are no model."""
    return not (name or "").startswith(FULL_TEXT_PREFIX)


def test_a_first_release_catalog_upgrades_in_place_keeping_its_rows(empty_url: str) -> None:
    with Database(empty_url) as database:
        database.upgrade(FIRST_REVISION)
        fill_first_release(database)

        before, after = database.upgrade()

        assert (before, after) == (FIRST_REVISION, Database.head())
        document, job = rows_after_upgrade(database)
        assert document == (
            1,
            "dossiers/H01.02-250501-0001/intake/H01.02-250501-0001.1.pdf",
            "stored",
            SHA_A,
            None,
            None,
            None,
        )
        assert job == ("job1", 1, "done", None, None)


def test_b_a_catalog_without_version_is_adopted_then_upgraded(empty_url: str) -> None:
    with Database(empty_url) as database:
        database.upgrade(FIRST_REVISION)
        fill_first_release(database)
        with database.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
        assert database.current() is None

        before, after = database.upgrade()

        assert (before, after) == (None, Database.head())
        assert rows_after_upgrade(database)[0][:3] == (
            1,
            "dossiers/H01.02-250501-0001/intake/H01.02-250501-0001.1.pdf",
            "stored",
        )
        assert schema_diff(database) == []


def test_b_a_catalog_that_never_ran_a_queue_gets_the_tables_it_lacked(empty_url: str) -> None:
    """The first release made the job and key tables only once a queue or the API opened them."""
    with Database(empty_url) as database:
        database.upgrade(FIRST_REVISION)
        fill_first_release(database)
        with database.engine.begin() as connection:
            for table in ("alembic_version", "api_keys", "job_pages", "jobs"):
                connection.execute(text(f"DROP TABLE {table}"))

        database.upgrade()

        tables = set(inspect(database.engine).get_table_names())
        assert {"documents", "jobs", "job_pages", "api_keys"} <= tables
        assert schema_diff(database) == []


def test_c_the_newest_schema_is_exactly_what_the_models_describe(empty_url: str) -> None:
    with Database(empty_url) as database:
        database.upgrade()

        assert database.current() == Database.head()
        assert schema_diff(database) == []


def test_c_upgrading_twice_changes_nothing(empty_url: str) -> None:
    with Database(empty_url) as database:
        database.upgrade()

        assert database.upgrade() == (Database.head(), Database.head())


def test_c_the_revision_files_name_the_head_alembic_names() -> None:
    """A catalogue already at the newest revision is recognised from the revision files
    without Alembic (storage.database._newest_file); they must agree on which it is."""
    assert _newest_file() == Database.head()


def _upgrade_in_a_process(url: str) -> str | None:
    with Database(url) as database:
        return database.upgrade()[1]


@pytest.mark.postgres
def test_d_processes_upgrading_one_empty_postgresql_database_at_once_all_succeed(
    postgres_url: str,
) -> None:
    with postgres_db(f"sohoa_migr_{secrets.token_hex(6)}") as url:
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(4) as pool:
            results = pool.map(_upgrade_in_a_process, [url] * 4)

        assert results == [Database.head()] * 4
        with Database(url) as database:
            assert schema_diff(database) == []


def test_e_a_register_made_before_the_kept_sums_is_counted_by_the_upgrade(
    empty_url: str,
) -> None:
    """Revision 0011 fills ``dossier_counts`` from the dossiers already there, and its
    triggers keep the sums from then on."""
    with Database(empty_url) as database:
        database.upgrade("0010")
        with database.engine.begin() as connection:
            for code, channel, paper, intake, result in (
                ("H01.02-250501-0001", 1, False, True, False),  # digitised
                ("H01.02-250502-0002", 1, True, True, False),  # result still on paper
                ("H01.02-250503-0003", 3, True, True, True),  # digitised, result too
            ):
                connection.execute(
                    text(
                        "INSERT INTO dossiers (code, procedure_code, procedure_name, unit_code,"
                        " received_on, channel, paper_result, intake_stored, result_stored,"
                        " reused_stored, created_at, updated_at) VALUES (:code, '1.001612',"
                        " 'Cấp bản sao', 'H01.02', :on, :channel, :paper, :intake, :result,"
                        " :reused, :t, :t)"
                    ),
                    {
                        "code": code,
                        "on": "2025-05-0" + code[-1],
                        "channel": channel,
                        "paper": paper,
                        "intake": intake,
                        "result": result,
                        "reused": False,
                        "t": "2025-05-01 08:00:00+00:00",
                    },
                )

        database.upgrade()

        sums = "SELECT received, digitised, paper, result_digitised, reused FROM dossier_counts"
        with database.engine.connect() as connection:
            assert tuple(connection.execute(text(sums)).one()) == (3, 2, 2, 1, 0)
        with database.engine.begin() as connection:
            connection.execute(
                text("UPDATE dossiers SET result_stored = :yes WHERE code LIKE '%0002'"),
                {"yes": True},
            )
        with database.engine.connect() as connection:
            assert tuple(connection.execute(text(sums)).one()) == (3, 3, 2, 2, 0)
