"""A typed yes or no outside the form answers the yes/no question the assistant just asked.

Offers ("Would you like to book a consultation?", "continue your booking?", "cancel
MMD-…?") set the `pending_question` slot. A yes counts only if the offer was the assistant's
last turn, so a "yes" after an unrelated answer never starts a booking by surprise.
"""
from __future__ import annotations

import logging
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.after_booking import cancel_confirmed, cancel_declined
from actions.conversation import BOOKING_FORM, previous_bot_action

logger = logging.getLogger(__name__)

# Actions that ask a yes/no question outside the form, and so may set `pending_question`.
ASKING_ACTIONS = {
    "action_acknowledge_symptom", "action_emergency", "action_crisis", "action_red_flag_context",
    "action_request_human", "action_booking_status", "action_cancel_booking",
    "action_handle_yes", "action_handle_no", "action_clinic_details",
}
# The booking offer in the symptom reply is a question even though it sets no slot.
OFFERS_BY_ACTION = {"action_acknowledge_symptom": "book"}


def pending_question(tracker: Tracker) -> str:
    previous = previous_bot_action(tracker)
    if previous not in ASKING_ACTIONS:
        return ""
    return tracker.get_slot("pending_question") or OFFERS_BY_ACTION.get(previous, "")


def start_booking(dispatcher: CollectingDispatcher) -> List[EventType]:
    """The booking form starts (or resumes, keeping answers) as the next action."""
    dispatcher.utter_message(response="utter_start_booking")
    return [SlotSet("pending_question", None), FollowupAction(BOOKING_FORM)]


class ActionHandleYes(Action):
    def name(self) -> str:
        return "action_handle_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        logger.info("typed yes pending=%s", question or "none")
        if question in ("book", "continue_booking"):
            return start_booking(dispatcher)
        if question == "cancel":
            return cancel_confirmed(dispatcher, tracker)
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_question", None)]


class ActionHandleNo(Action):
    def name(self) -> str:
        return "action_handle_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        logger.info("typed no pending=%s", question or "none")
        if question == "cancel":
            return cancel_declined(dispatcher, tracker)
        dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet("pending_question", None)]
