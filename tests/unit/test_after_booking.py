"""After the booking (actions/after_booking.py): the user's own request, found by their
conversation, on real SQLite and PostgreSQL bookings databases."""
from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import booking_actions
from actions.after_booking import (
    STATUS_LABELS,
    ActionBookingStatus,
    ActionCancelBooking,
    ActionChangeBooking,
    ActionClinicDetails,
    ActionStopOutsideBooking,
)
from actions.booking_actions import ActionSubmitBooking
from tests.unit.booking_data import add_booking, count_bookings
from tests.unit.trackers import FILLED_BOOKING, LISTEN, bot_turn, tracker_after, user_event

SENDER = "after-booking-user"


def said(text, intent, sender_id=SENDER, slots=None):
    events = [*bot_turn("utter_greet"), LISTEN, user_event(text, intent, 0.97)]
    return tracker_after(events, sender_id=sender_id, slots=slots)


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain))
    for message in dispatcher.messages:
        assert message["response"] in domain["responses"], message["response"]
    return dispatcher.messages, events


# --- status ---------------------------------------------------------------------------------


def test_status_tells_the_reference_status_and_date(domain, action_store):
    reference = add_booking(action_store, SENDER)
    [message], events = run(ActionBookingStatus(), said("did my booking go through?", "booking_status"), domain)
    assert message["response"] == "utter_booking_status"
    assert message["booking_reference"] == reference
    assert message["booking_status"] == STATUS_LABELS["new"]
    created = action_store.get(reference)["created_at"]
    assert message["booking_date"] == created.strftime("%d %B %Y")
    assert events == [SlotSet("pending_question", None)]


def test_status_in_bahasa_indonesia(domain, action_store):
    reference = add_booking(action_store, SENDER)
    tracker = said("udah dikonfirmasi belum?", "booking_status", slots={"language": "id"})
    [message], _ = run(ActionBookingStatus(), tracker, domain)
    assert message["booking_status"] == "diterima, menunggu klinisi"
    created = action_store.get(reference)["created_at"]
    month = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
    assert message["booking_date"] == f"{created.day} {month[created.month - 1]} {created.year}"


def test_status_of_the_latest_request(domain, action_store):
    add_booking(action_store, SENDER, preferred_times="mornings")
    latest = add_booking(action_store, SENDER, preferred_times="evenings")
    add_booking(action_store, "someone-else", preferred_times="afternoons")
    [message], _ = run(ActionBookingStatus(), said("what's my reference?", "booking_status"), domain)
    assert message["booking_reference"] == latest


def test_status_of_a_cancelled_request(domain, action_store):
    reference = add_booking(action_store, SENDER)
    action_store.record_update(reference, "cancel")
    [message], _ = run(ActionBookingStatus(), said("what's my reference?", "booking_status"), domain)
    assert message["response"] == "utter_booking_status_cancelled"
    assert message["booking_reference"] == reference


def test_a_submitted_booking_is_found_by_its_conversation(domain, action_store):
    submit = said("yes", "affirm", slots={**FILLED_BOOKING, "patient_age": 1.5, "patient_age_label": "18 months"})
    [submitted], _ = run(ActionSubmitBooking(), submit, domain)
    [status], _ = run(ActionBookingStatus(), said("did it go through?", "booking_status"), domain)
    assert status["booking_reference"] == submitted["booking_reference"]
    row = action_store.get(submitted["booking_reference"])
    assert row["patient_age"] == 1 and row["patient_age_label"] == "18 months"


@pytest.mark.parametrize(
    "action, text, intent",
    [(ActionBookingStatus, "did my booking go through?", "booking_status"),
     (ActionChangeBooking, "can I change my appointment to friday", "change_booking"),
     (ActionCancelBooking, "cancel my appointment", "cancel_booking")],
)
def test_no_booking_found_offers_to_book(domain, action_store, action, text, intent):
    add_booking(action_store, "someone-else")
    messages, events = run(action(), said(text, intent), domain)
    assert [m["response"] for m in messages] == ["utter_no_booking_found"]
    assert events == [SlotSet("pending_question", "book")]
    assert action_store.updates_for(action_store.latest_for_sender("someone-else")["reference"]) == []


# --- change ---------------------------------------------------------------------------------


def test_a_change_is_recorded_with_the_users_words(domain, action_store):
    reference = add_booking(action_store, SENDER)
    text = "can we make it friday afternoon instead?"
    [message], events = run(ActionChangeBooking(), said(text, "change_booking"), domain)
    assert message["response"] == "utter_booking_change_recorded"
    assert message["booking_reference"] == reference and message["change_detail"] == text
    assert events == [SlotSet("pending_question", None)]
    [update] = action_store.updates_for(reference)
    assert (update["kind"], update["detail"], update["requested_by"]) == ("change", text, "user")
    assert update["created_at"] is not None
    assert action_store.get(reference)["status"] == "new"


def test_a_long_change_is_cut_to_the_column(domain, action_store):
    reference = add_booking(action_store, SENDER)
    run(ActionChangeBooking(), said("friday " * 100, "change_booking"), domain)
    [update] = action_store.updates_for(reference)
    assert 0 < len(update["detail"]) <= 255


# --- cancel ---------------------------------------------------------------------------------


def test_cancel_asks_first_and_changes_nothing(domain, action_store):
    reference = add_booking(action_store, SENDER)
    [message], events = run(ActionCancelBooking(), said("cancel my appointment", "cancel_booking"), domain)
    assert message["response"] == "utter_confirm_cancel"
    assert message["booking_reference"] == reference
    # The question remembers which request it is about, so the yes cancels that one.
    assert events == [SlotSet("pending_question", f"cancel:{reference}")]
    assert action_store.get(reference)["status"] == "new" and action_store.updates_for(reference) == []
    payloads = [b["payload"] for b in domain["responses"]["utter_confirm_cancel"][0]["buttons"]]
    assert payloads == ["/affirm", "/deny"]


# A persona paused a booking ("your answers are kept"), said "batalkan pemesanan" and was told no
# request existed; the draft stayed. A paused booking with nothing sent is discarded.
@pytest.mark.parametrize("action, text, intent", [
    (ActionCancelBooking, "batalkan pemesanan", "cancel_booking"),
    (ActionStopOutsideBooking, "batal aja, datanya dibuang", "stop"),
])
def test_cancelling_a_paused_booking_that_was_never_sent_discards_its_answers(
        domain, action_store, action, text, intent):
    draft = {"consult_for": "child", "patient_age": 7.0, "patient_age_label": "7", "requester_name": "Slamet"}
    messages, events = run(action(), said(text, intent, slots=draft), domain)
    assert [m["response"] for m in messages] == ["utter_draft_discarded"]
    cleared = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"consult_for", "patient_age", "patient_age_label", "requester_name", "contact"} <= cleared
    assert action_store.latest_for_sender(SENDER) is None


def test_a_sent_request_is_what_cancel_means_even_with_answers_left(domain, action_store):
    reference = add_booking(action_store, SENDER)
    tracker = said("cancel it", "cancel_booking", slots={"requester_name": "Jo"})
    messages, _ = run(ActionCancelBooking(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_confirm_cancel"]
    assert messages[0]["booking_reference"] == reference


def test_cancelling_a_cancelled_request_says_so(domain, action_store):
    reference = add_booking(action_store, SENDER)
    action_store.record_update(reference, "cancel")
    [message], events = run(ActionCancelBooking(), said("cancel it", "cancel_booking"), domain)
    assert message["response"] == "utter_booking_status_cancelled"
    assert events == [SlotSet("pending_question", None)]
    assert len(action_store.updates_for(reference)) == 1
    assert count_bookings(action_store) == 1


# --- no database ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", [ActionBookingStatus, ActionChangeBooking, ActionCancelBooking]
)
def test_an_unavailable_store_is_told_to_the_user(domain, tmp_path, monkeypatch, caplog, action):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the database folder should be")
    monkeypatch.setenv("BOOKINGS_DB_URL", f"sqlite:///{blocker / 'bookings.db'}")
    booking_actions.booking_store.cache_clear()
    try:
        messages, _ = run(action(), said("where is my booking", "booking_status", sender_id="+628123456789"), domain)
    finally:
        booking_actions.booking_store.cache_clear()
    assert [m["response"] for m in messages] == ["utter_booking_store_unavailable"]
    assert "+628123456789" not in caplog.text


def test_clinic_details_are_honest(domain):
    [message], events = run(ActionClinicDetails(), said("how much does it cost?", "ask_clinic_details"), domain)
    assert message["response"] == "utter_clinic_details" and events == []
