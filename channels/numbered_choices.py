"""Buttons as numbered text, for channels that cannot show buttons (SMS, WhatsApp via Twilio).

A bot message with buttons is sent as its text plus "1. Book a consultation" lines, and
the numbers offered to each user are remembered, so a reply of "1" is sent to Rasa as that
button's payload. Memory is per process and bounded; in scale-out mode route a user's
messages to one Rasa server (sticky by sender) or accept that a number then reads as text.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from threading import Lock
from typing import Any, Dict, List, Optional

MAX_REMEMBERED_USERS = 10_000
_NUMBER_REPLY = re.compile(r"^\s*(\d{1,2})\s*[.)]?\s*$")


def render_numbered(text: str, buttons: List[Dict[str, Any]]) -> str:
    lines = [text.strip(), ""] if text and text.strip() else []
    lines += [f"{number}. {button['title']}" for number, button in enumerate(buttons, 1)]
    lines.append("Reply with a number, or type your answer.")
    return "\n".join(lines)


class ChoiceMemory:
    """The last numbered choices offered to each user (least recently used dropped first)."""

    def __init__(self, capacity: int = MAX_REMEMBERED_USERS) -> None:
        self.capacity = capacity
        self._choices: OrderedDict[str, List[str]] = OrderedDict()
        self._lock = Lock()

    def remember(self, user: str, buttons: List[Dict[str, Any]]) -> None:
        with self._lock:
            self._choices[user] = [button["payload"] for button in buttons]
            self._choices.move_to_end(user)
            while len(self._choices) > self.capacity:
                self._choices.popitem(last=False)

    def resolve(self, user: str, text: Optional[str]) -> Optional[str]:
        """The payload for a numeric reply to the last choices; otherwise the text as sent."""
        match = _NUMBER_REPLY.match(text or "")
        with self._lock:
            choices = self._choices.get(user)
            if not match or not choices:
                return text
            index = int(match.group(1)) - 1
            if 0 <= index < len(choices):
                del self._choices[user]
                return choices[index]
        return text
