"""The notices a page can show after a redirect, by fixed code.

Pages once showed whatever text `?notice=` carried, so anyone could send staff a link that
displayed their own words as an official console notice. Only these codes are shown.
"""
from __future__ import annotations

from typing import Optional

NOTICES = {
    "forgotten": "The user was forgotten: their conversation, bookings and notes are deleted.",
    "confirm-forget": "Type forget to confirm.",
    "reply-empty": "Write a reply first.",
    "unknown-action": "That action is not known; reload the page and try again.",
    "rasa-off": "Rasa's HTTP API is off: set RASA_API_TOKEN for Rasa and the console.",
    "rasa-refused": "Rasa refused the request; the chat is unchanged. Try again, or reload the page.",
    "rasa-unreachable": "Rasa did not answer in time; try again.",
    "note-empty": "Write a note first.",
    "booking-saved": "Saved. The request below shows its status, assignment and notes now.",
    "taken-over": "You have taken over this chat: the assistant is paused. Your replies go to the user.",
    "reply-sent": "Reply sent.",
    "handed-back": "Handed back: the assistant answers this user again.",
}


def notice_text(code: Optional[str]) -> Optional[str]:
    return NOTICES.get(code or "")
