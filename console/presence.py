"""Staff presence in the bookings database, so the assistant knows whether a live hand-off
can be offered (actions/human_handoff.py reads `staff_presence`).

Every signed-in request marks its user as seen, at most once per `interval` seconds per
user; a failed write is logged (without the user's name) and never fails the page.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable, Dict

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from common.bookings_schema import staff_presence

logger = logging.getLogger(__name__)
WRITE_INTERVAL_SECONDS = 60.0


class Presence:
    def __init__(self, bookings: Engine, interval: float = WRITE_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bookings = bookings
        self.interval = interval
        self.clock = clock
        self._last_write: Dict[str, float] = {}
        self._lock = threading.Lock()

    def seen(self, username: str) -> bool:
        """Marks `username` as active now unless written within the interval. True if written."""
        now = self.clock()
        with self._lock:
            last = self._last_write.get(username)
            if last is not None and now - last < self.interval:
                return False
            # Counted before the write: a database that is down is not retried on every page.
            self._last_write[username] = now
        try:
            _upsert(self.bookings, username)
            return True
        except (SQLAlchemyError, OSError) as error:
            logger.warning("staff presence not recorded error=%s", type(error).__name__)
            return False

    def signed_out(self, username: str) -> None:
        """Deletes the user's presence row: a signed-out user is not online."""
        with self._lock:
            self._last_write.pop(username, None)
        try:
            with self.bookings.begin() as connection:
                connection.execute(staff_presence.delete().where(staff_presence.c.username == username))
        except (SQLAlchemyError, OSError) as error:
            logger.warning("staff presence not cleared error=%s", type(error).__name__)


def _upsert(bookings: Engine, username: str) -> None:
    now = datetime.now(timezone.utc)
    row = staff_presence.c.username == username
    with bookings.begin() as connection:
        if connection.execute(staff_presence.update().where(row).values(last_seen=now)).rowcount:
            return
    try:
        with bookings.begin() as connection:
            connection.execute(staff_presence.insert().values(username=username, last_seen=now))
    except IntegrityError:  # the same user's other browser inserted it first
        with bookings.begin() as connection:
            connection.execute(staff_presence.update().where(row).values(last_seen=now))
