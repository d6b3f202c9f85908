"""Cleaning of free text typed by users, shared by the actions.

The booking form's answers are read by `actions/answers.py`; this module only cleans text
before it is stored or echoed.
"""
from __future__ import annotations

import unicodedata
from typing import Optional


def normalise_text(text: Optional[str], max_length: int) -> Optional[str]:
    """Strips control characters and extra spaces; None if empty, too long or a payload."""
    if not isinstance(text, str):
        return None
    cleaned = "".join(
        " " if unicodedata.category(char).startswith("C") else char for char in text
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned or len(cleaned) > max_length or cleaned.startswith("/"):
        return None
    return cleaned
