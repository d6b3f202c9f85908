"""Action-server configuration, read once from the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass

from common.db import default_db_url

DEFAULT_BOOKINGS_DB_URL = default_db_url("BOOKINGS_DB_URL")


@dataclass(frozen=True)
class Settings:
    bookings_db_url: str
    db_timeout_seconds: float


def load_settings() -> Settings:
    return Settings(
        bookings_db_url=os.environ.get("BOOKINGS_DB_URL") or DEFAULT_BOOKINGS_DB_URL,
        db_timeout_seconds=float(os.environ.get("DB_TIMEOUT_SECONDS", "5")),
    )
