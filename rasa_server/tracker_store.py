"""Rasa's SQL tracker store with cheaper reads and writes: same table, same rows.

Rasa 3.6's SQLTrackerStore spent a fifth of a turn in SQLAlchemy (py-spy, `make bench`
conversation): every read and write builds ORM queries whose cache keys are recomputed,
each save counts the stored events with the same ORM query, commits every event through
the ORM unit of work, and with SQLite (NullPool for files in SQLAlchemy 1.4) each of the
three sessions per turn opens and closes a new connection.

This store keeps the table, columns and JSON of Rasa's store, so the staff console, Rasa's
own store and `rasa export` read it unchanged, and:
- runs prebuilt Core statements;
- inserts a turn's new events with one executemany; a tracker it loaded or saved knows how
  many of its events are stored, so only other trackers pay Rasa's count query;
- keeps SQLite file connections in a small pool (WAL mode is set on each new connection,
  rasa_server/performance.py).

A conversation's latest session starts at its latest `session_started` event by id, where
Rasa compares timestamps: the same events in every conversation Rasa writes (the session
start's events get later timestamps in the order they are stored), and an event appended
through the HTTP API with an older timestamp is no longer silently dropped.

Configured in endpoints.yml as `type: rasa_server.tracker_store.FastSQLTrackerStore`.
"""
from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Dict, List, Optional

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

SQLITE_POOL_SIZE = 4


class FastSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with the same storage, built for the per-message hot path."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pool_sqlite_file_connections()
        events = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        latest_session_start = (
            sa.select(sa.func.coalesce(sa.func.max(events.c.id), 0))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        of_sender = events.c.sender_id == sender
        in_latest_session = sa.and_(of_sender, events.c.id >= latest_session_start)
        self._latest_session_events = sa.select(events.c.data).where(in_latest_session).order_by(events.c.id)
        self._all_events = sa.select(events.c.data).where(of_sender).order_by(events.c.id)
        self._count_latest_session = sa.select(sa.func.count()).select_from(events).where(in_latest_session)
        self._any_event = sa.select(events.c.id).where(of_sender).limit(1)
        self._insert = events.insert()

    def _pool_sqlite_file_connections(self) -> None:
        url = self.engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return
        self.engine.dispose()
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=SQLITE_POOL_SIZE,
            # Rasa uses the store from its event loop; the pool hands a connection to one
            # user at a time, so sharing it across threads is safe.
            connect_args={"check_same_thread": False},
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        statement = self._all_events if fetch_events_from_all_sessions else self._latest_session_events
        with self.engine.connect() as connection:
            rows = connection.execute(statement, {"sender_id": sender_id}).fetchall()
        if not rows or not self.domain:
            logger.debug("No stored events for this conversation.")
            return None
        events = [json.loads(data) for (data,) in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            _remember_stored(tracker)
        return tracker

    async def exists(self, conversation_id: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(self._any_event, {"sender_id": conversation_id}).first() is not None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            stored = tracker.__dict__.get(STORED_MARK)
            if stored is None:  # a tracker this store did not load: count what is stored
                stored = connection.execute(self._count_latest_session, {"sender_id": tracker.sender_id}).scalar()
            rows = _event_rows(tracker, stored or 0)
            if rows:
                connection.execute(self._insert, rows)
        _remember_stored(tracker)
        logger.debug("Stored %d new events.", len(rows))


STORED_MARK = "_mmd_events_stored"


def _remember_stored(tracker: DialogueStateTracker) -> None:
    """Marks how many of the tracker's events are in the database.

    Rasa counts them with a query at every save; a tracker this store loaded (or saved)
    knows. Messages of one conversation are serialised by the lock store, and Rasa's HTTP
    API takes the same lock, so nothing else writes to the conversation in between.
    """
    tracker.__dict__[STORED_MARK] = len(tracker.events)


def _event_rows(tracker: DialogueStateTracker, already_stored: int) -> List[Dict[str, Any]]:
    rows = []
    for event in itertools.islice(tracker.events, already_stored, None):
        data = event.as_dict()
        rows.append(
            {
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": json.dumps(data),
            }
        )
    return rows
