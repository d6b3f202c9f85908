"""After the booking: status, a change of time, a cancellation, and practical questions.

The user's request is found by their conversation (sender id). A change request or a
cancellation is recorded in the bookings store, where the staff queue shows it with when;
a cancelled request is never deleted.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_actions import booking_store, conversation_tag
from actions.booking_store import BookingStoreError
from actions.conversation import in_booking
from actions.parsing import normalise_text

logger = logging.getLogger(__name__)

STATUS_LABELS = {
    "new": "received, waiting for a clinician",
    "contacted": "a clinician has contacted you",
    "scheduled": "scheduled",
    "closed": "closed",
    "cancelled": "cancelled",
}


REFERENCE_IN_TEXT = re.compile(r"\bMMD-?([2-9A-HJ-NP-Z]{6})\b", re.IGNORECASE)


def _latest_booking(tracker: Tracker, dispatcher: CollectingDispatcher) -> Optional[Dict[str, Any]]:
    """The request the user names by reference ("cancel MMD-S422WD"), else the latest one
    of this conversation; None (and says so) when there is none or on error. A reference
    from another conversation is never looked at."""
    named = REFERENCE_IN_TEXT.search(tracker.latest_message.get("text") or "")
    try:
        booking = booking_store().latest_for_sender(
            tracker.sender_id, reference=f"MMD-{named.group(1).upper()}" if named else None
        )
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


def _no_booking_events(booking: Optional[Dict[str, Any]], tracker: Tracker) -> List[EventType]:
    offer = booking is None and not in_booking(tracker)
    return [SlotSet("pending_question", "book" if offer else None)]


class ActionBookingStatus(Action):
    """"Did it go through?", "what's my reference?", "when will they call?"."""

    def name(self) -> str:
        return "action_booking_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking = _latest_booking(tracker, dispatcher)
        if booking is None:
            return _no_booking_events(booking, tracker)
        if booking["status"] == "cancelled":
            dispatcher.utter_message(response="utter_booking_status_cancelled",
                                     booking_reference=booking["reference"])
        else:
            created = booking["created_at"]
            dispatcher.utter_message(
                response="utter_booking_status",
                booking_reference=booking["reference"],
                booking_status=STATUS_LABELS.get(booking["status"], booking["status"]),
                booking_date=created.strftime("%d %B %Y") if hasattr(created, "strftime") else str(created),
            )
        return [SlotSet("pending_question", None)]


class ActionChangeBooking(Action):
    """Records the user's change request (their words) for the clinic to confirm."""

    def name(self) -> str:
        return "action_change_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking = _latest_booking(tracker, dispatcher)
        if booking is None:
            return _no_booking_events(booking, tracker)
        detail = (normalise_text(tracker.latest_message.get("text"), 2000) or "")[:255]
        try:
            booking_store().record_update(booking["reference"], "change", detail)
        except BookingStoreError as error:
            logger.error("change not recorded conversation=%s error=%s",
                         conversation_tag(tracker.sender_id), error)
            dispatcher.utter_message(response="utter_booking_store_unavailable")
            return []
        logger.info("change request recorded reference=%s", booking["reference"])
        dispatcher.utter_message(response="utter_booking_change_recorded",
                                 booking_reference=booking["reference"], change_detail=detail)
        return [SlotSet("pending_question", None)]


class ActionCancelBooking(Action):
    """Asks before cancelling: a cancellation is what the user must really want."""

    def name(self) -> str:
        return "action_cancel_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        booking = _latest_booking(tracker, dispatcher)
        if booking is None:
            return _no_booking_events(booking, tracker)
        if booking["status"] == "cancelled":
            dispatcher.utter_message(response="utter_booking_status_cancelled",
                                     booking_reference=booking["reference"])
            return [SlotSet("pending_question", None)]
        dispatcher.utter_message(response="utter_confirm_cancel", booking_reference=booking["reference"])
        return [SlotSet("pending_question", "cancel")]


def cancel_confirmed(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The user said yes to "cancel MMD-…?": the request is marked cancelled, never deleted."""
    booking = _latest_booking(tracker, dispatcher)
    if booking is None:
        return _no_booking_events(booking, tracker)
    reason = _cancel_request_text(tracker)
    try:
        booking_store().record_update(booking["reference"], "cancel", reason)
    except BookingStoreError as error:
        logger.error("cancellation not recorded conversation=%s error=%s",
                     conversation_tag(tracker.sender_id), error)
        dispatcher.utter_message(response="utter_booking_store_unavailable")
        return []
    logger.info("booking cancelled by user reference=%s", booking["reference"])
    dispatcher.utter_message(response="utter_booking_cancelled", booking_reference=booking["reference"])
    return [SlotSet("pending_question", None)]


def _cancel_request_text(tracker: Tracker) -> str:
    """The user's own words when they asked to cancel ("we'll go to our GP instead")."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == "cancel_booking":
                return (normalise_text(event.get("text"), 2000) or "")[:255]
    return ""


def cancel_declined(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    booking = _latest_booking(tracker, dispatcher)
    if booking is not None:
        dispatcher.utter_message(response="utter_booking_kept", booking_reference=booking["reference"])
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
