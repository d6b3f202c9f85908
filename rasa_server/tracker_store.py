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

A long conversation costs no more per turn than a short one (issue 14). Rasa loads every
event of the session at every message, and the policies, the action server (which gets the
whole tracker) and the JSON on both sides all grew with it: 31 ms per turn over turns 1-100,
209 ms over 501-600. This store loads a bounded window instead: the latest events (at least
TRACKER_WINDOW_EVENTS, at most twice that) after a *fold*, a row in `tracker_windows` with the
dialogue state at the fold (slots, the active form and whether it was rejected or
interrupted) written as the few events that rebuild it. Every event stays in `events`, for
staff, exports and Rasa's full-tracker API; only what is loaded per message is bounded. The
policies look at the last few turns (max_history 4, rules of a few turns), so they see the
same states; what changes is only what an action could see further back than the window
(README, "Long conversations"). TRACKER_WINDOW_EVENTS=0 turns folding off (Rasa's behaviour).

Configured in endpoints.yml as `type: rasa_server.tracker_store.FastSQLTrackerStore`.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from rasa_server import check_rasa_version

logger = logging.getLogger(__name__)

SQLITE_POOL_SIZE = 4
# Events kept loaded after a fold; a fold happens when twice as many are loaded. 200 events
# are 25-40 turns: far more than the policies look at (max_history 4).
DEFAULT_WINDOW_EVENTS = 200
WINDOW_VARIABLE = "TRACKER_WINDOW_EVENTS"
# Set on a loaded tracker: user messages of its session that are before the loaded window
# (the turns-per-session limit in rasa_server/limits.py adds them to what it sees).
TURNS_BEFORE_WINDOW = "_mmd_user_turns_before_window"
WINDOW_MARK = "_mmd_window"


@dataclass
class LoadedWindow:
    """What a tracker loaded through a fold knows about it."""

    prefix_events: int  # events at the start of tracker.events that rebuild the folded state
    user_turns_before: int


def window_events_from_env() -> int:
    value = os.environ.get(WINDOW_VARIABLE, "").strip()
    try:
        return max(0, int(value)) if value else DEFAULT_WINDOW_EVENTS
    except ValueError:
        logger.warning("tracker_store.bad_window_setting", extra={"variable": WINDOW_VARIABLE})
        return DEFAULT_WINDOW_EVENTS


class FastSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with the same storage, built for the per-message hot path."""

    def __init__(self, *args: Any, window_events: Optional[int] = None, **kwargs: Any) -> None:
        # Rasa loads this class from endpoints.yml even without the start-up hooks (plain
        # `rasa run`); it rebuilds trackers from Rasa internals of one release, so it refuses
        # any other release as the hooks do.
        check_rasa_version()
        super().__init__(*args, **kwargs)
        self._pool_sqlite_file_connections()
        self.window_events = window_events_from_env() if window_events is None else int(window_events)
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
        self._windows = _windows_table(self.Base.metadata)
        self._create_window_storage()
        windows = self._windows
        self._window_of_sender = sa.select(windows.c.boundary_id, windows.c.user_turns, windows.c.state).where(
            windows.c.sender_id == sender)
        self._events_after = (
            sa.select(events.c.type_name, events.c.data)
            .where(of_sender, events.c.id > sa.bindparam("after"))
            .order_by(events.c.id)
        )
        # The id of the n-th newest event of a conversation (n = `skip` + 1).
        self._nth_newest_id = (
            sa.select(events.c.id).where(of_sender).order_by(events.c.id.desc())
            .limit(1).offset(sa.bindparam("skip"))
        )
        self._delete_window = windows.delete().where(windows.c.sender_id == sender)
        self._insert_window = windows.insert()

    def _create_window_storage(self) -> None:
        """The folds' table, and an index that makes "this conversation's events after id N"
        a range scan (Rasa indexes sender_id alone)."""
        try:
            self._windows.create(self.engine, checkfirst=True)
            with self.engine.begin() as connection:
                connection.execute(sa.text(
                    "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id ON events (sender_id, id)"))
        except sa.exc.SQLAlchemyError as error:  # another replica creating them at the same moment
            logger.warning("tracker_store.window_storage_not_created", extra={"error": type(error).__name__})

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
        if self.window_events and not fetch_events_from_all_sessions and self.domain:
            with self.engine.connect() as connection:
                fold = connection.execute(self._window_of_sender, {"sender_id": sender_id}).first()
                if fold is not None:
                    rows = connection.execute(
                        self._events_after, {"sender_id": sender_id, "after": fold.boundary_id}).fetchall()
                    return self._tracker_after_fold(sender_id, fold, rows)
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

    def _tracker_after_fold(self, sender_id: str, fold: Any, rows: Sequence[Any]) -> Optional[DialogueStateTracker]:
        if not rows:  # the conversation's events were deleted (retention): nothing to load
            return None
        starts = [i for i, (type_name, _) in enumerate(rows) if type_name == SessionStarted.type_name]
        if starts:  # a newer session began after the fold: load it as Rasa does
            prefix: List[Dict[str, Any]] = []
            turns_before = 0
            rows = rows[starts[-1]:]
        else:
            prefix = json.loads(fold.state)
            turns_before = fold.user_turns
        events = prefix + [json.loads(data) for _, data in rows]
        assert self.domain is not None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        _remember_stored(tracker)
        tracker.__dict__[WINDOW_MARK] = LoadedWindow(len(prefix), turns_before)
        tracker.__dict__[TURNS_BEFORE_WINDOW] = turns_before
        return tracker

    async def exists(self, conversation_id: str) -> bool:
        with self.engine.connect() as connection:
            return connection.execute(self._any_event, {"sender_id": conversation_id}).first() is not None

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        with self.engine.begin() as connection:
            stored = stored_mark = tracker.__dict__.get(STORED_MARK)
            if stored is None:  # a tracker this store did not load: count what is stored
                stored = connection.execute(self._count_latest_session, {"sender_id": tracker.sender_id}).scalar()
            rows = _event_rows(tracker, stored or 0)
            if rows:
                connection.execute(self._insert, rows)
            if self.window_events:
                self._fold_if_long(connection, tracker, loaded_by_this_store=stored_mark is not None)
        _remember_stored(tracker)
        logger.debug("Stored %d new events.", len(rows))

    def _fold_if_long(self, connection: Any, tracker: DialogueStateTracker, loaded_by_this_store: bool) -> None:
        """Writes a new fold when the loaded window has grown to twice its size.

        Runs inside the save's transaction, after the new events are inserted, so the fold's
        boundary is an event id in the database: the event before the window's first user
        message, `len(tracker.events) - start` rows from the newest.
        """
        params = {"sender_id": tracker.sender_id}
        if not loaded_by_this_store:
            # A tracker built elsewhere (Rasa's API replacing a conversation's events): the
            # fold may not describe it any more. Without one the next load reads the session.
            connection.execute(self._delete_window, params)
            return
        loaded: Optional[LoadedWindow] = tracker.__dict__.get(WINDOW_MARK)
        prefix_events = loaded.prefix_events if loaded else 0
        events = list(tracker.events)
        if len(events) - prefix_events <= 2 * self.window_events:
            return
        start = _window_start(events, prefix_events, len(events) - self.window_events)
        if start is None:
            return
        prefix = _state_as_events(tracker.sender_id, events[:start], self.domain.slots if self.domain else [])
        if prefix is None:
            return
        boundary = connection.execute(self._nth_newest_id, {**params, "skip": len(events) - start}).scalar()
        if boundary is None:
            return
        turns_before = (loaded.user_turns_before if loaded and prefix_events else 0) + sum(
            isinstance(event, UserUttered) for event in events[prefix_events:start])
        connection.execute(self._delete_window, params)
        connection.execute(self._insert_window, {
            **params, "boundary_id": boundary, "user_turns": turns_before,
            "state": json.dumps([event.as_dict() for event in prefix])})
        logger.debug("tracker_store.folded", extra={"events_folded": start - prefix_events})


def _windows_table(metadata: sa.MetaData) -> sa.Table:
    if "tracker_windows" in metadata.tables:
        return metadata.tables["tracker_windows"]
    return sa.Table(
        "tracker_windows", metadata,
        sa.Column("sender_id", sa.String(255), primary_key=True),
        # events with a larger id (of this sender) are loaded after `state`
        sa.Column("boundary_id", sa.Integer, nullable=False),
        # user messages of the session up to the boundary
        sa.Column("user_turns", sa.Integer, nullable=False),
        # the dialogue state at the boundary, as the events that rebuild it (JSON list)
        sa.Column("state", sa.Text, nullable=False),
    )


def _window_start(events: Sequence[Event], earliest: int, latest: int) -> Optional[int]:
    """Index of the user message that starts the next window: the latest one at or before
    `latest`, after `earliest` and after the session's start, right after Rasa listened."""
    session_start = max((i for i, event in enumerate(events) if isinstance(event, SessionStarted)), default=-1)
    for index in range(min(latest, len(events) - 1), max(earliest, session_start + 1), -1):
        previous = events[index - 1]
        if (isinstance(events[index], UserUttered) and isinstance(previous, ActionExecuted)
                and previous.action_name == "action_listen"):
            return index
    return None


def _state_as_events(sender_id: str, folded: Sequence[Event], slots: Any) -> Optional[List[Event]]:
    """The events that rebuild the dialogue state after `folded`, or None if they cannot.

    Slots that differ from their initial value, the active form (rejected or interrupted
    as it was), and the listen that ended the last folded turn; checked by rebuilding.
    """
    before = DialogueStateTracker.from_events(sender_id, list(folded), slots)
    timestamp = folded[-1].timestamp
    prefix: List[Event] = [
        SlotSet(name, slot.value, timestamp=timestamp)
        for name, slot in before.slots.items() if slot.value != slot.initial_value
    ]
    loop = before.active_loop
    if loop is not None and loop.name:
        prefix.append(ActiveLoop(loop.name, timestamp=timestamp))
        if loop.rejected:
            prefix.append(ActionExecutionRejected(loop.name, timestamp=timestamp))
        if loop.is_interrupted:
            prefix.append(LoopInterrupted(True, timestamp=timestamp))
    prefix.append(ActionExecuted("action_listen", timestamp=timestamp))
    after = DialogueStateTracker.from_events(sender_id, prefix, slots)
    if (after.current_slot_values() != before.current_slot_values()
            or after.active_loop_name != before.active_loop_name
            or after.is_active_loop_rejected != before.is_active_loop_rejected
            or after.followup_action != before.followup_action):
        logger.warning("tracker_store.fold_skipped", extra={"reason": "state not rebuilt"})
        return None
    return prefix


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
