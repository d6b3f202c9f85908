"""Small readers of the conversation that several actions share."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from common.booking_form import BOOKING_FORM, FORM_SLOTS  # noqa: F401 - shared with the console

# Slots that belong to one booking and are cleared with it.
BOOKING_SLOTS: List[str] = FORM_SLOTS + ["patient_age_label", "summary_edit_pending"]


def latest_entity(tracker: Tracker, name: str) -> Optional[Any]:
    """The value of an entity in the latest user message (e.g. the safety net's `language`)."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name:
            return entity.get("value")
    return None


def in_indonesian(tracker: Tracker) -> bool:
    return latest_entity(tracker, "language") == "id"


def in_booking(tracker: Tracker) -> bool:
    return (tracker.active_loop or {}).get("name") == BOOKING_FORM


def booking_paused(tracker: Tracker) -> bool:
    """A booking was started, some answers are kept, and the form is not running."""
    return not in_booking(tracker) and any(
        tracker.get_slot(slot) is not None for slot in FORM_SLOTS
    )


def previous_bot_action(tracker: Tracker) -> Optional[str]:
    """The last action before the latest user message, other than listening."""
    seen_user = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
            continue
        if seen_user and kind == "action" and event.get("name") not in (
            "action_listen", "action_extract_slots", None
        ):
            return event.get("name")
    return None


def intent_of_latest(tracker: Tracker) -> Dict[str, Any]:
    return tracker.latest_message.get("intent") or {}
