"""Accounts: argon2 hashes, no weak or duplicate accounts, throttled guessing, real logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sohoa.storage.accounts import AccountError, Accounts
from sohoa.storage.database import Database
from sohoa.storage.web_sessions import LoginThrottle, WebSessions


@pytest.fixture
def database(tmp_path: Path) -> Database:
    return Database.open(f"sqlite:///{tmp_path / 'catalog.sqlite3'}")


def test_passwords_are_argon2_and_checked(database: Database) -> None:
    accounts = Accounts(database)
    accounts.add("binh", "mot-mat-khau", role="clerk", unit_code="000.00.20.H56")
    with database.engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT password_hash FROM users").scalar_one()
    assert stored.startswith("$argon2id$") and "mot-mat-khau" not in stored
    assert accounts.authenticate("binh", "mot-mat-khau") is not None
    assert accounts.authenticate("binh", "sai") is None
    assert accounts.authenticate("khong-co", "mot-mat-khau") is None


@pytest.mark.parametrize(
    ("name", "password", "role"),
    [
        ("binh", "ngan", "clerk"),
        ("Bình", "mot-mat-khau", "clerk"),
        ("binh", "mot-mat-khau", "boss"),
    ],
)
def test_bad_accounts_are_refused_in_both_languages(
    database: Database, name: str, password: str, role: str
) -> None:
    with pytest.raises(AccountError) as refused:
        Accounts(database).add(name, password, role=role, unit_code="000.00.20.H56")
    assert refused.value.vi and refused.value.en


def test_disabling_or_resetting_ends_the_sessions(database: Database) -> None:
    accounts = Accounts(database)
    user = accounts.add("binh", "mot-mat-khau", role="clerk", unit_code="H56")
    sessions = WebSessions(database, lifetime=timedelta(hours=8), idle=timedelta(hours=1))
    opened = sessions.open(user.id)
    assert sessions.find(opened.token) is not None
    accounts.set_password("binh", "mat-khau-moi-1")
    assert sessions.find(opened.token) is None
    again = sessions.open(user.id)
    accounts.disable("binh")
    assert sessions.find(again.token) is None
    assert accounts.authenticate("binh", "mat-khau-moi-1") is None


def test_sessions_expire(database: Database) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    user = Accounts(database).add("binh", "mot-mat-khau", role="clerk", unit_code="H56")
    sessions = WebSessions(
        database, lifetime=timedelta(hours=8), idle=timedelta(hours=1), clock=lambda: now[0]
    )
    opened = sessions.open(user.id)
    now[0] += timedelta(minutes=59)
    assert sessions.find(opened.token) is not None
    now[0] += timedelta(hours=1, minutes=1)  # idle for more than an hour
    assert sessions.find(opened.token) is None


def test_five_failures_lock_a_username_for_the_window(database: Database) -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    throttle = LoginThrottle(database, clock=lambda: now[0])
    for _ in range(5):
        assert not throttle.locked("binh", "10.0.0.5")
        throttle.failed("binh", "10.0.0.5")
    assert throttle.locked("binh", "10.0.0.9")  # from any address
    assert not throttle.locked("an", "10.0.0.9")  # other people are not locked out
    now[0] += timedelta(minutes=15, seconds=1)
    assert not throttle.locked("binh", "10.0.0.5")
