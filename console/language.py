"""Which language a user message and a conversation are in (English or Bahasa Indonesia).

The assistant's language detector (spacy_pipeline/language.py) adds to a user message's
parse data the entity `message_language` (`en`, `id` or `other`: Spanish, French, another
script) whenever it can tell the message's language, and the entity `language` (`en` or `id`
only) when the message is clearly in one of them; the categorical slot `language` (`en`,
`id`) is set right after such a message. A message's language is its `message_language`
entity, else its `language` entity (messages from before `message_language` existed, where
it could also be `other`); without either (a button press, a message from before the
assistant was bilingual) it is the slot's value at that point: the slot set right after the
message, else the value it had.

A conversation's language is its last message known to be in English or Bahasa Indonesia;
`other` when every one of its messages is in another language (a Spanish user the assistant
could not serve), English otherwise (no message's language known).

The indexer (console/indexer.py) and the transcript (console/queries.py) both read events
through `LanguageFollower`, so the list, the transcript and the exports always agree.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

LANGUAGES = ("en", "id")
DEFAULT = "en"
OTHER = "other"
ENTITY = SLOT = "language"
MESSAGE_ENTITY = "message_language"  # read first: it names other languages too
LABELS = {"en": "English", "id": "Bahasa Indonesia", OTHER: "other language"}
SHORT = {"en": "EN", "id": "ID", OTHER: "other"}
# Events after which the slot has no value: Rasa's restart, "reset all slots", and a new
# session (the domain does not carry slots over to a new session).
RESETS = frozenset({"restart", "reset_slots", "session_started"})


def known(value: Any) -> Optional[str]:
    """`en` or `id`, else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def choice(value: Any) -> str:
    """A filter's language from a query argument: `en`, `id`, or '' (all)."""
    value = (value or "").strip().lower() if isinstance(value, str) else ""
    return value if value in LANGUAGES else ""


def label(code: Optional[str]) -> str:
    """'English', 'Bahasa Indonesia', 'other language'; '' when unknown."""
    return LABELS.get(code or "", "")


def short(code: Optional[str]) -> str:
    """'EN', 'ID', 'other'; '' when unknown."""
    return SHORT.get(code or "", "")


def entity_language(parse_data: Dict[str, Any]) -> Optional[str]:
    """The message's own language from its entities (en, id or other): `message_language`
    first, else `language`; None without either."""
    entities = [entity for entity in (parse_data or {}).get("entities") or [] if isinstance(entity, dict)]
    for name in (MESSAGE_ENTITY, ENTITY):
        for entity in reversed(entities):
            value = entity.get("value")
            if entity.get("entity") == name and isinstance(value, str) and value.lower() in LANGUAGES + (OTHER,):
                return value.lower()
    return None


def slot_event_value(type_name: str, data: Dict[str, Any]) -> Any:
    """For a `slot` event of the language slot: its value if en / id, else None. For any
    other event: the constant NOT_A_LANGUAGE_SLOT."""
    if type_name == "slot" and (data or {}).get("name") == SLOT:
        return known(data.get("value"))
    return NOT_A_LANGUAGE_SLOT


NOT_A_LANGUAGE_SLOT = object()


class LanguageFollower:
    """Follows one conversation's events in order: the slot's value, and the language of the
    latest user message (filled in by the slot set right after it when it has no entity).

    `slot` is the slot's value before the first event given (carried between index batches).
    """

    def __init__(self, slot: Optional[str] = None) -> None:
        self.slot = known(slot)

    def user(self, parse_data: Dict[str, Any]) -> Dict[str, Optional[str]]:
        """A user message: {"language": …, "language_entity": …} (entity None: from the slot)."""
        entity = entity_language(parse_data)
        return {"language": entity or self.slot, "language_entity": entity}

    def event(self, type_name: str, data: Dict[str, Any], message: Optional[Dict[str, Any]] = None) -> None:
        """Any other event; `message` is the latest user message's dict (as user() made it),
        whose language the slot fills in when the message had no language entity."""
        if type_name in RESETS:
            self.slot = None
            return
        value = slot_event_value(type_name, data)
        if value is NOT_A_LANGUAGE_SLOT:
            return
        self.slot = value
        if message is not None and value is not None and message.get("language_entity") is None:
            message["language"] = value


def conversation_language(languages: Iterable[Optional[str]], before: Optional[str] = None,
                          earlier: bool = False) -> str:
    """The conversation's language from its messages' languages in order: the last one known
    to be en or id; `other` when every message is in another language; else English.

    Read in parts (the indexer's batches): `before` is the language found for the earlier
    messages, `earlier` whether there were any (an `other` conversation stays `other` only
    while every new message is too)."""
    languages = list(languages)
    found = None
    for language in languages:
        found = known(language) or found
    if found:
        return found
    if not languages:
        return before if before in LANGUAGES + (OTHER,) else DEFAULT
    if all(language == OTHER for language in languages) and (not earlier or before == OTHER):
        return OTHER
    return known(before) or DEFAULT


def switched_from(languages: Iterable[Optional[str]]) -> Optional[str]:
    """The language (en | id) the conversation was in before it switched to its last one,
    None when its messages were not in both."""
    known_languages = [language for language in (known(value) for value in languages) if language]
    if not known_languages:
        return None
    last = known_languages[-1]
    return next((language for language in reversed(known_languages) if language != last), None)
