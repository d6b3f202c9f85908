"""Database engines: the console's own, and read access to Rasa's and the bookings store."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from actions.booking_store import create_db_engine
from console.tables import metadata

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
    metadata.create_all(engine)
