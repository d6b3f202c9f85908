"""The reply to a symptom report: empathy, no diagnosis, and a consultation offer."""
from __future__ import annotations

import logging
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import MAX_DESCRIPTION
from actions.parsing import normalise_text

logger = logging.getLogger(__name__)

BOOKING_FORM = "consultation_form"


class ActionAcknowledgeSymptom(Action):
    """Acknowledges a report and offers `/request_consultation`, in or out of the form.

    The reported text prefills the booking's description, so the user is not asked to
    describe the same thing twice; a report in the middle of the booking ("his leg copies
    too") is added to the description, so the clinician really gets it.
    """

    def name(self) -> str:
        return "action_acknowledge_symptom"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        in_booking = tracker.active_loop.get("name") == BOOKING_FORM
        dispatcher.utter_message(
            response="utter_symptom_acknowledged_in_form" if in_booking
            else "utter_symptom_acknowledged"
        )
        events: List[EventType] = []
        description = normalise_text(tracker.latest_message.get("text"), MAX_DESCRIPTION)
        known = tracker.get_slot("symptom_description")
        if description and not known:
            events.append(SlotSet("symptom_description", description))
        elif description and description.lower() not in known.lower():
            combined = f"{known}; {description}"
            if len(combined) <= MAX_DESCRIPTION:
                events.append(SlotSet("symptom_description", combined))
        logger.info("symptom report acknowledged in_booking=%s described=%s", in_booking, bool(events))
        if not in_booking:
            events.append(SlotSet("pending_question", "book"))
        return events
