""""Talk to a human": a live hand-off when staff are online, otherwise a clinician's call.

Staff presence is written by the staff console (table `staff_presence` in the bookings
database); a waiting live request appears in the console for staff to take over the chat.
"""
from __future__ import annotations

import logging
import os
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_actions import booking_store, conversation_tag
from actions.booking_store import BookingStoreError
from actions.conversation import in_booking

logger = logging.getLogger(__name__)


def staff_online_window_seconds() -> float:
    """How recently a staff member must have used the console to count as online."""
    return float(os.environ.get("STAFF_ONLINE_WINDOW_SECONDS", "300"))


def _open_request(store, sender_id: str) -> str:  # noqa: ANN001 - BookingStore
    """The reference of this conversation's request that is still open, or ""."""
    try:
        booking = store.latest_for_sender(sender_id)
    except BookingStoreError:
        return ""
    return booking["reference"] if booking and booking["status"] != "cancelled" else ""


class ActionRequestHuman(Action):
    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        store = booking_store()
        try:
            if store.staff_available(staff_online_window_seconds()):
                created = store.request_live_handoff(tracker.sender_id)
                dispatcher.utter_message(
                    response="utter_human_live" if created else "utter_human_already_waiting"
                )
                logger.info("live hand-off requested conversation=%s new=%s",
                            conversation_tag(tracker.sender_id), created)
                return [SlotSet("pending_question", None)]
        except BookingStoreError as error:
            # No presence information: fall back to the booking, which always works.
            logger.warning("staff presence unknown conversation=%s error=%s",
                           conversation_tag(tracker.sender_id), error)
        if in_booking(tracker):
            dispatcher.utter_message(response="utter_human_offline_in_booking")
            return []
        existing = _open_request(store, tracker.sender_id)
        if existing:
            dispatcher.utter_message(response="utter_human_offline_has_request", booking_reference=existing)
            return [SlotSet("pending_question", None)]
        dispatcher.utter_message(response="utter_human_offline")
        return [SlotSet("pending_question", "book")]
