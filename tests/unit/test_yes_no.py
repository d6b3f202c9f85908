"""A typed yes or no outside the form (actions/yes_no.py): it answers the yes/no question
the assistant just asked, and only that one."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.yes_no import ASKING_ACTIONS, ActionHandleNo, ActionHandleYes
from tests.unit.booking_data import add_booking, count_bookings
from tests.unit.trackers import LISTEN, bot_turn, slot_event, tracker_after, user_event

START_BOOKING = [SlotSet("pending_question", None), FollowupAction("consultation_form")]
SENDER = "yes-no-user"


def after_offer(asking_action, pending, reply="yes", intent="affirm", before=(), between=()):
    """The user's reply right after `asking_action` (which set pending_question), or after
    the `between` turns when the offer was earlier."""
    events = [
        *before,
        *bot_turn(asking_action),
        *([slot_event("pending_question", pending)] if pending else []),
        LISTEN,
        *between,
        user_event(reply, intent, 0.97),
    ]
    return tracker_after(events, slots={"pending_question": pending}, sender_id=SENDER)


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    responses = [message["response"] for message in dispatcher.messages]
    for response in responses:
        assert response in domain["responses"], response
    return responses, events, dispatcher.messages


@pytest.mark.parametrize(
    "asking_action, pending",
    [
        ("action_acknowledge_symptom", "book"),
        ("action_acknowledge_symptom", None),  # the symptom reply's offer is a question itself
        ("action_emergency", "book"),
        ("action_crisis", "book"),
        ("action_crisis", "continue_booking"),
        ("action_red_flag_context", "continue_booking"),
        ("action_request_human", "book"),
        ("action_booking_status", "book"),
    ],
)
@pytest.mark.parametrize("reply", ["yes", "yes please", "iya"])
def test_a_typed_yes_to_an_offer_starts_the_booking(domain, asking_action, pending, reply):
    responses, events, _ = run(ActionHandleYes(), after_offer(asking_action, pending, reply), domain)
    assert responses == ["utter_start_booking"]
    assert events == START_BOOKING


def test_a_yes_after_an_unrelated_answer_never_starts_a_booking(domain):
    """The offer was two turns ago: the FAQ answer came in between."""
    faq = [user_event("what is mmd?", "faq"), *bot_turn("utter_faq/what_is"), LISTEN]
    tracker = after_offer("action_acknowledge_symptom", "book", between=faq)
    responses, events, _ = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_anything_else"]
    assert events == [SlotSet("pending_question", None)]
    assert not any(event["event"] == "followup" for event in events)


def test_a_yes_with_no_question_asked(domain):
    tracker = tracker_after([*bot_turn("utter_greet"), LISTEN, user_event("yes", "affirm")])
    responses, events, _ = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_anything_else"]
    assert events == [SlotSet("pending_question", None)]


def test_a_pending_question_left_by_an_action_that_asks_nothing_is_ignored(domain):
    tracker = after_offer("utter_faq/what_is", "book")
    responses, events, _ = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_anything_else"]
    assert FollowupAction("consultation_form") not in events


@pytest.mark.parametrize("asking_action", ["action_acknowledge_symptom", "action_crisis", "action_request_human"])
def test_a_typed_no_to_an_offer(domain, asking_action):
    responses, events, _ = run(ActionHandleNo(), after_offer(asking_action, "book", "no", "deny"), domain)
    assert responses == ["utter_no_problem"]
    # Remembered for the session: later answers do not end with the offer again.
    assert events == [SlotSet("pending_question", None), SlotSet("consultation_declined", True)]


def test_every_asking_action_is_in_the_domain(domain):
    actions = {action if isinstance(action, str) else next(iter(action)) for action in domain["actions"]}
    responses = set(domain["responses"])
    assert ASKING_ACTIONS <= actions | responses
    for response in ("utter_start_booking", "utter_anything_else", "utter_no_problem"):
        assert response in domain["responses"]


# --- the cancellation question -------------------------------------------------------------


def test_yes_to_the_cancel_question_cancels_but_keeps_the_request(domain, action_store):
    reference = add_booking(action_store, SENDER)
    tracker = after_offer("action_cancel_booking", f"cancel:{reference}", "yes", "affirm")
    responses, events, messages = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_booking_cancelled"]
    assert messages[0]["booking_reference"] == reference
    assert events == [SlotSet("pending_question", None)]
    row = action_store.get(reference)
    assert row is not None and row["status"] == "cancelled"
    assert count_bookings(action_store) == 1
    [update] = action_store.updates_for(reference)
    assert update["kind"] == "cancel" and update["requested_by"] == "user"


def test_no_to_the_cancel_question_keeps_the_request(domain, action_store):
    reference = add_booking(action_store, SENDER)
    tracker = after_offer("action_cancel_booking", f"cancel:{reference}", "no", "deny")
    responses, events, messages = run(ActionHandleNo(), tracker, domain)
    assert responses == ["utter_booking_kept"]
    assert messages[0]["booking_reference"] == reference
    assert events == [SlotSet("pending_question", None)]
    assert action_store.get(reference)["status"] == "new"
    assert action_store.updates_for(reference) == []


def test_yes_to_a_stale_cancel_question_cancels_nothing(domain, action_store):
    reference = add_booking(action_store, SENDER)
    faq = [user_event("how is it treated?", "faq"), *bot_turn("utter_faq/treatment"), LISTEN]
    tracker = after_offer("action_cancel_booking", "cancel", "yes", "affirm", between=faq)
    responses, _, _ = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_anything_else"]
    assert action_store.get(reference)["status"] == "new"


def test_yes_cancels_the_request_that_was_asked_about_not_the_latest(domain, action_store):
    asked_about = add_booking(action_store, SENDER)
    latest = add_booking(action_store, SENDER, requester_name="Sam Jones Senior", consult_for="self")
    assert latest != asked_about
    tracker = after_offer("action_cancel_booking", f"cancel:{asked_about}", "yes", "affirm")
    responses, _, messages = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_booking_cancelled"] and messages[0]["booking_reference"] == asked_about
    assert action_store.get(asked_about)["status"] == "cancelled"
    assert action_store.get(latest)["status"] == "new"


@pytest.mark.parametrize("reply, starts", [("ya", True), ("mau", True), ("nggih", True), ("gak", False)])
def test_a_yes_or_no_the_classifiers_were_unsure_of_still_answers_the_offer(domain, reply, starts):
    """"ya" or "mau" alone after "would you like to book?" came out as nlu_fallback in a
    bilingual model: the fallback action reads it as the answer it is."""
    from actions.faq_answer import ActionClarify

    tracker = after_offer("action_acknowledge_symptom", "book", reply, intent="nlu_fallback")
    responses, events, _ = run(ActionClarify(), tracker, domain)
    if starts:
        assert responses == ["utter_start_booking"] and events == START_BOOKING
    else:
        assert "utter_start_booking" not in responses and FollowupAction("consultation_form") not in events


# A mother paused her booking with a goodbye, came back and typed "lanjut"; she was asked what
# else she needed, and had to find "lanjutin daftarnya tadi". No question was left open (so a
# plain "ok" does not restart the questions), but a word for going on does.
@pytest.mark.parametrize("reply", ["lanjut", "oke lanjut aja", "continue please", "let's go on", "terusin"])
def test_a_word_for_going_on_resumes_a_paused_booking(domain, reply):
    events = [*bot_turn("utter_booking_paused_farewell"), LISTEN, user_event(reply, "affirm")]
    tracker = tracker_after(events, slots={"consult_for": "child", "patient_age": 7.0})
    responses, result, _ = run(ActionHandleYes(), tracker, domain)
    assert responses == ["utter_resume_booking"]
    assert result == START_BOOKING


@pytest.mark.parametrize("reply, slots", [("ok", {"consult_for": "child"}), ("lanjut", {})])
def test_a_plain_ok_or_going_on_with_nothing_started_does_not_start_a_booking(domain, reply, slots):
    events = [*bot_turn("utter_booking_paused_farewell"), LISTEN, user_event(reply, "affirm")]
    responses, result, _ = run(ActionHandleYes(), tracker_after(events, slots=slots), domain)
    assert responses == ["utter_anything_else"]
