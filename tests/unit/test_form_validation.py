"""The consultation form's validator, run as Rasa runs it: after the user's message, with
the question being asked in `requested_slot` and the message in `latest_message`.

The validator reads the typed answer itself (actions/answers.py): free text is the answer at
the name, contact, description and times questions, whatever the intent classifier thought,
unless it is an emergency, a stop, a request to go back, a question or chit-chat.
"""
from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.consultation_form import FORM_SLOTS, FREE_TEXT_PARSERS, ValidateConsultationForm
from tests.unit.trackers import FILLED_BOOKING, LISTEN, bot_turn, entity, slot_event, tracker_after, user_event

SUMMARY = {**FILLED_BOOKING, "booking_confirmed": None}


def ask_action(slot: Optional[str]) -> str:
    if slot is None:
        return "utter_start_booking"
    return "action_ask_booking_confirmed" if slot == "booking_confirmed" else f"utter_ask_{slot}"


def validate(
    domain: Dict[str, Any],
    text: str,
    asked: Optional[str],
    intent: str = "inform",
    confidence: float = 0.95,
    entities: Sequence[Dict[str, Any]] = (),
    filled: Optional[Dict[str, Any]] = None,
    candidates: Optional[Dict[str, Any]] = None,
    after: Sequence[Dict[str, Any]] = (),
) -> Tuple[Dict[str, Any], List[str]]:
    """Runs validate_consultation_form on the user's reply to the question `asked`.

    `candidates` are the slots Rasa's own mappings extracted (slot events after the user
    message); `after` are events since the message (a digression answered by a rule).
    Returns the slot events as a dict and the responses sent, each checked to exist.
    """
    events = [
        *bot_turn(ask_action(asked)),
        LISTEN,
        user_event(text, intent, confidence, entities),
        *[slot_event(name, value) for name, value in (candidates or {}).items()],
        *after,
    ]
    slots = {**(filled or {}), **(candidates or {})}
    tracker = tracker_after(events, slots=slots, in_form=True, requested_slot=asked)
    dispatcher = CollectingDispatcher()
    # The Rasa server sends validators no domain (send_domain: false): run without one.
    result = asyncio.run(ValidateConsultationForm().run(dispatcher, tracker, {}))
    assert all(event["event"] == "slot" for event in result)
    responses = [message.get("response") for message in dispatcher.messages]
    for response in responses:
        assert response in domain["responses"], f"{response} is not in domain/"
    return {event["name"]: event["value"] for event in result}, responses


# --- what the user types is the answer --------------------------------------------------


@pytest.mark.parametrize(
    "asked, text, intent, confidence, expected",
    [
        ("requester_name", "Jo Park", "inform", 0.95, "Jo Park"),
        ("requester_name", "Emma Stone", "stop", 0.9, "Emma Stone"),
        ("requester_name", "Will Banks", "faq", 0.9, "Will Banks"),
        ("requester_name", "María José García-López", "inform", 0.6, "María José García-López"),
        ("requester_name", "Nguyen Van An", "out_of_scope", 0.85, "Nguyen Van An"),
        ("requester_name", "my name is Jo Park", "inform", 0.95, "Jo Park"),
        ("requester_name", "  Sam  Jones ", "inform", 0.95, "Sam Jones"),
        ("contact", "will.banks@outlook.com", "faq", 0.9, "will.banks@outlook.com"),
        ("contact", "stop.smoking@mail.com", "stop", 0.9, "stop.smoking@mail.com"),
        ("contact", "+44 7700 900123", "inform", 0.95, "+447700900123"),
        ("symptom_description", "my son's left hand copies his right", "report_symptom", 0.99,
         "my son's left hand copies his right"),
        ("symptom_description", "he can't stop his other hand moving", "stop", 0.9,
         "he can't stop his other hand moving"),
        ("preferred_times", "sabtu pagi", "inform", 0.95, "sabtu pagi"),
        ("preferred_times", "weekday mornings", "greet", 0.85, "weekday mornings"),
        ("consult_for", "my daughter", "inform", 0.95, "child"),
    ],
)
def test_a_typed_answer_is_stored_whatever_the_intent(domain, asked, text, intent, confidence, expected):
    slots, responses = validate(domain, text, asked, intent, confidence)
    assert slots == {asked: expected}
    assert responses == []


@pytest.mark.parametrize(
    "text, years, label",
    [("7", 7.0, "7"), ("7 years", 7.0, "7"), ("seven", 7.0, "7"), ("18 months", 1.5, "18 months")],
)
def test_the_age_keeps_the_words_it_was_given_in(domain, text, years, label):
    slots, responses = validate(domain, text, "patient_age")
    assert slots == {"patient_age": years, "patient_age_label": label}
    assert responses == []


@pytest.mark.parametrize(
    "asked, text",
    [("consult_for", "banana"), ("patient_age", "two hundred"), ("patient_age", "999"),
     ("contact", "sam@"), ("requester_name", "12345"), ("symptom_description", "x" * 1001)],
)
def test_an_unusable_answer_is_asked_again_with_a_hint(domain, asked, text):
    slots, responses = validate(domain, text, asked)
    assert slots[asked] is None
    assert responses == [f"utter_invalid_{asked}"]


@pytest.mark.parametrize("asked", ["requester_name", "symptom_description", "preferred_times"])
@pytest.mark.parametrize("text, intent", [("thanks", "thank"), ("hello", "greet"), ("ok thank you!", "thank")])
def test_chitchat_is_never_stored_as_an_answer(domain, asked, text, intent):
    slots, responses = validate(domain, text, asked, intent, 0.99)
    assert slots == {asked: None, "form_non_answers": 1}  # counted: see test_form_way_out.py
    assert responses == [f"utter_invalid_{asked}"]


def test_a_time_phrase_is_never_a_name(domain):
    slots, responses = validate(domain, "sabtu pagi", "requester_name")
    assert slots == {"requester_name": None, "form_non_answers": 1}  # counted: see test_form_way_out.py
    assert responses == ["utter_invalid_requester_name"]


# --- not answers: the dialogue rules handle them, then the question is asked again ------


@pytest.mark.parametrize(
    "asked, text, intent",
    [
        ("requester_name", "what is mmd?", "faq"),
        ("requester_name", "what is mmd?", "inform"),
        ("symptom_description", "is it inherited", "faq"),
        ("preferred_times", "how much does it cost?", "ask_clinic_details"),
        ("contact", "how do you keep my phone number safe?", "faq"),
        ("patient_age", "does the age matter?", "faq"),
        ("consent", "how long does it take?", "faq"),
        ("booking_confirmed", "what happens next?", "faq"),
    ],
)
def test_a_question_is_not_an_answer(domain, asked, text, intent):
    """No slot event: Rasa rejects the form for this turn and the FAQ rule answers."""
    filled = SUMMARY if asked == "booking_confirmed" else None
    assert validate(domain, text, asked, intent, filled=filled) == ({}, [])


@pytest.mark.parametrize("asked", ["symptom_description", "requester_name", "contact", "consent", "booking_confirmed"])
@pytest.mark.parametrize(
    "text, intent",
    [("my dad suddenly can't move his arm", "emergency"),
     ("I don't want to live anymore", "crisis"),
     ("he had a seizure years ago, is that linked", "red_flag_context"),
     ("Seizure", "emergency")],
)
def test_an_emergency_or_crisis_is_never_an_answer(domain, asked, text, intent):
    """The safety net marks messages its rules found (entity safety_rule)."""
    rule = [{"entity": "safety_rule", "value": "crisis" if intent == "crisis" else "red_flag"}]
    assert validate(domain, text, asked, intent, 0.6, entities=rule, filled=SUMMARY) == ({}, [])


@pytest.mark.parametrize("asked", ["symptom_description", "preferred_times"])
def test_a_classifier_only_emergency_is_never_a_free_text_answer(domain, asked):
    assert validate(domain, "his hand went all floppy and weird", asked, "emergency", 0.9) == ({}, [])


@pytest.mark.parametrize(
    "text, asked, intent, slot, value",
    [("jayden brooks", "requester_name", "emergency", "requester_name", "jayden brooks"),
     ("Sophie Turner-Green", "requester_name", "emergency", "requester_name", "Sophie Turner-Green"),
     ("anak saya", "consult_for", "emergency", "consult_for", "child"),
     ("saya sendiri", "consult_for", "crisis", "consult_for", "self")],
)
def test_a_valid_answer_wins_over_the_classifier_alone(domain, text, asked, intent, slot, value):
    """No crisis or red-flag words (no safety_rule entity): "anak saya" is an answer."""
    slots, responses = validate(domain, text, asked, intent, 0.95)
    assert slots[slot] == value and responses == []


def test_a_sure_request_for_something_else_is_not_an_answer(domain):
    assert validate(domain, "I want to talk to a person", "requester_name", "request_human", 0.95) == ({}, [])


def test_a_new_symptom_at_another_question_is_left_to_the_symptom_rule(domain):
    """The rule's action_acknowledge_symptom adds it to the description (test_actions.py)."""
    assert validate(domain, "his left foot copies too", "contact", "report_symptom") == ({}, [])


@pytest.mark.parametrize("asked", FORM_SLOTS)
@pytest.mark.parametrize("text, intent", [("stop", "stop"), ("cancel", "stop"), ("ok stop please", "inform")])
def test_an_explicit_stop_ends_the_form(domain, asked, text, intent):
    """requested_slot None ends the form (with a real slot beside it, or Rasa rejects the
    form); action_submit_booking then says it is paused, and a typed yes continues it."""
    assert validate(domain, text, asked, intent, filled=SUMMARY) == (
        {"requested_slot": None, "pending_question": "continue_booking"}, []
    )


@pytest.mark.parametrize(
    "asked, cleared",
    [
        ("patient_age", {"consult_for": None}),
        ("symptom_description", {"patient_age": None, "patient_age_label": None}),
        ("contact", {"requester_name": None}),
        ("booking_confirmed", {"consent": None}),
    ],
)
def test_go_back_clears_the_previous_question(domain, asked, cleared):
    slots, responses = validate(domain, "go back", asked, filled=SUMMARY)
    assert slots == {**cleared, "summary_edit_pending": None}
    assert responses == ["utter_go_back"]


def test_go_back_at_the_first_question_changes_nothing(domain):
    assert validate(domain, "go back", "consult_for") == ({}, [])


# --- one message, several answers ---------------------------------------------------------


def test_who_and_age_in_one_message(domain):
    slots, responses = validate(domain, "it's for my daughter, she's 7", "consult_for")
    assert slots == {"consult_for": "child", "patient_age": 7.0, "patient_age_label": "7"}
    assert responses == []


def test_an_answer_already_given_is_not_overwritten_by_another_message(domain):
    slots, _ = validate(domain, "it's for my daughter, she's 7", "consult_for",
                        filled={"patient_age": 9.0, "patient_age_label": "9"})
    assert slots == {"consult_for": "child"}


def test_the_message_that_starts_the_booking_keeps_what_it_says(domain):
    slots, responses = validate(
        domain, "I'd like to book a consultation for my son, he's 5", None, "request_consultation"
    )
    assert slots == {"consult_for": "child", "patient_age": 5.0, "patient_age_label": "5"}
    assert responses == []


def test_a_name_with_an_international_phone_number_fills_both(domain):
    slots, _ = validate(domain, "Dewi Lestari +62 813 2222 3333", "requester_name")
    assert slots == {"requester_name": "Dewi Lestari", "contact": "+6281322223333"}


def test_a_name_with_a_local_phone_number_fills_both(domain):
    slots, _ = validate(domain, "dewi lestari 0813 2222 3333", "requester_name")
    assert slots == {"requester_name": "dewi lestari", "contact": "081322223333"}


# --- buttons: Rasa's entity mapping and the yes/no intents ---------------------------------


def test_the_who_button_is_validated(domain):
    payload = '/inform{"consult_for": "child"}'
    slots, responses = validate(domain, payload, "consult_for", "inform", 1.0,
                                entities=[entity("consult_for", "child")], candidates={"consult_for": "child"})
    assert slots == {"consult_for": "child"} and responses == []


def test_a_forged_who_payload_is_refused(domain):
    payload = '/inform{"consult_for": "banana"}'
    slots, responses = validate(domain, payload, "consult_for", "inform", 1.0,
                                entities=[entity("consult_for", "banana")], candidates={"consult_for": "banana"})
    assert slots == {"consult_for": None, "form_non_answers": 1}  # counted: see test_form_way_out.py
    assert responses == ["utter_invalid_consult_for"]


# --- consent -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, intent", [("yes", "affirm"), ("Yes.", "inform"), ("iya", "affirm"), ("sure, go ahead", "affirm"),
                     ("/affirm", "affirm")]
)
def test_consent_yes(domain, text, intent):
    assert validate(domain, text, "consent", intent) == ({"consent": True}, [])


@pytest.mark.parametrize("text, intent", [("no", "deny"), ("no thanks", "deny"), ("tidak", "inform")])
def test_consent_no_is_a_valid_answer(domain, text, intent):
    slots, responses = validate(domain, text, "consent", intent)
    assert slots == {"consent": False}
    assert responses == ["utter_consent_declined_ok"]


@pytest.mark.parametrize("text", ["what exactly will you share?", "who will see my data?"])
def test_a_question_about_sharing_is_explained_and_asked_again(domain, text):
    slots, responses = validate(domain, text, "consent", "faq")
    assert slots == {"consent": None}
    assert responses == ["utter_consent_explained"]


def test_an_unclear_consent_answer_is_asked_again(domain):
    slots, responses = validate(domain, "maybe", "consent", "inform", 0.5)
    assert slots == {"consent": None, "form_non_answers": 1}  # counted: see test_form_way_out.py
    assert responses == ["utter_invalid_consent"]


# --- the summary ---------------------------------------------------------------------------


def summary(domain, text, intent="inform", confidence=0.9):
    return validate(domain, text, "booking_confirmed", intent, confidence, filled=SUMMARY)


@pytest.mark.parametrize("text, intent", [("yes", "affirm"), ("yes please", "inform"), ("ok", "affirm")])
def test_yes_at_the_summary_confirms(domain, text, intent):
    assert summary(domain, text, intent) == ({"booking_confirmed": True, "summary_edit_pending": None}, [])


def test_the_send_button_at_the_summary_confirms(domain):
    slots, _ = summary(domain, "/affirm", "affirm", 1.0)
    assert slots["booking_confirmed"] is True


@pytest.mark.parametrize(
    "text, intent", [("no", "deny"), ("change something", "inform"), ("/deny", "deny"), ("nope", "deny")]
)
def test_no_at_the_summary_asks_what_to_change(domain, text, intent):
    slots, responses = summary(domain, text, intent)
    assert slots == {"booking_confirmed": None, "summary_edit_pending": True}
    assert responses == []


@pytest.mark.parametrize(
    "text, changed",
    [
        ("change the time to saturday morning", {"preferred_times": "saturday morning"}),
        ("my name is wrong, it's Jo Park", {"requester_name": "Jo Park"}),
        ("actually she is 8", {"patient_age": 8.0, "patient_age_label": "8"}),
        ("change my email to jo@example.org", {"contact": "jo@example.org"}),
        ("it's for my son not me", {"consult_for": "child"}),
        ("ubah waktu ke senin sore", {"preferred_times": "senin sore"}),
    ],
)
def test_a_change_in_words_at_the_summary_is_applied(domain, text, changed):
    slots, responses = summary(domain, text)
    assert slots == {"booking_confirmed": None, "summary_edit_pending": None, **changed}
    assert responses == []


@pytest.mark.parametrize(
    "text, cleared",
    [
        ("change my phone number", {"contact": None}),
        ("change who it is for", {"consult_for": None}),
        ("change the age", {"patient_age": None, "patient_age_label": None}),
        ("change the description", {"symptom_description": None}),
        ("change my name", {"requester_name": None}),
        ("change my contact", {"contact": None}),
        ("change the time", {"preferred_times": None}),
    ],
)
def test_a_field_named_without_a_value_is_asked_again(domain, text, cleared):
    slots, responses = summary(domain, text, "change_booking", 0.6)
    assert slots == {"booking_confirmed": None, "summary_edit_pending": None, **cleared}
    assert responses == []


def test_the_sharing_button_asks_consent_again(domain):
    slots, responses = summary(domain, "change the sharing")
    assert slots == {"booking_confirmed": None, "summary_edit_pending": None, "consent": None}
    assert responses == []


def test_every_what_to_change_button_is_understood(domain):
    """Each button of utter_ask_what_to_change leads somewhere."""
    buttons = domain["responses"]["utter_ask_what_to_change"][0]["buttons"]
    misunderstood = []
    for button in buttons:
        payload = button["payload"]
        intent = "affirm" if payload == "/affirm" else "inform"
        _, responses = summary(domain, payload, intent, 1.0)
        if "utter_summary_not_understood" in responses:
            misunderstood.append(payload)
    assert misunderstood == []


def test_start_again_clears_everything(domain):
    slots, responses = summary(domain, "start again")
    assert slots == {**{slot: None for slot in FORM_SLOTS}, "patient_age_label": None, "summary_edit_pending": None}
    assert responses == ["utter_booking_restart"]


def test_an_unclear_summary_answer_is_asked_again(domain):
    slots, responses = summary(domain, "blah", "inform", 0.4)
    assert slots == {"booking_confirmed": None, "form_non_answers": 1}  # counted: see test_form_way_out.py
    assert responses == ["utter_summary_not_understood"]


# --- back in the form after a digression ----------------------------------------------------


def test_the_return_after_a_digression_reads_nothing_again(domain):
    """After the FAQ rule answered, Rasa runs the validator again: the message is not re-read."""
    faq_answer = bot_turn("utter_faq/what_is", "MMD is ...")
    assert validate(domain, "what is mmd?", "requester_name", "faq", after=faq_answer) == ({}, [])
    assert validate(domain, "Jo Park", "requester_name", "inform", after=faq_answer) == ({}, [])


# --- the contract with domain/ -----------------------------------------------------------


def test_every_form_slot_has_a_question_and_a_reprompt(domain):
    assert domain["forms"]["consultation_form"]["required_slots"] == FORM_SLOTS
    for slot in FORM_SLOTS[:-1]:
        assert f"utter_ask_{slot}" in domain["responses"]
    for slot in [*FREE_TEXT_PARSERS, "consent"]:
        assert f"utter_invalid_{slot}" in domain["responses"]


def test_every_response_the_validator_names_is_in_the_domain(domain):
    source = (Path(__file__).resolve().parents[2] / "actions" / "consultation_form.py").read_text()
    named = set(re.findall(r'response="(utter_[\w/]+)"', source))
    assert named and named <= set(domain["responses"])
    assert 'response=f"utter_invalid_{asked}"' in source


def test_the_form_slots_are_custom_mappings_read_by_the_validator(domain):
    for slot in [*FORM_SLOTS, "patient_age_label"]:
        mappings = domain["slots"][slot]["mappings"]
        assert {"type": "custom"} in mappings, slot


@pytest.mark.parametrize("text, age", [("ok fine, 45", 45.0), ("shes 8", 8.0), ("my brother is 15", 15.0)])
def test_ages_are_read_leniently_at_the_age_question(domain, text, age):
    slots, responses = validate(domain, text, "patient_age")
    assert slots["patient_age"] == age and responses == []


def test_why_is_answered_and_an_answer_given_with_it_is_kept(domain):
    slots, responses = validate(domain, "16. why does that matter", "patient_age")
    assert slots["patient_age"] == 16.0 and responses == ["utter_why_we_ask"]
    slots, responses = validate(domain, "why do you need my phone?", "contact")
    assert slots["contact"] is None and responses == ["utter_why_we_ask"]


@pytest.mark.parametrize("text", ["<img src=x onerror=alert(1)>", "call 0812 3456 7890", "born in 2015"])
def test_markup_phone_numbers_and_years_are_never_an_age(domain, text):
    slots, responses = validate(domain, text, "patient_age")
    assert slots["patient_age"] is None and responses == ["utter_invalid_patient_age"]


def test_a_name_keeps_no_manners_and_a_leading_no_declines_sharing(domain):
    slots, _ = validate(domain, "Rachel Okafor pls", "requester_name")
    assert slots["requester_name"] == "Rachel Okafor"
    slots, responses = validate(domain, "no i dont want to share the chat", "consent", "inform")
    assert slots["consent"] is False and responses == ["utter_consent_declined_ok"]
