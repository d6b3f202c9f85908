"""Rows in the bookings database, written as the actions and the staff console write them."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa

from actions.booking_store import BookingRequest, BookingStore, bookings, staff_presence


def add_booking(store: BookingStore, sender_id: str, **changes: Any) -> str:
    """Stores a request as action_submit_booking does; returns its reference."""
    values = dict(
        sender_id=sender_id, consult_for="child", patient_age=7,
        symptom_description="left hand copies right", requester_name="Sam Jones",
        contact="sam@example.com", preferred_times="weekday mornings", consent=True,
        patient_age_label="7",
    )
    values.update(changes)
    reference, created = store.save(BookingRequest(**values))
    assert created
    return reference


def booking_row(store: BookingStore, reference: str) -> dict:
    return store.get(reference)


def count_bookings(store: BookingStore) -> int:
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(bookings)).scalar_one()


def staff_seen(store: BookingStore, username: str, seconds_ago: float) -> None:
    """The staff console's presence mark: `username` was active `seconds_ago`."""
    store.staff_available(1)  # creates the schema
    with store.engine.begin() as connection:
        connection.execute(staff_presence.insert().values(
            username=username, last_seen=datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)))
