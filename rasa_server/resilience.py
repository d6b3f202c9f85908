"""What the Rasa server does when the action server is down, slow or failing.

Rasa 3.6 waits up to 5 minutes for a custom action and, when one fails, logs it and says
nothing to the user. Here every custom action call is bounded by ACTION_TIMEOUT_SECONDS,
and a failure gets a useful reply instead of silence:

- a symptom report still gets the consultation offer (a safety requirement), from the
  domain's static `utter_symptom_acknowledged`;
- a booking submission gets `utter_booking_failed` ("your answers are kept, try again");
  a failed validation clears only the answer it could not check, so the form asks again;
- session start falls back to Rasa's built-in session start;
- an FAQ answer falls back to Rasa's own retrieval answer (`utter_faq`, the selector's
  choice, without the "did you mean" and the further questions): FAQs never need the
  action server to be answered;
- anything else gets `utter_action_failed` ("please try again in a moment").

Form rejections (ActionExecutionRejection) pass through untouched: they are how forms work.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, List

from rasa_server.patching import replaces

logger = logging.getLogger(__name__)

DEFAULT_FALLBACK = "utter_action_failed"
FALLBACK_RESPONSES = {
    "action_acknowledge_symptom": "utter_symptom_acknowledged",
    "action_submit_booking": "utter_booking_failed",
    "action_ask_booking_confirmed": "utter_booking_failed",
    "validate_consultation_form": DEFAULT_FALLBACK,
}


# The form's answers are read by its validator (custom slot mappings): when that fails, an
# answer gets "please try again" and the same question, never a silent skip.
ANSWER_INTENTS = {"inform", "affirm", "deny"}


def action_timeout_seconds() -> float:
    return float(os.environ.get("ACTION_TIMEOUT_SECONDS", "10"))


def install() -> None:
    """Wraps RemoteAction.run once per process."""
    from rasa.core.actions import action as rasa_action

    original = rasa_action.RemoteAction.run

    @replaces(rasa_action.RemoteAction, "run")
    async def run_bounded(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
        try:
            return await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain),
                                          timeout=action_timeout_seconds())
        except rasa_action.ActionExecutionRejection:
            raise
        except Exception as error:  # noqa: BLE001 - any failure of the action server
            logger.error("custom action failed action=%s error=%s", self.name(), type(error).__name__)
            return await fallback_events(self.name(), output_channel, nlg, tracker, domain)


async def fallback_events(name: str, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Any]:
    from rasa.core.actions.action import ActionSessionStart, create_bot_utterance
    from rasa.shared.core.events import SlotSet

    if name == "action_session_start":
        return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
    if name == "action_answer_faq":
        from rasa.core.actions.action import ActionRetrieveResponse

        return await ActionRetrieveResponse("utter_faq").run(output_channel, nlg, tracker, domain)
    requested = tracker.get_slot("requested_slot")
    intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
    if name.startswith("validate_") and (not requested or tracker.get_slot(requested) is None) \
            and intent not in ANSWER_INTENTS:
        # Not an answer (an FAQ, say): the form rejects the message by itself and the rules
        # answer it, as when the action server is up.
        return []
    response = FALLBACK_RESPONSES.get(name, DEFAULT_FALLBACK)
    message = await nlg.generate(response, tracker, output_channel.name())
    events: List[Any] = [create_bot_utterance(message)] if message else []
    if name.startswith("validate_") and requested:
        # The answer could not be checked: do not keep it unchecked, ask for it again.
        events.append(SlotSet(requested, None))
    return events
