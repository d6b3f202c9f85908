"""The booking store against real databases: SQLite (the default) and PostgreSQL (scale-out)."""
from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from actions.booking_store import (
    REFERENCE_PREFIX,
    BookingRequest,
    BookingStore,
    BookingStoreError,
    bookings,
    create_db_engine,
)

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def booking(sender_id: str, **changes) -> BookingRequest:
    values = dict(
        sender_id=sender_id, consult_for="child", patient_age=7,
        symptom_description="left hand copies right", requester_name="Sam Jones",
        contact="sam@example.com", preferred_times="mornings", consent=True,
    )
    values.update(changes)
    return BookingRequest(**values)


def sqlite_store(tmp_path) -> BookingStore:
    return BookingStore(create_db_engine(f"sqlite:///{tmp_path / 'sub' / 'b.db'}", 5))


def postgres_store() -> BookingStore:
    engine = create_db_engine(POSTGRES_URL, 5)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {error.__class__.__name__}")
    return BookingStore(engine)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    return sqlite_store(tmp_path) if request.param == "sqlite" else postgres_store()


def count(store: BookingStore, sender_id: str) -> int:
    with store.engine.connect() as connection:
        return connection.execute(
            sa.select(sa.func.count()).select_from(bookings).where(bookings.c.sender_id == sender_id)
        ).scalar_one()


def test_save_creates_a_booking_with_a_short_reference(store):
    sender = f"s-{uuid.uuid4()}"
    reference, created = store.save(booking(sender))
    assert created and reference.startswith(REFERENCE_PREFIX) and len(reference) == 10
    row = store.get(reference)
    assert row["status"] == "new" and row["requester_name"] == "Sam Jones"


def test_the_same_booking_saved_twice_is_stored_once(store):
    sender = f"s-{uuid.uuid4()}"
    first = store.save(booking(sender))
    second = store.save(booking(sender))
    assert second == (first[0], False)
    assert count(store, sender) == 1


def test_concurrent_retries_store_one_booking(store):
    sender = f"s-{uuid.uuid4()}"
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: store.save(booking(sender)), range(4)))
    assert len({reference for reference, _ in results}) == 1
    assert count(store, sender) == 1


def test_a_different_answer_is_a_different_booking(store):
    sender = f"s-{uuid.uuid4()}"
    store.save(booking(sender))
    store.save(booking(sender, preferred_times="evenings"))
    assert count(store, sender) == 2


def test_an_unreachable_database_raises_a_store_error_quickly():
    store = BookingStore(create_db_engine("postgresql://nobody@127.0.0.1:1/none", 1))
    with pytest.raises(BookingStoreError):
        store.save(booking("s-unreachable"))
