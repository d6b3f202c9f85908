"""The booking store against real databases: SQLite (the default) and PostgreSQL (scale-out)."""
from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

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


# --- after the booking: requests found by conversation, updates, live hand-off ---------------
# Each test gets an empty database (fresh_db_url, tests/unit/conftest.py): the presence and
# live-request tables must not see another test's rows.


@pytest.fixture()
def fresh_store(fresh_db_url):
    store = BookingStore(create_db_engine(fresh_db_url, 5))
    yield store
    store.engine.dispose()


def test_the_age_label_is_stored_with_the_request(fresh_store):
    reference, _ = fresh_store.save(booking("s-label", patient_age=1, patient_age_label="18 months"))
    assert fresh_store.get(reference)["patient_age_label"] == "18 months"


def test_latest_for_sender_is_the_conversations_newest_request(fresh_store):
    assert fresh_store.latest_for_sender("s-1") is None
    fresh_store.save(booking("s-1", preferred_times="mornings"))
    newest, _ = fresh_store.save(booking("s-1", preferred_times="evenings"))
    fresh_store.save(booking("s-2"))
    assert fresh_store.latest_for_sender("s-1")["reference"] == newest


def test_a_cancellation_is_recorded_and_never_deletes(fresh_store):
    reference, _ = fresh_store.save(booking("s-cancel"))
    fresh_store.record_update(reference, "change", "friday instead")
    fresh_store.record_update(reference, "cancel")
    row = fresh_store.get(reference)
    assert row["status"] == "cancelled" and row["requester_name"] == "Sam Jones"
    updates = fresh_store.updates_for(reference)
    assert [(u["kind"], u["detail"]) for u in updates] == [("change", "friday instead"), ("cancel", "")]
    assert fresh_store.latest_for_sender("s-cancel")["reference"] == reference


def test_an_unknown_update_kind_is_refused(fresh_store):
    reference, _ = fresh_store.save(booking("s-kind"))
    with pytest.raises(ValueError):
        fresh_store.record_update(reference, "delete")
    assert fresh_store.updates_for(reference) == []


def test_staff_presence_and_one_live_request_per_conversation(fresh_store):
    assert fresh_store.staff_available(300) is False
    assert fresh_store.request_live_handoff("s-live") is True
    assert fresh_store.request_live_handoff("s-live") is False
    assert fresh_store.request_live_handoff("s-other") is True


def test_the_new_calls_raise_a_store_error_when_the_database_is_down():
    store = BookingStore(create_db_engine("postgresql://nobody@127.0.0.1:1/none", 1))
    for call in (lambda: store.latest_for_sender("s"), lambda: store.record_update("MMD-X", "cancel"),
                 lambda: store.staff_available(300), lambda: store.request_live_handoff("s")):
        with pytest.raises(BookingStoreError):
            call()


def test_an_old_bookings_table_gets_the_age_label_column(fresh_db_url):
    """A database from before patient_age_label: the column is added, old rows stay valid."""
    engine = sa.create_engine(fresh_db_url)
    old = sa.MetaData()
    old_bookings = sa.Table(
        "bookings", old,
        *[sa.Column(column.name, column.type, primary_key=column.primary_key, nullable=column.nullable,
                    server_default=column.server_default)
          for column in bookings.columns if column.name != "patient_age_label"],
    )
    old.create_all(engine)
    with engine.begin() as connection:
        connection.execute(old_bookings.insert().values(
            reference="MMD-OLD234", idempotency_key="k" * 64, sender_id="s-old", consult_for="self",
            patient_age=40, symptom_description="hands mirror", requester_name="Old Row",
            contact="old@example.com", preferred_times="any", consent=True,
            created_at=datetime.now(timezone.utc)))
    engine.dispose()

    store = BookingStore(create_db_engine(fresh_db_url, 5))
    try:
        old_row = store.latest_for_sender("s-old")
        assert old_row["reference"] == "MMD-OLD234" and old_row["patient_age_label"] is None
        columns = {c["name"] for c in sa.inspect(store.engine).get_columns("bookings")}
        assert "patient_age_label" in columns
        reference, _ = store.save(booking("s-new", patient_age_label="6 weeks", patient_age=0))
        assert store.get(reference)["patient_age_label"] == "6 weeks"
        # A second store (another process) finds the column already there.
        again = BookingStore(create_db_engine(fresh_db_url, 5))
        assert again.latest_for_sender("s-new")["reference"] == reference
        again.engine.dispose()
    finally:
        store.engine.dispose()
