"""Builds rasa-sdk Trackers from plain dicts, as the Rasa server sends them."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

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

LISTEN: Dict[str, Any] = {"event": "action", "name": "action_listen"}


def user_message(
    text: str, intent: str, confidence: float = 0.95, entities: Optional[Sequence[Dict[str, Any]]] = None
) -> Dict[str, Any]:
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": list(entities or [])}


def entity(name: str, value: Any) -> Dict[str, Any]:
    return {"entity": name, "value": value}


def user_event(
    text: str, intent: str, confidence: float = 0.95, entities: Optional[Sequence[Dict[str, Any]]] = None
) -> Dict[str, Any]:
    """A `user` event as Rasa logs it, with the NLU result in parse_data."""
    return {"event": "user", "text": text, "parse_data": user_message(text, intent, confidence, entities)}


def bot_turn(action: str, text: str = "...") -> List[Dict[str, Any]]:
    """An action that said something: its `action` event, then its `bot` event."""
    return [{"event": "action", "name": action}, {"event": "bot", "text": text}]


def slot_event(name: str, value: Any) -> Dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


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


def tracker_after(events: List[Dict[str, Any]], **kwargs: Any) -> Tracker:
    """A tracker whose latest_message is the parse data of the last `user` event."""
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    return make_tracker(latest_message=latest, events=events, **kwargs)
