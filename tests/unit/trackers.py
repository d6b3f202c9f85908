"""Builds rasa-sdk Trackers from plain dicts, as the Rasa server sends them."""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

FORM = "consultation_form"

FILLED_BOOKING: Dict[str, Any] = {
    "consult_for": "child",
    "patient_age": 7.0,
    "symptom_description": "left hand copies the right when writing",
    "requester_name": "Sam Jones",
    "contact": "sam@example.com",
    "preferred_times": "weekday mornings",
    "consent": True,
    "booking_confirmed": True,
}


def user_message(text: str, intent: str, confidence: float = 0.95) -> Dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}


def make_tracker(
    slots: Optional[Dict[str, Any]] = None,
    latest_message: Optional[Dict[str, Any]] = None,
    events: Optional[List[Dict[str, Any]]] = None,
    in_form: bool = False,
    requested_slot: Optional[str] = None,
    sender_id: str = "unit-test-user",
) -> Tracker:
    all_slots = {"requested_slot": requested_slot, **(slots or {})}
    return Tracker.from_dict(
        {
            "sender_id": sender_id,
            "slots": all_slots,
            "latest_message": latest_message or {},
            "events": events or [],
            "active_loop": {"name": FORM} if in_form else {},
            "latest_action_name": "action_listen",
        }
    )
