"""A booking someone cannot or will not finish gets a way out, not the same question forever.

Written from a tester's conversation: after "thanks" and "bye" at the age question they were
asked their age some 30 times. Whoever says goodbye has left, and three messages in a row
that do not answer a question mean the booking should wait, with the answers kept.
"""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import is_farewell
from actions.booking_actions import ActionSubmitBooking
from actions.consultation_form import MAX_NON_ANSWERS, ValidateConsultationForm
from tests.unit.test_actions import stored_rows
from tests.unit.test_form_validation import validate
from tests.unit.trackers import FILLED_BOOKING, LISTEN, bot_turn, make_tracker, tracker_after, user_event


@pytest.mark.parametrize("text", [
    "bye", "ok thanks, bye!", "Goodbye", "see you later", "gotta go", "i have to go now",
    "talk later", "take care", "sampai jumpa", "makasih, dadah kak", "pamit dulu ya",
    "oke sampai ketemu lagi", "byeee", "selamat tinggal",
])
def test_goodbyes_in_both_languages_are_farewells(text):
    assert is_farewell(text)


@pytest.mark.parametrize("text", [
    "Emma Bye", "later", "saturday later in the day", "he says bye with both hands",
    "selamat malam", "good", "thanks", "ok", "bye.smith@mail.com", "0812 3456 7890",
])
def test_answers_and_greetings_are_not_farewells(text):
    assert not is_farewell(text)


@pytest.mark.parametrize("asked", ["patient_age", "requester_name", "contact", "consent", "booking_confirmed"])
@pytest.mark.parametrize("text, intent", [("thanks, bye", "goodbye"), ("sampai jumpa", "goodbye"),
                                          ("ok see you", "affirm")])
def test_a_goodbye_at_any_question_pauses_the_booking(domain, asked, text, intent):
    slots, responses = validate(domain, text, asked, intent=intent, filled=FILLED_BOOKING)
    assert slots.get("requested_slot", "kept") is None
    assert slots.get("booking_pause") == "farewell"
    assert not any(response.startswith("utter_invalid") for response in responses)


def run_validator(domain, events, slots, asked):
    tracker = tracker_after(events, slots=slots, in_form=True, requested_slot=asked)
    dispatcher = CollectingDispatcher()
    result = asyncio.run(ValidateConsultationForm().run(dispatcher, tracker, {}))
    return {e["name"]: e["value"] for e in result}, [m.get("response") for m in dispatcher.messages]


def non_answer(domain, text, count, asked="patient_age", intent="inform"):
    """The validator's reading of `text` at `asked` after `count` earlier non-answers."""
    return validate(domain, text, asked, intent=intent, filled={"form_non_answers": count or None})


def test_each_message_that_is_not_an_answer_is_counted(domain):
    slots, responses = non_answer(domain, "hmm not sure", 0)
    assert responses == ["utter_invalid_patient_age"]
    assert slots["form_non_answers"] == 1


def test_the_third_non_answer_in_a_row_pauses_the_booking_instead_of_asking_again(domain):
    slots, responses = non_answer(domain, "hmm not sure", MAX_NON_ANSWERS - 1)
    assert slots["requested_slot"] is None
    assert slots["booking_pause"] == "stuck"
    assert responses == []  # the pause says why; no fourth "please write the age"


def test_an_answer_starts_the_count_again(domain):
    slots, _ = non_answer(domain, "7", MAX_NON_ANSWERS - 1)
    assert slots["patient_age"] == 7.0
    assert slots["form_non_answers"] is None


def test_a_rules_re_ask_counts_too(domain):
    """ "ok" or "thanks" at a question: a rule says "let's carry on" and the form asks again."""
    events = [*bot_turn("utter_ask_patient_age"), LISTEN, user_event("ok", "affirm"),
              *bot_turn("utter_form_continue")]
    slots, _ = run_validator(domain, events, {"form_non_answers": MAX_NON_ANSWERS - 1}, "patient_age")
    assert slots["booking_pause"] == "stuck"


def test_an_answered_question_in_between_is_not_counted(domain):
    """An FAQ answered in the form is a question, not a failure to answer."""
    events = [*bot_turn("utter_ask_patient_age"), LISTEN, user_event("is it inherited?", "faq"),
              *bot_turn("action_answer_faq")]
    slots, _ = run_validator(domain, events, {"form_non_answers": 1}, "patient_age")
    assert "form_non_answers" not in slots and "booking_pause" not in slots


@pytest.mark.parametrize("reason, response", [("farewell", "utter_booking_paused_farewell"),
                                              ("stuck", "utter_booking_paused_stuck")])
def test_the_pause_says_why_keeps_the_answers_and_leaves_no_question_open(domain, bookings_db, reason, response):
    tracker = make_tracker(slots={**FILLED_BOOKING, "booking_confirmed": None, "booking_pause": reason})
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSubmitBooking().run(dispatcher, tracker, domain))
    assert [m["response"] for m in dispatcher.messages] == [response]
    # No pending yes/no question: a later "ok" does not start the questions again.
    assert events == [SlotSet("booking_pause", None), SlotSet("pending_question", None)]
    assert not sa.inspect(bookings_db).has_table("bookings") or stored_rows(bookings_db) == []


# --- from a second tester (Mark, Grandpa Lee, Aisha) -----------------------------------------

@pytest.mark.parametrize("text", ["nvm dont send it", "no, don't send", "please do not submit it yet",
                                  "jangan dikirim dulu ya", "belum mau kirim",
                                  # A Javanese-speaking persona: sent three times out of three.
                                  "gak jadi kirim, batal ae", "gak jadi kirim", "ora sido dikirim",
                                  "ga jd dikirim deh", "cancel it, I changed my mind", "batal"])
def test_dont_send_at_the_summary_sends_nothing_and_pauses(domain, text):
    """"dont send it" holds the word "send": three times the request was sent."""
    slots, _ = validate(domain, text, "booking_confirmed", intent="affirm",
                        filled={**FILLED_BOOKING, "booking_confirmed": None})
    assert slots.get("booking_confirmed") is not True
    assert slots["requested_slot"] is None


@pytest.mark.parametrize("asked", ["booking_confirmed", "preferred_times", "requester_name"])
@pytest.mark.parametrize("text, pause", [
    ("I think I will ask my daughter to help me and do this another time. Goodbye.", "farewell"),
    ("I will do this another time, thank you.", None),
    ("let's finish this tomorrow", None),
])
def test_leaving_for_another_time_is_not_an_answer(domain, asked, text, pause):
    """ "another time" was read as a change of the preferred time at the summary."""
    slots, responses = validate(domain, text, asked, filled={**FILLED_BOOKING, asked: None})
    assert slots["requested_slot"] is None
    assert slots.get("booking_pause") == pause
    assert slots.get("preferred_times") is None and responses == []


def test_an_email_at_the_name_question_is_the_contact_not_a_name(domain):
    """ "mark@example.com" at "What is your name?" became the name "com"."""
    slots, responses = validate(domain, "mark@example.com", "requester_name",
                                filled={"consult_for": "self", "patient_age": 47.0})
    assert slots["requester_name"] is None
    assert slots["contact"] == "mark@example.com"
    assert responses == ["utter_contact_updated"]


# --- from a third persona session: ways of leaving told in two clauses ----------------------

@pytest.mark.parametrize("asked", ["symptom_description", "preferred_times", "requester_name"])
@pytest.mark.parametrize("text", [
    "bye for now, I'll do the rest another time",
    "udah ya, nanti aja lagi",
    "sorry I'm driving, can't do this right now",
    "aku gak mau lanjut deh",
    "eh ga usah, batal aja",
])
def test_leaving_in_two_clauses_is_never_stored_as_an_answer(domain, asked, text):
    """ "goodbye for now, I'll finish this another time" was stored as what was noticed."""
    slots, _ = validate(domain, text, asked, filled={**FILLED_BOOKING, asked: None})
    assert slots["requested_slot"] is None
    assert slots.get(asked) is None


@pytest.mark.parametrize("text", ["his hand can't stop, worse at night", "left hand copies, not now but when writing"])
def test_a_description_that_mentions_stopping_is_still_the_answer(domain, text):
    slots, _ = validate(domain, text, "symptom_description", filled={**FILLED_BOOKING, "symptom_description": None})
    assert slots["symptom_description"]


@pytest.mark.parametrize("text", ["no, not yet, I need to ask my wife first", "hold on, let me check with my husband",
                                  "tunggu ya, sy tanya suami"])
def test_not_yet_at_the_summary_pauses_and_changes_nothing(domain, text):
    slots, _ = validate(domain, text, "booking_confirmed", filled={**FILLED_BOOKING, "booking_confirmed": None})
    assert slots["requested_slot"] is None
    assert set(slots) <= {"requested_slot", "pending_question", "form_non_answers"}


def test_a_spelled_out_email_is_the_contact(domain):
    slots, _ = validate(domain, "jo dot park at gmail dot com", "contact", filled={"requester_name": "Jo Park"})
    assert slots["contact"] == "jo.park@gmail.com"
