"""Console configuration from the environment."""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleSettings:
    console_db_url: str
    tracker_db_url: str
    bookings_db_url: str
    rasa_url: str
    rasa_api_token: str
    secret_key: str
    session_minutes: int
    max_failed_logins: int
    lockout_minutes: int
    secure_cookies: bool
    http_timeout_seconds: float


def _sqlite(name: str) -> str:
    return f"sqlite:///{PROJECT_DIR / 'var' / name}"


def load_settings() -> ConsoleSettings:
    secret = os.environ.get("CONSOLE_SECRET_KEY", "")
    if not secret:
        # Sessions then last only as long as this process: fine for a laptop, not for prod.
        secret = secrets.token_urlsafe(32)
        logger.warning("CONSOLE_SECRET_KEY not set: using a random key for this run")
    return ConsoleSettings(
        console_db_url=os.environ.get("CONSOLE_DB_URL") or _sqlite("console.db"),
        tracker_db_url=os.environ.get("TRACKER_DB_URL") or _sqlite("conversations.db"),
        bookings_db_url=os.environ.get("BOOKINGS_DB_URL") or _sqlite("bookings.db"),
        rasa_url=os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}",
        rasa_api_token=os.environ.get("RASA_API_TOKEN", ""),
        secret_key=secret,
        session_minutes=int(os.environ.get("CONSOLE_SESSION_MINUTES", "480")),
        max_failed_logins=int(os.environ.get("CONSOLE_MAX_FAILED_LOGINS", "5")),
        lockout_minutes=int(os.environ.get("CONSOLE_LOCKOUT_MINUTES", "15")),
        secure_cookies=os.environ.get("CONSOLE_SECURE_COOKIES", "0") == "1",
        http_timeout_seconds=float(os.environ.get("HTTP_TIMEOUT_SECONDS", "10")),
    )
