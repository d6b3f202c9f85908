""""Talk to a human" (actions/human_handoff.py): a live request when staff are online in the
console (table staff_presence), otherwise the offer of a clinician's call."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_actions
from actions.booking_store import live_requests
from actions.human_handoff import ActionRequestHuman
from tests.unit.booking_data import staff_seen
from tests.unit.trackers import LISTEN, bot_turn, tracker_after, user_event

SENDER = "handoff-user"


def ask_for_a_human(domain, sender_id=SENDER):
    events = [*bot_turn("utter_greet"), LISTEN, user_event("can I talk to a real person", "request_human")]
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ActionRequestHuman().run(dispatcher, tracker_after(events, sender_id=sender_id), domain))
    responses = [message["response"] for message in dispatcher.messages]
    for response in responses:
        assert response in domain["responses"], response
    return responses, result


def waiting_requests(store):
    with store.engine.connect() as connection:
        return connection.execute(
            sa.select(live_requests.c.sender_id, live_requests.c.status)
        ).all()


def test_staff_online_gets_a_live_request_once(domain, action_store):
    staff_seen(action_store, "alice", seconds_ago=30)
    responses, events = ask_for_a_human(domain)
    assert responses == ["utter_human_live"]
    assert events == [SlotSet("pending_question", None)]
    assert waiting_requests(action_store) == [(SENDER, "waiting")]
    # Asking again while waiting: no second request.
    responses, _ = ask_for_a_human(domain)
    assert responses == ["utter_human_already_waiting"]
    assert waiting_requests(action_store) == [(SENDER, "waiting")]


def test_each_conversation_gets_its_own_live_request(domain, action_store):
    staff_seen(action_store, "alice", seconds_ago=1)
    ask_for_a_human(domain, "first")
    ask_for_a_human(domain, "second")
    assert sorted(waiting_requests(action_store)) == [("first", "waiting"), ("second", "waiting")]


def test_no_staff_offers_the_booking(domain, action_store):
    responses, events = ask_for_a_human(domain)
    assert responses == ["utter_human_offline"]
    assert events == [SlotSet("pending_question", "book")]
    assert waiting_requests(action_store) == []
    payloads = [b["payload"] for b in domain["responses"]["utter_human_offline"][0]["buttons"]]
    assert "/affirm" in payloads


def test_staff_seen_outside_the_window_are_offline(domain, action_store, monkeypatch):
    monkeypatch.setenv("STAFF_ONLINE_WINDOW_SECONDS", "60")
    staff_seen(action_store, "bob", seconds_ago=600)
    responses, _ = ask_for_a_human(domain)
    assert responses == ["utter_human_offline"]
    monkeypatch.setenv("STAFF_ONLINE_WINDOW_SECONDS", "3600")
    responses, _ = ask_for_a_human(domain)
    assert responses == ["utter_human_live"]


def test_an_unavailable_store_falls_back_to_the_booking(domain, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database folder should be")
    monkeypatch.setenv("BOOKINGS_DB_URL", f"sqlite:///{blocker / 'bookings.db'}")
    booking_actions.booking_store.cache_clear()
    try:
        responses, events = ask_for_a_human(domain)
    finally:
        booking_actions.booking_store.cache_clear()
    assert responses == ["utter_human_offline"]
    assert events == [SlotSet("pending_question", "book")]


@pytest.mark.parametrize("response", ["utter_human_live", "utter_human_already_waiting"])
def test_live_replies_do_not_offer_a_booking(domain, response):
    assert not domain["responses"][response][0].get("buttons")
