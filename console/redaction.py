"""What a redacted export removes: personal answers by context, known values, and patterns.

Patterns alone miss a name typed as the answer to "What is your name?" ("Sam Jones" looks
like any other words), so the conversation's own state decides first: a user turn that
answers a personal question of the booking form is dropped whole, and every value the
form kept in a personal slot is removed wherever it appears again (the bot's summary,
"Thanks, Sam", later messages). What the user typed as such an answer is removed where it
appears whole (a message, a line, a slot's value): a wrong answer ("salah satu" typed as a
name, which the form refused) must not blank the same words in the bot's own questions.
Patterns then catch what no slot held: emails, phone numbers, "my name is …" and the
summary lines, in every language the domain's responses are written in.
"""
from __future__ import annotations

import functools
import logging
import re
from typing import Any, Dict, Iterable, List, Sequence

from common.booking_form import PERSONAL_SLOTS  # noqa: F401 - imported from here by the console
from common.domain import load_domain
from common.privacy import EMAIL, PHONE, pseudonym  # noqa: F401 - likewise

logger = logging.getLogger(__name__)
REDACTED = "[redacted]"
# The labels of the lines that show a personal answer ("• Your name: Sam", "• Usia: 7"): every
# "<label>: {<personal slot>}" line of the domain's responses (utter_booking_summary in each
# language), with these English ones kept should the domain not be readable.
ENGLISH_LABELS = ("your name", "name", "contact", "age", "patient age", "what you noticed", "preferred times")
_RESPONSE_LINE = re.compile(r"^[^\w\n{]*(?P<label>\w[^:\n{}]*?)\s*:\s*\{(?P<slot>\w+)\}", re.MULTILINE)
# "my name is Sam Jones", "I'm called Sam": up to three words after, to the next punctuation.
SELF_NAMED = re.compile(
    r"(?i)\b(my name is|my name's|my names|name is|i am called|i'm called|im called|call me)\s+"
    r"[^\s,.;:!?]+(?:[ \t]+[^\s,.;:!?]+){0,2}")
MIN_KNOWN_LENGTH = 3  # shorter values ("7", "Al") would blank out ordinary words and numbers


def response_labels(domain: Dict[str, Any]) -> List[str]:
    """The labels of the domain's response lines that show a personal slot's value, in every
    language ("Your name", "Nama Anda", "Usia", …)."""
    labels = set()
    for variations in (domain.get("responses") or {}).values():
        for variation in variations or []:
            text = variation.get("text") if isinstance(variation, dict) else None
            for match in _RESPONSE_LINE.finditer(text or ""):
                if match.group("slot") in PERSONAL_SLOTS:
                    labels.add(" ".join(match.group("label").split()).lower())
    return sorted(labels)


def summary_line_pattern(labels: Iterable[str]) -> re.Pattern:
    """A line "<label>: <anything>", its answer to be redacted (the longest label first)."""
    choices = "|".join(r"\s+".join(re.escape(word) for word in label.split())
                       for label in sorted(set(labels), key=len, reverse=True))
    return re.compile(r"(?im)^([^\w\n]*(?:" + choices + r")\s*:[ \t]*)\S.*$")


@functools.lru_cache(maxsize=1)
def summary_line() -> re.Pattern:
    labels = list(ENGLISH_LABELS)
    try:
        labels += response_labels(load_domain())
    except Exception as error:  # noqa: BLE001 - an unreadable domain must not stop redaction: English only
        logger.warning("summary labels not read from the domain error=%s", type(error).__name__)
    return summary_line_pattern(labels)


def redact_patterns(text: str) -> str:
    text = summary_line().sub(lambda match: match.group(1) + REDACTED, text or "")
    text = SELF_NAMED.sub(lambda match: match.group(1) + " " + REDACTED, text)
    return PHONE.sub(REDACTED, EMAIL.sub(REDACTED, text))


def known_values(turns: Iterable[Dict[str, Any]]) -> List[str]:
    """The personal slots' values this conversation holds, longest first, with the parts of
    a name: removed wherever they appear (redact_known)."""
    values = set()
    for turn in turns:
        if turn["kind"] == "slot" and turn["name"] in PERSONAL_SLOTS and turn["value"] is not None:
            value = str(turn["value"]).strip()
            values.add(value)
            if turn["name"] == "requester_name":
                values.update(value.split())
    return sorted((v for v in values if len(v) >= MIN_KNOWN_LENGTH and not v.isdigit()), key=len, reverse=True)


def typed_answers(turns: Iterable[Dict[str, Any]]) -> List[str]:
    """What the user typed as answers to personal questions (the form may have refused them):
    removed only where one appears whole (redact_answers), never as words inside other text."""
    return sorted({_normal(turn["text"] or "") for turn in turns
                   if turn["kind"] == "user" and turn.get("asked") in PERSONAL_SLOTS} - {""})


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def redact_answers(text: str, answers: Sequence[str]) -> str:
    """The text, with every line that is one of `answers` whole (any case and spacing) redacted."""
    if not answers or not text:
        return text
    wanted = set(answers)
    if _normal(text) in wanted:
        return REDACTED
    lines = text.split("\n")
    return "\n".join(REDACTED if _normal(line) in wanted else line for line in lines)


def redact_known(text: str, values: List[str], answers: Sequence[str] = ()) -> str:
    """`values` removed wherever they appear (whole words), `answers` where they are a whole
    line or the whole text."""
    text = redact_answers(text, answers)
    for value in values:
        text = re.sub(r"(?<!\w)" + re.escape(value) + r"(?!\w)", REDACTED, text, flags=re.IGNORECASE)
    return text


def redact_turn_text(turn: Dict[str, Any], values: List[str], answers: Sequence[str] = ()) -> str:
    """The text of one user, bot or slot turn as a redacted export shows it."""
    if turn["kind"] == "slot":
        if turn["name"] in PERSONAL_SLOTS:
            return f"{turn['name']}={REDACTED}"
        value = "" if turn["value"] is None else str(turn["value"])
        return f"{turn['name']}={redact_patterns(redact_known(value, values, answers))}"
    if turn["kind"] == "user" and turn.get("asked") in PERSONAL_SLOTS:
        return REDACTED  # the answer to a personal question, whatever it looks like
    return redact_patterns(redact_known(turn["text"] or "", values, answers))
