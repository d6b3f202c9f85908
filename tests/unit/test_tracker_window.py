"""The tracker store loads a bounded window of a long conversation (issue 14): whatever the
length, a loaded tracker has a bounded number of events, the same slots, active form and
recent dialogue states as the whole conversation, and every event is still stored; on a
real SQLite file and a real PostgreSQL database."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    BotUttered,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_server.tracker_store import TURNS_BEFORE_WINDOW, FastSQLTrackerStore, window_events_from_env

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain"))
WINDOW = 20
FORM = "consultation_form"


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.fixture()
def database_url(fresh_db_url):
    """An empty SQLite file or PostgreSQL database (tests/unit/conftest.py)."""
    return fresh_db_url


def session_start(stamp):
    return [ActionExecuted("action_session_start", timestamp=stamp), SessionStarted(timestamp=stamp),
            SlotSet("language", "en", timestamp=stamp), ActionExecuted("action_listen", timestamp=stamp)]


def turn(number, stamp):
    """One user turn, varied: FAQ answers, a booking form that starts, is rejected,
    interrupted by a digression and ends, slots that change and are reset."""
    user = UserUttered(f"message {number}", {"name": "faq", "confidence": 0.9}, timestamp=stamp)
    phase = number % 13
    events = [user]
    if phase == 3:
        events += [ActionExecuted(FORM, timestamp=stamp), ActiveLoop(FORM, timestamp=stamp),
                   SlotSet("requested_slot", "consult_for", timestamp=stamp)]
    elif phase == 4:
        events += [ActionExecutionRejected(FORM, timestamp=stamp), ActionExecuted("action_faq", timestamp=stamp),
                   BotUttered(f"answer {number}", timestamp=stamp)]
    elif phase == 5:
        events += [LoopInterrupted(True, timestamp=stamp), ActionExecuted("action_faq", timestamp=stamp),
                   BotUttered(f"answer {number}", timestamp=stamp)]
    elif phase == 6:
        events += [ActionExecuted(FORM, timestamp=stamp), SlotSet("consult_for", "child", timestamp=stamp),
                   SlotSet("requested_slot", "patient_age", timestamp=stamp)]
    elif phase == 8:
        events += [ActionExecuted(FORM, timestamp=stamp), SlotSet("patient_age", number, timestamp=stamp),
                   ActiveLoop(None, timestamp=stamp), SlotSet("requested_slot", None, timestamp=stamp)]
    elif phase == 10:
        events += [ActionExecuted("action_submit_booking", timestamp=stamp),
                   SlotSet("consult_for", None, timestamp=stamp), SlotSet("patient_age", None, timestamp=stamp)]
    else:
        events += [ActionExecuted("action_faq", timestamp=stamp), BotUttered(f"answer {number}", timestamp=stamp)]
    return events + [ActionExecuted("action_listen", timestamp=stamp)]


def loop_state(tracker):
    loop = tracker.active_loop
    return None if loop is None else (loop.name, loop.rejected, loop.is_interrupted)


def user_messages_in_session(tracker):
    return tracker.__dict__.get(TURNS_BEFORE_WINDOW, 0) + sum(
        isinstance(e, UserUttered) for e in tracker.events)


def play(store, sender, turns, first_turn=0, reference=None, stamp=None):
    """Plays `turns` turns through the store as Rasa does (load, add, save), checking each
    loaded tracker against the whole conversation kept in memory."""
    stamp = stamp or time.time()
    if reference is None:
        reference = DialogueStateTracker.from_events(sender, session_start(stamp), DOMAIN.slots)
        run(store.save(DialogueStateTracker.from_events(sender, session_start(stamp), DOMAIN.slots)))
    longest = 0
    for number in range(first_turn, first_turn + turns):
        loaded = run(store.retrieve(sender))
        longest = max(longest, len(loaded.events))
        assert loaded.current_slot_values() == reference.current_slot_values(), number
        assert loop_state(loaded) == loop_state(reference), number
        assert user_messages_in_session(loaded) == sum(isinstance(e, UserUttered) for e in reference.events)
        # the states the policies look at (max_history 4, rules of a few turns) are the same
        assert loaded.past_states(DOMAIN)[-8:] == reference.past_states(DOMAIN)[-8:], number
        new = turn(number, stamp + number)
        for event in new:
            loaded.update(event)
            reference.update(event)
        run(store.save(loaded))
    return reference, longest


def stored_events(url, sender):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                      {"s": sender}).scalar()
    finally:
        engine.dispose()


def test_a_long_conversation_loads_a_bounded_window_with_the_same_state(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url, window_events=WINDOW)
    reference, longest = play(store, "long", 150)
    # bounded: the fold's few events, at most twice the window, and one turn
    assert longest <= len(DOMAIN.slots) + 4 + 2 * WINDOW + 6, longest
    assert len(reference.events) > 5 * longest
    # every event is still stored, in order: Rasa's full-tracker API reads them all
    assert stored_events(database_url, "long") == len(reference.events)
    full = run(store.retrieve_full_tracker("long"))
    assert [e.as_dict() for e in full.events] == [e.as_dict() for e in reference.events]


def test_without_a_window_the_whole_session_is_loaded(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url, window_events=0)
    reference, longest = play(store, "plain", 40)
    assert longest >= len(reference.events) - 6


def test_a_new_session_after_a_fold_loads_from_its_start(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url, window_events=WINDOW)
    stamp = time.time()
    play(store, "sessions", 30, stamp=stamp)
    tracker = run(store.retrieve("sessions"))
    for event in session_start(stamp + 100):
        tracker.update(event)
    run(store.save(tracker))
    loaded = run(store.retrieve("sessions"))
    assert isinstance(loaded.events[0], SessionStarted)
    assert loaded.get_slot("consult_for") is None and loaded.active_loop is None
    assert user_messages_in_session(loaded) == 0
    # and it folds again as it grows
    play(store, "sessions", 40, first_turn=100, reference=DialogueStateTracker.from_events(
        "sessions", [e for e in loaded.events], DOMAIN.slots), stamp=stamp + 100)


def test_a_tracker_built_elsewhere_drops_the_fold(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url, window_events=WINDOW)
    reference, _ = play(store, "replaced", 30)
    # e.g. Rasa's API replacing the events: a tracker this store did not load
    foreign = DialogueStateTracker.from_events("replaced", list(reference.events), DOMAIN.slots)
    run(store.save(foreign))
    loaded = run(store.retrieve("replaced"))
    assert loaded.current_slot_values() == reference.current_slot_values()


def test_deleted_events_leave_nothing_to_load(database_url):
    store = FastSQLTrackerStore(DOMAIN, host=database_url, window_events=WINDOW)
    play(store, "erased", 30)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'erased'"))
    engine.dispose()
    assert run(store.retrieve("erased")) is None


@pytest.mark.parametrize("value, expected", [("", 200), ("50", 50), ("0", 0), ("-3", 0), ("many", 200)])
def test_window_setting(monkeypatch, value, expected):
    monkeypatch.setenv("TRACKER_WINDOW_EVENTS", value)
    assert window_events_from_env() == expected


def test_the_fold_rebuilds_the_state_after_every_turn():
    """Whatever turn a fold ends on (a form active, rejected, interrupted, slots set and
    reset), its events rebuild the same slots, form and form status."""
    from rasa_server.tracker_store import _state_as_events

    stamp = time.time()
    events = session_start(stamp)
    checked = set()
    for number in range(26):
        events += turn(number, stamp + number)
        whole = DialogueStateTracker.from_events("fold", events, DOMAIN.slots)
        prefix = _state_as_events("fold", events, DOMAIN.slots)
        assert prefix is not None, number
        rebuilt = DialogueStateTracker.from_events("fold", prefix, DOMAIN.slots)
        assert rebuilt.current_slot_values() == whole.current_slot_values(), number
        assert loop_state(rebuilt) == loop_state(whole), number
        checked.add(loop_state(whole))
    assert {None, (FORM, False, False), (FORM, True, False)} <= checked


def test_the_store_refuses_another_rasa_release(monkeypatch, tmp_path):
    """Rasa loads the store from endpoints.yml even without the start-up hooks: it checks
    the release itself."""
    import rasa.version

    from rasa_server import RasaVersionError

    monkeypatch.setattr(rasa.version, "__version__", "3.7.0")
    with pytest.raises(RasaVersionError, match="3.7.0"):
        FastSQLTrackerStore(DOMAIN, host=f"sqlite:///{tmp_path / 'c.db'}")
