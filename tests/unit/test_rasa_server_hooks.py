"""The Rasa-server hooks: the event-type cache returns exactly what Rasa's lookup returns."""
from __future__ import annotations

import pytest
from rasa.shared.core import events

from rasa_server import performance


@pytest.fixture(scope="module", autouse=True)
def installed():
    performance.install()


@pytest.mark.parametrize("type_name, expected", [
    ("user", events.UserUttered), ("bot", events.BotUttered), ("action", events.ActionExecuted),
    ("slot", events.SlotSet), ("session_started", events.SessionStarted), ("pause", events.ConversationPaused),
    ("active_loop", events.ActiveLoop),
])
def test_known_types_resolve_as_before(type_name, expected):
    assert events.Event.resolve_by_type(type_name) is expected
    assert events.Event.resolve_by_type(type_name) is expected  # from the cache


def test_unknown_types_keep_rasas_behaviour():
    with pytest.raises(ValueError):
        events.Event.resolve_by_type("no_such_event")
    assert events.Event.resolve_by_type("no_such_event", default=events.SlotSet) is events.SlotSet
    assert events.Event.resolve_by_type("topic") is None


def test_a_whole_tracker_round_trips():
    serialised = [events.UserUttered("hi", {"name": "greet", "confidence": 1.0}).as_dict(),
                  events.ActionExecuted("utter_greet").as_dict(), events.BotUttered("Hi!").as_dict(),
                  events.SlotSet("handed_off", True).as_dict()]
    restored = events.deserialise_events(serialised)
    assert [type(e) for e in restored] == [events.UserUttered, events.ActionExecuted, events.BotUttered,
                                           events.SlotSet]


def test_sqlite_engines_use_write_ahead_logging(tmp_path):
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_action_responses_are_still_validated():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_x", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "a", "value": 1}],
                                           "responses": [{"text": "hi"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})
