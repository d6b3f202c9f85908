"""FastSQLTrackerStore keeps Rasa's SQL storage: it reads what Rasa's store wrote and the
reverse, on a real SQLite file and a real PostgreSQL database."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from rasa_server.tracker_store import FastSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain"))


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture()
def database_url(fresh_db_url):
    """An empty SQLite file or PostgreSQL database (tests/unit/conftest.py)."""
    return fresh_db_url


def session_events(stamp: float, text: str):
    """A session as Rasa logs it: action_session_start, then its events with later timestamps."""
    return [
        ActionExecuted("action_session_start", timestamp=stamp),
        SessionStarted(timestamp=stamp + 0.001),
        ActionExecuted("action_listen", timestamp=stamp + 0.002),
        UserUttered(text, {"name": "greet", "confidence": 0.99}, timestamp=stamp + 0.003),
        ActionExecuted("utter_greet", timestamp=stamp + 0.004),
        BotUttered("Hello!", timestamp=stamp + 0.005),
        SlotSet("returning_user", True, timestamp=stamp + 0.006),
        ActiveLoop(None, timestamp=stamp + 0.007),
        ActionExecuted("action_listen", timestamp=stamp + 0.008),
    ]


def dumped(tracker):
    return [event.as_dict() for event in tracker.events]


@pytest.mark.parametrize("file", ["endpoints.yml", "endpoints.scale.yml"])
def test_endpoint_files_create_this_store_not_rasas_in_memory_fallback(file, tmp_path, monkeypatch):
    # Rasa silently falls back to an in-memory store when a custom store cannot be imported.
    monkeypatch.setenv("TRACKER_DB_URL", f"sqlite:///{tmp_path / 'c.db'}")
    for name in ("ACTION_ENDPOINT_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_KEY_PREFIX"):
        monkeypatch.setenv(name, "1")
    store = TrackerStore.create(read_endpoint_config(str(ROOT / file), "tracker_store"), DOMAIN)
    inner = getattr(store, "_tracker_store", store)
    assert type(inner) is FastSQLTrackerStore


def test_reads_what_rasas_store_wrote_and_the_reverse(database_url):
    rasas, fast = SQLTrackerStore(DOMAIN, host=database_url), FastSQLTrackerStore(DOMAIN, host=database_url)
    now = time.time()
    written_by_rasa = DialogueStateTracker.from_events("a", session_events(now, "hi"), DOMAIN.slots)
    run(rasas.save(written_by_rasa))
    assert dumped(run(fast.retrieve("a"))) == dumped(run(rasas.retrieve("a")))

    written_fast = DialogueStateTracker.from_events("b", session_events(now, "hello"), DOMAIN.slots)
    run(fast.save(written_fast))
    assert dumped(run(rasas.retrieve("b"))) == dumped(written_fast)[1:]  # both start at session_started
    assert dumped(run(fast.retrieve("b"))) == dumped(written_fast)[1:]


def test_latest_session_full_history_and_no_duplicates(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url)
    first, second = session_events(time.time() - 100, "first"), session_events(time.time(), "second")
    tracker = DialogueStateTracker.from_events("c", first, DOMAIN.slots)
    run(store.save(tracker))

    tracker = run(store.retrieve("c"))
    run(store.save(tracker))  # nothing new: nothing written twice
    for event in second:
        tracker.update(event)
    run(store.save(tracker))

    latest = run(store.retrieve("c"))
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["second"]
    full = run(store.retrieve_full_tracker("c"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["first", "second"]
    assert len(full.events) == len(first) + len(second)
    assert dumped(full) == dumped(run(SQLTrackerStore(DOMAIN, host=database_url).retrieve_full_tracker("c")))

    latest.update(UserUttered("third", {"name": "greet", "confidence": 1.0}))
    run(store.save(latest))
    assert [e.text for e in run(store.retrieve("c")).events if isinstance(e, UserUttered)] == ["second", "third"]


def test_unknown_conversations(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url)
    assert run(store.retrieve("nobody")) is None
    assert run(store.exists("nobody")) is False
    run(store.save(DialogueStateTracker.from_events("somebody", session_events(time.time(), "x"), DOMAIN.slots)))
    assert run(store.exists("somebody")) is True


def test_a_loaded_tracker_is_saved_without_counting_and_a_foreign_one_is_counted(database_url):
    import sqlalchemy as sa

    store = FastSQLTrackerStore(DOMAIN, host=database_url)
    statements = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: statements.append(statement.lower()))
    run(store.save(DialogueStateTracker.from_events("d", session_events(time.time(), "one"), DOMAIN.slots)))
    assert sum("count(" in s for s in statements) == 1  # a tracker it did not load: counted

    statements.clear()
    tracker = run(store.retrieve("d"))
    tracker.update(UserUttered("two", {"name": "greet", "confidence": 1.0}))
    run(store.save(tracker))
    tracker.update(ActionExecuted("utter_greet"))
    run(store.save(tracker))  # saved twice: each event once
    assert not any("count(" in s for s in statements)
    stored = run(SQLTrackerStore(DOMAIN, host=database_url).retrieve("d"))
    assert dumped(stored) == dumped(run(store.retrieve("d")))
    assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["one", "two"]
    assert [e.action_name for e in stored.events if isinstance(e, ActionExecuted)][-1] == "utter_greet"
    assert len(stored.events) == len(session_events(0, "")) - 1 + 2
