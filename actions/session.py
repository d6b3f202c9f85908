"""Session start: a returning user is welcomed back instead of re-reading the disclaimer, and
a booking in progress survives a session cut by the turn cap (README, "Limits")."""
from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, ActiveLoop, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import BOOKING_SLOTS, in_booking
from common.booking_form import BOOKING_FORM
from common.domain import DOMAIN_DIR

# Carried into every new session: staff need the handoff, the user their reference and
# their language.
CARRIED_SLOTS = ("handed_off", "booking_reference", "language")
# Carried only when the previous session did not end by inactivity: the booking's answers and
# where the form was, and a yes/no question just asked ("continue the booking?").
BOOKING_CARRIED_SLOTS = (*BOOKING_SLOTS, "pending_question")
RASA_DEFAULT_EXPIRATION_MINUTES = 60.0


@lru_cache(maxsize=1)
def project_session_config() -> Dict[str, Any]:
    """The domain's `session_config`, read from domain/ (the files the model is trained from).

    With `enable_selective_domain` (endpoints.yml) Rasa sends this action no domain, so the
    expiration time is not in the request."""
    for path in sorted(DOMAIN_DIR.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"^session_config:", text, re.MULTILINE):
            return (yaml.safe_load(text) or {}).get("session_config") or {}
    return {}


def has_spoken_before(events: List[Dict[str, Any]]) -> bool:
    return any(event.get("event") == "user" for event in events)


def last_user_timestamp(events: List[Dict[str, Any]]) -> Optional[float]:
    for event in reversed(events):
        if event.get("event") == "user":
            stamp = event.get("timestamp")
            return float(stamp) if isinstance(stamp, (int, float)) else None
    return None


def ended_by_inactivity(tracker: Tracker, domain: DomainDict, now: Optional[float] = None) -> bool:
    """Whether the previous session expired (session_config: minutes without a user message).

    Rasa starts a new session when the last one expired, on a conversation's first message
    (nothing to carry) and, with rasa_server/limits.py, when the session reached
    MAX_TURNS_PER_SESSION user messages. Only inactivity ends a booking: domain/intents.yml
    says its answers are not carried then. A last message without a time counts as expired.
    """
    config = (domain or {}).get("session_config") or project_session_config()
    minutes = float(config.get("session_expiration_time", RASA_DEFAULT_EXPIRATION_MINUTES) or 0)
    stamp = last_user_timestamp(tracker.events)
    if stamp is None:
        return True
    if minutes <= 0:  # sessions never expire by time
        return False
    return (time.time() if now is None else now) - stamp > minutes * 60


def booking_in_progress(tracker: Tracker) -> bool:
    return in_booking(tracker) or any(tracker.get_slot(slot) is not None for slot in BOOKING_SLOTS)


def carried_booking(tracker: Tracker, domain: DomainDict) -> List[EventType]:
    """The events that put a running (or paused) booking into the new session; none after
    inactivity. The form keeps asking where it was: its answers, `requested_slot` and
    `active_loop`, set after SessionStarted (which clears them)."""
    if not booking_in_progress(tracker) or ended_by_inactivity(tracker, domain):
        return []
    events: List[EventType] = [SlotSet(slot, tracker.get_slot(slot)) for slot in BOOKING_CARRIED_SLOTS
                               if tracker.get_slot(slot) is not None]
    if in_booking(tracker):
        events.append(ActiveLoop(BOOKING_FORM))
        requested = tracker.get_slot("requested_slot")
        if requested:
            events.append(SlotSet("requested_slot", requested))
    return events


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
        events.extend(carried_booking(tracker, domain))
        events.append(ActionExecuted("action_listen"))
        return events
