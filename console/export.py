"""Transcript export as CSV or JSON, with personal details redacted unless an admin asks.

Each row names its conversation's language (`language`: en | id | other) and, for what the user
wrote, the message's own (`message_language`: en, id, other, or empty when unknown). A too-long
message's row has the whole message (its first 20,000 characters), not only the part the
assistant read (rasa_server/limits.py); its intent is the part's."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any, Dict, Iterable, List

from console.redaction import (
    EMAIL,
    PHONE,
    REDACTED,
    known_values,
    pseudonym,
    redact_patterns,
    redact_turn_text,
    typed_answers,
)

__all__ = ["REDACTED", "csv_part", "export_rows", "json_part", "redact_text", "to_csv", "to_json"]
# A cell starting with one of these runs as a formula in a spreadsheet (tab and CR too:
# some spreadsheets strip them and read what follows).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FIELDS = ("conversation", "timestamp", "speaker", "text", "intent", "confidence")
LANGUAGE_FIELDS = ("language", "message_language")


def redact_text(text: str) -> str:
    return redact_patterns(text)


def _conversation_name(sender_id: str, redact: bool) -> str:
    # Twilio and WhatsApp ids are phone numbers: a redacted export names those by a hash.
    if redact and (EMAIL.search(sender_id) or PHONE.search(sender_id)):
        return pseudonym(sender_id)
    return sender_id


def export_rows(transcripts: Iterable[Dict[str, Any]], redact: bool) -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    for conversation in transcripts:
        turns = [turn for turn in conversation["turns"] if turn["kind"] in ("user", "bot", "slot")]
        values = known_values(turns) if redact else []
        answers = typed_answers(turns) if redact else []
        for turn in turns:
            if turn.get("long"):  # a too-long message: what the user wrote, not only the part read
                turn = {**turn, "text": turn["long"]["text"]}
            if redact:
                text = redact_turn_text(turn, values, answers)
            elif turn["kind"] == "slot":
                text = f"{turn['name']}={'' if turn['value'] is None else turn['value']}"
            else:
                text = turn["text"]
            if turn.get("button"):  # a button press reads as the button's title, not its payload
                text = f"[pressed “{turn['button']}”]"
            rows.append({
                "conversation": _conversation_name(conversation["sender_id"], redact),
                "timestamp": _iso(turn["ts"]),
                # A staff member's reply during a take-over is theirs, not the assistant's.
                "speaker": "staff" if turn.get("agent") else turn["kind"],
                "text": text,
                "intent": turn.get("intent") or "",
                "confidence": turn.get("confidence") if turn.get("confidence") is not None else "",
                "language": conversation.get("language") or "",
                "message_language": (turn.get("language") or "") if turn["kind"] == "user" else "",
            })
    return rows


def _iso(timestamp: Any) -> str:
    """'2026-11-27T21:53:04Z': what a spreadsheet and a person read (UTC)."""
    if not isinstance(timestamp, (int, float)):
        return ""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def defuse(value: Any) -> Any:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(rows: List[Dict[str, Any]]) -> str:
    buffer = io.StringIO()
    # The language columns when the rows have them (export_rows gives them; older callers not).
    fields = list(FIELDS) + [name for name in LANGUAGE_FIELDS if any(name in row for row in rows)]
    writer = csv.DictWriter(buffer, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow({key: defuse(value) for key, value in row.items()})
    return buffer.getvalue()


def to_json(rows: List[Dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)


# --- in parts: a long export is streamed, a few conversations at a time -------------------------

def csv_part(rows: List[Dict[str, Any]], header: bool) -> str:
    """Rows of export_rows as CSV lines, after the header line when `header`: the parts
    joined are to_csv of all the rows."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(FIELDS) + list(LANGUAGE_FIELDS))
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow({key: defuse(value) for key, value in row.items()})
    return buffer.getvalue()


JSON_START, JSON_END = "[", "\n]"


def json_part(rows: List[Dict[str, Any]], first: bool) -> str:
    """Rows as the inside of a JSON list, laid out as to_json lays them out; `first`: no comma
    before them. Between JSON_START and JSON_END the parts are one JSON list."""
    parts = []
    for number, row in enumerate(rows):
        text = json.dumps(row, ensure_ascii=False, indent=1).replace("\n", "\n ")
        parts.append(("" if first and number == 0 else ",") + "\n " + text)
    return "".join(parts)
