"""The consultation form's validator, run as the form runs it."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.consultation_form import FORM_SLOTS, ValidateConsultationForm
from tests.unit.trackers import FILLED_BOOKING, make_tracker


def validate(slot, value, domain, filled=None):
    """Runs validate_consultation_form after `slot` was extracted as `value`."""
    slots = {**(filled or {}), slot: value}
    events = [{"event": "slot", "name": slot, "value": value}]
    tracker = make_tracker(slots=slots, in_form=True, requested_slot=slot, events=events)
    tracker.events.insert(0, {"event": "user", "text": str(value)})
    dispatcher = CollectingDispatcher()
    # The Rasa server sends validators no domain (send_domain: false): run without one.
    result = asyncio.run(ValidateConsultationForm().run(dispatcher, tracker, {}))
    return {e["name"]: e["value"] for e in result if e["event"] == "slot"}, [
        m.get("response") for m in dispatcher.messages
    ]


@pytest.mark.parametrize(
    "slot, raw, parsed",
    [("consult_for", "my daughter", "child"), ("patient_age", "7 years", 7),
     ("contact", "+44 7700 900123", "+447700900123"), ("requester_name", "  Sam  Jones ", "Sam Jones"),
     ("preferred_times", "weekday mornings", "weekday mornings"),
     ("symptom_description", "left hand copies right", "left hand copies right")],
)
def test_valid_answers_are_stored_parsed(domain, slot, raw, parsed):
    slots, responses = validate(slot, raw, domain)
    assert slots[slot] == parsed
    assert responses == []


@pytest.mark.parametrize(
    "slot, raw",
    [("consult_for", "banana"), ("patient_age", "two hundred"), ("patient_age", "999"),
     ("contact", "sam@"), ("requester_name", "what is mmd?"), ("requester_name", "12345"),
     ("symptom_description", "x" * 1001), ("preferred_times", "   ")],
)
def test_invalid_answers_are_cleared_with_a_clear_reprompt(domain, slot, raw):
    slots, responses = validate(slot, raw, domain)
    assert slots[slot] is None
    assert responses == [f"utter_invalid_{slot}"]
    assert f"utter_invalid_{slot}" in domain["responses"]


def test_consent_is_required(domain):
    slots, responses = validate("consent", False, domain)
    assert slots["consent"] is None
    assert responses == ["utter_consent_required"]


def test_no_to_the_summary_starts_the_questions_again(domain):
    slots, responses = validate("booking_confirmed", False, domain, filled=FILLED_BOOKING)
    assert all(slots[slot] is None for slot in FORM_SLOTS)
    assert responses == ["utter_booking_restart"]


def test_yes_to_the_summary_is_kept(domain):
    slots, _ = validate("booking_confirmed", True, domain, filled=FILLED_BOOKING)
    assert slots["booking_confirmed"] is True


def test_every_form_slot_has_a_question_and_a_reprompt(domain):
    assert domain["forms"]["consultation_form"]["required_slots"] == FORM_SLOTS
    for slot in FORM_SLOTS[:-2]:
        assert f"utter_ask_{slot}" in domain["responses"]
        assert f"utter_invalid_{slot}" in domain["responses"]
