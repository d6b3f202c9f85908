"""Transcript export as CSV or JSON, with contact details redacted unless an admin asks."""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Dict, Iterable, List

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")
CONTACT_SLOTS = {"contact", "requester_name"}
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    return PHONE.sub(REDACTED, EMAIL.sub(REDACTED, text or ""))


def export_rows(transcripts: Iterable[Dict[str, Any]], redact: bool) -> List[Dict[str, Any]]:
    rows: List[Dict[str, Any]] = []
    for conversation in transcripts:
        for turn in conversation["turns"]:
            if turn["kind"] not in ("user", "bot", "slot"):
                continue
            if turn["kind"] == "slot":
                value = "" if turn["value"] is None else str(turn["value"])
                if redact and turn["name"] in CONTACT_SLOTS:
                    value = REDACTED
                text = f"{turn['name']}={value}"
            else:
                text = turn["text"]
            rows.append({
                "conversation": conversation["sender_id"],
                "timestamp": turn["ts"],
                "speaker": turn["kind"],
                "text": redact_text(text) if redact else text,
                "intent": turn.get("intent") or "",
                "confidence": turn.get("confidence") if turn.get("confidence") is not None else "",
            })
    return rows


def to_csv(rows: List[Dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["conversation", "timestamp", "speaker", "text", "intent",
                                                "confidence"])
    writer.writeheader()
    for row in rows:
        # A leading =, +, - or @ would run as a formula in a spreadsheet.
        safe = {key: ("'" + value if isinstance(value, str) and value[:1] in "=+-@" else value)
                for key, value in row.items()}
        writer.writerow(safe)
    return buffer.getvalue()


def to_json(rows: List[Dict[str, Any]]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)
