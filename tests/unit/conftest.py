"""The bookings database the custom actions use: a real SQLite file in a temporary folder,
or a throwaway PostgreSQL database (scale-out), set through BOOKINGS_DB_URL as in production."""
from __future__ import annotations

from typing import Iterator

import pytest
import sqlalchemy as sa

from actions import booking_actions
from actions.booking_store import BookingStore
from tests.support.postgres import temporary_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_db_url(request, tmp_path) -> Iterator[str]:
    """The URL of an empty database: bookings here, conversations in the tracker store tests
    (PostgreSQL: dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bookings.db'}"
        return
    databases = temporary_database("mmd_bookings")
    _, url = next(databases)
    yield url
    databases.close()


@pytest.fixture()
def action_store(fresh_db_url, monkeypatch) -> Iterator[BookingStore]:
    """The store booking_actions.booking_store() returns, on a fresh database."""
    monkeypatch.setenv("BOOKINGS_DB_URL", fresh_db_url)
    booking_actions.booking_store.cache_clear()
    store = booking_actions.booking_store()
    yield store
    store.engine.dispose()
    booking_actions.booking_store.cache_clear()


@pytest.fixture()
def bookings_db(tmp_path, monkeypatch):
    """An empty SQLite bookings database the actions use (an engine on it to read back)."""
    url = f"sqlite:///{tmp_path / 'bookings.db'}"
    monkeypatch.setenv("BOOKINGS_DB_URL", url)
    booking_actions.booking_store.cache_clear()
    yield sa.create_engine(url)
    booking_actions.booking_store.cache_clear()
