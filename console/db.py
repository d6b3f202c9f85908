"""Database engines: the console's own, and read access to Rasa's and the bookings store."""
from __future__ import annotations

import logging
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from common.bookings_schema import ensure_schema
from common.db import create_db_engine
from console.tables import conversation_index, index_state, message_index, metadata

DERIVED_TABLES = (conversation_index, message_index)

logger = logging.getLogger(__name__)

# Rasa's SQLTrackerStore schema, read-only (the console writes it only to forget a user).
rasa_metadata = sa.MetaData()
rasa_events = sa.Table(
    "events", rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def engine_for(url: str, timeout_seconds: float = 5) -> Engine:
    if url.startswith("sqlite:///"):
        Path(sa.engine.make_url(url).database).parent.mkdir(parents=True, exist_ok=True)
    return create_db_engine(url, timeout_seconds)


def create_console_schema(engine: Engine) -> None:
    """Creates the console's tables. The index tables are derived from Rasa's events: when
    their columns changed in a new version they are dropped and rebuilt from the events."""
    inspector = sa.inspect(engine)
    for table in DERIVED_TABLES:
        if inspector.has_table(table.name):
            present = {column["name"] for column in inspector.get_columns(table.name)}
            if present != {column.name for column in table.columns}:
                logger.info("index table %s rebuilt for its new columns", table.name)
                table.drop(engine)
                index_state.drop(engine, checkfirst=True)
    metadata.create_all(engine)
    _add_missing_columns(engine)


# Columns added to the console's own tables after their first release: (table, column, DDL type
# and default). Tables keep their rows; the new column gets its default.
ADDED_COLUMNS = (
    ("staff_users", "display_name", "VARCHAR(64)"),
    ("staff_users", "active", "BOOLEAN NOT NULL DEFAULT TRUE"),
    # Kept for the analytics language filter; requests contacted before it stay NULL.
    ("booking_first_contact", "language", "VARCHAR(8)"),
)


def _add_missing_columns(engine: Engine) -> None:
    inspector = sa.inspect(engine)
    for table, column, ddl in ADDED_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            with engine.begin() as connection:
                connection.execute(sa.text(f"ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
            logger.info("console table %s: column %s added", table, column)


def ensure_bookings_schema(engine: Engine) -> bool:
    """Creates what an older bookings database lacks (booking_updates, live_requests,
    staff_presence, bookings.patient_age_label), as the action server does on first use.

    False when the database cannot be changed now (down, no rights): the pages then treat
    missing tables as empty and read only the columns that exist.
    """
    try:
        ensure_schema(engine)
        return True
    except (SQLAlchemyError, OSError) as error:
        logger.warning("bookings schema not checked error=%s", type(error).__name__)
        return False
