"""The booking's read-back and its submission: the handoff to a human clinician."""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.booking_store import BookingRequest, BookingStore, BookingStoreError, create_db_engine
from actions.conversation import BOOKING_SLOTS
from actions.settings import load_settings
from common.privacy import conversation_tag  # noqa: F401 - imported from here by other actions

logger = logging.getLogger(__name__)

# Values read back in the summary, in the conversation's language (the `language` slot).
CONSULT_FOR_LABELS = {"self": "you", "child": "your child", "other": "someone else"}
CONSULT_FOR_LABELS_ID = {"self": "Anda sendiri", "child": "anak Anda", "other": "orang lain"}


@lru_cache(maxsize=1)
def booking_store() -> BookingStore:
    settings = load_settings()
    return BookingStore(create_db_engine(settings.bookings_db_url, settings.db_timeout_seconds))


# The age label is kept as parsed ("4 years 3 months"); a Bahasa summary reads it in Bahasa.
AGE_UNITS_ID = {"years": "tahun", "year": "tahun", "months": "bulan", "month": "bulan",
                "weeks": "minggu", "week": "minggu", "days": "hari", "day": "hari", "and": "dan"}


def _age_label(age: Any, label: Any, indonesian: bool = False) -> str:
    if isinstance(label, str) and label:
        if indonesian:
            return " ".join(AGE_UNITS_ID.get(word, word) for word in label.split())
        return label
    return f"{int(age)}" if isinstance(age, (int, float)) else "?"


# Why the form paused the booking (the `booking_pause` slot, set by its validator) -> the reply.
PAUSE_REPLIES = {"farewell": "utter_booking_paused_farewell", "stuck": "utter_booking_paused_stuck"}

CONSENT_LABELS = {True: "yes", False: "no (only your answers are shared)"}
CONSENT_LABELS_ID = {True: "ya", False: "tidak (hanya jawaban Anda yang dibagikan)"}


class ActionAskBookingConfirmed(Action):
    """Reads back the request before it is sent (asks for the `booking_confirmed` slot).

    After a "no" at the summary it asks what to change instead of reading it back again.
    """

    def name(self) -> str:
        return "action_ask_booking_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        slots = tracker.slots
        if slots.get("summary_edit_pending"):
            dispatcher.utter_message(response="utter_ask_what_to_change")
            return []
        indonesian = slots.get("language") == "id"
        consult_for_labels = CONSULT_FOR_LABELS_ID if indonesian else CONSULT_FOR_LABELS
        consent_labels = CONSENT_LABELS_ID if indonesian else CONSENT_LABELS
        dispatcher.utter_message(
            response="utter_booking_summary",
            consult_for=consult_for_labels.get(slots.get("consult_for"), "?"),
            patient_age=_age_label(slots.get("patient_age"), slots.get("patient_age_label"), indonesian),
            symptom_description=slots.get("symptom_description") or "?",
            requester_name=slots.get("requester_name") or "?",
            contact=slots.get("contact") or "?",
            preferred_times=slots.get("preferred_times") or "?",
            consent=consent_labels.get(slots.get("consent"), "?"),
        )
        return []


def booking_request_from(tracker: Tracker) -> BookingRequest:
    slots = tracker.slots
    return BookingRequest(
        sender_id=tracker.sender_id,
        consult_for=slots["consult_for"],
        patient_age=int(slots["patient_age"]),
        symptom_description=slots["symptom_description"],
        requester_name=slots["requester_name"],
        contact=slots["contact"],
        preferred_times=slots["preferred_times"],
        consent=bool(slots["consent"]),
        patient_age_label=slots.get("patient_age_label") or None,
    )


class ActionSubmitBooking(Action):
    """Stores the confirmed booking once, tells the reference, marks the handoff."""

    def name(self) -> str:
        return "action_submit_booking"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        tag = conversation_tag(tracker.sender_id)
        if tracker.get_slot("booking_confirmed") is not True:
            # The user stopped the form before confirming: the answers are kept.
            reason = tracker.get_slot("booking_pause")
            logger.info("booking paused conversation=%s reason=%s", tag, reason or "stop")
            if reason in PAUSE_REPLIES:
                # Said goodbye, or could not answer: no yes/no question is left open, so a
                # later "ok" does not start the questions again.
                dispatcher.utter_message(response=PAUSE_REPLIES[reason])
                return [SlotSet("booking_pause", None), SlotSet("pending_question", None)]
            dispatcher.utter_message(response="utter_booking_paused")
            return [SlotSet("pending_question", "continue_booking")]
        try:
            request = booking_request_from(tracker)
            reference, created = booking_store().save(request)
        except (BookingStoreError, KeyError, TypeError, ValueError) as error:
            logger.error(
                "booking not stored conversation=%s error=%s", tag, type(error).__name__
            )
            dispatcher.utter_message(response="utter_booking_failed")
            # Keep every answer; only the confirmation is asked again on "Try again".
            return [SlotSet("booking_confirmed", None)]
        logger.info(
            "booking stored conversation=%s reference=%s created=%s", tag, reference, created
        )
        response = "utter_booking_submitted" if created else "utter_booking_already_submitted"
        dispatcher.utter_message(response=response, booking_reference=reference)
        return _handoff_events(reference)


def _handoff_events(reference: str) -> List[EventType]:
    """Marks the conversation as handed off and clears the answers for a next booking."""
    cleared: Dict[str, Any] = {slot: None for slot in BOOKING_SLOTS}
    return [
        SlotSet("booking_reference", reference),
        SlotSet("handed_off", True),
        *[SlotSet(slot, value) for slot, value in cleared.items()],
    ]
