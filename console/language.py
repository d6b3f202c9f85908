"""Which language a user message and a conversation are in (English or Bahasa Indonesia).

Every user message's parse data carries an entity `language` (`en`, `id` or `other`), and
the categorical slot `language` (`en`, `id`) is set right after each user message whose
language is clear. A message's language is its entity's value; without the entity (a
button press, a message from before the assistant was bilingual) it is the slot's value at
that point: the slot set right after the message, else the value it had. A conversation's
language is its last message known to be in English or Bahasa Indonesia, English when none is.

The indexer (console/indexer.py) and the transcript (console/queries.py) both read events
through `LanguageFollower`, so the list, the transcript and the exports always agree.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional

LANGUAGES = ("en", "id")
DEFAULT = "en"
OTHER = "other"
ENTITY = SLOT = "language"
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
    """The value of the message's `language` entity (en, id or other); None without one."""
    for entity in reversed((parse_data or {}).get("entities") or []):
        if isinstance(entity, dict) and entity.get("entity") == ENTITY:
            value = entity.get("value")
            if isinstance(value, str) and value.lower() in LANGUAGES + (OTHER,):
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


def conversation_language(languages: Iterable[Optional[str]], before: Optional[str] = None) -> str:
    """The last known language of the messages in order (after `before`, the conversation's
    language so far), English when none is known."""
    found = known(before)
    for language in languages:
        found = known(language) or found
    return found or DEFAULT
