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

from actions.after_booking import cancel_confirmed, cancel_declined, find_booking, record_change
from actions.conversation import BOOKING_FORM, FORM_SLOTS, previous_bot_action
from actions.parsing import normalise_text

logger = logging.getLogger(__name__)

# Actions that ask a yes/no question outside the form, and so may set `pending_question`.
ASKING_ACTIONS = {
    "action_acknowledge_symptom", "action_answer_faq", "action_emergency", "action_crisis", "action_red_flag_context",
    "action_request_human", "action_booking_status", "action_cancel_booking", "action_change_booking",
    "action_submit_booking", "action_stop_outside_booking",
    "action_handle_yes", "action_handle_no", "action_clinic_details", "utter_cannot_diagnose",
    "utter_booking_paused",
}
# The booking offer in the symptom reply is a question even though it sets no slot.
OFFERS_BY_ACTION = {
    "action_acknowledge_symptom": "book",
    "utter_cannot_diagnose": "book",
    "utter_booking_paused": "continue_booking",
}


def pending_question(tracker: Tracker) -> str:
    previous = previous_bot_action(tracker)
    if previous not in ASKING_ACTIONS:
        return ""
    # A response cannot set the slot, so its own offer wins over an older value.
    return OFFERS_BY_ACTION.get(previous) or tracker.get_slot("pending_question") or ""


def has_words(text: object) -> bool:
    """Letters or a thumbs up: a bare "?" or "-" is not a yes."""
    return isinstance(text, str) and (
        any(char.isalpha() for char in text) or "\N{THUMBS UP SIGN}" in text or text.startswith("/")
    )


def start_booking(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The booking form starts (or resumes, keeping answers) as the next action."""
    # A description prefilled from a symptom report is not a booking in progress.
    resuming = any(tracker.get_slot(slot) is not None for slot in FORM_SLOTS if slot != "symptom_description")
    dispatcher.utter_message(response="utter_resume_booking" if resuming else "utter_start_booking")
    return [SlotSet("pending_question", None), FollowupAction(BOOKING_FORM)]


class ActionHandleYes(Action):
    def name(self) -> str:
        return "action_handle_yes"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        logger.info("typed yes pending=%s", question.split(":")[0] or "none")
        if question and not has_words(tracker.latest_message.get("text")):
            # "?" or "-" scored as a yes by the classifier: ask, never act on it.
            dispatcher.utter_message(response="utter_yes_or_no")
            return []
        if question in ("book", "continue_booking"):
            return start_booking(dispatcher, tracker)
        if question.startswith("cancel:"):
            return cancel_confirmed(dispatcher, tracker, question.split(":", 1)[1])
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("pending_question", None)]


class ActionHandleNo(Action):
    def name(self) -> str:
        return "action_handle_no"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        logger.info("typed no pending=%s", question.split(":")[0] or "none")
        if question.startswith("cancel:"):
            return cancel_declined(dispatcher, tracker, question.split(":", 1)[1])
        dispatcher.utter_message(response="utter_no_problem")
        return [SlotSet("pending_question", None)]


class ActionHandleInform(Action):
    """A bare answer outside the form: the new time after "what would you like to change?",
    else "please say it another way" (never a guess)."""

    def name(self) -> str:
        return "action_handle_inform"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[EventType]:
        question = pending_question(tracker)
        if question.startswith("change:"):
            booking = find_booking(tracker, dispatcher, reference=question.split(":", 1)[1])
            if booking is not None:
                detail = (normalise_text(tracker.latest_message.get("text"), 2000) or "")[:255]
                return record_change(tracker, dispatcher, booking, detail)
            return [SlotSet("pending_question", None)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("pending_question", None)]
