"""The needs-attention inbox: user messages the assistant handled badly or unsurely
(message_index.reasons, see console/indexer.py), and what staff decide about each one.

Staff confirm the prediction, correct the intent (or FAQ topic), or mark the message out of
scope. Each decision is one row of `corrections`; `make training-data`
(scripts/training_data.py) writes them as Rasa NLU examples. A decided message leaves the
inbox; reopening a decision not yet written puts it back.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from common.domain import DOMAIN_DIR, load_domain
from console import queries
from console.db import rasa_events
from console.indexer import REASONS
from console.language import LANGUAGES, OTHER
from console.redaction import PERSONAL_SLOTS, known_values, redact_known, redact_patterns, typed_answers
from console.tables import conversation_index, corrections, message_index

logger = logging.getLogger(__name__)
PROJECT_DIR = Path(__file__).resolve().parent.parent
DOMAIN_FILE = DOMAIN_DIR  # domain/, merged by common.domain.load_domain
PAGE_SIZE = 50
NAV_CACHE_SECONDS = 30
_nav_cache: Dict[int, Tuple[float, Dict[str, int]]] = {}
URGENT_LIMIT = 50  # urgent messages listed above the others; more: filter by reason
FAQ = "faq"
FALLBACK_INTENT = "nlu_fallback"
# Set only by the safety net (spacy_pipeline/intents.py): never a training label.
NOT_LABELS = frozenset({FAQ, FALLBACK_INTENT, "red_flag_context"})
# Listed first and marked: a person may have been in danger, or the rules overruled the model.
URGENT_REASONS = ("emergency", "safety_override")
REASON_LABELS = {
    "fallback": "not understood",
    "low_confidence": "low confidence",
    "close_intents": "close intents",
    "close_topics": "unsure FAQ topic",
    "safety_override": "safety net overruled",
    "classifier_disagreed": "rules disagreed with the model",
    "emergency": "emergency",
    "unhelpful": "marked unhelpful",
}
VERDICTS = ("confirmed", "corrected", "out_of_scope")
# What a page says after an action, by fixed code (never text from the URL).
NOTICES = {
    "confirmed": "Confirmed: kept as a training example of what the assistant understood.",
    "corrected": "Corrected: kept as a training example of the intent you chose.",
    "out_of_scope": "Marked out of scope.",
    "reopened": "Reopened: the message is back in the inbox.",
    "already": "Someone already handled that message.",
    "exported": "That decision is already written to the training data; it cannot be reopened.",
}


@dataclass(frozen=True)
class DomainInfo:
    """What the inbox, the story export and `make training-data` need from domain/."""

    intents: Tuple[str, ...]
    topics: Tuple[str, ...]  # faq/<topic>, from the utter_faq/<topic> responses
    out_of_scope_intent: Optional[str]
    influencing_slots: frozenset = field(default_factory=frozenset)
    influencing_entities: frozenset = field(default_factory=frozenset)

    @property
    def labels(self) -> Tuple[str, ...]:
        """Every label a message can be given: trainable intents, then FAQ topics."""
        return tuple(i for i in self.intents if i not in NOT_LABELS) + self.topics


def read_domain(path: Path = DOMAIN_FILE) -> DomainInfo:
    domain = load_domain(path)
    intents = tuple(next(iter(item)) if isinstance(item, dict) else str(item)
                    for item in domain.get("intents") or [])
    topics = tuple(sorted(name[len("utter_"):] for name in domain.get("responses") or {}
                          if name.startswith(f"utter_{FAQ}/")))
    slots = set()
    for name, slot in (domain.get("slots") or {}).items():
        default = (slot or {}).get("type") != "any"  # Rasa: every type but `any` influences by default
        if (slot or {}).get("influence_conversation", default):
            slots.add(name)
    entities = set()
    for item in domain.get("entities") or []:
        name, options = (next(iter(item.items())) if isinstance(item, dict) else (str(item), {}))
        if (options or {}).get("influence_conversation", True):
            entities.add(name)
    return DomainInfo(intents=intents, topics=topics,
                      out_of_scope_intent="out_of_scope" if "out_of_scope" in intents else None,
                      influencing_slots=frozenset(slots), influencing_entities=frozenset(entities))


@functools.lru_cache(maxsize=1)
def domain_info() -> DomainInfo:
    return read_domain(DOMAIN_FILE)


# --- reading -----------------------------------------------------------------------------------

def _has_reason(reason: str):
    # No reason name is part of another (console.indexer.REASONS): a plain substring test, which
    # reads the reasons index alone.
    return message_index.c.reasons.contains(reason, autoescape=True)


def _open_messages():
    """Messages that need attention, no one decided yet, whose text and conversation are still
    there: forgetting a user deletes the conversation_index row, data retention blanks the text."""
    decided = sa.select(corrections.c.event_id).where(corrections.c.event_id == message_index.c.event_id)
    known = sa.select(conversation_index.c.sender_id).where(
        conversation_index.c.sender_id == message_index.c.sender_id)
    return [message_index.c.reasons > "", ~decided.exists(), message_index.c.text != "", known.exists()]


def counts(console: Engine) -> Optional[Dict[str, int]]:
    """Messages still needing attention, and decisions waiting for `make training-data`; also
    what the nav shows until NAV_CACHE_SECONDS later (see nav_counts)."""
    _nav_cache.pop(id(console), None)
    try:
        with console.connect() as connection:
            attention = connection.execute(sa.select(sa.func.count()).select_from(message_index)
                                           .where(*_open_messages())).scalar_one()
            waiting = connection.execute(sa.select(sa.func.count()).select_from(corrections)
                                         .where(corrections.c.exported_at.is_(None))).scalar_one()
    except SQLAlchemyError as error:  # the page still renders without the numbers
        logger.warning("inbox counts unknown error=%s", type(error).__name__)
        return None
    result = {"attention": attention, "waiting": waiting}
    _nav_cache[id(console)] = (time.monotonic(), result)
    return result


def nav_counts(console: Engine) -> Optional[Dict[str, int]]:
    """The counts in the nav of every page: counted at most once per NAV_CACHE_SECONDS per
    process (the count reads each open message), afresh by the inbox page and after a decision."""
    cached = _nav_cache.get(id(console))
    if cached is not None and time.monotonic() - cached[0] < NAV_CACHE_SECONDS:
        return cached[1]
    return counts(console)


def channels(console: Engine) -> List[str]:
    with console.connect() as connection:
        found = connection.execute(sa.select(message_index.c.channel).distinct()
                                   .where(message_index.c.channel.is_not(None))).scalars().all()
    return sorted(found)


def at_message(event_id: Any) -> str:
    """The transcript page that starts at the message (transcripts are paged: the default page
    is the latest, which a long conversation's older message is not on)."""
    return f"?after={int(event_id) - 1}" if isinstance(event_id, int) else ""


def fragment(text: str, words: int = 8) -> str:
    """A text fragment (#:~:text=…) that scrolls the transcript to the message and marks it."""
    snippet = " ".join((text or "").split()[:words])
    if not snippet:
        return ""
    # '-', ',' and '&' are the fragment's own syntax: percent-encoded like everything else.
    return "#:~:text=" + quote(snippet, safe="").replace("-", "%2D")


def default_label(row: Dict[str, Any], labels: Tuple[str, ...]) -> str:
    """The dropdown's pre-selected label: what the assistant understood, or when it fell back,
    the classifier's best guess."""
    intent = row.get("intent")
    if intent == FAQ:
        guess = row.get("topic")
    elif intent == FALLBACK_INTENT:
        guess = row.get("second_intent")
    else:
        guess = intent
    return guess if guess in labels else ""


def can_confirm(row: Dict[str, Any], labels: Tuple[str, ...]) -> bool:
    intent = row.get("intent")
    return (row.get("topic") in labels) if intent == FAQ else intent in labels


def _prepare(row: Dict[str, Any], labels: Tuple[str, ...]) -> Dict[str, Any]:
    row = dict(row)
    row["reason_list"] = (row.get("reasons") or "").split()
    row["urgent"] = any(reason in row["reason_list"] for reason in URGENT_REASONS)
    row["selected"] = default_label(row, labels)
    row["can_confirm"] = can_confirm(row, labels)
    row["fragment"] = at_message(row.get("event_id")) + fragment(row.get("text") or "")
    return row


LANGUAGE_CHOICES = LANGUAGES + (OTHER,)  # the inbox's language filter; other: neither, or unknown


def language_condition(language: str) -> Any:
    """Messages in that language (en, id), or for `other` in neither (other, or unknown)."""
    column = message_index.c.language
    if language in LANGUAGES:
        return column == language
    return sa.or_(column.is_(None), column.not_in(LANGUAGES))


def list_open(console: Engine, reason: str = "", channel: str = "", page: int = 1,
              language: str = "") -> Dict[str, Any]:
    """Open messages, newest first, paged; on the first page the urgent ones (emergency, safety
    net overruled) come first in a list of their own. Filtered to an urgent reason, one list.
    `language`: en, id or other (the message's language, console/language.py), '' for all."""
    labels = domain_info().labels
    conditions = _open_messages()
    if reason in REASONS:
        conditions.append(_has_reason(reason))
    if channel:
        conditions.append(message_index.c.channel == channel)
    if language in LANGUAGE_CHOICES:
        conditions.append(language_condition(language))
    split = reason not in URGENT_REASONS
    urgent = sa.or_(*[_has_reason(r) for r in URGENT_REASONS])
    listed = conditions + ([~urgent] if split else [])
    newest = (message_index.c.ts.desc(), message_index.c.event_id.desc())
    page = queries.clamp_page(page)
    urgent_rows: List[Any] = []
    urgent_total = 0
    with console.connect() as connection:
        if split and page == 1:
            # ts + 0: found through the reasons index, then sorted (few rows), never a scan of
            # every message in time order looking for the rare urgent one.
            urgent_rows = connection.execute(
                sa.select(message_index).where(*conditions, urgent)
                .order_by((message_index.c.ts + 0).desc(), message_index.c.event_id.desc())
                .limit(URGENT_LIMIT)).mappings().all()
            urgent_total = len(urgent_rows)
            if urgent_total == URGENT_LIMIT:
                urgent_total = connection.execute(sa.select(sa.func.count()).select_from(message_index)
                                                  .where(*conditions, urgent)).scalar_one()
        total = connection.execute(sa.select(sa.func.count()).select_from(message_index)
                                   .where(*listed)).scalar_one()
        rows = connection.execute(
            sa.select(message_index).where(*listed).order_by(*newest)
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).mappings().all()
    return {"urgent": [_prepare(row, labels) for row in urgent_rows], "urgent_total": urgent_total,
            "split": split, "rows": [_prepare(row, labels) for row in rows], "total": total, "page": page,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)}


def list_handled(console: Engine, page: int = 1) -> Dict[str, Any]:
    """Decisions, the latest first, with who made them and whether they are written yet."""
    page = queries.clamp_page(page)
    with console.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(corrections)).scalar_one()
        rows = connection.execute(
            sa.select(corrections, message_index.c.ts, message_index.c.confidence, message_index.c.language)
            .outerjoin(message_index, message_index.c.event_id == corrections.c.event_id)
            .order_by(corrections.c.at.desc(), corrections.c.id.desc())
            .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).mappings().all()
    result = []
    for row in rows:
        row = dict(row)
        row["reason_list"] = (row.get("reasons") or "").split()
        row["chosen"] = (row["topic"] or row["intent"]) if row["verdict"] != "out_of_scope" else "out of scope"
        row["predicted"] = row["predicted_topic"] or row["predicted_intent"] or "?"
        row["fragment"] = at_message(row.get("event_id")) + fragment(row["text"])
        result.append(row)
    return {"rows": result, "total": total, "page": page, "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)}


# --- deciding ----------------------------------------------------------------------------------

def training_example(tracker: Engine, sender_id: str, event_id: int, text: str) -> Optional[str]:
    """The message as a training example, redacted by its conversation like a redacted export:
    None when it answered a personal question of the booking form (whatever it looks like),
    else the text without the personal values given in the conversation and without what the
    patterns find (emails, phone numbers, "my name is …")."""
    turns = queries.transcript(tracker, sender_id)["turns"]
    user_turns = [turn for turn in turns if turn["kind"] == "user"]
    if user_turns and sa.inspect(tracker).has_table("events"):
        with tracker.connect() as connection:
            before = connection.execute(sa.select(sa.func.count()).select_from(rasa_events).where(
                rasa_events.c.sender_id == sender_id, rasa_events.c.type_name == "user",
                rasa_events.c.id < event_id)).scalar_one()
        if before < len(user_turns) and user_turns[before].get("asked") in PERSONAL_SLOTS:
            return None
    # Patterns first: a name given in the conversation can start an email ("sam@…").
    return redact_known(redact_patterns(text or ""), known_values(turns), typed_answers(turns))


@dataclass
class Decision:
    code: str  # a NOTICES key, or not-found / bad-label / cannot-confirm
    correction: Optional[Dict[str, Any]] = None


def decide(console: Engine, tracker: Engine, event_id: int, action: str, label: str,
           username: str) -> Decision:
    """Records a staff member's decision on one open message (action: confirm | correct | out_of_scope)."""
    info = domain_info()
    with console.connect() as connection:
        message = connection.execute(sa.select(message_index)
                                     .where(message_index.c.event_id == event_id)).mappings().first()
        taken = connection.execute(sa.select(corrections.c.id)
                                   .where(corrections.c.event_id == event_id)).first()
    if message is None or not message["reasons"]:
        return Decision("not-found")
    if taken is not None:
        return Decision("already")
    predicted_intent = message["intent"]
    predicted_topic = message["topic"] if predicted_intent == FAQ else None
    if action == "confirm":
        if not can_confirm(dict(message), info.labels):
            return Decision("cannot-confirm")
        verdict, intent, topic = "confirmed", predicted_intent, predicted_topic
    elif action == "correct":
        if label not in info.labels:
            return Decision("bad-label")
        intent, topic = (FAQ, label) if label.startswith(FAQ + "/") else (label, None)
        same = intent == predicted_intent and topic == predicted_topic
        verdict = "confirmed" if same else "corrected"
    elif action == "out_of_scope":
        verdict, intent, topic = "out_of_scope", None, None
    else:
        return Decision("bad-action")
    row = {"event_id": event_id, "sender_id": message["sender_id"], "text": message["text"] or "",
           "example": training_example(tracker, message["sender_id"], event_id, message["text"] or ""),
           "reasons": message["reasons"], "predicted_intent": predicted_intent,
           "predicted_topic": predicted_topic, "verdict": verdict, "intent": intent, "topic": topic,
           "by": username, "at": time.time(), "exported_at": None, "export_result": None}
    try:
        with console.begin() as connection:
            connection.execute(corrections.insert().values(**row))
    except IntegrityError:  # a colleague decided the same message a moment earlier
        return Decision("already")
    _nav_cache.pop(id(console), None)
    return Decision(verdict, row)


def reopen(console: Engine, event_id: int) -> Decision:
    """Takes back a decision not yet written to the training data."""
    with console.begin() as connection:
        row = connection.execute(sa.select(corrections).where(corrections.c.event_id == event_id)).mappings().first()
        if row is None:
            return Decision("not-found")
        if row["exported_at"] is not None:
            return Decision("exported", dict(row))
        connection.execute(corrections.delete().where(corrections.c.event_id == event_id,
                                                      corrections.c.exported_at.is_(None)))
    _nav_cache.pop(id(console), None)
    return Decision("reopened", dict(row))


def forget(console: Engine, sender_id: str) -> int:
    """Deletes a forgotten user's decisions (their text); returns how many."""
    with console.begin() as connection:
        return connection.execute(corrections.delete().where(corrections.c.sender_id == sender_id)).rowcount


def describe(correction: Dict[str, Any]) -> str:
    """A decision as the audit log keeps it: labels only, never the user's text."""
    predicted = correction.get("predicted_topic") or correction.get("predicted_intent") or "?"
    chosen = correction.get("topic") or correction.get("intent") or "out_of_scope"
    return f"event={correction['event_id']} {predicted} -> {chosen}"

