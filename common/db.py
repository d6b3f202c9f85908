"""Database engines with timeouts, and the embedded default's database files."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import sqlalchemy as sa
from sqlalchemy.engine import Engine

PROJECT_DIR = Path(__file__).resolve().parent.parent
# The embedded default (SQLite files under var/); scripts/env.sh sets the same URLs for the
# shell, and scale-out mode replaces them with PostgreSQL.
DEFAULT_FILES = {"TRACKER_DB_URL": "conversations.db", "BOOKINGS_DB_URL": "bookings.db",
                 "CONSOLE_DB_URL": "console.db"}


def default_db_url(variable: str) -> str:
    """The SQLite URL of `variable` (TRACKER_DB_URL, BOOKINGS_DB_URL or CONSOLE_DB_URL)."""
    return f"sqlite:///{PROJECT_DIR / 'var' / DEFAULT_FILES[variable]}"


def create_db_engine(url: str, timeout_seconds: float) -> Engine:
    """An engine whose connections give up after `timeout_seconds` instead of hanging."""
    connect_args: Dict[str, Any] = {}
    if url.startswith("sqlite"):
        connect_args["timeout"] = timeout_seconds
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = max(1, int(timeout_seconds))
        connect_args["options"] = f"-c statement_timeout={int(timeout_seconds * 1000)}"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True, future=True)
