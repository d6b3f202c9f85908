"""Keeps conversation_index up to date from Rasa's events table, reading only new events."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any, Dict, List

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from console.db import rasa_events
from console.tables import conversation_index, index_state

logger = logging.getLogger(__name__)
BATCH = 5000
LOW_CONFIDENCE = 0.5
MAX_SEARCH_TEXT = 20_000
# What the bot does when it did not understand: the "not sure I understood" reply.
FALLBACK_ACTIONS = frozenset({"utter_default", "action_default_fallback"})
# index_state row of the current index rules; a new name rebuilds the index once, so
# conversations indexed under older rules get the new flags too.
STATE = "events-v2"
_lock = threading.Lock()


def _blank(sender_id: str) -> Dict[str, Any]:
    return {"sender_id": sender_id, "channel": None, "first_ts": None, "last_ts": None, "turns": 0,
            "symptom": False, "emergency": False, "booking": False, "handed_off": False,
            "fallback": False, "intents": "", "search_text": ""}


def _apply(summary: Dict[str, Any], row: Any) -> None:
    timestamp = row.timestamp
    if timestamp is not None:
        summary["first_ts"] = min(summary["first_ts"] or timestamp, timestamp)
        summary["last_ts"] = max(summary["last_ts"] or timestamp, timestamp)
    if row.type_name == "user":
        data = json.loads(row.data or "{}")
        summary["turns"] += 1
        summary["channel"] = data.get("input_channel") or summary["channel"]
        intent = (data.get("parse_data") or {}).get("intent") or {}
        name = intent.get("name") or row.intent_name or ""
        if name:
            known = set(summary["intents"].split())
            known.add(name)
            summary["intents"] = " ".join(sorted(known))
        if name == "report_symptom":
            summary["symptom"] = True
        if "nlu_fallback" in (name, row.intent_name) or (intent.get("confidence") or 1) < LOW_CONFIDENCE:
            summary["fallback"] = True
        text = (data.get("text") or "").lower()
        if text and len(summary["search_text"]) < MAX_SEARCH_TEXT:
            summary["search_text"] = (summary["search_text"] + "\n" + text)[:MAX_SEARCH_TEXT]
    elif row.type_name == "action":
        if row.action_name == "utter_emergency":
            summary["emergency"] = True
        elif row.action_name == "action_submit_booking":
            summary["booking"] = True
        elif row.action_name in FALLBACK_ACTIONS:
            summary["fallback"] = True
    elif row.type_name == "bot":
        # utter_default can also be sent by another action (the two-stage fallback, a rule).
        data = json.loads(row.data or "{}")
        if (data.get("metadata") or {}).get("utter_action") in FALLBACK_ACTIONS:
            summary["fallback"] = True
    elif row.type_name == "slot":
        data = json.loads(row.data or "{}")
        if data.get("name") == "handed_off" and data.get("value") is True:
            summary["handed_off"] = True
        elif data.get("name") == "booking_reference" and data.get("value"):
            summary["booking"] = True


def refresh_index(console: Engine, tracker: Engine) -> int:
    """Indexes events added since the last call; returns how many were read."""
    with _lock:
        if not sa.inspect(tracker).has_table("events"):
            return 0
        last = _last_indexed(console)
        total = 0
        while True:
            with tracker.connect() as connection:
                rows = connection.execute(
                    sa.select(rasa_events).where(rasa_events.c.id > last)
                    .order_by(rasa_events.c.id).limit(BATCH)).all()
            if not rows:
                return total
            _store_batch(console, rows)
            last = rows[-1].id
            total += len(rows)
            with console.begin() as connection:
                updated = connection.execute(index_state.update().where(index_state.c.name == STATE)
                                             .values(last_event_id=last)).rowcount
                if not updated:
                    connection.execute(index_state.insert().values(name=STATE, last_event_id=last))
            logger.debug("indexed %s events up to id %s", len(rows), last)


def _last_indexed(console: Engine) -> int:
    """The last event id indexed under the current rules; under older rules, start again."""
    with console.begin() as connection:
        last = connection.execute(sa.select(index_state.c.last_event_id)
                                  .where(index_state.c.name == STATE)).scalar()
        if last is None:
            connection.execute(conversation_index.delete())
            connection.execute(index_state.delete())
            return 0
    return last


def _store_batch(console: Engine, rows: List[Any]) -> None:
    senders = sorted({row.sender_id for row in rows})
    with console.begin() as connection:
        existing = {}
        for start in range(0, len(senders), 500):
            chunk = senders[start:start + 500]
            for found in connection.execute(sa.select(conversation_index)
                                            .where(conversation_index.c.sender_id.in_(chunk))).mappings():
                existing[found["sender_id"]] = dict(found)
        summaries = {sender: existing.get(sender) or _blank(sender) for sender in senders}
        for row in rows:
            _apply(summaries[row.sender_id], row)
        if existing:
            keys = list(existing)
            for start in range(0, len(keys), 500):
                connection.execute(conversation_index.delete()
                                   .where(conversation_index.c.sender_id.in_(keys[start:start + 500])))
        connection.execute(conversation_index.insert(), list(summaries.values()))
