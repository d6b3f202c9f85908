"""Data that must not live forever: conversations and finished consultation requests are
deleted after a configurable age, keeping only anonymous counts for analytics.

    python -m console.retention            # what the schedule runs (make retention)
    python -m console.retention --dry-run  # counts only

- A conversation whose last event is older than RETENTION_CONVERSATION_DAYS (default 365)
  loses its events in Rasa's store, and its tags, review and notes. Its rows in the console's
  index stay for the analytics page, anonymised: the sender id becomes a pseudonym and every
  text users typed is emptied. A conversation with an open request (new, contacted,
  scheduled) is kept until the request is finished.
- A closed or cancelled request older than RETENTION_BOOKING_DAYS (default 365) is deleted
  with its change requests, notes and assignment.
- Each run is written to the audit log with its counts (never ids). 0 days turns a rule off.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from common.bookings_schema import booking_updates, bookings
from common.logs import configure_logging
from console.db import create_console_schema, engine_for, rasa_events
from console.operations import audit
from console.redaction import pseudonym
from console.settings import load_settings
from console.tables import (
    booking_handling,
    conversation_index,
    conversation_review,
    conversation_tags,
    corrections,
    message_index,
    notes,
)

logger = logging.getLogger("console.retention")
OPEN_STATUSES = ("new", "contacted", "scheduled")
FINISHED_STATUSES = ("closed", "cancelled")
CHUNK = 500


@dataclass(frozen=True)
class RetentionPolicy:
    conversation_days: int = 365
    booking_days: int = 365

    @classmethod
    def from_env(cls) -> RetentionPolicy:
        return cls(conversation_days=int(os.environ.get("RETENTION_CONVERSATION_DAYS", "365")),
                   booking_days=int(os.environ.get("RETENTION_BOOKING_DAYS", "365")))


# rasa_server/tracker_store.py's table of folded dialogue state (long conversations).
TRACKER_WINDOWS = "tracker_windows"


def _chunks(items: List[str]):
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def expired_conversations(tracker: Engine, bookings_db: Engine, days: int, now: float) -> List[str]:
    """Senders whose last event is older than `days` and who have no open request."""
    if days <= 0 or not sa.inspect(tracker).has_table(rasa_events.name):
        return []
    cutoff = now - days * 86400
    with tracker.connect() as connection:
        old = list(connection.execute(
            sa.select(rasa_events.c.sender_id).group_by(rasa_events.c.sender_id)
            .having(sa.func.max(rasa_events.c.timestamp) < cutoff)).scalars())
    if not old or not sa.inspect(bookings_db).has_table(bookings.name):
        return old
    with bookings_db.connect() as connection:
        open_senders = set()
        for chunk in _chunks(old):
            open_senders.update(connection.execute(sa.select(bookings.c.sender_id).where(
                bookings.c.sender_id.in_(chunk), bookings.c.status.in_(OPEN_STATUSES))).scalars())
    return [sender for sender in old if sender not in open_senders]


def expired_bookings(bookings_db: Engine, days: int, now: float) -> List[str]:
    if days <= 0 or not sa.inspect(bookings_db).has_table(bookings.name):
        return []
    cutoff = datetime.fromtimestamp(now, tz=timezone.utc) - timedelta(days=days)
    with bookings_db.connect() as connection:
        return list(connection.execute(sa.select(bookings.c.reference).where(
            bookings.c.status.in_(FINISHED_STATUSES), bookings.c.created_at < cutoff)).scalars())


def apply_retention(console: Engine, tracker: Engine, bookings_db: Engine, policy: RetentionPolicy,
                    now: float | None = None, dry_run: bool = False) -> Dict[str, int]:
    now = time.time() if now is None else now
    senders = expired_conversations(tracker, bookings_db, policy.conversation_days, now)
    references = expired_bookings(bookings_db, policy.booking_days, now)
    counts = {"conversations": len(senders), "events": 0, "bookings": len(references)}
    if dry_run:
        return counts
    has_windows = sa.inspect(tracker).has_table(TRACKER_WINDOWS)
    for chunk in _chunks(senders):
        with tracker.begin() as connection:
            counts["events"] += connection.execute(
                rasa_events.delete().where(rasa_events.c.sender_id.in_(chunk))).rowcount
            if has_windows:  # the tracker store's folds hold slot values (names, contacts)
                connection.execute(sa.text("DELETE FROM tracker_windows WHERE sender_id IN :senders")
                                   .bindparams(sa.bindparam("senders", expanding=True)), {"senders": list(chunk)})
        with console.begin() as connection:
            # The inbox's decisions keep the user's text: they go too.
            for table in (conversation_review, conversation_tags, corrections):
                connection.execute(table.delete().where(table.c.sender_id.in_(chunk)))
            connection.execute(notes.delete().where(notes.c.sender_id.in_(chunk)))
            for sender in chunk:  # the counts stay for analytics; nothing that names anyone
                # Unique per run: the same sender may expire again after chatting later.
                anonymous = f"{pseudonym(sender)}@{int(now)}"
                connection.execute(conversation_index.update().where(conversation_index.c.sender_id == sender)
                                   .values(sender_id=anonymous, preview="", search_text=""))
                connection.execute(message_index.update().where(message_index.c.sender_id == sender)
                                   .values(sender_id=anonymous, text=""))
    for chunk in _chunks(references):
        with bookings_db.begin() as connection:
            if sa.inspect(bookings_db).has_table(booking_updates.name):
                connection.execute(booking_updates.delete().where(booking_updates.c.reference.in_(chunk)))
            connection.execute(bookings.delete().where(bookings.c.reference.in_(chunk)))
        with console.begin() as connection:
            connection.execute(notes.delete().where(notes.c.booking_reference.in_(chunk)))
            connection.execute(booking_handling.delete().where(booking_handling.c.reference.in_(chunk)))
    audit(console, "retention", "retention",
          f"conversations={counts['conversations']} events={counts['events']} bookings={counts['bookings']} "
          f"conversation_days={policy.conversation_days} booking_days={policy.booking_days}")
    return counts


def main(argv: List[str]) -> int:
    configure_logging()
    parser = argparse.ArgumentParser(prog="console.retention", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    args = parser.parse_args(argv)
    settings = load_settings(serving=False)
    console = engine_for(settings.console_db_url)
    create_console_schema(console)
    policy = RetentionPolicy.from_env()
    counts = apply_retention(console, engine_for(settings.tracker_db_url), engine_for(settings.bookings_db_url),
                             policy, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    logger.info("retention %s conversations=%s events=%s bookings=%s (older than %s / %s days)", verb,
                counts["conversations"], counts["events"], counts["bookings"],
                policy.conversation_days, policy.booking_days)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
