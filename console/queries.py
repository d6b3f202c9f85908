"""Reads for the console pages: the conversation list, transcripts and the booking queue."""
from __future__ import annotations

import functools
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List, Optional, Set

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from common.bookings_schema import booking_updates, bookings, live_requests
from console.db import rasa_events
from console.language import DEFAULT as DEFAULT_LANGUAGE
from console.language import RESETS, LanguageFollower, choice, conversation_language, switched_from
from console.tables import (
    booking_handling,
    conversation_index,
    conversation_review,
    conversation_tags,
    message_index,
    notes,
)

logger = logging.getLogger(__name__)
FLAGS = ("symptom", "emergency", "booking", "handed_off", "taken_over", "fallback")
BOOKING_STATUSES = ("new", "contacted", "scheduled", "closed", "cancelled")
PAGE_SIZE = 50
MAX_PAGE = 100_000  # far beyond any real list; keeps the offset inside a 64-bit integer
TRANSCRIPT_BATCH = 1000  # events read at a time for a whole transcript (exports, stories)
# A too-long message's user event (rasa_server/limits.py, LONG_MESSAGE_KEY): its text is the part
# the assistant read; its metadata under this key holds the whole message (its first 20,000
# characters), its length and where the part read is in it.
LONG_MESSAGE_KEY = "mmd_long_message"


def arg(args: Any, name: str) -> str:
    """A query argument as the filters use it: trimmed, at most 200 characters, '' if absent."""
    return (args.get(name) or "").strip()[:200]


def page_number(args: Any) -> int:
    """?page= (a query's arguments, or a form) as a page number from 1 to MAX_PAGE; anything
    else is page 1. Every paged list uses it (conversations, queue, inbox)."""
    return clamp_page(arg(args, "page"))


def clamp_page(value: Any) -> int:
    """A page number from 1 to MAX_PAGE; what is not a number is page 1."""
    try:
        return min(MAX_PAGE, max(1, int(value or 1)))
    except (TypeError, ValueError):
        return 1


@dataclass
class ConversationFilter:
    flags: List[str] = field(default_factory=list)
    date_from: str = ""
    date_to: str = ""
    intent: str = ""
    text: str = ""
    tag: str = ""
    reviewed: str = ""  # "", "yes" or "no"
    language: str = ""  # "", "en" or "id" (the conversation's language, console/language.py)
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> ConversationFilter:
        first = functools.partial(arg, args)
        flags = [flag for flag in (args.getlist("flag") or []) if flag in FLAGS]
        return cls(flags=flags, date_from=first("from"), date_to=first("to"), intent=first("intent"),
                   text=first("q"), tag=first("tag"), reviewed=first("reviewed"),
                   language=choice(first("language")), page=page_number(args))

    @property
    def problems(self) -> List[str]:
        """What the page must say it ignored: a date that is not a date (never a silent drop)."""
        found = []
        for label, value in (("From", self.date_from), ("To", self.date_to)):
            if value and _day_start(value) is None:
                found.append(f"{label} date '{value[:20]}' is not a date (YYYY-MM-DD); it was ignored.")
        if self.date_from and self.date_to and _day_start(self.date_from) and _day_start(self.date_to) \
                and _day_start(self.date_from) > _day_start(self.date_to):
            found.append("The From date is after the To date: no conversation can match.")
        return found


def _day_start(value: str, end: bool = False) -> Optional[float]:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return day.timestamp() + (86400 if end else 0)


def list_conversations(console: Engine, query: ConversationFilter) -> Dict[str, Any]:
    index = conversation_index
    conditions = [getattr(index.c, flag).is_(True) for flag in query.flags]
    start, end = _day_start(query.date_from), _day_start(query.date_to, end=True)
    if start is not None:
        conditions.append(index.c.last_ts >= start)
    if end is not None:
        conditions.append(index.c.first_ts < end)
    if query.intent:
        # "faq/causes" finds the conversations where that FAQ topic was answered (the index
        # keeps topics with the intents); "faq" finds every FAQ.
        conditions.append((" " + index.c.intents + " ").contains(f" {query.intent.replace(' ', '')} ",
                                                                 autoescape=True))
    if query.text:
        conditions.append(index.c.search_text.contains(query.text.lower(), autoescape=True))
    if query.tag:
        # Tags are stored lower-case and with single spaces (operations.add_tag): "Follow  Up" finds them.
        tag = " ".join(query.tag.split()).lower()
        conditions.append(index.c.sender_id.in_(
            sa.select(conversation_tags.c.sender_id).where(conversation_tags.c.tag == tag)))
    reviewed = sa.select(conversation_review.c.sender_id)
    if query.reviewed == "yes":
        conditions.append(index.c.sender_id.in_(reviewed))
    elif query.reviewed == "no":
        conditions.append(index.c.sender_id.not_in(reviewed))
    if query.language:
        conditions.append(index.c.language == query.language)
    where = sa.and_(*conditions) if conditions else sa.true()
    with console.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(index).where(where)).scalar_one()
        rows = connection.execute(
            sa.select(index.c.sender_id, index.c.channel, index.c.first_ts, index.c.last_ts, index.c.turns,
                      index.c.preview, index.c.language,
                      *[getattr(index.c, flag) for flag in FLAGS],
                      conversation_review.c.reviewed_by)
            .outerjoin(conversation_review, conversation_review.c.sender_id == index.c.sender_id)
            .where(where).order_by(index.c.last_ts.desc())
            .limit(PAGE_SIZE).offset((query.page - 1) * PAGE_SIZE)).mappings().all()
    return {"rows": [dict(row) for row in rows], "total": total,
            "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)}


def long_message(data: Dict[str, Any], text: str) -> Optional[Dict[str, Any]]:
    """A too-long message's whole text, for staff: {"text": the whole text kept, "before",
    "read", "after": it around the part the assistant read ("read" empty when that part is not
    found in it), "chars": the message's length, "kept": the characters kept, "urgent": whether
    the part read was chosen as the most urgent}; None for any other user event."""
    record = (data.get("metadata") or {}).get(LONG_MESSAGE_KEY)
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        return None
    whole = record["text"]
    start, end = record.get("read_from"), record.get("read_to")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(whole)
            and text and whole[start:end] == text):
        start = whole.find(text) if text else -1
        end = start + len(text)
    chars = record.get("chars")
    found = start >= 0
    return {"text": whole, "before": whole[:start] if found else whole, "read": text if found else "",
            "after": whole[end:] if found else "", "kept": len(whole),
            "chars": chars if isinstance(chars, int) and chars >= len(whole) else len(whole),
            "urgent": record.get("urgent") is True}


class _TranscriptReader:
    """Reads one conversation's events in id order into turns (what `transcript` returns),
    keeping what a turn depends on from earlier events: the buttons offered since the last
    user message, the form's requested slot, the bot's last question, the staff member's name
    and the language slot. `context` rows (before a page) update that state and add no turns."""

    def __init__(self, language_slot: Optional[str] = None) -> None:
        self.turns: List[Dict[str, Any]] = []
        self.slots: Dict[str, Any] = {}
        self.paused = False
        self.requested: Optional[str] = None
        self.last_question: Optional[str] = None
        self.offered: Dict[str, str] = {}  # payload -> title of the buttons the user could press
        self.agent_name = "Care team"
        self.language = LanguageFollower(language_slot)
        self.last_user: Optional[Dict[str, Any]] = None  # the latest user message's language, as the follower keeps it
        self.user_languages: List[Any] = []  # (user turn or None for a context row, its language dict)

    def add(self, row: Any, context: bool = False) -> None:
        data = json.loads(row.data or "{}")
        kind = row.type_name
        turns = self.turns
        if kind == "user":
            intent = (data.get("parse_data") or {}).get("intent") or {}
            text = data.get("text") or ""
            turn = {"kind": "user", "ts": row.timestamp, "text": text,
                    "intent": intent.get("name"), "confidence": intent.get("confidence"),
                    "asked": self.requested or self.last_question,
                    # A button press arrives as its payload ("/affirm", or a question for
                    # topic chips): staff see the title of the button pressed.
                    "button": self.offered.get(text.strip()) or self.offered.get(_without_entities(text))
                    or _own_button(text)}
            whole = long_message(data, text)
            if whole is not None:
                turn["long"] = whole  # the page and the exports show the whole message
            self.last_user = self.language.user(data.get("parse_data") or {})
            self.user_languages.append((None if context else turn, self.last_user))
            if not context:
                turns.append(turn)
            self.last_question = None
            self.offered = {}
        elif kind == "bot":
            utter = str((data.get("metadata") or {}).get("utter_action") or "")
            self.last_question = utter[len("utter_ask_"):] if utter.startswith("utter_ask_") else None
            buttons = (data.get("data") or {}).get("buttons") or []
            self.offered.update({str(b.get("payload") or "").strip(): b.get("title") for b in buttons})
            text = data.get("text") or ""
            is_agent = utter == "utter_agent_message"
            if is_agent and text.startswith(self.agent_name + ": "):
                text = text[len(self.agent_name) + 2:]  # the name is the turn's label, not said twice
            if not context:
                turns.append({"kind": "bot", "ts": row.timestamp, "text": text,
                              "buttons": [b.get("title") for b in buttons],
                              "agent": self.agent_name if is_agent else None})
        elif kind == "action" and row.action_name not in ("action_listen",):
            if not context:
                turns.append({"kind": "action", "ts": row.timestamp, "name": row.action_name})
        elif kind == "slot":
            self.language.event(kind, data, self.last_user)
            self.slots[data.get("name")] = data.get("value")
            if data.get("name") == "agent_name" and data.get("value"):
                self.agent_name = str(data["value"])
            if data.get("name") == "requested_slot":
                self.requested = data.get("value") if isinstance(data.get("value"), str) else None
            if context:
                return
            if data.get("name") == "answer_feedback" and isinstance(data.get("value"), dict):
                # The user's vote, shown under what they rated (not as a slot row).
                vote = {"kind": "feedback", "ts": row.timestamp, "helpful": data["value"].get("helpful") is True,
                        "answer": str(data["value"].get("answer") or "")}
                rated = next((index for index in range(len(turns) - 1, -1, -1) if turns[index]["kind"] == "bot"
                              and vote["answer"][:60] and turns[index]["text"].startswith(vote["answer"][:60])), None)
                turns.insert(len(turns) if rated is None else rated + 1, vote)
            elif data.get("name") not in ("requested_slot",):
                turns.append({"kind": "slot", "ts": row.timestamp, "name": data.get("name"),
                              "value": data.get("value")})
        elif kind == "pause":
            self.paused = True
            if not context:
                turns.append({"kind": "event", "ts": row.timestamp, "text": f"{self.agent_name} took over the chat"})
        elif kind == "resume":
            self.paused = False
            if not context:
                turns.append({"kind": "event", "ts": row.timestamp, "text": "Handed back to the assistant"})
        else:
            self.language.event(kind, data, self.last_user)  # a restart or a new session empties the slot

    def finish(self) -> List[Optional[str]]:
        """Sets each user turn's language (en, id or other; no key when unknown) and returns
        the languages of the messages read, in order."""
        for turn, found in self.user_languages:
            if turn is not None and found["language"]:
                turn["language"] = found["language"]
        return [found["language"] for _, found in self.user_languages]


def _events_in_batches(connection: Any, condition: Any, batch: int = TRANSCRIPT_BATCH) -> Iterable[Any]:
    """The events matching `condition` in id order, read `batch` at a time by id (keyset),
    so a conversation of thousands of events is never one giant result."""
    last = -1
    while True:
        rows = connection.execute(sa.select(rasa_events).where(condition, rasa_events.c.id > last)
                                  .order_by(rasa_events.c.id).limit(batch)).all()
        yield from rows
        if len(rows) < batch:
            return
        last = rows[-1].id


def transcript(tracker: Engine, sender_id: str) -> Dict[str, Any]:
    """The whole conversation (exports, stories, the inbox's redaction; the page shows one
    page of it, `transcript_page`): turns in order (user: text, intent, confidence, asked,
    language, and for a too-long message `long`: the whole message, `long_message`; bot: text;
    action; slot), final slots, the conversation's language (en | id |
    other) and `switched_from`: the language (en | id) it was in before it switched to its
    last one, None when it did not.

    `asked` is the slot the user was answering: the form's requested_slot, else the slot of
    the bot's last utter_ask_<slot> question. Redacted exports drop answers to personal ones.
    A user turn's `language` is en, id, other or None, as the index reads it (console/language.py).
    """
    reader = _TranscriptReader()
    if not sa.inspect(tracker).has_table("events"):
        return {"turns": [], "slots": {}, "paused": False, "language": conversation_language([]),
                "switched_from": None}
    with tracker.connect() as connection:
        for row in _events_in_batches(connection, rasa_events.c.sender_id == sender_id):
            reader.add(row)
    order = reader.finish()
    return {"turns": reader.turns, "slots": reader.slots, "paused": reader.paused,
            "language": conversation_language(order), "switched_from": switched_from(order)}


# --- one page of a transcript -------------------------------------------------------------------
#
# A conversation can be thousands of events long (a parent who keeps chatting, a script flooding
# one conversation): the page shows TRANSCRIPT_PAGE_SIZE rows of it, the latest by default. Pages
# are keyed by event id (`?before=<id>`: the rows just before that event, `?after=<id>`: the rows
# just after it), not by OFFSET: the database finds a page through the events' sender_id index and
# primary key without counting its way through the rows before it, a page's address stays the same
# while new events arrive at the end, and it stays meaningful when staff hide actions and slots.
# Every query below has a LIMIT, or is a COUNT / MAX over the conversation's rows.

TRANSCRIPT_PAGE_SIZE = 200
MIN_TRANSCRIPT_PAGE_SIZE, MAX_TRANSCRIPT_PAGE_SIZE = 10, 500
MAX_EVENT_ID = 2 ** 62  # beyond any real id, inside SQLite's and PostgreSQL's integers
TALK = ("user", "bot", "pause", "resume")
MESSAGES = ("user", "bot")  # what the transcript counts as messages: said by the user, the bot or staff


class BadPage(ValueError):
    """A transcript page argument that is not a page (not a whole number, or both cursors)."""


@dataclass
class TranscriptCursor:
    """Which page: `before` / `after` an event id (None and None: the latest page), how many
    rows (clamped to MIN…MAX_TRANSCRIPT_PAGE_SIZE) and whether actions and slots are rows."""
    before: Optional[int] = None
    after: Optional[int] = None
    size: int = TRANSCRIPT_PAGE_SIZE
    details: bool = True

    @classmethod
    def from_args(cls, args: Any) -> TranscriptCursor:
        """Raises BadPage for a value that is not a whole number, or for both cursors; numbers
        out of range are clamped (before=0 is the first page, a huge after= the latest)."""
        values: Dict[str, Optional[int]] = {}
        for name in ("before", "after", "size"):
            raw = arg(args, name)
            if not raw:
                values[name] = None
                continue
            try:
                values[name] = int(raw)
            except ValueError:
                raise BadPage(f"'{raw[:20]}' is not a page of this transcript ({name}= takes an event number).") \
                    from None
        if values["before"] is not None and values["after"] is not None:
            raise BadPage("A transcript page is either before= or after= an event, not both.")
        size = values["size"] or TRANSCRIPT_PAGE_SIZE
        clamp = (lambda value: None if value is None else min(MAX_EVENT_ID, max(0, value)))  # noqa: E731
        return cls(before=clamp(values["before"]), after=clamp(values["after"]),
                   size=min(MAX_TRANSCRIPT_PAGE_SIZE, max(MIN_TRANSCRIPT_PAGE_SIZE, size)),
                   details=(args.get("details") or "1") != "0")

    def args(self, **changes: Any) -> List[Any]:
        """Query arguments of this page with `changes` (before=, after=; None drops one): the
        size and details only when not the default."""
        merged = {"before": self.before, "after": self.after, **changes}
        found = [(name, merged[name]) for name in ("before", "after") if merged[name] is not None]
        if self.size != TRANSCRIPT_PAGE_SIZE:
            found.append(("size", self.size))
        if not self.details:
            found.append(("details", "0"))
        return found


def _slot_named(name: str) -> Any:
    """A slot event of that slot: Rasa keeps the slot's name in action_name; rows written
    without it (older tools, tests) are found by their JSON."""
    events = rasa_events.c
    return sa.or_(sa.func.coalesce(events.action_name, "") == name,
                  sa.and_(events.action_name.is_(None),
                          sa.func.coalesce(events.data, "").contains(f'"name": "{name}"', autoescape=True)))


def _shown(details: bool) -> Any:
    """The events that are rows of the transcript (one row each): what was said, take-overs
    and, with details, actions (not action_listen) and slots (not requested_slot)."""
    events = rasa_events.c
    talk = events.type_name.in_(TALK)
    if not details:
        return sa.or_(talk, sa.and_(events.type_name == "slot", _slot_named("answer_feedback")))
    return sa.or_(talk,
                  sa.and_(events.type_name == "action", sa.func.coalesce(events.action_name, "") != "action_listen"),
                  sa.and_(events.type_name == "slot", sa.not_(_slot_named("requested_slot"))))


def _window(connection: Any, mine: Any, cursor: TranscriptCursor) -> List[int]:
    """The page's row ids in order: the `size` rows just after `after` (exclusive), just before
    `before` (exclusive), or the latest. Nothing else: a page reached by Earlier or Later is
    exactly the rows next to the page it came from, so consecutive pages neither overlap nor
    skip a row, and Earlier then Later gives the same page back. The page at the far end of a
    walk may be short (filling it from its neighbour repeated up to size - 1 rows). Only a
    cursor with no row beyond it (hand-typed: before=0, a huge after=) gives the first / the
    latest page."""
    ids = rasa_events.c.id

    def first_rows(*conditions):
        return list(connection.execute(sa.select(ids).where(mine, *conditions)
                                       .order_by(ids).limit(cursor.size)).scalars())

    def latest_rows(*conditions):
        return list(reversed(connection.execute(sa.select(ids).where(mine, *conditions)
                                                .order_by(ids.desc()).limit(cursor.size)).scalars().all()))

    if cursor.after is not None:
        return first_rows(ids > cursor.after) or latest_rows()
    if cursor.before is not None:
        return latest_rows(ids < cursor.before) or first_rows()
    return latest_rows()


def _latest_before(connection: Any, sender_id: str, condition: Any, start: int, limit: int = 1) -> List[Any]:
    return connection.execute(sa.select(rasa_events).where(rasa_events.c.sender_id == sender_id, condition,
                                                           rasa_events.c.id < start)
                              .order_by(rasa_events.c.id.desc()).limit(limit)).all()


def _reader_at(connection: Any, sender_id: str, start: int) -> _TranscriptReader:
    """A reader in the state the conversation was in just before event `start`: the language
    slot, the form's requested slot, the staff member's name, and the bot's question and
    buttons since the last user message."""
    events = rasa_events.c
    language = _latest_before(connection, sender_id, sa.or_(
        events.type_name.in_(sorted(RESETS)), sa.and_(events.type_name == "slot", _slot_named("language"))), start)
    slot = None
    if language and language[0].type_name == "slot":
        slot = (json.loads(language[0].data or "{}")).get("value")
    reader = _TranscriptReader(slot)
    requested = _latest_before(connection, sender_id, sa.and_(events.type_name == "slot",
                                                              _slot_named("requested_slot")), start)
    if requested:
        value = json.loads(requested[0].data or "{}").get("value")
        reader.requested = value if isinstance(value, str) else None
    for row in _latest_before(connection, sender_id, sa.and_(events.type_name == "slot", _slot_named("agent_name")),
                              start, limit=20):
        value = json.loads(row.data or "{}").get("value")
        if value:
            reader.agent_name = str(value)
            break
    last_user = connection.execute(sa.select(sa.func.max(events.id)).where(
        events.sender_id == sender_id, events.type_name == "user", events.id < start)).scalar() or 0
    for row in reversed(_latest_before(connection, sender_id, sa.and_(events.type_name == "bot", events.id > last_user),
                                       start, limit=50)):
        reader.add(row, context=True)
    return reader


def final_slots(tracker: Engine, sender_id: str) -> Dict[str, Any]:
    """The conversation's slots as its last events left them (what hand-back needs), without
    reading its whole transcript."""
    if not sa.inspect(tracker).has_table("events"):
        return {}
    with tracker.connect() as connection:
        return _final_slots(connection, sender_id)


def _final_slots(connection: Any, sender_id: str) -> Dict[str, Any]:
    """Each slot's last value in the conversation, in the order the slots were first set: the
    last event of each slot (GROUP BY the slot's name), not every slot event."""
    events = rasa_events.c
    mine = sa.and_(events.sender_id == sender_id, events.type_name == "slot")
    named = connection.execute(sa.select(events.action_name, sa.func.min(events.id), sa.func.max(events.id))
                               .where(mine, events.action_name.is_not(None)).group_by(events.action_name)
                               .order_by(sa.func.min(events.id)).limit(1000)).all()
    last_ids = [row[2] for row in named]
    values = {row.id: json.loads(row.data or "{}") for row in connection.execute(
        sa.select(events.id, events.data).where(events.id.in_(last_ids))).all()} if last_ids else {}
    slots: Dict[str, Any] = {}
    for event_id in last_ids:
        data = values.get(event_id) or {}
        slots[data.get("name")] = data.get("value")
    # Slot rows written without action_name (not by Rasa): read in order, bounded.
    for row in connection.execute(sa.select(events.data).where(mine, events.action_name.is_(None))
                                  .order_by(events.id).limit(5000)):
        data = json.loads(row.data or "{}")
        slots[data.get("name")] = data.get("value")
    return slots


def transcript_page(tracker: Engine, sender_id: str, cursor: Optional[TranscriptCursor] = None) -> Dict[str, Any]:
    """One page of the conversation's transcript, and what the page needs of the whole
    conversation: `turns` (as `transcript` makes them, for the page's rows, one turn a row),
    `slots` (final), `paused`, `total` rows, `first` and `last` (1-based positions of the page's
    rows), `messages` ({first, last, total}: the same for the user and bot messages only, what
    the pager calls messages; first > last on a page without one), `first_id` / `last_id` (event
    ids, the cursors of the earlier and later pages), `earlier` and `later` (whether there are
    rows before / after the page), `exists` (the conversation has events that are rows with
    details), `size`."""
    cursor = cursor or TranscriptCursor()
    empty = {"turns": [], "slots": {}, "paused": False, "total": 0, "first": 0, "last": 0, "first_id": None,
             "last_id": None, "earlier": False, "later": False, "exists": False, "size": cursor.size,
             "messages": {"first": 0, "last": 0, "total": 0}}
    if not sa.inspect(tracker).has_table("events"):
        return empty
    events = rasa_events.c
    mine = sa.and_(events.sender_id == sender_id, _shown(cursor.details))
    with tracker.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(rasa_events).where(mine)).scalar_one()
        exists = bool(total) or connection.execute(
            sa.select(events.id).where(events.sender_id == sender_id, _shown(True)).limit(1)).first() is not None
        if not exists:
            return empty
        last_pause = connection.execute(sa.select(events.type_name).where(
            events.sender_id == sender_id, events.type_name.in_(("pause", "resume")))
            .order_by(events.id.desc()).limit(1)).scalar()
        said = sa.and_(events.sender_id == sender_id, events.type_name.in_(MESSAGES))
        messages = connection.execute(sa.select(sa.func.count()).select_from(rasa_events).where(said)).scalar_one()
        result = {**empty, "exists": True, "total": total, "paused": last_pause == "pause",
                  "slots": _final_slots(connection, sender_id), "messages": {**empty["messages"], "total": messages}}
        ids = _window(connection, mine, cursor)
        if not ids:
            return result
        first_id, last_id = ids[0], ids[-1]
        before = connection.execute(sa.select(sa.func.count()).select_from(rasa_events)
                                    .where(mine, events.id < first_id)).scalar_one()
        messages_before = connection.execute(sa.select(sa.func.count()).select_from(rasa_events)
                                             .where(said, events.id < first_id)).scalar_one()
        reader = _reader_at(connection, sender_id, first_id)
        # The page's rows (exactly those of the window, by id), and the events between them that
        # a row depends on (the language slot, a reset, the requested slot, the staff member's
        # name), which only update the reader's state.
        page = set(ids)
        rows = connection.execute(sa.select(rasa_events).where(events.id.in_(ids))).all()
        context = sa.or_(events.type_name.in_(sorted(RESETS)),
                         sa.and_(events.type_name == "slot",
                                 sa.or_(_slot_named("language"), _slot_named("requested_slot"),
                                        _slot_named("agent_name"))))
        rows += connection.execute(sa.select(rasa_events).where(
            events.sender_id == sender_id, events.id > first_id, events.id < last_id,
            sa.not_(_shown(cursor.details)), context).order_by(events.id).limit(cursor.size * 10)).all()
    for row in sorted(rows, key=lambda row: row.id):
        reader.add(row, context=row.id not in page)
    reader.finish()
    said_here = sum(1 for row in rows if row.id in page and row.type_name in MESSAGES)
    result.update(turns=reader.turns, first=before + 1, last=before + len(ids), first_id=first_id,
                  last_id=last_id, earlier=before > 0, later=before + len(ids) < total,
                  messages={"first": messages_before + 1, "last": messages_before + said_here, "total": messages})
    return result


def conversation_languages_of(console: Engine, sender_id: str) -> Dict[str, Any]:
    """The conversation's language (en | id | other) and `switched_from` (the language, en |
    id, it was in before its last one; None when it did not switch), from the index
    (conversation_index, message_index: two indexed LIMIT 1 reads), so the transcript page
    does not read every message of a long conversation. As `transcript` finds them: the
    indexer reads the events through the same LanguageFollower."""
    with console.connect() as connection:
        language = connection.execute(sa.select(conversation_index.c.language).where(
            conversation_index.c.sender_id == sender_id)).scalar()
        known_language = message_index.c.language.in_(("en", "id"))
        mine = message_index.c.sender_id == sender_id
        newest = message_index.c.event_id.desc()
        last = connection.execute(sa.select(message_index.c.language).where(mine, known_language)
                                  .order_by(newest).limit(1)).scalar()
        switched = connection.execute(sa.select(message_index.c.language).where(
            mine, known_language, message_index.c.language != last).order_by(newest).limit(1)).scalar() \
            if last else None
    return {"language": language or DEFAULT_LANGUAGE, "switched_from": switched}


# Buttons of the apps' own interfaces (the web chat's header), not offered by a bot message.
OWN_BUTTONS = {"/request_human": "Talk to a human"}


def _without_entities(text: str) -> str:
    """ "/request_human{"language":"id"}" -> "/request_human": the web chat adds the page's
    language to the intent of a button it sends; the button offered had none."""
    payload = text.strip()
    return payload.split("{", 1)[0] if payload.startswith("/") else payload


def _own_button(text: str) -> Optional[str]:
    """The title of a payload no bot message offered: the web chat's own buttons, else the
    intent it names ("/request_consultation" -> "a button: request_consultation")."""
    payload = text.strip()
    if not payload.startswith("/"):
        return None
    bare = _without_entities(payload)
    if " " in bare:
        return None
    return OWN_BUTTONS.get(payload) or OWN_BUTTONS.get(bare) or "a button: " + bare[1:]


def review_state(console: Engine, sender_id: str) -> Dict[str, Any]:
    with console.connect() as connection:
        review = connection.execute(sa.select(conversation_review)
                                    .where(conversation_review.c.sender_id == sender_id)).mappings().first()
        tags = connection.execute(sa.select(conversation_tags.c.tag)
                                  .where(conversation_tags.c.sender_id == sender_id)
                                  .order_by(conversation_tags.c.tag)).scalars().all()
        conversation_notes = connection.execute(sa.select(notes).where(notes.c.sender_id == sender_id)
                                                .order_by(notes.c.at)).mappings().all()
    return {"review": dict(review) if review else None, "tags": list(tags),
            "notes": [dict(note) for note in conversation_notes]}


def as_utc(value: Any) -> Optional[datetime]:
    """A stored time in UTC: SQLite gives naive UTC datetimes, PostgreSQL aware ones in the
    session's time zone."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def short_time(value: Any) -> str:
    """'27 Nov 15:02' (UTC)."""
    moment = as_utc(value)
    return f"{moment.day} {moment:%b %H:%M}" if moment else ""


def waited(since: Any, now: Optional[datetime] = None) -> str:
    """How long someone has waited: 'under 1 min', '3 min', '2 h 5 min', '3 d'."""
    start = as_utc(since)
    if start is None:
        return ""
    seconds = max(0, int(((now or datetime.now(timezone.utc)) - start).total_seconds()))
    minutes, hours = seconds // 60, seconds // 3600
    if minutes < 1:
        return "under 1 min"
    if hours < 1:
        return f"{minutes} min"
    if hours < 24:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{seconds // 86400} d"


def describe_update(update: Dict[str, Any]) -> str:
    """A user's request after booking, as the queue shows it."""
    who = update.get("requested_by") or "user"
    when = short_time(update.get("created_at"))
    if update.get("kind") == "cancel":
        return f"Cancelled by the user {when}" if who == "user" else f"Cancelled by {who} {when}"
    detail = (update.get("detail") or "").strip()
    asked = "Change asked" if who == "user" else f"Change asked by {who}"
    return f"{asked} {when}: '{detail}'" if detail else f"{asked} {when}"


def _columns(engine: Engine, table: str) -> Set[str]:
    """The table's columns, empty if it does not exist (a database older than the console)."""
    inspector = sa.inspect(engine)
    if not inspector.has_table(table):
        return set()
    return {column["name"] for column in inspector.get_columns(table)}


@dataclass
class QueueFilter:
    """The queue page's filters: status, a search over reference / name / contact, whose
    requests (a username, "none" for unassigned), the language of the request's conversation
    (en | id, '' for all), and the page."""
    status: str = ""
    text: str = ""
    assigned: str = ""
    language: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Any) -> QueueFilter:
        status = arg(args, "status")
        return cls(status=status if status in BOOKING_STATUSES else "", text=arg(args, "q"),
                   assigned=arg(args, "assigned"), language=choice(arg(args, "language")),
                   page=page_number(args))


def _phone_forms(digits: str) -> List[str]:
    """A phone number as it may be stored: 0812… and +62812… are the same Indonesian number."""
    forms = {digits}
    if digits.startswith("0") and len(digits) > 6:
        forms.add("62" + digits[1:])
    if digits.startswith("62") and len(digits) > 7:
        forms.add("0" + digits[2:])
    return sorted(forms)


def _squashed(column: Any) -> Any:
    """The column without the separators people type in phone numbers and references."""
    for separator in (" ", "-", "(", ")", "+", "."):
        column = sa.func.replace(column, separator, "")
    return sa.func.lower(column)


def _text_matches(text: str) -> List[Any]:
    """What a search box entry may mean: a reference (any case, with or without "MMD-", part of
    it), a name or contact (every word, in any order), a phone number in any usual form, or a
    word of the symptom description."""
    words = text.lower().split()
    squashed = "".join(ch for ch in text.lower() if ch.isalnum())
    matches = [sa.and_(*[sa.func.lower(bookings.c.requester_name).contains(word, autoescape=True)
                         for word in words]),
               sa.func.lower(bookings.c.contact).contains(text.lower().strip(), autoescape=True),
               sa.func.lower(bookings.c.symptom_description).contains(text.lower().strip(), autoescape=True)]
    if len(squashed) >= 4:
        matches.append(_squashed(bookings.c.reference).contains(squashed, autoescape=True))
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        matches += [_squashed(bookings.c.contact).contains(form, autoescape=True) for form in _phone_forms(digits)]
    return matches


def conversation_languages(console: Engine, senders: Iterable[str]) -> Dict[str, str]:
    """Each sender's conversation language as the index has it (en | id | other); a
    conversation not indexed is left out (its language: English, console/language.py)."""
    senders = sorted(set(senders))
    found: Dict[str, str] = {}
    with console.connect() as connection:
        for start in range(0, len(senders), 500):
            found.update(connection.execute(
                sa.select(conversation_index.c.sender_id, conversation_index.c.language)
                .where(conversation_index.c.sender_id.in_(senders[start:start + 500]))).all())
    return {sender: language or DEFAULT_LANGUAGE for sender, language in found.items()}


def _language_condition(bookings_engine: Engine, console: Engine, language: str) -> Any:
    """The requests whose conversation is in `language`. The bookings and the index may be in
    different databases: the requests' senders are looked up in the index, and the shorter
    list of senders (those in the language, or those not) becomes the condition."""
    with bookings_engine.connect() as connection:
        senders = list(connection.execute(sa.select(bookings.c.sender_id).distinct()).scalars())
    languages = conversation_languages(console, senders)
    matching = [sender for sender in senders if languages.get(sender, DEFAULT_LANGUAGE) == language]
    others = [sender for sender in senders if languages.get(sender, DEFAULT_LANGUAGE) != language]
    if not matching:
        return sa.false()
    if len(matching) <= len(others):
        return bookings.c.sender_id.in_(matching)
    return bookings.c.sender_id.not_in(others) if others else sa.true()


def _queue_conditions(query: QueueFilter, assigned_refs: Optional[List[str]]) -> List[Any]:
    conditions: List[Any] = []
    if query.status:
        conditions.append(bookings.c.status == query.status)
    if query.text:
        conditions.append(sa.or_(*_text_matches(query.text)))
    if assigned_refs is not None:
        if query.assigned == "none":
            conditions.append(bookings.c.reference.not_in(assigned_refs) if assigned_refs else sa.true())
        else:
            conditions.append(bookings.c.reference.in_(assigned_refs))
    return conditions


def booking_queue(bookings_engine: Engine, console: Engine, status: str = "",
                  query: Optional[QueueFilter] = None, paged: bool = False) -> Any:
    """The queue; open requests first, the oldest new request at the top.

    Each row has `language` (its conversation's: en | id | other, English when the conversation
    is not indexed), `age` (the label as the user gave it, else the whole years), `shared`
    (False: the user declined sharing the conversation), `updates` (the user's change
    requests and cancellations, oldest first), `handled_by` and `notes`. Works on a bookings
    database created before the age label and the updates table existed. With `paged`, one
    page and the totals: {"rows", "total", "pages"}.
    """
    query = query or QueueFilter(status=status if status in BOOKING_STATUSES else "")
    present = _columns(bookings_engine, bookings.name)
    if not present:
        return {"rows": [], "total": 0, "pages": 1} if paged else []
    with console.connect() as connection:
        handlers = dict(connection.execute(sa.select(booking_handling.c.reference,
                                                     booking_handling.c.handled_by)).all())
    assigned_refs = None
    if query.assigned:
        assigned_refs = [ref for ref, who in handlers.items()
                         if who and (query.assigned == "none" or who == query.assigned)]
    conditions = _queue_conditions(query, assigned_refs)
    if query.language:
        conditions.append(_language_condition(bookings_engine, console, query.language))
    where = sa.and_(*conditions) if conditions else sa.true()
    order = sa.case({"new": 0, "contacted": 1, "scheduled": 2, "closed": 3, "cancelled": 4},
                    value=bookings.c.status, else_=5)
    select = sa.select(*[column for column in bookings.c if column.name in present]).where(where).order_by(
        order, bookings.c.created_at)
    if paged:
        select = select.limit(PAGE_SIZE).offset((query.page - 1) * PAGE_SIZE)
    updates: Dict[str, List[Dict[str, Any]]] = {}
    with bookings_engine.connect() as connection:
        total = connection.execute(sa.select(sa.func.count()).select_from(bookings).where(where)).scalar_one()
        rows = [dict(row) for row in connection.execute(select).mappings()]
        references = [row["reference"] for row in rows]
        if rows and _columns(bookings_engine, booking_updates.name):
            for update in connection.execute(sa.select(booking_updates)
                                             .where(booking_updates.c.reference.in_(references))
                                             .order_by(booking_updates.c.created_at, booking_updates.c.id)).mappings():
                update = dict(update)
                update["text"] = describe_update(update)
                updates.setdefault(update["reference"], []).append(update)
    booking_notes: Dict[str, List[Dict[str, Any]]] = {}
    if references:
        with console.connect() as connection:
            for note in connection.execute(sa.select(notes).where(notes.c.booking_reference.in_(references))
                                           .order_by(notes.c.at)).mappings():
                booking_notes.setdefault(note["booking_reference"], []).append(dict(note))
    languages = conversation_languages(console, [row["sender_id"] for row in rows]) if rows else {}
    now = datetime.now(timezone.utc)
    for row in rows:
        row["language"] = languages.get(row["sender_id"], DEFAULT_LANGUAGE)  # of its conversation
        row["handled_by"] = handlers.get(row["reference"])
        row["notes"] = booking_notes.get(row["reference"], [])
        row["age"] = (row.get("patient_age_label") or "").strip() or str(row["patient_age"])
        row["shared"] = bool(row["consent"])
        row["requested"] = as_utc(row["created_at"])
        row["waited"] = waited(row["created_at"], now)
        row["waited_minutes"] = int((now - row["requested"]).total_seconds() // 60) if row["requested"] else 0
        row["updates"] = updates.get(row["reference"], [])
    if paged:
        return {"rows": rows, "total": total, "pages": max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE)}
    return rows


def waiting_live_requests(bookings_engine: Engine, now: Optional[datetime] = None) -> List[Dict[str, Any]]:
    """Users waiting for a human, the longest wait first, each with `waited` ('3 min')."""
    if not _columns(bookings_engine, live_requests.name):
        return []
    with bookings_engine.connect() as connection:
        rows = connection.execute(sa.select(live_requests).where(live_requests.c.status == "waiting")
                                  .order_by(live_requests.c.created_at, live_requests.c.id)).mappings().all()
    return [{**row, "waited": waited(row["created_at"], now)} for row in rows]


def waiting_with_previews(bookings_engine: Engine, console: Engine) -> List[Dict[str, Any]]:
    """The waiting users, each with the channel, the conversation's language (None when not
    indexed yet) and the first thing they wrote (redacted), so staff see who waits for what
    before opening the conversation."""
    rows = waiting_live_requests(bookings_engine)
    if rows:
        with console.connect() as connection:
            known = {row.sender_id: row for row in connection.execute(
                sa.select(conversation_index.c.sender_id, conversation_index.c.channel, conversation_index.c.preview,
                          conversation_index.c.language)
                .where(conversation_index.c.sender_id.in_([row["sender_id"] for row in rows])))}
        rows = [{**row, "channel": getattr(known.get(row["sender_id"]), "channel", None),
                 "language": getattr(known.get(row["sender_id"]), "language", None),
                 "preview": getattr(known.get(row["sender_id"]), "preview", "")} for row in rows]
    return rows


def waiting_count(bookings_engine: Engine) -> Optional[int]:
    """How many users wait for a human (the nav badge); None when the database cannot say."""
    try:
        with bookings_engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(live_requests)
                                      .where(live_requests.c.status == "waiting")).scalar_one()
    except SQLAlchemyError as error:  # no such table yet, or the database is down
        logger.warning("waiting live requests unknown error=%s", type(error).__name__)
        return None


def conversation_bookings(bookings_engine: Engine, sender_id: str) -> Dict[str, Any]:
    """What the transcript page must say about a conversation's bookings and live request.

    `references`: every request made in it (links to the queue); `not_shared`: those whose
    user declined sharing the conversation;
    `waiting_since`: when the user asked for a human, if they still wait.
    """
    result: Dict[str, Any] = {"not_shared": [], "references": [], "waiting_since": None}
    if _columns(bookings_engine, bookings.name):
        with bookings_engine.connect() as connection:
            made = connection.execute(
                sa.select(bookings.c.reference, bookings.c.consent).where(bookings.c.sender_id == sender_id)
                .order_by(bookings.c.created_at)).all()
        result["references"] = [row.reference for row in made]
        result["not_shared"] = [row.reference for row in made if row.consent is False or row.consent == 0]
    if _columns(bookings_engine, live_requests.name):
        with bookings_engine.connect() as connection:
            since = connection.execute(
                sa.select(sa.func.min(live_requests.c.created_at)).where(
                    live_requests.c.sender_id == sender_id, live_requests.c.status == "waiting")).scalar()
        result["waiting_since"] = waited(since) if since is not None else None
    return result
