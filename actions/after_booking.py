"""After the booking: status, a change of time, a cancellation, and practical questions.

The user's request is found by their conversation (sender id): the one they name by
reference ("cancel MMD-S422WD"), else their latest open one. A change request or a
cancellation is recorded in the bookings store, where the staff queue shows it with when;
a cancelled request is never deleted. A yes/no question about one request remembers that
request ("cancel:MMD-S422WD" in `pending_question`), so the yes acts on the one confirmed.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_actions import booking_store, conversation_tag
from actions.booking_store import BookingStoreError
from actions.conversation import in_booking
from actions.parsing import normalise_text
from common.booking_form import FORM_SLOTS

logger = logging.getLogger(__name__)

STATUS_LABELS = {
    "new": "received, waiting for a clinician",
    "contacted": "a clinician has contacted you",
    "scheduled": "scheduled",
    "closed": "closed",
    "cancelled": "cancelled",
}
STATUS_LABELS_ID = {
    "new": "diterima, menunggu klinisi",
    "contacted": "klinisi sudah menghubungi Anda",
    "scheduled": "sudah dijadwalkan",
    "closed": "selesai",
    "cancelled": "dibatalkan",
}
MONTHS_ID = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember").split()
REFERENCE_IN_TEXT = re.compile(r"\bMMD-?([2-9A-HJ-NP-Z]{6})\b", re.IGNORECASE)
# A change request that names no time ("I need to change the time") is asked for one.
TIME_WORDS = re.compile(
    r"\b(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\w*|\b(morning|afternoon|evening|night|week|weekend|"
    r"weekday|today|tomorrow|am|pm|\d{1,2}(:\d\d)?|senin|selasa|rabu|kamis|jumat|sabtu|minggu|pagi|siang|"
    r"sore|malam|besok|jam)\b|@|\d{6,}",
    re.IGNORECASE,
)


def named_reference(text: Optional[str]) -> Optional[str]:
    match = REFERENCE_IN_TEXT.search(text or "")
    return f"MMD-{match.group(1).upper()}" if match else None


def find_booking(
    tracker: Tracker, dispatcher: CollectingDispatcher, reference: Optional[str] = None
) -> Optional[Dict[str, Any]]:
    """The request named (in the message or by `reference`), else the latest open one, else
    the latest; None (and says so) when there is none or on error. A reference from another
    conversation is never looked at."""
    named = reference or named_reference(tracker.latest_message.get("text"))
    try:
        booking = booking_store().latest_for_sender(tracker.sender_id, reference=named)
    except BookingStoreError as error:
        logger.error("booking lookup failed conversation=%s error=%s",
                     conversation_tag(tracker.sender_id), error)
        dispatcher.utter_message(response="utter_booking_store_unavailable")
        return None
    if booking is None and in_booking(tracker):
        dispatcher.utter_message(response="utter_booking_not_sent_yet")
    elif booking is None:
        dispatcher.utter_message(response="utter_no_booking_found")
    return booking


def _no_booking_events(tracker: Tracker) -> List[EventType]:
    return [SlotSet("pending_question", None if in_booking(tracker) else "book")]


def _open_booking(
    tracker: Tracker, dispatcher: CollectingDispatcher
) -> Tuple[Optional[Dict[str, Any]], List[EventType]]:
    """The request to act on, or None with the events already answered: no request (the
    booking is offered) or a cancelled one (said so; it can't be changed or cancelled again)."""
    booking = find_booking(tracker, dispatcher)
    if booking is None:
        return None, _no_booking_events(tracker)
    if booking["status"] == "cancelled":
        dispatcher.utter_message(response="utter_booking_status_cancelled", booking_reference=booking["reference"])
        return None, [SlotSet("pending_question", None)]
    return booking, []


def _record(tracker: Tracker, dispatcher: CollectingDispatcher, reference: str, kind: str, detail: str) -> bool:
    try:
        booking_store().record_update(reference, kind, detail)
    except BookingStoreError as error:
        logger.error("%s not recorded conversation=%s error=%s", kind,
                     conversation_tag(tracker.sender_id), error)
        dispatcher.utter_message(response="utter_booking_store_unavailable")
        return False
    logger.info("booking %s recorded reference=%s", kind, reference)
    return True


def _user_words(text: Optional[str]) -> str:
    return (normalise_text(text, 2000) or "")[:255]


class ActionBookingStatus(Action):
    """"Did it go through?", "what's my reference?", "when will they call?"."""

    def name(self) -> str:
        return "action_booking_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking, answered = _open_booking(tracker, dispatcher)
        if booking is None:
            return answered
        created = booking["created_at"]
        indonesian = tracker.get_slot("language") == "id"
        labels = STATUS_LABELS_ID if indonesian else STATUS_LABELS
        if not hasattr(created, "strftime"):
            date = str(created)
        elif indonesian:  # "27 November 2026": month names do not follow the server's locale
            date = f"{created.day} {MONTHS_ID[created.month - 1]} {created.year}"
        else:
            date = created.strftime("%d %B %Y")
        dispatcher.utter_message(
            response="utter_booking_status",
            booking_reference=booking["reference"],
            booking_status=labels.get(booking["status"], booking["status"]),
            booking_date=date,
        )
        return [SlotSet("pending_question", None)]


def record_change(
    tracker: Tracker, dispatcher: CollectingDispatcher, booking: Dict[str, Any], detail: str
) -> List[EventType]:
    if not _record(tracker, dispatcher, booking["reference"], "change", detail):
        return []
    dispatcher.utter_message(response="utter_booking_change_recorded",
                             booking_reference=booking["reference"], change_detail=detail)
    return [SlotSet("pending_question", None)]


class ActionChangeBooking(Action):
    """Records the user's change request (their words) for the clinic to confirm; asks
    for the new time first when none was named."""

    def name(self) -> str:
        return "action_change_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking, answered = _open_booking(tracker, dispatcher)
        if booking is None:
            return answered
        detail = _user_words(tracker.latest_message.get("text"))
        if not TIME_WORDS.search(REFERENCE_IN_TEXT.sub(" ", detail)):
            dispatcher.utter_message(response="utter_ask_change_detail", booking_reference=booking["reference"])
            return [SlotSet("pending_question", f"change:{booking['reference']}")]
        return record_change(tracker, dispatcher, booking, detail)


# Cleared with a discarded draft: the answers, and what was waiting on them.
DRAFT_SLOTS = [*FORM_SLOTS, "patient_age_label", "summary_edit_pending", "booking_pause", "pending_question"]


def discard_draft(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[List[EventType]]:
    """"batalkan pemesanan", "cancel it" with a paused booking and nothing sent: its answers
    are cleared and nothing reaches the clinic (a persona was told no request existed while
    "your answers are kept" stood above). None when there is no such draft."""
    started = any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS if slot != "symptom_description")
    if in_booking(tracker) or not started:
        return None
    if find_booking(tracker, CollectingDispatcher()) is not None:
        return None  # a sent request is what "cancel" means: asked about first
    logger.info("booking draft discarded conversation=%s", conversation_tag(tracker.sender_id))
    dispatcher.utter_message(response="utter_draft_discarded")
    return [SlotSet(slot, None) for slot in DRAFT_SLOTS]


class ActionCancelBooking(Action):
    """Asks before cancelling: a cancellation is what the user must really want."""

    def name(self) -> str:
        return "action_cancel_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        discarded = discard_draft(tracker, dispatcher)
        return discarded if discarded is not None else ask_to_cancel(tracker, dispatcher)


def ask_to_cancel(tracker: Tracker, dispatcher: CollectingDispatcher) -> List[EventType]:
    booking, answered = _open_booking(tracker, dispatcher)
    if booking is None:
        return answered
    dispatcher.utter_message(response="utter_confirm_cancel", booking_reference=booking["reference"])
    return [SlotSet("pending_question", f"cancel:{booking['reference']}")]


def cancel_confirmed(dispatcher: CollectingDispatcher, tracker: Tracker, reference: str) -> List[EventType]:
    """The user said yes to "cancel MMD-…?": that request is marked cancelled, never deleted."""
    booking = find_booking(tracker, dispatcher, reference=reference)
    if booking is None:
        return _no_booking_events(tracker)
    if not _record(tracker, dispatcher, booking["reference"], "cancel", _cancel_request_text(tracker)):
        return []
    dispatcher.utter_message(response="utter_booking_cancelled", booking_reference=booking["reference"])
    return [SlotSet("pending_question", None)]


def _cancel_request_text(tracker: Tracker) -> str:
    """The user's own words when they asked to cancel ("we'll go to our GP instead")."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent in ("cancel_booking", "stop"):
                return _user_words(event.get("text"))
    return ""


def cancel_declined(dispatcher: CollectingDispatcher, tracker: Tracker, reference: str) -> List[EventType]:
    dispatcher.utter_message(response="utter_booking_kept", booking_reference=reference)
    return [SlotSet("pending_question", None)]


class ActionStopOutsideBooking(Action):
    """"stop" or "cancel it" with no booking form running: after a request was sent, "cancel
    it" means that request (asked first); otherwise there is nothing to stop."""

    def name(self) -> str:
        return "action_stop_outside_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").lower()
        if re.search(r"\b(cancel|batal\w*)\b", text):
            discarded = discard_draft(tracker, dispatcher)
            if discarded is not None:
                return discarded
            try:
                booking = booking_store().latest_for_sender(tracker.sender_id)
            except BookingStoreError:
                booking = None
            if booking and booking["status"] != "cancelled":
                return ask_to_cancel(tracker, dispatcher)
        dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet("pending_question", None)]


class ActionClinicDetails(Action):
    """Cost, online or in person, the clinic's phone: honest "the clinic will tell you"."""

    def name(self) -> str:
        return "action_clinic_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_clinic_details")
        return []
