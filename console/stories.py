"""A conversation from Rasa's tracker store as a Rasa test story (YAML, version "3.1") that
`rasa test core` replays: user steps with the intent (the full retrieval intent `faq/<topic>`
for FAQ questions) and the entities that influence the dialogue, the bot's actions (without
action_listen), active_loop, and slot_was_set for the slots that influence the dialogue.

Personal data stays out: an answer to a personal question of the booking form becomes an
intent-only step, and other user text loses the personal values given in the conversation
and what the patterns find (console/redaction.py), as in a redacted export. Each session is
one story; a story ends where a staff member took the chat over (the bot was not deciding).
The header comment names the conversation's language (console/language.py).
"""
from __future__ import annotations

import json
import re
import time
from typing import Any, Dict, List, Optional, Sequence

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import Engine

from console import language, queries
from console.db import rasa_events
from console.redaction import (
    PERSONAL_SLOTS,
    REDACTED,
    known_values,
    pseudonym,
    redact_known,
    redact_patterns,
    typed_answers,
)

FAQ = "faq"
PAYLOAD_PREFIX = "/"
# Run by Rasa itself or by the staff console, never predicted by the assistant's policies.
SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
STAFF_ACTIONS = frozenset({"utter_agent_joined", "utter_agent_message", "utter_agent_left"})
# "[x](y)", "[x]{…}" and "[x][…]" are entity markup in a story's user text: a space after the
# bracket keeps what the user typed (and "[redacted]") plain text.
_MARKUP = re.compile(r"\](?=[({\[])")


def _events(tracker: Engine, sender_id: str) -> List[Any]:
    if not sa.inspect(tracker).has_table("events"):
        return []
    with tracker.connect() as connection:
        return connection.execute(sa.select(rasa_events).where(rasa_events.c.sender_id == sender_id)
                                  .order_by(rasa_events.c.id)).all()


def _annotated(text: str, entities: List[Dict[str, Any]]) -> Optional[str]:
    """The text with the entities marked as Rasa's YAML expects; None when a span does not fit."""
    spans = sorted(entities, key=lambda e: e["start"])
    result, position = [], 0
    for entity in spans:
        start, end = entity["start"], entity["end"]
        if start < position or end > len(text) or start >= end:
            return None
        covered = text[start:end]
        result.append(text[position:start])
        if str(entity.get("value")) == covered:
            result.append(f"[{covered}]({entity['entity']})")
        else:
            result.append(f"[{covered}]" + json.dumps({"entity": entity["entity"], "value": entity.get("value")},
                                                       ensure_ascii=False))
        position = end
    result.append(text[position:])
    return "".join(result)


def _user_step(data: Dict[str, Any], asked: Optional[str], values: List[str],
               influencing_entities: frozenset, answers: Sequence[str] = ()) -> Optional[Dict[str, Any]]:
    parse = data.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name")
    if not intent:
        return None
    if intent == FAQ:
        selected = ((parse.get("response_selector") or {}).get(FAQ) or {}).get("response") or {}
        intent = selected.get("intent_response_key") or intent
    entities = [e for e in parse.get("entities") or [] if e.get("entity") in influencing_entities]
    raw = data.get("text") or ""
    text = " ".join(raw.split())
    redacted = redact_known(redact_patterns(text), values, answers)  # patterns first: "sam@…" goes whole
    step: Dict[str, Any] = {}
    if text and not text.startswith(PAYLOAD_PREFIX) and asked not in PERSONAL_SLOTS:
        if not entities:
            step["user"] = _MARKUP.sub("] ", redacted)
        elif (redacted == text == raw and not _MARKUP.search(text)
              and all(isinstance(e.get("start"), int) and isinstance(e.get("end"), int) for e in entities)):
            annotated = _annotated(text, entities)
            if annotated is not None:
                step["user"] = annotated
    step["intent"] = intent
    if "user" not in step and entities:
        step["entities"] = [{e["entity"]: e.get("value")} for e in entities]
    return step


def _stories(events: List[Any], turns: List[Dict[str, Any]], influencing_slots: frozenset,
             influencing_entities: frozenset) -> List[List[Dict[str, Any]]]:
    values, answers = known_values(turns), typed_answers(turns)
    asked = [turn.get("asked") for turn in turns if turn["kind"] == "user"]
    sessions: List[List[Dict[str, Any]]] = [[]]
    steps = sessions[0]
    user_index = 0
    for row in events:
        data = json.loads(row.data or "{}")
        kind = row.type_name
        if kind == "session_started":
            if steps:
                steps = []
                sessions.append(steps)
        elif kind == "user":
            step = _user_step(data, asked[user_index] if user_index < len(asked) else None, values,
                              influencing_entities, answers)
            user_index += 1
            if step is not None:
                steps.append(step)
        elif kind == "action":
            name = row.action_name or data.get("name") or ""
            if name in STAFF_ACTIONS:
                break  # a staff member took over: what follows is not the bot's doing
            if name and name not in SKIPPED_ACTIONS:
                steps.append({"action": name})
        elif kind == "active_loop":
            steps.append({"active_loop": data.get("name")})
        elif kind == "slot" and data.get("name") in influencing_slots:
            name, value = data.get("name"), data.get("value")
            steps.append({"slot_was_set": [{name: REDACTED if name in PERSONAL_SLOTS else value}]})
        elif kind == "rewind":  # the last user message and what followed it are undone
            last_user = max((i for i, step in enumerate(steps) if "intent" in step), default=None)
            if last_user is not None:
                del steps[last_user:]
        elif kind == "undo":  # the last action and what followed it are undone
            last_action = max((i for i, step in enumerate(steps) if "action" in step), default=None)
            if last_action is not None:
                del steps[last_action:]
        elif kind == "pause":
            break
    return [session for session in sessions if any("intent" in step for step in session)]


def conversation_story(tracker: Engine, sender_id: str, domain: Any, now: Optional[float] = None) -> Optional[str]:
    """The conversation as a test story file; None when there is no such conversation.

    `domain` is a console.inbox.DomainInfo (which slots and entities influence the dialogue).
    """
    events = _events(tracker, sender_id)
    if not events:
        return None
    transcript = queries.transcript(tracker, sender_id)
    turns = transcript["turns"]
    sessions = _stories(events, turns, domain.influencing_slots, domain.influencing_entities)
    name = pseudonym(sender_id)
    stories = [{"story": name + (f", session {number}" if len(sessions) > 1 else ""), "steps": steps}
               for number, steps in enumerate(sessions, start=1)]
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(now or time.time()))
    header = (
        f"# {name}, saved from the staff console {stamp}.\n"
        f"# Language: {language.label(transcript['language'])} ({transcript['language']}).\n"
        "# User text is redacted like a redacted export (answers to personal questions are\n"
        "# intent-only steps). Review it, put it in tests/stories/ and run `make stories`.\n")
    body = yaml.safe_dump({"version": "3.1", "stories": stories}, sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=1000)
    return header + body
