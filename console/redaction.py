"""What a redacted export removes: personal answers by context, known values, and patterns.

Patterns alone miss a name typed as the answer to "What is your name?" ("Sam Jones" looks
like any other words), so the conversation's own state decides first: a user turn that
answers a personal question of the booking form is dropped whole, and every value the
user gave for a personal slot is removed wherever it appears again (the bot's summary,
"Thanks, Sam", later messages). Patterns then catch what no slot held: emails, phone
numbers, "my name is …" and the summary lines.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List

from common.booking_form import PERSONAL_SLOTS  # noqa: F401 - imported from here by the console
from common.privacy import EMAIL, PHONE, pseudonym  # noqa: F401 - likewise

REDACTED = "[redacted]"
# "• Your name: Sam" in the booking summary (domain/ utter_booking_summary) and the like.
SUMMARY_LINE = re.compile(
    r"(?im)^([^\w\n]*(?:your name|name|contact|age|patient age|what you noticed|preferred times)\s*:[ \t]*)\S.*$")
# "my name is Sam Jones", "I'm called Sam": up to three words after, to the next punctuation.
SELF_NAMED = re.compile(
    r"(?i)\b(my name is|my name's|my names|name is|i am called|i'm called|im called|call me)\s+"
    r"[^\s,.;:!?]+(?:[ \t]+[^\s,.;:!?]+){0,2}")
MIN_KNOWN_LENGTH = 3  # shorter values ("7", "Al") would blank out ordinary words and numbers


def redact_patterns(text: str) -> str:
    text = SUMMARY_LINE.sub(lambda match: match.group(1) + REDACTED, text or "")
    text = SELF_NAMED.sub(lambda match: match.group(1) + " " + REDACTED, text)
    return PHONE.sub(REDACTED, EMAIL.sub(REDACTED, text))


def known_values(turns: Iterable[Dict[str, Any]]) -> List[str]:
    """Personal values this conversation holds, longest first, with the parts of a name."""
    values = set()
    for turn in turns:
        if turn["kind"] == "slot" and turn["name"] in PERSONAL_SLOTS and turn["value"] is not None:
            value = str(turn["value"]).strip()
            values.add(value)
            if turn["name"] == "requester_name":
                values.update(value.split())
        elif turn["kind"] == "user" and turn.get("asked") in PERSONAL_SLOTS:
            values.add((turn["text"] or "").strip())
    return sorted((v for v in values if len(v) >= MIN_KNOWN_LENGTH and not v.isdigit()), key=len, reverse=True)


def redact_known(text: str, values: List[str]) -> str:
    for value in values:
        text = re.sub(r"(?<!\w)" + re.escape(value) + r"(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text


def redact_turn_text(turn: Dict[str, Any], values: List[str]) -> str:
    """The text of one user, bot or slot turn as a redacted export shows it."""
    if turn["kind"] == "slot":
        if turn["name"] in PERSONAL_SLOTS:
            return f"{turn['name']}={REDACTED}"
        value = "" if turn["value"] is None else str(turn["value"])
        return f"{turn['name']}={redact_patterns(redact_known(value, values))}"
    if turn["kind"] == "user" and turn.get("asked") in PERSONAL_SLOTS:
        return REDACTED  # the answer to a personal question, whatever it looks like
    return redact_patterns(redact_known(turn["text"] or "", values))
