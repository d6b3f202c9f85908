"""Custom actions, called as the Rasa server calls them: a Tracker from a dict and a
CollectingDispatcher; bookings go to a real SQLite database in a temporary folder."""
from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_actions
from actions.booking_actions import ActionAskBookingConfirmed, ActionSubmitBooking
from actions.booking_store import bookings
from actions.session import ActionSessionStart
from actions.symptom_actions import ActionAcknowledgeSymptom
from tests.unit.trackers import FILLED_BOOKING, make_tracker, user_message


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    return dispatcher.messages, events


def stored_rows(engine):
    with engine.connect() as connection:
        return connection.execute(sa.select(bookings)).mappings().all()


def test_symptom_report_is_acknowledged_with_a_consultation_offer_and_prefills(domain):
    text = "my son's left hand copies his right hand"
    tracker = make_tracker(latest_message=user_message(text, "report_symptom"))
    messages, events = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_symptom_acknowledged"]
    # The offer is a yes/no question: a typed "yes" next starts the booking (test_yes_no.py).
    assert events == [SlotSet("symptom_description", text), SlotSet("pending_question", "book")]
    buttons = domain["responses"]["utter_symptom_acknowledged"][0]["buttons"]
    assert {"title": "Book a consultation", "payload": "/request_consultation"} in buttons


@pytest.mark.parametrize("text", [
    "my left hand started copying my right one last month, i'm 58",
    "tangan kiri saya kok ikut gerak kalo tangan kanan nulis. baru bulan kemarin, sebelume ndak pernah",
    "my hands never did this before, now the left one copies the right",
    "umurku 52, sak wulan iki tangan kiriku melu obah nek tangan tengen nulis",
    "abdi yuswa 60, karek sabulan leungeun kenca ngiringan",
])
def test_mirror_movements_told_as_new_get_the_adult_onset_answer_first(domain, text):
    tracker = make_tracker(latest_message=user_message(text, "report_symptom"))
    messages, _ = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_faq/adult_onset", "utter_symptom_acknowledged"]


@pytest.mark.parametrize("text", [
    "dari kecil tangan kiri gue ikut gerak, dulu guru gak pernah tau, sekarang baru aja mulai kerja",
    "my left hand has copied my right since I was little, only started noticing it at work last month",
])
def test_mirror_movements_told_as_lifelong_get_no_adult_onset_answer(domain, text):
    tracker = make_tracker(latest_message=user_message(text, "report_symptom"))
    messages, _ = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert "utter_faq/adult_onset" not in [m["response"] for m in messages]



def test_a_symptom_told_mid_form_is_added_to_the_description(domain):
    tracker = make_tracker(
        slots={"symptom_description": "earlier description"},
        latest_message=user_message("his leg copies too", "report_symptom"),
        in_form=True, requested_slot="contact",
    )
    messages, events = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_symptom_acknowledged_in_form"]
    assert events == [SlotSet("symptom_description", "earlier description; his leg copies too")]
    # In the form there is no offer: the form asks its pending question again.
    assert not domain["responses"]["utter_symptom_acknowledged_in_form"][0].get("buttons")


@pytest.mark.parametrize("known, expected", [
    ("left hand copies the right", "utter_symptom_request_so_far"), (None, "utter_symptom_question_in_form")])
def test_a_question_in_the_form_is_not_said_to_be_added(domain, known, expected):
    """A tester asked "which hand did I say moves" mid-booking and was told it was added."""
    tracker = make_tracker(
        slots={"symptom_description": known},
        latest_message=user_message("wait which hand did i tell you it was?", "report_symptom"),
        in_form=True, requested_slot="contact",
    )
    messages, events = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert [m["response"] for m in messages] == [expected]
    assert events == []
    if known:
        assert messages[0]["symptom_description"] == known


def test_a_symptom_already_in_the_description_is_not_added_twice(domain):
    tracker = make_tracker(
        slots={"symptom_description": "Earlier description; his leg copies too"},
        latest_message=user_message("his leg copies too", "report_symptom"),
        in_form=True, requested_slot="contact",
    )
    _, events = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert events == []


def test_a_symptom_addition_never_makes_the_description_too_long(domain):
    tracker = make_tracker(
        slots={"symptom_description": "x" * 990},
        latest_message=user_message("his leg copies too", "report_symptom"),
        in_form=True, requested_slot="contact",
    )
    _, events = run(ActionAcknowledgeSymptom(), tracker, domain)
    assert events == []


def test_summary_reads_back_every_answer_in_plain_words(domain):
    messages, _ = run(ActionAskBookingConfirmed(), make_tracker(slots=FILLED_BOOKING), domain)
    [message] = messages
    assert message["response"] == "utter_booking_summary"
    assert message["consult_for"] == "your child"
    assert message["patient_age"] == "7"
    assert message["contact"] == "sam@example.com"


def test_the_summary_reads_back_in_the_conversations_language(domain):
    messages, _ = run(ActionAskBookingConfirmed(), make_tracker(slots={**FILLED_BOOKING, "language": "id"}), domain)
    [message] = messages
    assert (message["consult_for"], message["consent"]) == ("anak Anda", "ya")


def test_the_summary_shows_the_age_as_given(domain):
    slots = {**FILLED_BOOKING, "patient_age": 1.5, "patient_age_label": "18 months", "consent": False}
    [message], _ = run(ActionAskBookingConfirmed(), make_tracker(slots=slots), domain)
    assert message["patient_age"] == "18 months"
    assert message["consent"].startswith("no")


def test_after_a_no_at_the_summary_it_asks_what_to_change(domain):
    slots = {**FILLED_BOOKING, "booking_confirmed": None, "summary_edit_pending": True}
    messages, events = run(ActionAskBookingConfirmed(), make_tracker(slots=slots), domain)
    assert [m["response"] for m in messages] == ["utter_ask_what_to_change"] and events == []


def test_confirmed_booking_is_stored_once_and_marks_the_handoff(domain, bookings_db):
    tracker = make_tracker(slots=FILLED_BOOKING, sender_id="user-42")
    messages, events = run(ActionSubmitBooking(), tracker, domain)
    [row] = stored_rows(bookings_db)
    assert row["sender_id"] == "user-42" and row["status"] == "new"
    assert row["patient_age"] == 7 and row["contact"] == "sam@example.com"
    assert messages[0]["response"] == "utter_booking_submitted"
    assert messages[0]["booking_reference"] == row["reference"]
    assert SlotSet("handed_off", True) in events
    assert SlotSet("booking_reference", row["reference"]) in events
    # The answers are cleared for a next booking, the age label and edit state included.
    for slot in [*FILLED_BOOKING, "patient_age_label", "summary_edit_pending"]:
        assert SlotSet(slot, None) in events


def test_a_retried_submission_returns_the_same_booking(domain, bookings_db):
    tracker = make_tracker(slots=FILLED_BOOKING, sender_id="user-43")
    first, _ = run(ActionSubmitBooking(), tracker, domain)
    second, _ = run(ActionSubmitBooking(), tracker, domain)
    assert len(stored_rows(bookings_db)) == 1
    assert second[0]["response"] == "utter_booking_already_submitted"
    assert second[0]["booking_reference"] == first[0]["booking_reference"]


def test_a_storage_failure_is_told_to_the_user_and_keeps_the_answers(domain, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database folder should be")
    monkeypatch.setenv("BOOKINGS_DB_URL", f"sqlite:///{blocker / 'bookings.db'}")
    booking_actions.booking_store.cache_clear()
    try:
        tracker = make_tracker(slots=FILLED_BOOKING, sender_id="user-44")
        messages, events = run(ActionSubmitBooking(), tracker, domain)
    finally:
        booking_actions.booking_store.cache_clear()
    assert [m["response"] for m in messages] == ["utter_booking_failed"]
    assert events == [SlotSet("booking_confirmed", None)]
    assert "booking not stored" in caplog.text
    assert "sam@example.com" not in caplog.text


def test_a_stopped_booking_is_not_stored_and_is_paused(domain, bookings_db):
    tracker = make_tracker(slots={**FILLED_BOOKING, "booking_confirmed": None})
    messages, events = run(ActionSubmitBooking(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_booking_paused"]
    # "ok let's carry on" then resumes it.
    assert events == [SlotSet("pending_question", "continue_booking")]
    assert not sa.inspect(bookings_db).has_table("bookings") or stored_rows(bookings_db) == []


def test_new_session_of_a_returning_user_is_marked_and_keeps_the_handoff(domain):
    earlier = [{"event": "user", "text": "hi"}, {"event": "bot", "text": "Hi!"}]
    tracker = make_tracker(slots={"handed_off": True, "booking_reference": "MMD-ABC234"}, events=earlier)
    _, events = run(ActionSessionStart(), tracker, domain)
    names = [event["event"] for event in events]
    assert names[0] == "session_started" and names[-1] == "action"
    assert SlotSet("returning_user", True) in events
    assert SlotSet("handed_off", True) in events
    assert SlotSet("booking_reference", "MMD-ABC234") in events


def test_first_session_is_not_marked_returning(domain):
    _, events = run(ActionSessionStart(), make_tracker(), domain)
    assert SlotSet("returning_user", True) not in events


def test_an_age_label_is_read_back_in_bahasa_in_a_bahasa_summary(domain):
    """A mother typed "4 tahun 3 bulan" and her Bahasa summary said "4 years 3 months"."""
    slots = {**FILLED_BOOKING, "language": "id", "patient_age": 4.25, "patient_age_label": "4 years 3 months"}
    messages, _ = run(ActionAskBookingConfirmed(), make_tracker(slots=slots), domain)
    assert messages[0]["patient_age"] == "4 tahun 3 bulan"
