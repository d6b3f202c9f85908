"""Console configuration from the environment."""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass

from common.db import default_db_url

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
    max_failed_logins: int  # per client (IP address) within login_window_minutes
    login_window_minutes: int
    proxies_count: int
    secure_cookies: bool
    http_timeout_seconds: float
    # A new request older than this is highlighted in the queue (not contacted in time).
    queue_alert_minutes: int = 24 * 60




def load_settings(serving: bool = True) -> ConsoleSettings:
    """`serving`: the web app (warns when sessions would not survive a restart); False for
    the command-line tools, which sign nothing."""
    secret = os.environ.get("CONSOLE_SECRET_KEY", "")
    if not secret and not serving:
        secret = secrets.token_urlsafe(32)
    elif not secret:
        # Session cookies are signed with this key, so sessions then last only as long as
        # this process: fine for a laptop, not for production.
        secret = secrets.token_urlsafe(32)
        logger.warning("CONSOLE_SECRET_KEY not set: using a random key for this run (a restart signs everyone out)")
    return ConsoleSettings(
        console_db_url=os.environ.get("CONSOLE_DB_URL") or default_db_url("CONSOLE_DB_URL"),
        tracker_db_url=os.environ.get("TRACKER_DB_URL") or default_db_url("TRACKER_DB_URL"),
        bookings_db_url=os.environ.get("BOOKINGS_DB_URL") or default_db_url("BOOKINGS_DB_URL"),
        rasa_url=os.environ.get("RASA_URL") or f"http://127.0.0.1:{os.environ.get('RASA_PORT', '5005')}",
        rasa_api_token=os.environ.get("RASA_API_TOKEN", ""),
        secret_key=secret,
        session_minutes=int(os.environ.get("CONSOLE_SESSION_MINUTES", "480")),
        max_failed_logins=int(os.environ.get("CONSOLE_MAX_FAILED_LOGINS", "10")),
        login_window_minutes=int(os.environ.get("CONSOLE_LOGIN_WINDOW_MINUTES", "15")),
        # Behind a reverse proxy, how many proxies to trust for X-Forwarded-For (client IPs).
        proxies_count=int(os.environ.get("CONSOLE_PROXIES_COUNT", "0")),
        secure_cookies=os.environ.get("CONSOLE_SECURE_COOKIES", "0") == "1",
        http_timeout_seconds=float(os.environ.get("HTTP_TIMEOUT_SECONDS", "10")),
        queue_alert_minutes=int(os.environ.get("CONSOLE_QUEUE_ALERT_MINUTES", str(24 * 60))),
    )
