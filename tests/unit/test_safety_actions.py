"""Emergency, crisis and "red flag in doubt" replies (actions/safety_actions.py), run as the
Rasa server runs them: safety first, a running booking paused, the offer only after."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.safety_actions import INDONESIAN, ActionCrisis, ActionEmergency, ActionRedFlagContext
from tests.unit.trackers import FILLED_BOOKING, LISTEN, bot_turn, entity, tracker_after, user_event

PARTIAL_BOOKING = {"consult_for": "child", "patient_age": 7.0, "symptom_description": "left hand copies right"}
PAUSE = [ActiveLoop(None), SlotSet("requested_slot", None)]


def run(action, domain, text, intent, entities=(), slots=None, in_form=False, requested_slot=None):
    events = [*bot_turn("utter_greet"), LISTEN, user_event(text, intent, 0.99, entities)]
    tracker = tracker_after(events, slots=slots, in_form=in_form, requested_slot=requested_slot)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, tracker, domain))
    responses = [message["response"] for message in dispatcher.messages]
    for response in responses:
        assert response in domain["responses"], response
    return responses, result


def buttons(domain, response):
    return domain["responses"][response][0].get("buttons", [])


# --- emergency ------------------------------------------------------------------------------


def test_emergency_reply_in_english(domain):
    responses, events = run(ActionEmergency(), domain, "my dad suddenly can't move his arm", "emergency")
    assert responses == ["utter_emergency"]
    assert SlotSet("pending_question", None) in events
    assert SlotSet("pending_question", "book") not in events
    assert "112" in domain["responses"]["utter_emergency"][0]["text"]


def test_emergency_reply_in_bahasa_when_the_safety_net_says_so(domain):
    responses, events = run(ActionEmergency(), domain, "anak saya kejang", "emergency",
                            entities=[entity("language", "id")])
    assert responses == ["utter_emergency_id"]
    assert SlotSet("pending_question", None) in events
    assert "IGD" in domain["responses"]["utter_emergency_id"][0]["text"]


def test_every_safety_reply_has_its_bahasa_version(domain):
    for english, indonesian in INDONESIAN.items():
        assert english in domain["responses"] and indonesian in domain["responses"]


@pytest.mark.parametrize("language", [None, "id"])
def test_emergency_in_the_form_pauses_it_without_a_button(domain, language):
    entities = [entity("language", language)] if language else []
    responses, events = run(ActionEmergency(), domain, "he is having a seizure", "emergency", entities,
                            slots=PARTIAL_BOOKING, in_form=True, requested_slot="requester_name")
    suffix = "_id" if language else ""
    assert responses == [f"utter_emergency{suffix}", f"utter_booking_paused_after_emergency{suffix}"]
    assert all(event in events for event in PAUSE)
    assert SlotSet("pending_question", None) in events
    # No "continue" button right after an emergency; the answers are kept (no slot cleared).
    assert all(not buttons(domain, response) for response in responses)
    assert not any(event["name"] in PARTIAL_BOOKING for event in events if event["event"] == "slot")


def test_emergency_with_a_mirroring_report_offers_the_consultation_after(domain):
    responses, events = run(
        ActionEmergency(), domain, "since this morning his left hand copies the right and he is weak",
        "emergency", entities=[entity("symptom_signal", "mirroring")],
    )
    assert responses == ["utter_emergency", "utter_emergency_then_offer"]
    assert events[-1] == SlotSet("pending_question", "book")
    assert {"title": "Yes, book a consultation", "payload": "/affirm"} in buttons(domain, "utter_emergency_then_offer")


def test_no_offer_after_an_emergency_in_the_form_even_with_a_mirroring_report(domain):
    responses, events = run(
        ActionEmergency(), domain, "suddenly his hand copies and he can't speak", "emergency",
        entities=[entity("symptom_signal", "mirroring")], slots=PARTIAL_BOOKING, in_form=True,
        requested_slot="contact",
    )
    assert "utter_emergency_then_offer" not in responses
    assert SlotSet("pending_question", "book") not in events


# --- crisis ---------------------------------------------------------------------------------


def test_crisis_reply_first_then_the_offer(domain):
    responses, events = run(ActionCrisis(), domain, "I don't want to live anymore", "crisis")
    assert responses == ["utter_crisis", "utter_crisis_then_offer"]
    assert events[-1] == SlotSet("pending_question", "book")


def test_crisis_reply_in_bahasa(domain):
    responses, _ = run(ActionCrisis(), domain, "saya ingin mati", "crisis", [entity("language", "id")])
    assert responses == ["utter_crisis_id", "utter_crisis_then_offer_id"]


def test_crisis_in_the_form_pauses_it_and_offers_to_continue(domain):
    responses, events = run(ActionCrisis(), domain, "I want to end it all", "crisis",
                            slots=PARTIAL_BOOKING, in_form=True, requested_slot="contact")
    assert responses == ["utter_crisis", "utter_crisis_then_offer"]
    assert all(event in events for event in PAUSE)
    assert events[-1] == SlotSet("pending_question", "continue_booking")


# --- a red flag in doubt ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "context, expected",
    [
        ("past", ["utter_red_flag_past", "utter_red_flag_line"]),
        ("question", ["utter_red_flag_question", "utter_red_flag_line"]),
        (None, ["utter_red_flag_question", "utter_red_flag_line"]),
        ("resolved", ["utter_red_flag_resolved"]),
    ],
)
def test_red_flag_context_replies(domain, context, expected):
    entities = [entity("red_flag_context", context)] if context else []
    responses, events = run(ActionRedFlagContext(), domain, "he had a seizure as a baby", "red_flag_context", entities)
    assert responses == expected
    assert events == []


def test_the_emergency_line_gives_the_numbers(domain):
    text = domain["responses"]["utter_red_flag_line"][0]["text"]
    assert all(number in text for number in ("112", "911", "999"))


def test_red_flag_context_offers_to_continue_a_paused_booking(domain):
    responses, events = run(ActionRedFlagContext(), domain, "does mmd cause seizures?", "red_flag_context",
                            [entity("red_flag_context", "question")], slots=PARTIAL_BOOKING)
    assert responses == ["utter_red_flag_question", "utter_red_flag_line", "utter_continue_paused_booking"]
    assert events == [SlotSet("pending_question", "continue_booking")]


def test_red_flag_context_in_the_running_form_does_not_offer_to_continue(domain):
    """The form asks its pending question again after this (rules), so no offer."""
    responses, events = run(ActionRedFlagContext(), domain, "he had a fit years ago", "red_flag_context",
                            [entity("red_flag_context", "past")], slots=PARTIAL_BOOKING, in_form=True,
                            requested_slot="contact")
    assert responses == ["utter_red_flag_past", "utter_red_flag_line"]
    assert events == []


def test_a_sent_booking_is_not_offered_again(domain):
    """After submission the answers are cleared, so nothing is 'paused'."""
    cleared = {slot: None for slot in FILLED_BOOKING}
    responses, events = run(ActionRedFlagContext(), domain, "she had a stroke in 2010", "red_flag_context",
                            [entity("red_flag_context", "past")], slots={**cleared, "handed_off": True})
    assert "utter_continue_paused_booking" not in responses and events == []
