"""Keeps conversation_index up to date from Rasa's events table, reading only new events."""
from __future__ import annotations

import json
import logging
import threading
from typing import Any, Dict, List, Set, Tuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from common.booking_form import PERSONAL_SLOTS
from console.db import rasa_events
from console.language import RESETS, LanguageFollower, conversation_language
from console.redaction import redact_patterns
from console.tables import conversation_index, index_state, message_index

logger = logging.getLogger(__name__)
BATCH = 5000
LOW_CONFIDENCE = 0.5
MAX_SEARCH_TEXT = 20_000
# What the bot does when it did not understand: "not sure I understood", or "which of these
# did you mean?" when no FAQ topic was likely (actions/faq_answer.py).
FALLBACK_ACTIONS = frozenset({"utter_default", "action_default_fallback", "action_clarify", "utter_which_topic"})
# The replies that send a user to emergency services (custom actions utter these responses).
EMERGENCY_REPLIES = ("utter_emergency", "utter_crisis")
# index_state row of the current index rules; a new name rebuilds the index once, so
# conversations indexed under older rules get the new flags too.
STATE = "events-v6"  # v6: message_language read first, "other" conversations, no fallback flag for form answers
_lock = threading.Lock()


def _blank(sender_id: str) -> Dict[str, Any]:
    return {"sender_id": sender_id, "channel": None, "first_ts": None, "last_ts": None, "turns": 0,
            "symptom": False, "emergency": False, "booking": False, "handed_off": False,
            "taken_over": False, "fallback": False, "intents": "", "preview": "", "asked": None, "paused": False,
            "search_text": "", "language": "en", "language_slot": None}


def _apply(summary: Dict[str, Any], row: Any) -> None:
    summary["asked"] = _asked_after(summary["asked"], row)
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
            _add_intent(summary, name)
        if name == "report_symptom":
            summary["symptom"] = True
        # The fallback flag comes from the messages, by the inbox's rule (_store_batch).
        if not summary["preview"] and data.get("text"):
            # Shown to every staff member in the list: names and contacts are cut out.
            summary["preview"] = redact_patterns(" ".join(data["text"].split()))[:200]
        text = (data.get("text") or "").lower()
        if text and len(summary["search_text"]) < MAX_SEARCH_TEXT:
            summary["search_text"] = (summary["search_text"] + "\n" + text)[:MAX_SEARCH_TEXT]
    elif row.type_name == "action":
        if (row.action_name or "").startswith(EMERGENCY_REPLIES) or row.action_name in EMERGENCY_ACTIONS:
            summary["emergency"] = True  # a rule that runs the emergency response directly
        elif row.action_name == "action_submit_booking":
            summary["booking"] = True
    elif row.type_name == "bot":
        # What was said, whichever action said it (custom actions utter these responses).
        data = json.loads(row.data or "{}")
        utter = str((data.get("metadata") or {}).get("utter_action") or "")
        if utter.startswith(EMERGENCY_REPLIES):
            summary["emergency"] = True
        elif utter.startswith("utter_faq/"):
            # The topic answered, so the list can be filtered by "faq/causes".
            _add_intent(summary, utter[len("utter_"):])
    elif row.type_name == "pause":
        summary["taken_over"] = summary["paused"] = True
    elif row.type_name == "resume":
        summary["paused"] = False
    elif row.type_name == "slot":
        data = json.loads(row.data or "{}")
        if data.get("name") == "handed_off" and data.get("value") is True:
            summary["handed_off"] = True
        elif data.get("name") == "booking_reference" and data.get("value"):
            summary["booking"] = True


# What makes a message need a staff member's eye (the inbox); see reasons_for().
CLOSE_MARGIN = 0.15
MAX_MESSAGE_TEXT = 2000
EMERGENCY_INTENTS = frozenset({"emergency", "crisis"})
EMERGENCY_ACTIONS = frozenset({"action_emergency", "action_crisis", "utter_emergency", "utter_crisis"})
REASONS = ("fallback", "low_confidence", "close_intents", "close_topics", "safety_override",
           "classifier_disagreed", "emergency", "unhelpful")


def _is_offer(utter_action: str) -> bool:
    """The responses that offer a consultation (the funnel's "offered")."""
    return utter_action.startswith("utter_symptom_acknowledged") or "offer" in utter_action


def _message(row: Any, data: Dict[str, Any]) -> Dict[str, Any]:
    parse = data.get("parse_data") or {}
    intent = parse.get("intent") or {}
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != intent.get("name")]
    override = parse.get("safety_override") or {}
    selector = (parse.get("response_selector") or {}).get("faq") or {}
    topics = selector.get("ranking") or []
    is_faq = intent.get("name") == "faq"
    entities = {e.get("entity"): e.get("value") for e in parse.get("entities") or []}
    return {
        "event_id": row.id, "sender_id": row.sender_id, "ts": row.timestamp,
        "channel": data.get("input_channel"), "text": (data.get("text") or "")[:MAX_MESSAGE_TEXT],
        "intent": intent.get("name") or row.intent_name, "confidence": intent.get("confidence"),
        "second_intent": ranking[0].get("name") if ranking else None,
        "second_confidence": ranking[0].get("confidence") if ranking else None,
        "topic": (selector.get("response") or {}).get("intent_response_key") if is_faq else None,
        "topic_confidence": (selector.get("response") or {}).get("confidence") if is_faq else None,
        "second_topic": topics[1].get("intent_response_key") if is_faq and len(topics) > 1 else None,
        "second_topic_confidence": topics[1].get("confidence") if is_faq and len(topics) > 1 else None,
        "classifier_intent": override.get("classifier_intent"),
        "safety_rule": entities.get("safety_rule"),
        "answered": None, "asked": None,
        "fallback_reply": False, "emergency_reply": False, "offered": False, "form_started": False,
        "booked": False, "feedback": None, "reasons": "",
    }


def personal_answer(message: Dict[str, Any]) -> bool:
    """An answer to "what is your name?" and the like (not an emergency said there): personal,
    never a training example, and not a misunderstanding however the NLU scored it (a typed
    name is often nlu_fallback, and the form accepts it)."""
    return (message.get("asked") in PERSONAL_SLOTS and (message.get("intent") or "") not in EMERGENCY_INTENTS
            and not message.get("safety_rule"))


def misunderstood(message: Dict[str, Any]) -> bool:
    """The conversation list's "fallback" flag: the message was not understood (nlu_fallback,
    low confidence, or a "not sure I understood" reply), unless it answered a personal
    question of the booking form (the inbox's rule, reasons_for)."""
    if personal_answer(message):
        return False
    confidence = message.get("confidence")
    return (message.get("intent") == "nlu_fallback" or bool(message.get("fallback_reply"))
            or (confidence is not None and confidence < LOW_CONFIDENCE))


def reasons_for(message: Dict[str, Any]) -> str:
    """Why a message belongs in the inbox, space-separated (empty: it does not)."""
    found: List[str] = []
    intent = message.get("intent") or ""
    confidence = message.get("confidence")
    if message.get("to_staff"):
        return ""  # written to a staff member while the assistant was paused: not the assistant's to learn
    if personal_answer(message):
        return ""  # personal, never a training example
    if intent == "nlu_fallback" or message.get("fallback_reply"):
        found.append("fallback")
    if confidence is not None and confidence < LOW_CONFIDENCE and intent != "nlu_fallback":
        found.append("low_confidence")
    second = message.get("second_confidence")
    if (confidence is not None and second is not None and not message.get("classifier_intent")
            and confidence - second < CLOSE_MARGIN):
        found.append("close_intents")
    topic, second_topic = message.get("topic_confidence"), message.get("second_topic_confidence")
    if topic is not None and (topic < LOW_CONFIDENCE
                              or (second_topic is not None and topic - second_topic < CLOSE_MARGIN)):
        found.append("close_topics")
    overruled = message.get("classifier_intent")
    if overruled:
        # Rules that send someone to emergency services, or overrule a model that thought so,
        # are a safety matter; the symptom rules overruling the model are a disagreement to check.
        safety = {intent, overruled} & (EMERGENCY_INTENTS | {"red_flag_context"})
        found.append("safety_override" if safety else "classifier_disagreed")
    if intent in EMERGENCY_INTENTS or message.get("emergency_reply") or message.get("safety_rule"):
        found.append("emergency")
    if message.get("feedback") == "unhelpful":
        found.append("unhelpful")
    return " ".join(found)


def _follow(message: Dict[str, Any], row: Any) -> None:
    """What the assistant did after the message (and the user's feedback on its answer)."""
    if row.type_name == "action":
        name = row.action_name or ""
        if name in FALLBACK_ACTIONS:
            message["fallback_reply"] = True
        elif name in EMERGENCY_ACTIONS:
            message["emergency_reply"] = True
        elif name == "action_submit_booking":
            message["booked"] = True
    elif row.type_name == "bot":
        utter = str((json.loads(row.data or "{}").get("metadata") or {}).get("utter_action") or "")
        if utter in FALLBACK_ACTIONS:
            message["fallback_reply"] = True
        elif utter.startswith(EMERGENCY_REPLIES):
            message["emergency_reply"] = True
        elif utter.startswith("utter_faq/") and not message.get("answered"):
            message["answered"] = utter[len("utter_"):]
        if _is_offer(utter):  # "utter_emergency_then_offer" is both
            message["offered"] = True
    elif row.type_name == "active_loop":
        if (json.loads(row.data or "{}").get("name") or "") == "consultation_form":
            message["form_started"] = True
    elif row.type_name == "slot":
        data = json.loads(row.data or "{}")
        if data.get("name") == "answer_feedback" and isinstance(data.get("value"), dict):
            message["feedback"] = "helpful" if data["value"].get("helpful") is True else "unhelpful"
        elif data.get("name") == "booking_reference" and data.get("value"):
            message["booked"] = True


def _asked_after(asked: Any, row: Any) -> Any:
    """The form question pending after `row` (requested_slot, else the bot's utter_ask_<slot>)."""
    if row.type_name == "slot":
        data = json.loads(row.data or "{}")
        if data.get("name") == "requested_slot":
            return data.get("value") if isinstance(data.get("value"), str) else None
    elif row.type_name == "bot":
        utter = str((json.loads(row.data or "{}").get("metadata") or {}).get("utter_action") or "")
        if utter.startswith("utter_ask_"):
            return utter[len("utter_ask_"):]
    return asked


def _store_messages(connection: Any, rows: List[Any], asked_before: Dict[str, Any],
                    paused_before: Dict[str, bool], slot_before: Dict[str, Any]
                    ) -> Tuple[Dict[str, LanguageFollower], Dict[str, List[Any]], Set[str]]:
    """Writes the message_index rows of these events. Returns each conversation's language
    follower (the `language` slot after these events), the languages of its messages
    written now, in order, and the conversations with a message written now that was not
    understood (misunderstood(): the list's "fallback" flag)."""
    asked = dict(asked_before)  # each conversation's pending form question
    paused = dict(paused_before)  # whether a staff member has the chat
    followers = {sender: LanguageFollower(slot) for sender, slot in slot_before.items()}
    senders = sorted({row.sender_id for row in rows})
    current: Dict[str, Dict[str, Any]] = {}  # each sender's latest message
    for start in range(0, len(senders), 500):
        chunk = senders[start:start + 500]
        latest = (sa.select(sa.func.max(message_index.c.event_id))
                  .where(message_index.c.sender_id.in_(chunk)).group_by(message_index.c.sender_id))
        for found in connection.execute(sa.select(message_index)
                                        .where(message_index.c.event_id.in_(latest))).mappings():
            current[found["sender_id"]] = dict(found)
    touched: Dict[int, Dict[str, Any]] = {}
    for row in rows:
        follower = followers.setdefault(row.sender_id, LanguageFollower())
        if row.type_name == "user":
            data = json.loads(row.data or "{}")
            message = _message(row, data)
            message.update(follower.user(data.get("parse_data") or {}))
            message["asked"] = asked.get(row.sender_id)
            message["to_staff"] = paused.get(row.sender_id, False)
            current[row.sender_id] = message
            touched[message["event_id"]] = message
        else:
            if row.type_name == "slot" or row.type_name in RESETS:
                follower.event(row.type_name, json.loads(row.data or "{}"), current.get(row.sender_id))
            if row.sender_id in current:
                message = current[row.sender_id]
                _follow(message, row)
                touched[message["event_id"]] = message
        asked[row.sender_id] = _asked_after(asked.get(row.sender_id), row)
        if row.type_name in ("pause", "resume"):
            paused[row.sender_id] = row.type_name == "pause"
    languages: Dict[str, List[Any]] = {}
    if not touched:
        return followers, languages, set()
    for message in touched.values():
        message["reasons"] = reasons_for(message)
    ids = list(touched)
    for start in range(0, len(ids), 500):
        connection.execute(message_index.delete().where(message_index.c.event_id.in_(ids[start:start + 500])))
    connection.execute(message_index.insert(), list(touched.values()))
    for event_id in sorted(touched):
        languages.setdefault(touched[event_id]["sender_id"], []).append(touched[event_id]["language"])
    return followers, languages, {message["sender_id"] for message in touched.values() if misunderstood(message)}


class _Raced(Exception):
    """Another console replica indexed these events first."""


def _add_intent(summary: Dict[str, Any], name: str) -> None:
    known = set(summary["intents"].split())
    known.add(name)
    summary["intents"] = " ".join(sorted(known))


def refresh_index(console: Engine, tracker: Engine) -> int:
    """Indexes events added since the last call; returns how many were read.

    Safe with several console replicas on one database: each batch first moves the
    index_state row from the id it started from to the batch's last id (compare-and-set) and
    writes the index rows in the same transaction. A replica that loses the race changes
    nothing, reads the new position and goes on from there, so no event is indexed twice.
    """
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
            try:
                with console.begin() as connection:
                    _claim(connection, last, rows[-1].id)
                    _store_batch(connection, rows)
            except (_Raced, IntegrityError):
                logger.debug("events up to id %s were indexed by another replica", rows[-1].id)
                last = _last_indexed(console)
                continue
            last = rows[-1].id
            total += len(rows)
            logger.debug("indexed %s events up to id %s", len(rows), last)


def _claim(connection: Any, expected: int, last: int) -> None:
    """Moves the index position from `expected` to `last`, or raises _Raced. The row stays
    locked until the transaction ends (PostgreSQL row lock, SQLite write lock), so a second
    replica waits here and then sees the new position."""
    moved = connection.execute(index_state.update().where(
        index_state.c.name == STATE, index_state.c.last_event_id == expected).values(last_event_id=last)).rowcount
    if moved:
        return
    exists = connection.execute(sa.select(index_state.c.last_event_id).where(index_state.c.name == STATE)).first()
    if exists is not None or expected != 0:
        raise _Raced()
    connection.execute(index_state.insert().values(name=STATE, last_event_id=last))  # IntegrityError if raced


def _last_indexed(console: Engine) -> int:
    """The last event id indexed under the current rules; under older rules, start again."""
    with console.begin() as connection:
        last = connection.execute(sa.select(index_state.c.last_event_id)
                                  .where(index_state.c.name == STATE)).scalar()
        if last is None:
            connection.execute(conversation_index.delete())
            connection.execute(message_index.delete())
            connection.execute(index_state.delete())
            return 0
    return last


def _store_batch(connection: Any, rows: List[Any]) -> None:
    senders = sorted({row.sender_id for row in rows})
    existing = {}
    for start in range(0, len(senders), 500):
        chunk = senders[start:start + 500]
        for found in connection.execute(sa.select(conversation_index)
                                        .where(conversation_index.c.sender_id.in_(chunk))).mappings():
            existing[found["sender_id"]] = dict(found)
    summaries = {sender: existing.get(sender) or _blank(sender) for sender in senders}
    asked_before = {sender: summaries[sender]["asked"] for sender in senders}
    paused_before = {sender: summaries[sender]["paused"] for sender in senders}
    slot_before = {sender: summaries[sender]["language_slot"] for sender in senders}
    turns_before = {sender: summaries[sender]["turns"] for sender in senders}
    for row in rows:
        _apply(summaries[row.sender_id], row)
    followers, languages, not_understood = _store_messages(connection, rows, asked_before, paused_before,
                                                           slot_before)
    for sender, summary in summaries.items():
        # The last known language of the messages written now (the newest), else as it was.
        summary["language"] = conversation_language(languages.get(sender, []), summary["language"],
                                                    earlier=turns_before[sender] > 0)
        summary["language_slot"] = followers[sender].slot
        if sender in not_understood:
            summary["fallback"] = True
    if existing:
        keys = list(existing)
        for start in range(0, len(keys), 500):
            connection.execute(conversation_index.delete()
                               .where(conversation_index.c.sender_id.in_(keys[start:start + 500])))
    connection.execute(conversation_index.insert(), list(summaries.values()))
