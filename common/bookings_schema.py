"""The consultation requests' tables (the action server writes them; the console reads them,
sets their status and adds its own tables beside them)."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError

metadata = sa.MetaData()

bookings = sa.Table(
    "bookings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("consult_for", sa.String(16), nullable=False),
    sa.Column("patient_age", sa.Integer, nullable=False),
    sa.Column("symptom_description", sa.Text, nullable=False),
    sa.Column("requester_name", sa.String(100), nullable=False),
    sa.Column("contact", sa.String(255), nullable=False),
    sa.Column("preferred_times", sa.String(255), nullable=False),
    # Consent to share the conversation. False still sends the request: the clinician then
    # gets only the form answers, and the queue says the conversation may not be shared.
    sa.Column("consent", sa.Boolean, nullable=False),
    # Staff work the queue by status: new -> contacted -> scheduled -> closed / cancelled.
    # A request is never deleted: a user's cancellation sets "cancelled".
    sa.Column("status", sa.String(16), nullable=False, server_default="new"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # The age as the user gave it ("18 months", "7"); patient_age holds whole years.
    sa.Column("patient_age_label", sa.String(32), nullable=True),
)

# What users asked after sending a request: a change of time or a cancellation, with when.
# The queue shows them next to the request; nothing here is ever deleted.
booking_updates = sa.Table(
    "booking_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(16), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # "change" or "cancel"
    sa.Column("detail", sa.String(255), nullable=False, server_default=""),
    sa.Column("requested_by", sa.String(32), nullable=False, server_default="user"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# "Talk to a human": a live request staff pick up in the console while the user waits.
live_requests = sa.Table(
    "live_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, server_default="waiting"),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

# Staff presence: the console marks who is signed in and active, so the assistant knows
# whether a live hand-off can be offered.
staff_presence = sa.Table(
    "staff_presence",
    metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
)

# Columns added after the first release: created on start-up in existing databases.
_ADDED_COLUMNS = {"bookings": [bookings.c.patient_age_label]}


def ensure_schema(engine: Engine) -> None:
    """Creates the tables, and the columns newer than an existing table (nullable, so old rows
    stay valid); tolerates another process doing the same at the same time."""
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database not in (None, "", ":memory:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    try:
        metadata.create_all(engine)
    except (OperationalError, ProgrammingError):
        if not sa.inspect(engine).has_table(bookings.name):
            raise
    inspector = sa.inspect(engine)
    for table_name, columns in _ADDED_COLUMNS.items():
        present = {column["name"] for column in inspector.get_columns(table_name)}
        for column in columns:
            if column.name in present:
                continue
            column_type = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as connection:
                    connection.execute(sa.text(f"ALTER TABLE {table_name} ADD COLUMN {column.name} {column_type}"))
            except (OperationalError, ProgrammingError):
                # Another process added it first.
                if column.name not in {c["name"] for c in sa.inspect(engine).get_columns(table_name)}:
                    raise
