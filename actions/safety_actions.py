"""Emergency, crisis and "red flag in doubt" replies: safety before anything else.

Each pauses a running booking (answers kept) and, where the user described mirror
movements or is in crisis, gently offers a consultation after the safety message; a typed
yes to that offer is answered by actions/yes_no.py.
"""
from __future__ import annotations

import logging
import re
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import booking_paused, in_booking, in_indonesian, latest_entity
from actions.yes_no import start_booking

# "…the ambulance came, continue": the user asks to go on with the paused booking.
CONTINUE_WORDS = re.compile(r"\b(continue|carry on|go on|resume|proceed|lanjut\w*)\b", re.IGNORECASE)


def wants_to_continue(text: object) -> bool:
    return isinstance(text, str) and bool(CONTINUE_WORDS.search(text))

logger = logging.getLogger(__name__)


def _pause_booking() -> List[EventType]:
    """Ends a running form (answers kept); harmless when none runs, so rules stay one."""
    return [ActiveLoop(None), SlotSet("requested_slot", None)]


# The safety replies exist in Bahasa Indonesia too (the app serves Indonesia); the safety
# net marks a message whose safety language was Bahasa Indonesia.
INDONESIAN = {
    "utter_emergency": "utter_emergency_id",
    "utter_booking_paused_after_emergency": "utter_booking_paused_after_emergency_id",
    "utter_crisis": "utter_crisis_id",
    "utter_crisis_about_other": "utter_crisis_about_other_id",
    "utter_crisis_then_offer": "utter_crisis_then_offer_id",
}


def _localised(response: str, tracker: Tracker) -> str:
    return INDONESIAN.get(response, response) if in_indonesian(tracker) else response


class ActionEmergency(Action):
    """Emergency services first; a running booking is paused with no button to go on."""

    def name(self) -> str:
        return "action_emergency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        dispatcher.utter_message(response=_localised("utter_emergency", tracker))
        events: List[EventType] = [SlotSet("pending_question", None), *_pause_booking()]
        if in_booking(tracker):
            dispatcher.utter_message(response=_localised("utter_booking_paused_after_emergency", tracker))
        elif latest_entity(tracker, "symptom_signal") and not in_indonesian(tracker):
            # Sudden onset told with a mirroring report: the consultation offer comes after.
            dispatcher.utter_message(response="utter_emergency_then_offer")
            events.append(SlotSet("pending_question", "book"))
        logger.info("emergency reply in_booking=%s", in_booking(tracker))
        return events


class ActionCrisis(Action):
    """Crisis reply first (facts.md, "Crisis"), then gently the consultation offer."""

    def name(self) -> str:
        return "action_crisis"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        about = latest_entity(tracker, "crisis_about")
        reply = {"other": "utter_crisis_about_other", "past": "utter_crisis_in_the_past"}.get(about, "utter_crisis")
        dispatcher.utter_message(response=_localised(reply, tracker))
        events: List[EventType] = _pause_booking()
        dispatcher.utter_message(response=_localised("utter_crisis_then_offer", tracker))
        events.append(SlotSet("pending_question", "continue_booking" if in_booking(tracker) else "book"))
        logger.info("crisis reply in_booking=%s", in_booking(tracker))
        return events


class ActionRedFlagContext(Action):
    """A red flag asked about, long past, or with help already there: answer, don't alarm.

    In the booking, the form asks its pending question again after this (rules); outside
    it, a paused booking is offered to continue.
    """

    def name(self) -> str:
        return "action_red_flag_context"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        context = latest_entity(tracker, "red_flag_context") or "question"
        if context == "resolved":
            dispatcher.utter_message(response="utter_red_flag_resolved")
        else:
            dispatcher.utter_message(
                response="utter_red_flag_past" if context == "past" else "utter_red_flag_question"
            )
            dispatcher.utter_message(response="utter_red_flag_line")
        events: List[EventType] = []
        if booking_paused(tracker):
            if wants_to_continue(tracker.latest_message.get("text")):
                return start_booking(dispatcher, tracker)
            dispatcher.utter_message(response="utter_continue_paused_booking")
            events.append(SlotSet("pending_question", "continue_booking"))
        logger.info("red flag in doubt context=%s", context)
        return events
