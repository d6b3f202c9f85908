"""Finding personal data in text, and naming a conversation without its id (ids can be phone
numbers). The action server reads contacts with these patterns; the console redacts with them."""
from __future__ import annotations

import hashlib
import re

EMAIL = re.compile(
    r"(?<![\w.+'-])[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")


def conversation_tag(sender_id: str) -> str:
    """A short, stable, non-identifying tag for logs and the audit log."""
    return hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:12]


def pseudonym(sender_id: str) -> str:
    """How a conversation is named where its id must not appear (exports, anonymised rows)."""
    return "conversation#" + conversation_tag(sender_id)
