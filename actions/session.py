"""Session start: a returning user is welcomed back instead of re-reading the disclaimer."""
from __future__ import annotations

from typing import Any, Dict, List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# Carried into every new session: staff need the handoff, the user their reference and
# their language.
CARRIED_SLOTS = ("handed_off", "booking_reference", "language")


def has_spoken_before(events: List[Dict[str, Any]]) -> bool:
    return any(event.get("event") == "user" for event in events)


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        if has_spoken_before(tracker.events):
            events.append(SlotSet("returning_user", True))
        for slot in CARRIED_SLOTS:
            value = tracker.get_slot(slot)
            if value is not None:
                events.append(SlotSet(slot, value))
        events.append(ActionExecuted("action_listen"))
        return events
