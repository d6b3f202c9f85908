"""Whole conversations over the REST channel against the real Rasa server and action server."""
from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.e2e.chat import Chat, http, payloads, texts

CONSULTATION = "/request_consultation"


def bookings_for(stack, sender):
    with sqlite3.connect(stack.workdir / "bookings.db") as db:
        return db.execute("SELECT reference, consult_for, patient_age, contact, symptom_description "
                          "FROM bookings WHERE sender_id = ?", (sender,)).fetchall()


def tracker(stack, sender):
    status, body = http("GET", f"{stack.rasa_url}/conversations/{sender}/tracker", token=stack.api_token)
    assert status == 200, body
    return body


def book_until_summary(chat: Chat) -> list:
    """Fills the whole form; returns the replies that show the summary."""
    assert "Who is the consultation for" in texts(chat.say(CONSULTATION))
    assert "How old" in texts(chat.say('/inform{"consult_for": "child"}'))
    assert "what have you noticed" in texts(chat.say("7"))
    assert "your name" in texts(chat.say("He has trouble writing, one hand follows the other"))
    assert "email address or a phone number" in texts(chat.say("Sam Jones"))
    assert "doesn't look like" in texts(chat.say("sam@example"))
    assert "days or times" in texts(chat.say("sam@example.com"))
    assert "share this conversation" in texts(chat.say("weekday mornings"))
    return chat.say("/affirm")


@pytest.mark.parametrize("message", [
    "my son's left hand copies his right hand when he writes",
    "when i write my other hand moves too",
    "my daughter's fingers mirror each other",
])
def test_a_symptom_report_as_first_message_is_offered_a_consultation(chat, message):
    replies = chat.say(message)
    assert CONSULTATION in payloads(replies)
    assert "can't diagnose" in texts(replies)


def test_a_symptom_report_after_an_faq_is_offered_a_consultation(chat):
    assert "Sources:" in texts(chat.say("what is mirror movement disorder?"))
    replies = chat.say("I think my hands do that, my left hand copies my right")
    assert CONSULTATION in payloads(replies)


def test_an_emergency_goes_to_emergency_services_first(chat):
    replies = chat.say("my dad suddenly can't move his arm and his face is drooping")
    assert "emergency" in replies[0]["text"].lower()
    assert CONSULTATION not in payloads(replies)


def test_faq_answers_name_their_sources(chat):
    for question in ["how is it treated?", "is it inherited?", "how common is mmd"]:
        assert "Sources:" in texts(chat.say(question))


def test_greeting_shows_the_disclaimer_and_out_of_scope_is_polite(chat):
    assert "not a diagnosis" in texts(chat.say("hello"))
    assert "I can only help" in texts(chat.say("what's the weather like in Paris today?"))


def test_a_whole_booking_ends_in_the_database_and_marks_the_handoff(stack, chat):
    summary = book_until_summary(chat)
    assert "Please check your request" in texts(summary) and "sam@example.com" in texts(summary)
    replies = chat.say("/affirm")
    [(reference, consult_for, age, contact, description)] = bookings_for(stack, chat.sender)
    assert reference in texts(replies)
    assert (consult_for, age, contact) == ("child", 7, "sam@example.com")
    assert "one hand follows the other" in description
    state = tracker(stack, chat.sender)
    assert state["slots"]["handed_off"] is True
    assert state["slots"]["booking_reference"] == reference
    # A channel retry of the final "yes" must not book twice.
    chat.say("/affirm")
    assert len(bookings_for(stack, chat.sender)) == 1


def test_the_form_survives_an_faq_a_symptom_report_an_emergency_and_stop(stack, chat):
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "self"}')
    replies = chat.say("is it inherited?")
    assert "When it runs in a family" in texts(replies) and "How old" in texts(replies)
    replies = chat.say("my left hand copies my right hand")
    # In the booking the report is added to the request and the pending question follows.
    assert "added what you described" in texts(replies) and "How old" in texts(replies)
    # The report prefilled the description, so after the age the form asks for the name.
    assert "your name" in texts(chat.say("34"))
    replies = chat.say("help, my husband collapsed")
    assert "emergency" in replies[0]["text"].lower()
    assert "paused" in texts(replies)
    assert tracker(stack, chat.sender)["active_loop"] == {}
    # Coming back keeps the answers given so far.
    replies = chat.say(CONSULTATION)
    assert "Who is the consultation for" not in texts(replies)
    assert "your name" in texts(replies)
    replies = chat.say("stop")
    assert "paused" in texts(replies)


def test_saying_goodbye_in_the_form_pauses_the_booking_and_ok_does_not_restart_it(chat):
    """A tester said "thanks" and "bye" at the age question and was asked their age again
    and again; whoever leaves gets a goodbye, and their answers wait for them."""
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "child"}')
    replies = chat.say("ok thanks, bye for now")
    assert "Goodbye" in texts(replies) and "paused" in texts(replies)
    assert "How old" not in texts(replies)
    replies = chat.say("ok")
    assert "How old" not in texts(replies)
    # Coming back later: the question that was pending, the first answer kept.
    replies = chat.say(CONSULTATION)
    assert "How old" in texts(replies) and "Who is the consultation for" not in texts(replies)


def test_sampai_jumpa_in_a_bahasa_booking_is_a_goodbye_in_bahasa(chat):
    chat.say("saya mau konsultasi untuk anak saya")
    replies = chat.say("sampai jumpa")
    assert "Sampai jumpa" in texts(replies) and "jeda" in texts(replies)


def test_three_messages_that_do_not_answer_pause_the_booking_instead_of_asking_forever(chat):
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "self"}')
    asked_again = 0
    for message in ["hmm", "I'm not sure what to put", "??"]:
        replies = chat.say(message)
        asked_again += bool(re.search(r"\bHow old\b|\bage\b", texts(replies), re.IGNORECASE))
    assert "paused the booking" in texts(replies)
    assert asked_again == 2
    assert "/request_human" in payloads(replies)


def test_a_prefilled_description_is_not_asked_again(chat):
    chat.say("my daughter's left hand copies her right hand")
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "child"}')
    replies = chat.say("8")
    assert "your name" in texts(replies)


def test_bad_input_gets_an_answer_not_an_error(stack, chat):
    for message in ["", "   ", "x" * 100_000, "<script>alert(1)</script>", "'; DROP TABLE events; --",
                    "\x00\x01\x02", "🙂🙂🙂", "/no_such_intent", '/inform{"consult_for": "martian"}']:
        status, _ = http("POST", f"{stack.rasa_url}/webhooks/rest/webhook",
                         {"sender": chat.sender, "message": message})
        assert status < 500, message
    status, _ = http("POST", f"{stack.rasa_url}/webhooks/rest/webhook", b"{not json")
    assert 400 <= status < 500


def test_the_http_api_needs_the_token(stack):
    status, _ = http("GET", f"{stack.rasa_url}/conversations/anyone/tracker")
    assert status == 401
    status, _ = http("GET", f"{stack.rasa_url}/conversations/anyone/tracker", token="wrong")
    assert status == 401


def test_a_returning_user_is_welcomed_back(stack, chat):
    assert "not a diagnosis" in texts(chat.say("hi"))
    status, body = http("POST", f"{stack.rasa_url}/conversations/{chat.sender}/execute",
                        {"name": "action_session_start"}, token=stack.api_token)
    assert status == 200, body
    replies = chat.say("hi")
    assert "Welcome back" in texts(replies) and "not a diagnosis" not in texts(replies)


def test_a_restart_of_the_rasa_server_loses_nothing(stack, chat):
    chat.say(CONSULTATION)
    chat.say('/inform{"consult_for": "other"}')
    stack.stop_rasa()
    stack.start_rasa()
    replies = chat.say("52")
    assert "what have you noticed" in texts(replies)
    events = tracker(stack, chat.sender)["events"]
    assert sum(1 for e in events if e["event"] == "user") == 3
    assert json.dumps(events).count('"consult_for"') >= 1
