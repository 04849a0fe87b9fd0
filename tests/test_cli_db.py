"""`sohoa db current` / `sohoa db upgrade`: an operator sees and moves the schema version."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import text

from sohoa.storage.database import Database
from tests.conftest import Sohoa


def test_a_fresh_catalog_is_upgraded_once_and_then_reported_up_to_date(sohoa: Sohoa) -> None:
    before = json.loads(sohoa("db", "current", "--json").stdout)
    assert (before["current"], before["up_to_date"]) == (None, False)

    first = sohoa("db", "upgrade")
    second = sohoa("db", "upgrade")

    assert first.exit_code == 0, first.output
    assert f"→ {Database.head()}" in first.stdout
    assert second.exit_code == 0, second.output
    assert "already up to date" in second.stdout
    after = json.loads(sohoa("db", "current", "--json").stdout)
    assert (after["current"], after["up_to_date"]) == (Database.head(), True)


def test_a_catalog_upgraded_by_a_newer_sohoa_is_refused_in_one_clear_line(
    sohoa: Sohoa, sohoa_home: Path
) -> None:
    with Database.open(f"sqlite:///{sohoa_home / 'catalog.sqlite3'}") as database:
        newer = "UPDATE alembic_version SET version_num = '9999'"
        with database.engine.begin() as connection:
            connection.execute(text(newer))

    for args in (("db", "upgrade"), ("show", "000.00.04.H40-230414-0002")):
        result = sohoa(*args)
        assert result.exit_code != 0
        assert "Traceback" not in result.output
        assert "9999" in result.output
        assert "a newer sohoa has upgraded it" in result.output
